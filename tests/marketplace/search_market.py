"""A small market for the search tests: stalls in three provinces, products in several groups."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.models import Category, Product
from tests.factories import make_certificate, make_product, make_stall, make_user


@dataclass
class Market:
    """The ids and slugs the tests look for."""

    stalls: dict[str, Any]
    products: dict[str, Product]


def category(session: Session, slug: str) -> Category:
    """Return an OCOP category by slug."""
    found = session.scalar(select(Category).where(Category.slug == slug))
    assert found is not None, slug
    return found


def build(session: Session) -> Market:
    """Create the market (the caller commits: the outbox drain indexes it)."""
    from marketplace.users.models import Role

    admin = make_user(session, role=Role.ADMIN)
    tea = make_stall(session, slug="htx-che-tan-cuong", name="HTX Chè Tân Cương", province_code=19)
    honey = make_stall(session, slug="ong-mat-bac-ha", name="Ong mật Bắc Hà", province_code=15)
    fruit = make_stall(session, slug="buoi-doan-hung", name="Bưởi Đoan Hùng", province_code=25)
    products = {
        "tea": make_product(
            session, tea, sku="CHE-1", name="Chè búp Tân Cương", price_vnd=250_000,
            category=category(session, "che-tra"),
        ),
        "tea2": make_product(
            session, tea, sku="CHE-2", name="Trà móc câu đặc biệt", price_vnd=480_000,
            category=category(session, "che-tra"),
        ),
        "honey": make_product(
            session, honey, sku="MO-1", name="Mật ong rừng Bắc Hà", price_vnd=320_000,
            category=category(session, "mat-ong"), description="Mật ong hoa rừng nguyên chất.",
        ),
        "honey2": make_product(
            session, honey, sku="MO-2", name="Mật ong hoa bạc hà", price_vnd=180_000,
            category=category(session, "mat-ong"), stock=0,
        ),
        "pomelo": make_product(
            session, fruit, sku="BUOI-1", name="Bưởi Đoan Hùng loại một", price_vnd=60_000,
            category=category(session, "trai-cay"),
        ),
    }  # fmt: skip
    make_certificate(session, honey, products["honey"], stars=4, verified_by=admin.id)
    make_certificate(session, tea, None, kind="vietgap", stars=None, verified_by=admin.id)
    return Market({"tea": tea, "honey": honey, "fruit": fruit}, products)


def indexed_doc(app: Any, product_id: int) -> tuple[int, int] | None:
    """Return (in_stock, boost) of a product in the embedded index, None if absent."""
    import sqlite3

    path = app.extensions["search"].options["path"]
    with sqlite3.connect(path) as conn:
        row = conn.execute("SELECT in_stock, boost FROM docs WHERE id = ?", (product_id,))
        found = row.fetchone()
    return None if found is None else (int(found[0]), int(found[1]))
