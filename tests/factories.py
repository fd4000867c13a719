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


def make_image(session: Session, product, **overrides: Any):
    """Attach a photo record to a product (no files are written)."""
    from catalog import services as catalog

    n = next(_seq)
    values: dict[str, Any] = {"key": f"products/ab/photo{n}", "width": 1200, "height": 900}
    values.update(overrides)
    return catalog.add_image(session, product, **values)


def make_farm(session: Session, stall, **overrides: Any):
    """Create a farm (or cooperative member) of a stall."""
    from traceability.models import Farm, FarmKind

    n = next(_seq)
    values: dict[str, Any] = {
        "stall_id": stall.id,
        "name": f"Vườn chè nhà {n}",
        "kind": FarmKind.MEMBER,
        "province_code": stall.province_code,
    }
    values.update(overrides)
    farm = Farm(**values)
    session.add(farm)
    session.flush()
    return farm


def add_person(session: Session, stall, role: str, user: User | None = None) -> User:
    """Give a user (a new seller by default) a role in a stall."""
    from marketplace.stalls.models import StaffRole, StallStaff

    user = user or make_user(session, role=Role.SELLER)
    session.add(StallStaff(stall_id=stall.id, user_id=user.id, role=StaffRole(role)))
    session.flush()
    return user


def jpeg_bytes(width: int = 320, height: int = 240, colour: str = "#2e8b57") -> bytes:
    """Return a real, small JPEG photo made with Pillow."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "JPEG", quality=85)
    return out.getvalue()


def pdf_bytes() -> bytes:
    """Return a minimal but complete PDF document."""
    return (
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
        b"trailer << /Root 1 0 R >>\n%%EOF\n"
    )


CATALOG_HEADER = (
    "stall,sku,name,category,price_vnd,unit,stock,ocop_stars,province,description,"
    "certifications,gtin,lot,farm,harvest_date"
)


def catalog_csv(*rows: str, header: str = CATALOG_HEADER, encoding: str = "utf-8") -> bytes:
    """Return a catalog CSV file (header and the given lines) as bytes."""
    return "\n".join([header, *rows]).encode(encoding) + b"\n"


def make_lot(session: Session, product, **overrides: Any):
    """Create a lot of a product (with its short link when the product has no GTIN)."""
    from traceability import services as trace

    n = next(_seq)
    values: dict[str, Any] = {"code": f"LO{n:04d}", "quantity": 100, "unit": "hộp"}
    values.update(overrides)
    return trace.create_lot(session, product, values.pop("code"), **values)
