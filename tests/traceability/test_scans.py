"""Serialised units, scan counting without IP addresses, and counterfeit warning signs."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from tests.factories import make_lot, make_product, make_stall
from traceability import services as trace
from traceability.gs1 import check_value
from traceability.models import TraceScan


@pytest.fixture
def stall(db_session):
    return make_stall(db_session)


@pytest.fixture
def lot(db_session, stall):
    return make_lot(db_session, make_product(db_session, stall, gtin="8934567890120"), quantity=2)


def test_units_get_distinct_random_serials_that_fit_gs1_ai_21(db_session, lot):
    units = trace.issue_units(db_session, lot, 50)
    serials = [u.serial for u in units]
    assert len(set(serials)) == 50
    for serial in serials:
        check_value("21", serial)  # ≤ 20 characters of the GS1 character set
        assert len(serial) == 16  # 96 random bits
    for count in (0, 10_001):
        with pytest.raises(trace.TraceError) as caught:
            trace.issue_units(db_session, lot, count)
        assert caught.value.code == "out_of_range"


def test_scans_count_up_and_remember_the_first_scan(db_session, lot):
    unit = trace.issue_units(db_session, lot, 1)[0]
    first = trace.record_scan(db_session, lot, unit, "a" * 16)
    second = trace.record_scan(db_session, lot, unit, "b" * 16)
    lot_only = trace.record_scan(db_session, lot, None, "c" * 16)
    db_session.commit()
    assert (first.first_scan, first.unit_scans, first.lot_scans) == (True, 1, 1)
    assert (second.first_scan, second.unit_scans, second.lot_scans) == (False, 2, 2)
    assert second.first_scanned_at == first.first_scanned_at
    assert (lot_only.unit_scans, lot_only.lot_scans, lot_only.first_scan) == (None, 3, False)
    db_session.refresh(lot)
    db_session.refresh(unit)
    assert (lot.scan_count, unit.scan_count) == (3, 2)
    assert unit.first_scanned_at is not None
    visitors = db_session.scalars(select(TraceScan.visitor).order_by(TraceScan.id)).all()
    assert visitors == ["a" * 16, "b" * 16, "c" * 16]


def test_visitor_hashes_are_short_salted_daily_and_never_contain_the_ip():
    ip, agent = "203.113.152.7", "Mozilla/5.0 (Linux; Android 10; Redmi 9A)"
    value = trace.visitor_hash(ip, agent, "salt-1", date(2025, 7, 1))
    assert re.fullmatch(r"[0-9a-f]{16}", value)
    assert ip not in value and "203113152" not in value
    assert value == trace.visitor_hash(ip, agent, b"salt-1", date(2025, 7, 1))
    assert value != trace.visitor_hash(ip, agent, "salt-2", date(2025, 7, 1))
    assert value != trace.visitor_hash(ip, agent, "salt-1", date(2025, 7, 2))
    assert value != trace.visitor_hash("203.113.152.8", agent, "salt-1", date(2025, 7, 1))


def test_stored_scans_hold_no_ip_address(db_session, lot):
    ip = "203.113.152.7"
    trace.record_scan(db_session, lot, None, trace.visitor_hash(ip, "UA", "s", date(2025, 7, 1)))
    db_session.commit()
    stored = db_session.scalars(select(TraceScan.visitor)).all()
    assert stored and all(ip not in v and len(v) == 16 for v in stored)


def test_anomalies_flag_more_visitors_than_goods_and_shared_serials(db_session, stall, lot):
    quiet = make_lot(db_session, make_product(db_session, stall), quantity=100)
    elsewhere = make_lot(db_session, make_product(db_session, make_stall(db_session)), quantity=1)
    for visitor in ("v1", "v2", "v3"):
        trace.record_scan(db_session, lot, None, visitor)  # quantity 2, three visitors
        trace.record_scan(db_session, quiet, None, visitor)
        trace.record_scan(db_session, elsewhere, None, visitor)
    trace.record_scan(db_session, lot, None, "v1")  # a repeat visitor is not a new one
    unit_lot = make_lot(db_session, make_product(db_session, stall), quantity=None)
    copied, honest = trace.issue_units(db_session, unit_lot, 2)
    for visitor in ("u1", "u2", "u3", "u4"):
        trace.record_scan(db_session, unit_lot, copied, visitor)
    trace.record_scan(db_session, unit_lot, honest, "u5")
    db_session.commit()
    found = trace.scan_anomalies(db_session, stall.id)
    assert trace.Anomaly("lot_visitors_exceed_units", lot.id, None, 3, 2) in found
    assert trace.Anomaly("lot_visitors_exceed_units", unit_lot.id, None, 5, 2) in found
    assert trace.Anomaly("unit_many_visitors", unit_lot.id, copied.id, 4, 1) in found
    assert {a.lot_id for a in found} == {lot.id, unit_lot.id}  # not quiet, not elsewhere
    assert found[0].observed - found[0].expected == max(a.observed - a.expected for a in found)
