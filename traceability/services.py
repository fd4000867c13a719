"""Record-keeping services for lots, links and hash-chained events (flush, never commit)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta, timezone
from itertools import groupby
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from catalog.fields import text
from catalog.models import Product
from marketplace.db import utcnow
from traceability.chain import GENESIS, ChainReport, canonical_json, event_fields, event_hash
from traceability.chain import verify_chain as _verify_chain
from traceability.epcis import epcis_document, lot_class_uri
from traceability.events import (
    CORRECTION,
    ERROR_REASONS,
    KINDS,
    PRESETS,
    RECALL,
    clean_details,
)
from traceability.lots import (  # noqa: F401 - one import point for callers
    TraceError,
    create_lot,
    ensure_lot_link,
    ensure_product_link,
)
from traceability.models import Farm, Lot, LotLink, LotStatus, TraceEvent
from traceability.scans import (  # noqa: F401 - one import point for callers
    Anomaly,
    ScanResult,
    issue_units,
    record_scan,
    scan_anomalies,
    visitor_hash,
)
from traceability.timeline import effective_details, effective_kind

VIETNAM = timezone(timedelta(hours=7))
_APPEND_ATTEMPTS = 5


def _as_utc(moment: datetime | date) -> datetime:
    """Return an aware UTC datetime; dates and naive times are Vietnam local time."""
    if not isinstance(moment, datetime):
        moment = datetime.combine(moment, time(12, 0))  # a day picked on a form: its noon
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=VIETNAM)
    return moment.astimezone(UTC)


def _stall_id(session: Session, lot: Lot) -> int:
    return session.scalar(select(Product.stall_id).where(Product.id == lot.product_id))


def _append(
    session: Session,
    lot: Lot,
    kind: str,
    spec_kind: str,
    *,
    event_time: datetime,
    farm_id: int | None,
    actor_id: int | None,
    details: dict[str, Any],
    corrects_event_id: int | None = None,
) -> TraceEvent:
    """Append one event at the head of the lot's chain, never forking it."""
    spec = KINDS[spec_kind]
    for _ in range(_APPEND_ATTEMPTS):
        # PostgreSQL: the row lock queues concurrent writers of one lot. Elsewhere the
        # (lot_id, seq) unique constraint catches a race and we re-read the head.
        session.execute(select(Lot.id).where(Lot.id == lot.id).with_for_update())
        head = session.execute(
            select(TraceEvent.seq, TraceEvent.hash)
            .where(TraceEvent.lot_id == lot.id)
            .order_by(TraceEvent.seq.desc())
            .limit(1)
        ).first()
        event = TraceEvent(
            lot_id=lot.id,
            seq=head.seq + 1 if head else 1,
            kind=kind,
            event_type=spec.event_type,
            action=spec.action,
            biz_step=spec.biz_step,
            disposition=spec.disposition,
            event_time=event_time,
            recorded_at=utcnow(),
            farm_id=farm_id,
            recorded_by_id=actor_id,
            corrects_event_id=corrects_event_id,
            details=details,
            prev_hash=head.hash if head else GENESIS,
        )
        event.hash = event_hash(event.prev_hash, canonical_json(event_fields(event)))
        try:
            with session.begin_nested():
                session.add(event)
        except IntegrityError:
            clash = select(TraceEvent.id).where(
                TraceEvent.lot_id == lot.id, TraceEvent.seq == event.seq
            )
            if session.scalar(clash) is None:
                raise  # not a race for the seq: a real integrity problem
            continue
        lot.chain_length, lot.chain_head = event.seq, event.hash
        session.flush()
        return event
    raise TraceError("event", "busy", "Too many people are recording events for this lot")


def _farm_id(session: Session, lot: Lot, farm: Farm | None) -> int | None:
    if farm is None:
        # One origin farm is the obvious place; with several the seller must choose.
        return lot.farms[0].id if len(lot.farms) == 1 else None
    if farm.stall_id != _stall_id(session, lot):
        raise TraceError("farm", "farm_not_in_stall", "The farm belongs to another stall")
    return farm.id


def _check_inputs(session: Session, lot: Lot, details: dict[str, Any]) -> None:
    ids = {i["lot_id"] for i in details.get("inputs", []) if "lot_id" in i}
    if not ids:
        return
    rows = session.execute(
        select(Lot.id, Product.stall_id).join(Product).where(Lot.id.in_(ids))
    ).all()
    stall = _stall_id(session, lot)
    if lot.id in ids or len(rows) != len(ids) or any(s != stall for _, s in rows):
        raise TraceError("inputs", "input_lot_unknown", "An input lot is not one of yours")


def add_event(
    session: Session,
    lot: Lot,
    kind: str,
    *,
    event_time: datetime | date,
    farm: Farm | None = None,
    actor_id: int | None = None,
    details: Mapping[str, Any] | None = None,
) -> TraceEvent:
    """Validate and append a preset event (harvest, input, processing …) to a lot's chain."""
    if kind not in PRESETS:
        raise TraceError("kind", "unknown_kind", f"{kind!r} is not an event type you can add")
    moment = _as_utc(event_time)
    if moment > utcnow() + timedelta(days=1):
        raise TraceError("event_time", "in_future", "An event cannot happen in the future")
    cleaned = clean_details(kind, details)
    _check_inputs(session, lot, cleaned)
    return _append(
        session,
        lot,
        kind,
        kind,
        event_time=moment,
        farm_id=_farm_id(session, lot, farm),
        actor_id=actor_id,
        details=cleaned,
    )


def correct_event(
    session: Session,
    lot: Lot,
    event_id: int,
    reason: str,
    actor_id: int | None,
    *,
    replacement: Mapping[str, Any] | None = None,
    event_time: datetime | date | None = None,
    farm: Farm | None = None,
    note: str = "",
) -> TraceEvent:
    """Append a correction declaring an earlier event wrong (the original is never edited)."""
    target = session.get(TraceEvent, event_id)
    if target is None or target.lot_id != lot.id:
        raise TraceError("event", "not_found", "No such event in this lot")
    if target.kind == RECALL:
        raise TraceError("event", "recall_final", "A recall cannot be corrected")
    taken = select(TraceEvent.id).where(TraceEvent.corrects_event_id == target.id)
    if session.scalar(taken) is not None:
        raise TraceError("event", "already_corrected", "Correct the latest correction instead")
    if reason not in ERROR_REASONS:
        raise TraceError("reason", "bad_reason", f"Reason must be one of {ERROR_REASONS}")
    kind = effective_kind(target)
    details: dict[str, Any] = {"kind": kind, "reason": reason}
    if note.strip():
        details["note"] = text("note", note, max_length=500)
    if reason == "incorrect_data":
        if replacement is None:
            raise TraceError("replacement", "required", "Give the corrected details")
        details["replacement"] = clean_details(kind, replacement)
        _check_inputs(session, lot, details["replacement"])
        moment = _as_utc(event_time) if event_time is not None else target.event_time
        farm_id = _farm_id(session, lot, farm) if farm is not None else target.farm_id
    else:
        if replacement is not None:
            raise TraceError("replacement", "not_allowed", "An event that did not occur has none")
        moment, farm_id = utcnow(), target.farm_id
    return _append(
        session,
        lot,
        CORRECTION,
        kind,
        event_time=moment,
        farm_id=farm_id,
        actor_id=actor_id,
        details=details,
        corrects_event_id=target.id,
    )


def recall_lot(session: Session, lot: Lot, reason: str, actor_id: int | None) -> TraceEvent:
    """Mark a lot recalled and append the recall event shoppers will see."""
    if lot.status == LotStatus.RECALLED:
        raise TraceError("lot", "already_recalled", "This lot is already recalled")
    details = clean_details(RECALL, {"reason": reason})
    lot.status = LotStatus.RECALLED
    lot.recall_reason = details["reason"]
    return _append(
        session,
        lot,
        RECALL,
        RECALL,
        event_time=utcnow(),
        farm_id=None,
        actor_id=actor_id,
        details=details,
    )


def lot_events(session: Session, lot_id: int) -> list[TraceEvent]:
    """Return a lot's events in chain order, freshly read from the database."""
    query = select(TraceEvent).where(TraceEvent.lot_id == lot_id).order_by(TraceEvent.seq)
    # populate_existing: a stale identity map must never vouch for a tampered row.
    return list(session.scalars(query.execution_options(populate_existing=True)))


def verify_lot(session: Session, lot_id: int) -> ChainReport:
    """Check one lot's hash chain as stored now."""
    lot = session.get_one(Lot, lot_id)
    return _verify_chain(lot_events(session, lot_id), lot.chain_length, lot.chain_head)


def verify_all(session: Session) -> list[tuple[int, ChainReport]]:
    """Check every lot's hash chain; lots without events verify trivially."""
    query = select(TraceEvent).order_by(TraceEvent.lot_id, TraceEvent.seq)
    rows = session.scalars(query.execution_options(populate_existing=True, yield_per=1000))
    heads = {
        lot_id: (n, h)
        for lot_id, n, h in session.execute(select(Lot.id, Lot.chain_length, Lot.chain_head))
    }
    reports = {
        lot_id: _verify_chain(group, *heads.get(lot_id, (None, None)))
        for lot_id, group in groupby(rows, lambda e: e.lot_id)
    }
    for lot_id, (length, _head) in heads.items():
        # A lot whose events were all deleted still remembers how many it had.
        reports.setdefault(lot_id, ChainReport(length == 0, 1 if length else None, 0))
    return sorted(reports.items())


def lot_uris(session: Session, lot_ids: Iterable[int], base_url: str) -> dict[int, str]:
    """Return each lot's class-level URI: its Digital Link with a GTIN, else its /t/ link."""
    rows = session.execute(
        select(Lot, Product.gtin, LotLink.token)
        .join(Product, Product.id == Lot.product_id)
        .outerjoin(LotLink, LotLink.lot_id == Lot.id)
        .where(Lot.id.in_(set(lot_ids)))
    ).all()
    uris = {}
    for lot, gtin, token in rows:
        if not gtin and not token:
            token = ensure_lot_link(session, lot).token  # a GTIN removed after the lot was made
        uris[lot.id] = lot_class_uri(base_url, lot.code, gtin=gtin, token=token)
    return uris


def export_epcis(session: Session, lot: Lot, base_url: str) -> dict[str, Any]:
    """Return the lot's events as an EPCIS 2.0 EPCISDocument (JSON-LD dict)."""
    events = lot_events(session, lot.id)
    referenced = {lot.id}
    for event in events:
        inputs = effective_details(event).get("inputs", [])
        referenced |= {i["lot_id"] for i in inputs if "lot_id" in i}
    return epcis_document(lot, events, base_url, lot_uris=lot_uris(session, referenced, base_url))
