"""Queries and small rules behind the seller dashboard (flush, never commit; Flask-free)."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from catalog.models import Category, Certificate, CertificateStatus, Product, ProductStatus
from marketplace.stalls import selling
from marketplace.stalls import services as stalls
from marketplace.stalls.models import StaffRole, Stall, StallStaff
from marketplace.users.models import User
from traceability.models import Farm, FarmKind

PAGE_SIZE = 50
OCOP_VALIDITY_MONTHS = 36


@dataclass(frozen=True)
class ProductPage:
    """One page of a stall's products, newest first."""

    items: list[Product]
    total: int
    page: int
    pages: int


@dataclass(frozen=True)
class Summary:
    """The counts a stall's dashboard shows."""

    products: dict[str, int] = field(default_factory=dict)
    out_of_stock: int = 0
    certificates: dict[str, int] = field(default_factory=dict)
    farms: int = 0
    staff: int = 0

    @property
    def product_total(self) -> int:
        """Return the number of products in every status."""
        return sum(self.products.values())


def product_page(session: Session, stall: Stall, page: int, size: int = PAGE_SIZE) -> ProductPage:
    """Return one page of the stall's products (photos and categories loaded with them)."""
    total = session.scalar(select(func.count()).where(Product.stall_id == stall.id)) or 0
    pages = max(1, -(-total // size))
    page = min(max(1, page), pages)
    items = session.scalars(
        select(Product)
        .where(Product.stall_id == stall.id)
        .order_by(Product.created_at.desc(), Product.id.desc())
        .limit(size)
        .offset((page - 1) * size)
    ).all()
    return ProductPage(items=list(items), total=total, page=page, pages=pages)


def stall_product(session: Session, stall: Stall, product_id: int) -> Product | None:
    """Return the stall's product with this id (None for another stall's)."""
    product = session.get(Product, product_id)
    return product if product is not None and product.stall_id == stall.id else None


def stall_certificate(session: Session, stall: Stall, certificate_id: int) -> Certificate | None:
    """Return the stall's certificate with this id (None for another stall's)."""
    certificate = session.get(Certificate, certificate_id)
    return certificate if certificate is not None and certificate.stall_id == stall.id else None


def summary(session: Session, stall: Stall) -> Summary:
    """Count the stall's products, certificates, farms and staff in a few queries."""
    by_status = session.execute(
        select(Product.status, func.count())
        .where(Product.stall_id == stall.id)
        .group_by(Product.status)
    ).all()
    out_of_stock = session.scalar(
        select(func.count()).where(
            Product.stall_id == stall.id,
            Product.status == ProductStatus.ACTIVE,
            Product.stock == 0,
        )
    )
    certificates = session.execute(
        select(Certificate.status, func.count())
        .where(Certificate.stall_id == stall.id)
        .group_by(Certificate.status)
    ).all()
    farms = session.scalar(select(func.count()).where(Farm.stall_id == stall.id))
    staff = session.scalar(select(func.count()).where(StallStaff.stall_id == stall.id))
    return Summary(
        products={status.value: n for status, n in by_status},
        out_of_stock=out_of_stock or 0,
        certificates={status.value: n for status, n in certificates},
        farms=farms or 0,
        staff=staff or 0,
    )


def category_tree(session: Session) -> list[tuple[Category, list[Category]]]:
    """Return the top-level categories, each with its sub-categories, in display order."""
    categories = session.scalars(select(Category).order_by(Category.position, Category.id)).all()
    children: dict[int, list[Category]] = {}
    for category in categories:
        if category.parent_id is not None:
            children.setdefault(category.parent_id, []).append(category)
    return [(c, children.get(c.id, [])) for c in categories if c.parent_id is None]


def product_choices(session: Session, stall: Stall) -> list[tuple[int, str]]:
    """Return (id, "SKU · name") of every product of the stall, for a select."""
    rows = session.execute(
        select(Product.id, Product.sku, Product.name)
        .where(Product.stall_id == stall.id)
        .order_by(Product.name)
    ).all()
    return [(pid, f"{sku} · {name}") for pid, sku, name in rows]


def farms_of(session: Session, stall: Stall) -> list[Farm]:
    """Return the stall's farms and members by name."""
    return list(session.scalars(select(Farm).where(Farm.stall_id == stall.id).order_by(Farm.name)))


def certificates_of(session: Session, stall: Stall) -> list[tuple[Certificate, Product | None]]:
    """Return the stall's certificates, newest first, with the product each covers."""
    rows = session.execute(
        select(Certificate, Product)
        .outerjoin(Product, Product.id == Certificate.product_id)
        .where(Certificate.stall_id == stall.id)
        .order_by(Certificate.id.desc())
    ).all()
    return [(certificate, product) for certificate, product in rows]


def staff_of(session: Session, stall: Stall) -> list[tuple[User, StaffRole]]:
    """Return the people working in the stall with their roles, owners first."""
    rows = session.execute(
        select(User, StallStaff.role)
        .join(StallStaff, StallStaff.user_id == User.id)
        .where(StallStaff.stall_id == stall.id)
        .order_by(User.email)
    ).all()
    rank = {StaffRole.OWNER: 0, StaffRole.MANAGER: 1, StaffRole.STAFF: 2}
    return sorted(((user, role) for user, role in rows), key=lambda row: rank[row[1]])


def add_member(
    session: Session, actor: User, stall: Stall, name: str, kind: FarmKind, **values: Any
) -> Farm:
    """Add a farm or member household, refusing a name the stall already uses."""
    taken = session.scalar(select(Farm.id).where(Farm.stall_id == stall.id, Farm.name == name))
    if taken is not None:
        raise stalls.StallError("name", "farm_name_taken", "the stall already has this farm")
    return selling.add_farm(session, actor, stall, name, kind, **values)


def ocop_valid_until(issued_on: date) -> date:
    """Return the end of an OCOP certificate's 36-month validity."""
    months = issued_on.month - 1 + OCOP_VALIDITY_MONTHS
    year, month = issued_on.year + months // 12, months % 12 + 1
    # 29 February (or a 31st) has no twin in some months: end on that month's last day.
    day = min(issued_on.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


def certificate_state(certificate: Certificate, today: date) -> str:
    """Return what the seller should read about a certificate: its status, or "expired"."""
    if certificate.status != CertificateStatus.REJECTED and certificate.is_expired(today):
        return "expired"
    return certificate.status.value
