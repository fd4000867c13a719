"""Plain factory functions for test data."""

from __future__ import annotations

import itertools
from typing import Any

from sqlalchemy.orm import Session

from marketplace.users import services as users
from marketplace.users.models import Role, User

PASSWORD = "mat-khau-an-toan"
_seq = itertools.count(1)


def make_user(session: Session, **overrides: Any) -> User:
    """Create an account (flushed, not committed)."""
    n = next(_seq)
    fields: dict[str, Any] = {
        "email": f"user{n}@example.com",
        "password": PASSWORD,
        "full_name": f"Người dùng {n}",
        "role": Role.SHOPPER,
    }
    fields.update(overrides)
    return users.create_user(session, **fields)


def make_stall(session: Session, owner: User | None = None, **overrides: Any):
    """Create a stall (approved unless told otherwise) owned by `owner` or a new seller."""
    from marketplace.stalls import services as stalls
    from marketplace.stalls.models import StallStatus

    n = next(_seq)
    owner = owner or make_user(session, role=Role.SELLER)
    status = overrides.pop("status", StallStatus.APPROVED)
    fields: dict[str, Any] = {
        "slug": f"gian-hang-{n}",
        "name": f"Gian hàng {n}",
        "kind": "household",
        "province_code": 19,  # Thái Nguyên
        "phone": "0912345678",
        "description": "Chè Tân Cương trồng trên đồi.",
    }
    fields.update(overrides)
    stall = stalls.apply_for_stall(session, owner, **fields)
    stall.status = status
    session.flush()
    return stall


def make_product(session: Session, stall, **overrides: Any):
    """Create an active product in a stall."""
    from sqlalchemy import select

    from catalog import services as catalog
    from catalog.models import Category

    n = next(_seq)
    category = overrides.pop("category", None) or session.scalar(
        select(Category).where(Category.slug == "che-tra")
    )
    raw: dict[str, Any] = {
        "sku": f"SP-{n}",
        "name": f"Chè búp Tân Cương {n}",
        "category_id": category.id,
        "price_vnd": 250000,
        "unit": "hộp 500g",
        "stock": 20,
        "province_code": stall.province_code,
        "description": "Chè xanh đặc sản Thái Nguyên.",
        "status": "active",
    }
    raw.update(overrides)
    return catalog.create_product(session, stall.id, catalog.product_data(**raw))


def make_certificate(session: Session, stall, product=None, **overrides: Any):
    """Create a certificate (pending unless verified_by is given)."""
    from catalog import services as catalog

    values: dict[str, Any] = {
        "kind": "ocop",
        "stars": 4,
        "number": "123/QĐ-UBND",
        "issuer": "UBND tỉnh Thái Nguyên",
        "product_id": product.id if product is not None else None,
    }
    values.update(overrides)
    return catalog.submit_certificate(session, stall.id, **values)
