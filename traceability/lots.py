"""Lots and their opaque short links (flush, never commit)."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from datetime import date
from itertools import pairwise

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.fields import FieldError, text
from catalog.models import Product
from traceability.gs1 import InvalidDigitalLink, check_value
from traceability.models import Farm, Lot, LotLink, ProductLink

MAX_QUANTITY = 1_000_000_000


class TraceError(FieldError):
    """A traceability rule was broken; `field` and `code` say which."""


def _new_token() -> str:
    # 16 random bytes = 128 bits, URL-safe, 22 characters: unguessable and never a fake GTIN.
    return secrets.token_urlsafe(16)


def ensure_lot_link(session: Session, lot: Lot) -> LotLink:
    """Return the lot's opaque /t/{token} link, creating it on first use."""
    link = session.scalar(select(LotLink).where(LotLink.lot_id == lot.id))
    if link is None:
        link = LotLink(lot_id=lot.id, token=_new_token())
        session.add(link)
        session.flush()
    return link


def ensure_product_link(session: Session, product_id: int) -> ProductLink:
    """Return the product's opaque /t/{token} link, creating it on first use."""
    link = session.scalar(select(ProductLink).where(ProductLink.product_id == product_id))
    if link is None:
        link = ProductLink(product_id=product_id, token=_new_token())
        session.add(link)
        session.flush()
    return link


def _check_dates(dates: Mapping[str, date | None]) -> None:
    # Harvest, production, packing and expiry happen in that order when they are known.
    known = [(name, value) for name, value in dates.items() if value is not None]
    for (_, earlier), (name, later) in pairwise(known):
        if later < earlier:
            raise TraceError(name, "date_order", f"{name} is before an earlier stage")


def create_lot(
    session: Session,
    product: Product,
    code: str,
    *,
    farms: Iterable[Farm] = (),
    quantity: int | None = None,
    unit: str = "",
    harvest_date: date | None = None,
    production_date: date | None = None,
    packing_date: date | None = None,
    expiry_date: date | None = None,
) -> Lot:
    """Create a lot of a product with its origin farms and dates."""
    code = (code or "").strip()
    try:
        check_value("10", code)
    except InvalidDigitalLink as exc:
        raise TraceError("code", "bad_lot_code", str(exc)) from exc
    taken = select(Lot.id).where(Lot.product_id == product.id, Lot.code == code)
    if session.scalar(taken) is not None:
        raise TraceError("code", "duplicate", f"Lot {code} already exists for this product")
    farms = list(farms)
    if any(farm.stall_id != product.stall_id for farm in farms):
        raise TraceError("farms", "farm_not_in_stall", "A farm belongs to another stall")
    if quantity is not None and not 0 <= quantity <= MAX_QUANTITY:
        raise TraceError("quantity", "out_of_range", "Quantity must be zero or more")
    dates = {
        "harvest_date": harvest_date,
        "production_date": production_date,
        "packing_date": packing_date,
        "expiry_date": expiry_date,
    }
    _check_dates(dates)
    lot = Lot(
        product_id=product.id,
        code=code,
        quantity=quantity,
        unit=text("unit", unit, max_length=40, required=False),
        farms=farms,
        **dates,
    )
    session.add(lot)
    session.flush()
    if not product.gtin:
        ensure_lot_link(session, lot)  # labels of products without a GTIN need a short link
    return lot
