"""Per-unit serials, scan counting without raw IPs, and counterfeit warning signs."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import distinct, func, select, update
from sqlalchemy.orm import Session

from catalog.models import Product
from marketplace.db import as_utc, utcnow
from traceability.lots import TraceError
from traceability.models import Lot, TraceScan, TraceUnit

MAX_UNITS_PER_CALL = 10_000
UNIT_VISITOR_THRESHOLD = 3  # distinct visitors of one serial before it looks copied


@dataclass(frozen=True)
class ScanResult:
    """What a scan changed: the counts after it and when the code was first scanned."""

    lot_scans: int
    unit_scans: int | None
    first_scanned_at: datetime  # of the unit when there is one, else of the lot
    first_scan: bool


@dataclass(frozen=True)
class Anomaly:
    """A warning sign on a lot or unit: `observed` scanners against `expected` at most."""

    kind: str  # lot_visitors_exceed_units, unit_many_visitors
    lot_id: int
    unit_id: int | None
    observed: int
    expected: int


def issue_units(session: Session, lot: Lot, count: int) -> list[TraceUnit]:
    """Create `count` serialised units with random, unguessable serials (16 characters)."""
    if not 1 <= count <= MAX_UNITS_PER_CALL:
        raise TraceError("count", "out_of_range", f"Issue 1 to {MAX_UNITS_PER_CALL} units")
    # 96 random bits in URL-safe Base64: within GS1's 20-character set for AI (21), and a
    # counterfeiter cannot guess serials that have not been printed.
    units = [TraceUnit(lot_id=lot.id, serial=secrets.token_urlsafe(12)) for _ in range(count)]
    session.add_all(units)
    session.flush()
    return units


def _bump(session: Session, model: type[Lot] | type[TraceUnit], row_id: int, now: datetime):
    # One UPDATE so concurrent scans never lose a count (no read-modify-write in Python).
    statement = (
        update(model)
        .where(model.id == row_id)
        .values(
            scan_count=model.scan_count + 1,
            first_scanned_at=func.coalesce(model.first_scanned_at, now),
        )
        .returning(model.scan_count, model.first_scanned_at)
        .execution_options(synchronize_session=False)
    )
    return session.execute(statement).one()


def record_scan(
    session: Session, lot: Lot, unit: TraceUnit | None, visitor_hash: str
) -> ScanResult:
    """Count one scan of a lot (and unit) and log it under the visitor's hash."""
    now = utcnow()
    lot_count, lot_first = _bump(session, Lot, lot.id, now)
    unit_count = unit_first = None
    if unit is not None:
        unit_count, unit_first = _bump(session, TraceUnit, unit.id, now)
        session.expire(unit, ["scan_count", "first_scanned_at"])
    session.expire(lot, ["scan_count", "first_scanned_at"])
    session.add(
        TraceScan(
            lot_id=lot.id,
            unit_id=unit.id if unit else None,
            scanned_at=now,
            visitor=visitor_hash[:16],
        )
    )
    session.flush()
    first = unit_first if unit is not None else lot_first
    count = unit_count if unit is not None else lot_count
    return ScanResult(lot_count, unit_count, as_utc(first), count == 1)


def visitor_hash(ip: str, user_agent: str, salt: str | bytes, day: date) -> str:
    """Return a salted HMAC of the visitor for one day, 16 hex digits; the IP is not kept."""
    key = salt.encode() if isinstance(salt, str) else salt
    # The day is in the message so one person's scans cannot be linked across days.
    message = f"{day.isoformat()}\n{ip}\n{user_agent}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:16]


def scan_anomalies(
    session: Session, stall_id: int, *, unit_threshold: int = UNIT_VISITOR_THRESHOLD
) -> list[Anomaly]:
    """Return a stall's lots and units whose scans suggest copied labels, worst first."""
    lots = (
        select(Lot.id)
        .join(Product, Product.id == Lot.product_id)
        .where(Product.stall_id == stall_id)
    )
    visitors = dict(
        session.execute(
            select(TraceScan.lot_id, func.count(distinct(TraceScan.visitor)))
            .where(TraceScan.lot_id.in_(lots))
            .group_by(TraceScan.lot_id)
        ).all()
    )
    units = dict(
        session.execute(
            select(TraceUnit.lot_id, func.count(TraceUnit.id))
            .where(TraceUnit.lot_id.in_(lots))
            .group_by(TraceUnit.lot_id)
        ).all()
    )
    quantities = dict(
        session.execute(
            select(Lot.id, Lot.quantity).where(Lot.id.in_(lots), Lot.quantity.is_not(None))
        ).all()
    )
    found = []
    for lot_id, seen in visitors.items():
        # Issued serials count the packs exactly; otherwise the lot's quantity is the bound.
        limit = units.get(lot_id, quantities.get(lot_id))
        if limit is not None and seen > limit:
            found.append(Anomaly("lot_visitors_exceed_units", lot_id, None, seen, limit))
    shared = session.execute(
        select(TraceScan.lot_id, TraceScan.unit_id, func.count(distinct(TraceScan.visitor)))
        .where(TraceScan.lot_id.in_(lots), TraceScan.unit_id.is_not(None))
        .group_by(TraceScan.lot_id, TraceScan.unit_id)
        .having(func.count(distinct(TraceScan.visitor)) >= unit_threshold)
    ).all()
    found += [Anomaly("unit_many_visitors", lot, unit, n, 1) for lot, unit, n in shared]
    return sorted(found, key=lambda a: (a.observed - a.expected, a.observed), reverse=True)
