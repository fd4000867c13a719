"""Hash-chained events through the services: append, tamper, correct, recall."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import delete, select, update

from tests.factories import make_farm, make_lot, make_product, make_stall
from traceability import services as trace
from traceability.events import EventError
from traceability.models import LotStatus, TraceEvent
from traceability.timeline import timeline

HARVEST = {"quantity": 120, "unit": "kg"}
SPRAY = {
    "input_type": "pesticide",
    "product": "Thuốc trừ sâu sinh học Bt",
    "dose": "2,5",
    "dose_unit": "ml/bình 16 l",
    "phi_days": 7,
}


@pytest.fixture
def stall(db_session):
    return make_stall(db_session)


@pytest.fixture
def farm(db_session, stall):
    return make_farm(db_session, stall, name="Vườn chè nhà ông Tư")


@pytest.fixture
def lot(db_session, stall, farm):
    product = make_product(db_session, stall, gtin="8934567890120")
    return make_lot(
        db_session,
        product,
        code="TC2025-07",
        farms=[farm],
        harvest_date=date(2025, 7, 1),
        expiry_date=date(2026, 7, 1),
    )


def _events(session, lot):
    return list(
        session.scalars(
            select(TraceEvent).where(TraceEvent.lot_id == lot.id).order_by(TraceEvent.seq)
        )
    )


def test_events_form_a_chain_that_verifies_after_a_round_trip(db_session, lot, farm):
    trace.add_event(db_session, lot, "harvest", event_time=date(2025, 7, 1), details=HARVEST)
    trace.add_event(
        db_session, lot, "input", event_time=datetime(2025, 6, 20, 7, 0), farm=farm, details=SPRAY
    )
    trace.add_event(
        db_session,
        lot,
        "packing",
        event_time=datetime.now(UTC),
        details={"package": "hộp 500 g", "count": 240},
    )
    db_session.commit()
    db_session.expire_all()
    rows = _events(db_session, lot)
    assert [r.seq for r in rows] == [1, 2, 3]
    assert rows[0].prev_hash == trace.GENESIS
    assert [r.prev_hash for r in rows[1:]] == [r.hash for r in rows[:-1]]
    assert rows[0].farm_id == farm.id  # the lot's only farm is the default
    assert rows[1].details["dose"] == 2.5
    # A date is that day's noon in Vietnam; a naive time is Vietnam time.
    assert trace_utc(rows[0].event_time) == datetime(2025, 7, 1, 5, 0, tzinfo=UTC)
    assert trace_utc(rows[1].event_time) == datetime(2025, 6, 20, 0, 0, tzinfo=UTC)
    assert trace.verify_lot(db_session, lot.id) == trace.ChainReport(True, None, 3)


def trace_utc(value: datetime) -> datetime:
    """Return a stored datetime as aware UTC (SQLite gives naive UTC back)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def test_sql_tampering_is_reported_at_the_changed_event(db_session, lot, stall):
    other = make_lot(db_session, make_product(db_session, stall))
    for n in range(3):
        trace.add_event(
            db_session,
            lot,
            "harvest",
            event_time=date(2025, 7, 1 + n),
            details={"quantity": 10 + n},
        )
    trace.add_event(db_session, other, "harvest", event_time=date(2025, 7, 1))
    db_session.commit()
    # Someone with database access "improves" the harvest figure of the second event.
    db_session.execute(
        update(TraceEvent)
        .where(TraceEvent.lot_id == lot.id, TraceEvent.seq == 2)
        .values(details={"quantity": 500})
        .execution_options(synchronize_session=False)
    )
    db_session.commit()
    assert trace.verify_lot(db_session, lot.id) == trace.ChainReport(False, 2, 3)
    reports = dict(trace.verify_all(db_session))
    assert reports[lot.id].broken_at_seq == 2
    assert reports[other.id].ok


def test_deleting_an_event_is_reported(db_session, lot):
    for n in range(3):
        trace.add_event(db_session, lot, "harvest", event_time=date(2025, 7, 1 + n))
    db_session.execute(delete(TraceEvent).where(TraceEvent.lot_id == lot.id, TraceEvent.seq == 2))
    db_session.commit()
    assert trace.verify_lot(db_session, lot.id) == trace.ChainReport(False, 3, 2)


@pytest.mark.parametrize("newest", [1, 2])
def test_deleting_the_newest_events_is_reported(db_session, lot, newest):
    for n in range(3):
        trace.add_event(db_session, lot, "harvest", event_time=date(2025, 7, 1 + n))
    db_session.execute(
        delete(TraceEvent).where(TraceEvent.lot_id == lot.id, TraceEvent.seq > 3 - newest)
    )
    db_session.commit()
    assert not trace.verify_lot(db_session, lot.id).ok
    assert not dict(trace.verify_all(db_session))[lot.id].ok


def test_deleting_every_event_is_reported(db_session, lot):
    trace.add_event(db_session, lot, "harvest", event_time=date(2025, 7, 1))
    db_session.execute(delete(TraceEvent).where(TraceEvent.lot_id == lot.id))
    db_session.commit()
    assert not trace.verify_lot(db_session, lot.id).ok
    assert not dict(trace.verify_all(db_session))[lot.id].ok


def test_verify_all_lists_lots_without_events_as_intact(db_session, lot):
    assert dict(trace.verify_all(db_session))[lot.id] == trace.ChainReport(True, None, 0)


@pytest.mark.parametrize(
    ("kind", "kwargs", "field", "code"),
    [
        ("recall", {}, "kind", "unknown_kind"),
        ("correction", {}, "kind", "unknown_kind"),
        (
            "harvest",
            {"event_time": datetime.now(UTC) + timedelta(days=3)},
            "event_time",
            "in_future",
        ),
    ],
)
def test_add_event_refuses_reserved_kinds_and_future_times(
    db_session, lot, kind, kwargs, field, code
):
    kwargs = {"event_time": date(2025, 7, 1), **kwargs}
    with pytest.raises(trace.TraceError) as caught:
        trace.add_event(db_session, lot, kind, **kwargs)
    assert (caught.value.field, caught.value.code) == (field, code)


def test_add_event_checks_details_farms_and_input_lots(db_session, lot, stall):
    with pytest.raises(EventError):
        trace.add_event(db_session, lot, "input", event_time=date(2025, 7, 1), details={})
    stranger_stall = make_stall(db_session)
    with pytest.raises(trace.TraceError) as caught:
        trace.add_event(
            db_session,
            lot,
            "harvest",
            event_time=date(2025, 7, 1),
            farm=make_farm(db_session, stranger_stall),
        )
    assert caught.value.code == "farm_not_in_stall"
    foreign = make_lot(db_session, make_product(db_session, stranger_stall))
    own = make_lot(db_session, make_product(db_session, stall))
    for bad in (foreign.id, lot.id, 999_999):
        with pytest.raises(trace.TraceError) as caught:
            trace.add_event(
                db_session,
                lot,
                "processing",
                event_time=date(2025, 7, 2),
                details={"process": "Sao chè", "inputs": [{"lot_id": bad}]},
            )
        assert caught.value.code == "input_lot_unknown"
    event = trace.add_event(
        db_session,
        lot,
        "processing",
        event_time=date(2025, 7, 2),
        details={"process": "Sao chè", "inputs": [{"lot_id": own.id}]},
    )
    assert event.details["inputs"] == [{"lot_id": own.id}]
    assert _events(db_session, lot) == [event]  # nothing half-written by the refusals


def test_corrections_append_and_never_edit(db_session, lot):
    harvest = trace.add_event(
        db_session, lot, "harvest", event_time=date(2025, 7, 1), details=HARVEST
    )
    spray = trace.add_event(db_session, lot, "input", event_time=date(2025, 6, 20), details=SPRAY)
    original = (harvest.hash, dict(harvest.details))
    fix = trace.correct_event(
        db_session,
        lot,
        harvest.id,
        "incorrect_data",
        None,
        replacement={"quantity": 95, "unit": "kg"},
        note="Cân lại",
    )
    gone = trace.correct_event(db_session, lot, spray.id, "did_not_occur", None)
    db_session.commit()
    assert (harvest.hash, harvest.details) == original
    assert (fix.seq, fix.kind, fix.corrects_event_id) == (3, "correction", harvest.id)
    assert (fix.event_type, fix.action, fix.biz_step) == ("ObjectEvent", "ADD", "commissioning")
    assert fix.details == {
        "kind": "harvest",
        "reason": "incorrect_data",
        "note": "Cân lại",
        "replacement": {"quantity": 95, "unit": "kg"},
    }
    assert gone.details == {"kind": "input", "reason": "did_not_occur"}
    assert trace.verify_lot(db_session, lot.id).ok
    entries = {(e.event.id, e.kind): e for e in timeline(_events(db_session, lot))}
    assert entries[(harvest.id, "harvest")].corrected
    assert entries[(fix.id, "harvest")].details == {"quantity": 95, "unit": "kg"}
    assert entries[(fix.id, "harvest")].correction_of == harvest
    assert entries[(spray.id, "input")].did_not_occur
    assert gone.id not in {e.event.id for e in entries.values()}
    # A correction can itself be corrected, but an event is corrected only once.
    with pytest.raises(trace.TraceError, match="latest"):
        trace.correct_event(db_session, lot, harvest.id, "did_not_occur", None)
    db_session.expire_all()
    stored = _events(db_session, lot)  # read back from the database (naive UTC on SQLite)
    again = trace.correct_event(
        db_session, lot, fix.id, "incorrect_data", None, replacement={"quantity": 96, "unit": "kg"}
    )
    assert again.details["kind"] == "harvest" and again.corrects_event_id == fix.id
    mixed = timeline([*stored, again])  # stored rows and a just-added one sort together
    assert mixed[-1].event is again  # same time as the harvest it corrects, later seq
    assert all(e.event_time.tzinfo is not None for e in mixed)
    assert [e.corrected for e in mixed if e.event is fix] == [True]


@pytest.mark.parametrize(
    ("reason", "replacement", "field", "code"),
    [
        ("typo", None, "reason", "bad_reason"),
        ("incorrect_data", None, "replacement", "required"),
        ("did_not_occur", {"quantity": 1}, "replacement", "not_allowed"),
    ],
)
def test_bad_corrections_are_refused(db_session, lot, reason, replacement, field, code):
    harvest = trace.add_event(db_session, lot, "harvest", event_time=date(2025, 7, 1))
    with pytest.raises(trace.TraceError) as caught:
        trace.correct_event(db_session, lot, harvest.id, reason, None, replacement=replacement)
    assert (caught.value.field, caught.value.code) == (field, code)


def test_events_of_another_lot_cannot_be_corrected_through_this_one(db_session, lot, stall):
    other = make_lot(db_session, make_product(db_session, stall))
    foreign = trace.add_event(db_session, other, "harvest", event_time=date(2025, 7, 1))
    with pytest.raises(trace.TraceError) as caught:
        trace.correct_event(db_session, lot, foreign.id, "did_not_occur", None)
    assert caught.value.code == "not_found"


def test_recall_marks_the_lot_and_appends_a_recall_event(db_session, lot):
    trace.add_event(db_session, lot, "harvest", event_time=date(2025, 7, 1))
    event = trace.recall_lot(db_session, lot, "Dư lượng thuốc vượt ngưỡng", None)
    db_session.commit()
    assert lot.status == LotStatus.RECALLED
    assert lot.recall_reason == "Dư lượng thuốc vượt ngưỡng"
    assert (event.seq, event.kind, event.disposition) == (2, "recall", "recalled")
    assert trace.verify_lot(db_session, lot.id).ok
    with pytest.raises(trace.TraceError) as caught:
        trace.recall_lot(db_session, lot, "again", None)
    assert caught.value.code == "already_recalled"
    with pytest.raises(trace.TraceError) as caught:
        trace.correct_event(db_session, lot, event.id, "did_not_occur", None)
    assert caught.value.code == "recall_final"
