"""Public trace URLs on PUBLIC_BASE_URL: Digital Links (or /t/ short links) and their QR codes.

A product's `trace_url` is its current lot's link when it has one (the newest active lot that
has not expired), else the product's own link. Products without a GTIN get opaque /t/{token}
links; a GTIN is never invented. Flask-free: callers pass the session and the base URL.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from datetime import date
from urllib.parse import quote

from sqlalchemy import func, insert, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from catalog.models import Product
from traceability import services as trace
from traceability.gs1 import build_digital_link
from traceability.models import Lot, LotLink, LotStatus, ProductLink

QR_FORMATS = ("png", "svg")


def lot_url(base_url: str, code: str, *, gtin: str | None, token: str | None) -> str:
    """Return a lot's link: /01/{GTIN-14}/10/{lot} with a GTIN, else /t/{token}."""
    if gtin:
        return build_digital_link(base_url, gtin, lot=code)
    return f"{base_url}/t/{token}"


def product_url(base_url: str, *, gtin: str | None, token: str | None) -> str:
    """Return a product's link: /01/{GTIN-14} with a GTIN, else /t/{token}."""
    return build_digital_link(base_url, gtin) if gtin else f"{base_url}/t/{token}"


def unit_url(base_url: str, code: str, serial: str, *, gtin: str | None, token: str | None) -> str:
    """Return a serialised unit's link: /01/…/10/{lot}/21/{serial}, else /t/{token}/21/{serial}."""
    if gtin:
        return build_digital_link(base_url, gtin, lot=code, serial=serial)
    return f"{base_url}/t/{token}/21/{quote(serial, safe='')}"


def qr_url(base_url: str, trace_url: str, fmt: str = "png") -> str:
    """Return the address of the QR image that encodes exactly `trace_url`."""
    if fmt not in QR_FORMATS or not trace_url.startswith(base_url + "/"):
        raise ValueError(f"cannot make a {fmt} QR address for {trace_url}")
    return f"{base_url}/qr/{fmt}{trace_url[len(base_url) :]}"


def short_text(url: str) -> str:
    """Return a link as printed under a QR code (without the scheme)."""
    return url.split("://", 1)[-1]


def current_lot_ids(session: Session, product_ids: Iterable[int], day: date) -> dict[int, int]:
    """Return each product's newest active, unexpired lot id (products without one left out)."""
    ids = set(product_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(Lot.product_id, func.max(Lot.id))
        .where(
            Lot.product_id.in_(ids),
            Lot.status == LotStatus.ACTIVE,
            or_(Lot.expiry_date.is_(None), Lot.expiry_date >= day),
        )
        .group_by(Lot.product_id)
    ).all()
    return {int(product_id): int(lot_id) for product_id, lot_id in rows}


def _race_safe(session: Session, make, find):
    """Create a link row in a savepoint; if a concurrent request won, return its row."""
    try:
        with session.begin_nested():
            return make()
    except IntegrityError:
        found = find()
        if found is None:
            raise
        return found


def product_token(session: Session, product_id: int) -> str:
    """Return the product's /t/ token, creating it on first use (safe under concurrency)."""
    link = _race_safe(
        session,
        lambda: trace.ensure_product_link(session, product_id),
        lambda: session.scalar(select(ProductLink).where(ProductLink.product_id == product_id)),
    )
    return link.token


def lot_token(session: Session, lot: Lot) -> str:
    """Return the lot's /t/ token, creating it on first use (safe under concurrency)."""
    link = _race_safe(
        session,
        lambda: trace.ensure_lot_link(session, lot),
        lambda: session.scalar(select(LotLink).where(LotLink.lot_id == lot.id)),
    )
    return link.token


def _product_tokens(session: Session, product_ids: list[int]) -> dict[int, str]:
    """Return the /t/ tokens of products, creating the missing ones in one statement."""
    tokens: dict[int, str] = dict(
        session.execute(
            select(ProductLink.product_id, ProductLink.token).where(
                ProductLink.product_id.in_(product_ids)
            )
        )
        .tuples()
        .all()
    )
    missing = {pid: secrets.token_urlsafe(16) for pid in product_ids if pid not in tokens}
    if missing:
        try:
            with session.begin_nested():
                session.execute(
                    insert(ProductLink),
                    [{"product_id": pid, "token": token} for pid, token in missing.items()],
                )
            tokens |= missing
        except IntegrityError:  # a concurrent request made some of them first
            tokens |= {pid: product_token(session, pid) for pid in missing}
    return tokens


def lot_trace_url(session: Session, lot: Lot, gtin: str | None, base_url: str) -> str:
    """Return one lot's link (creating its short-link token when it needs one)."""
    return lot_url(base_url, lot.code, gtin=gtin, token=None if gtin else lot_token(session, lot))


def trace_urls(
    session: Session, products: Sequence[Product], base_url: str, day: date
) -> dict[int, str]:
    """Return every product's trace_url in a fixed number of queries."""
    current = current_lot_ids(session, [p.id for p in products], day)
    lots = {}
    if current:
        rows = session.execute(
            select(Lot, LotLink.token)
            .outerjoin(LotLink, LotLink.lot_id == Lot.id)
            .where(Lot.id.in_(current.values()))
        ).all()
        lots = {lot.product_id: (lot, token) for lot, token in rows}
    no_lot = [p.id for p in products if p.id not in lots and not p.gtin]
    tokens = _product_tokens(session, no_lot) if no_lot else {}
    urls = {}
    for product in products:
        if product.id in lots:
            lot, token = lots[product.id]
            if not product.gtin and token is None:
                token = lot_token(session, lot)  # the GTIN was removed after the lot was made
            urls[product.id] = lot_url(base_url, lot.code, gtin=product.gtin, token=token)
        else:
            token = None if product.gtin else tokens[product.id]
            urls[product.id] = product_url(base_url, gtin=product.gtin, token=token)
    return urls


def labels(
    session: Session,
    lot: Lot,
    product: Product,
    base_url: str,
    ocop_stars: int | None,
    *,
    copies: int = 0,
    units: bool = False,
) -> list:
    """Return the labels of a lot: `copies` of its lot label, or one label per issued unit."""
    from traceability.labels import LabelData  # reportlab loads only when labels are made
    from traceability.models import TraceUnit

    gtin = product.gtin
    if not units:
        url = lot_trace_url(session, lot, gtin, base_url)
        one = LabelData(url, product.name, lot.code, ocop_stars, short_text(url))
        return [one] * copies
    token = None if gtin else lot_token(session, lot)
    serials = session.scalars(
        select(TraceUnit.serial).where(TraceUnit.lot_id == lot.id).order_by(TraceUnit.id)
    )
    found = []
    for serial in serials:
        url = unit_url(base_url, lot.code, serial, gtin=gtin, token=token)
        found.append(LabelData(url, product.name, lot.code, ocop_stars, short_text(url)))
    return found
