"""Load what a search found from the database, in rank order, for the page and the API.

The index may lag the database for a moment (or longer while it is down), so every id is
checked again: only active products of approved stalls are shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.orm import Session, lazyload

from catalog.models import Category, Product, ProductStatus
from catalog.search import Suggestion
from catalog.services import badges_for
from marketplace.catalog_queries import Card, product_objects, product_path, stall_path
from marketplace.stalls.models import Stall, StallStatus


def public_products(session: Session, ids: Sequence[int]) -> list[tuple[Product, Stall]]:
    """Return the public products among `ids` with their stalls, in the order of `ids`."""
    if not ids:
        return []
    rows = session.execute(
        select(Product, Stall)
        .join(Stall, Stall.id == Product.stall_id)
        .where(
            Product.id.in_(list(ids)),
            Product.status == ProductStatus.ACTIVE,
            Stall.status == StallStatus.APPROVED,
        )
        .options(lazyload(Stall.staff))
    ).all()
    found = {product.id: (product, stall) for product, stall in rows}
    return [found[i] for i in ids if i in found]


def cards(session: Session, ids: Sequence[int], day: date) -> list[Card]:
    """Return product cards for the ids, in rank order."""
    rows = public_products(session, ids)
    badges = badges_for(session, [product for product, _ in rows], day)
    return [Card(product, stall, badges[product.id]) for product, stall in rows]


def objects(session: Session, ids: Sequence[int], base_url: str, day: date) -> list[dict]:
    """Return the API product objects for the ids, in rank order."""
    products = [product for product, _ in public_products(session, ids)]
    return product_objects(session, products, base_url, day)


def category_names(session: Session) -> dict[str, str]:
    """Return every category's display name by slug (a small table)."""
    return dict(session.execute(select(Category.slug, Category.name)).tuples().all())


def suggestion_objects(
    session: Session, suggestions: Sequence[Suggestion], base_url: str
) -> list[dict[str, Any]]:
    """Return completions with the URL each leads to (products need their stall and SKU)."""
    product_ids = [int(s.key) for s in suggestions if s.kind == "product" and s.key.isdigit()]
    paths = {
        product.id: product_path(stall.slug, product.sku)
        for product, stall in public_products(session, product_ids)
    }
    result = []
    for item in suggestions:
        if item.kind == "product":
            path = paths.get(int(item.key)) if item.key.isdigit() else None
        elif item.kind == "category":
            path = "/danh-muc/" + quote(item.key, safe="")
        else:
            path = stall_path(item.key)
        if path is not None:
            result.append({"kind": item.kind, "label": item.label, "url": base_url + path})
    return result
