"""Queries behind the sellers' lot pages (Flask-free; every query is limited to one stall)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from catalog.models import Product
from marketplace.stalls.models import Stall
from traceability.models import Lot, TraceUnit
from traceability.scans import Anomaly

MAX_LISTED = 200


@dataclass(frozen=True)
class LotRow:
    """A lot as the seller's list shows it."""

    lot: Lot
    product: Product
    units: int


def stall_lot(session: Session, stall: Stall, lot_id: int) -> tuple[Lot, Product] | None:
    """Return a lot of the stall with its product (None for another stall's lot)."""
    row = session.execute(
        select(Lot, Product)
        .join(Product, Product.id == Lot.product_id)
        .where(Lot.id == lot_id, Product.stall_id == stall.id)
    ).first()
    return (row[0], row[1]) if row else None


def stall_lots(session: Session, stall: Stall, product_id: int | None = None) -> list[LotRow]:
    """Return the stall's newest lots (optionally of one product) with their unit counts."""
    query = (
        select(Lot, Product)
        .join(Product, Product.id == Lot.product_id)
        .where(Product.stall_id == stall.id)
        .order_by(Lot.id.desc())
        .limit(MAX_LISTED)
    )
    if product_id is not None:
        query = query.where(Product.id == product_id)
    rows = session.execute(query).all()
    units = dict(
        session.execute(
            select(TraceUnit.lot_id, func.count())
            .where(TraceUnit.lot_id.in_([lot.id for lot, _ in rows]))
            .group_by(TraceUnit.lot_id)
        ).all()
    )
    return [LotRow(lot, product, units.get(lot.id, 0)) for lot, product in rows]


def lot_choices(session: Session, stall: Stall, exclude: int) -> list[tuple[int, str]]:
    """Return (id, "product · lot") of the stall's other lots, as inputs of a transformation."""
    rows = session.execute(
        select(Lot.id, Lot.code, Product.name)
        .join(Product, Product.id == Lot.product_id)
        .where(Product.stall_id == stall.id, Lot.id != exclude)
        .order_by(Lot.id.desc())
        .limit(MAX_LISTED)
    ).all()
    return [(lot_id, f"{name} · {code}") for lot_id, code, name in rows]


def suggest_code(session: Session, product_id: int, day: date) -> str:
    """Suggest a free lot code for the product: the date, then a number (250701-1)."""
    stem = day.strftime("%y%m%d")
    taken = set(
        session.scalars(
            select(Lot.code).where(Lot.product_id == product_id, Lot.code.like(f"{stem}-%"))
        )
    )
    n = 1
    while f"{stem}-{n}" in taken:
        n += 1
    return f"{stem}-{n}"


def lot_units(session: Session, lot: Lot, limit: int = 100) -> list[TraceUnit]:
    """Return a lot's units, the most scanned first."""
    return list(
        session.scalars(
            select(TraceUnit)
            .where(TraceUnit.lot_id == lot.id)
            .order_by(TraceUnit.scan_count.desc(), TraceUnit.id)
            .limit(limit)
        )
    )


def unit_count(session: Session, lot: Lot) -> int:
    """Return how many serial codes a lot has."""
    return session.scalar(select(func.count()).where(TraceUnit.lot_id == lot.id)) or 0


def anomaly_rows(
    session: Session, anomalies: list[Anomaly]
) -> list[tuple[Anomaly, Lot, Product, TraceUnit | None]]:
    """Return each warning with its lot, product and unit, for the seller's list."""
    lot_ids = {a.lot_id for a in anomalies}
    unit_ids = {a.unit_id for a in anomalies if a.unit_id}
    lots = {
        lot.id: (lot, product)
        for lot, product in session.execute(
            select(Lot, Product).join(Product).where(Lot.id.in_(lot_ids))
        ).all()
    }
    units = {u.id: u for u in session.scalars(select(TraceUnit).where(TraceUnit.id.in_(unit_ids)))}
    return [
        (a, *lots[a.lot_id], units.get(a.unit_id) if a.unit_id else None)
        for a in anomalies
        if a.lot_id in lots
    ]
