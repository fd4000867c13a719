"""Read-side queries for the public pages and the API, each in a fixed number of statements."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import quote

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, lazyload

from catalog import regions
from catalog.models import Category, Certificate, CertificateStatus, Product, ProductStatus
from catalog.services import Badges, badges_for
from marketplace.catalog_display import province_short
from marketplace.formatting import VIETNAM
from marketplace.stalls.models import Stall, StallStatus
from marketplace.trace_links import qr_url, trace_urls

PER_PAGE = 24


@dataclass(frozen=True)
class Card:
    """A product as listed: with its stall and the badges shoppers may see."""

    product: Product
    stall: Stall
    badges: Badges


@dataclass(frozen=True)
class Listing:
    """One page of product cards."""

    cards: list[Card]
    page: int
    total: int
    per_page: int = PER_PAGE

    @property
    def pages(self) -> int:
        """Return the number of pages (at least one, so an empty listing still has a page)."""
        return max(1, math.ceil(self.total / self.per_page))


def today() -> date:
    """Return today's date in Vietnam (certificates expire by the local calendar)."""
    return datetime.now(VIETNAM).date()


# Paths are built here rather than with url_for so API objects can be made outside a request;
# tests fetch every URL these produce to keep them in step with the routes.
def stall_path(slug: str) -> str:
    """Return the path of a stall's public page."""
    return f"/gian-hang/{quote(slug, safe='')}"


def product_path(slug: str, sku: str) -> str:
    """Return the path of a product's public page."""
    return f"{stall_path(slug)}/san-pham/{quote(sku, safe='')}"


def media_path(key: str, variant: str = "large") -> str:
    """Return the public path of an image variant stored under a base key."""
    return f"/media/{quote(key)}-{variant}.webp"


def _public_stalls() -> Select[tuple[Stall]]:
    # The staff list is loaded eagerly by default; public pages never need it.
    return select(Stall).where(Stall.status == StallStatus.APPROVED).options(lazyload(Stall.staff))


def public_stall(session: Session, slug: str) -> Stall | None:
    """Return an approved stall by slug; pending, rejected and suspended ones stay hidden."""
    return session.scalar(_public_stalls().where(Stall.slug == slug))


def public_product(session: Session, slug: str, sku: str) -> tuple[Stall, Product] | None:
    """Return an active product of an approved stall, with the stall."""
    row = session.execute(
        select(Product, Stall)
        .join(Stall, Stall.id == Product.stall_id)
        .where(
            Stall.slug == slug,
            Stall.status == StallStatus.APPROVED,
            Product.sku == sku,
            Product.status == ProductStatus.ACTIVE,
        )
        .options(lazyload(Stall.staff))
    ).first()
    return (row[1], row[0]) if row else None


def _visible_products(*conditions: Any) -> tuple[Select[Any], Select[Any]]:
    """Return (rows, count) selects of active products of approved stalls."""
    where = (Product.status == ProductStatus.ACTIVE, Stall.status == StallStatus.APPROVED)
    rows = (
        select(Product, Stall)
        .join(Stall, Stall.id == Product.stall_id)
        .where(*where, *conditions)
        .options(lazyload(Stall.staff))
        .order_by(Product.created_at.desc(), Product.id.desc())
    )
    count = (
        select(func.count())
        .select_from(Product)
        .join(Stall, Stall.id == Product.stall_id)
        .where(*where, *conditions)
    )
    return rows, count


def _listing(session: Session, rows: Select[Any], count: Select[Any], page: int, day: date):
    """Run a paginated listing: count, one page of rows (images come in one more), badges."""
    total = session.scalar(count) or 0
    found = session.execute(rows.limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    badges = badges_for(session, [product for product, _ in found], day)
    cards = [Card(product, stall, badges[product.id]) for product, stall in found]
    return Listing(cards=cards, page=page, total=total)


def stall_products(session: Session, stall: Stall, page: int, day: date) -> Listing:
    """Return one page of a stall's active products."""
    rows, count = _visible_products(Product.stall_id == stall.id)
    return _listing(session, rows, count, page, day)


def category_with_children(session: Session, slug: str) -> tuple[Category, list[Category]] | None:
    """Return a category and its sub-categories (a group lists its children's products)."""
    category = session.scalar(select(Category).where(Category.slug == slug))
    if category is None:
        return None
    children = session.scalars(
        select(Category).where(Category.parent_id == category.id).order_by(Category.position)
    ).all()
    return category, list(children)


def category_products(
    session: Session, category_ids: Sequence[int], page: int, day: date
) -> Listing:
    """Return one page of active products in any of these categories."""
    rows, count = _visible_products(Product.category_id.in_(list(category_ids)))
    return _listing(session, rows, count, page, day)


def newest_products(
    session: Session, day: date, limit: int = 12, among: Sequence[int] | None = None
) -> list[Card]:
    """Return the newest active products of approved stalls (only ids `among`, if given)."""
    rows, _ = _visible_products(*([Product.id.in_(list(among))] if among is not None else []))
    found = session.execute(rows.limit(limit)).all()
    badges = badges_for(session, [product for product, _ in found], day)
    return [Card(product, stall, badges[product.id]) for product, stall in found]


def featured_stalls(
    session: Session, limit: int = 6, among: Sequence[int] | None = None
) -> list[tuple[Stall, int]]:
    """Return approved stalls with the most active products, and that number (ids `among`)."""
    products = func.count(Product.id)
    only = [Stall.id.in_(list(among))] if among is not None else []
    rows = session.execute(
        select(Stall, products)
        .join(Product, (Product.stall_id == Stall.id) & (Product.status == ProductStatus.ACTIVE))
        .where(Stall.status == StallStatus.APPROVED, *only)
        .group_by(Stall.id)
        .options(lazyload(Stall.staff))
        .order_by(products.desc(), Stall.id.desc())
        .limit(limit)
    ).all()
    return [(stall, int(n)) for stall, n in rows]


def active_product_count(session: Session, stall: Stall) -> int:
    """Return how many products of a stall shoppers can see."""
    return (
        session.scalar(
            select(func.count())
            .select_from(Product)
            .where(Product.stall_id == stall.id, Product.status == ProductStatus.ACTIVE)
        )
        or 0
    )


def stall_certificates(session: Session, stall: Stall) -> list[tuple[Certificate, Product | None]]:
    """Return a stall's verified certificates: stall-wide ones and those of visible products."""
    rows = session.execute(
        select(Certificate, Product)
        .outerjoin(Product, Product.id == Certificate.product_id)
        # Only the product's name and SKU are shown; its photos and category are not needed.
        .options(lazyload(Product.images), lazyload(Product.category))
        .where(
            Certificate.stall_id == stall.id,
            Certificate.status == CertificateStatus.VERIFIED,
            or_(Certificate.product_id.is_(None), Product.status == ProductStatus.ACTIVE),
        )
        .order_by(Certificate.kind, Certificate.id)
    ).all()
    return [(certificate, product) for certificate, product in rows]


def product_certificates(session: Session, product: Product) -> list[Certificate]:
    """Return the verified certificates that cover a product (its own and stall-wide ones)."""
    return list(
        session.scalars(
            select(Certificate)
            .where(
                Certificate.stall_id == product.stall_id,
                Certificate.status == CertificateStatus.VERIFIED,
                or_(Certificate.product_id == product.id, Certificate.product_id.is_(None)),
            )
            .order_by(Certificate.kind, Certificate.id)
        )
    )


def product_objects(
    session: Session, products: Sequence[Product], base_url: str, day: date
) -> list[dict[str, Any]]:
    """Return the public JSON objects of products (a fixed number of queries)."""
    products = list(products)
    if not products:
        return []
    badges = badges_for(session, products, day)
    traces = trace_urls(session, products, base_url, day)
    stalls = {
        stall.id: stall
        for stall in session.scalars(
            select(Stall)
            .where(Stall.id.in_({p.stall_id for p in products}))
            .options(lazyload(Stall.staff))
        )
    }
    objects = []
    for product in products:
        stall, badge = stalls[product.stall_id], badges[product.id]
        objects.append(
            {
                "sku": product.sku,
                "name": product.name,
                "category": product.category.name,
                "category_slug": product.category.slug,
                "price_vnd": product.price_vnd,
                "unit": product.unit,
                "stock": product.stock,
                "ocop_stars": badge.ocop_stars,
                "province": province_short(product.province_code),
                "certifications": list(badge.certifications),
                "stall": {"slug": stall.slug, "name": stall.name},
                "url": base_url + product_path(stall.slug, product.sku),
                "images": [base_url + media_path(image.key) for image in product.images],
                "trace_url": traces[product.id],
                "qr_url": qr_url(base_url, traces[product.id]),
            }
        )
    return objects


def stall_object(session: Session, stall: Stall, base_url: str, day: date) -> dict[str, Any]:
    """Return the public JSON object of a stall."""
    ward = regions.ward(stall.ward_code) if stall.ward_code else None
    certificates = [
        {
            "kind": certificate.kind.value,
            "stars": certificate.stars,
            "number": certificate.number,
            "issuer": certificate.issuer,
            "valid_until": certificate.valid_until.isoformat() if certificate.valid_until else None,
            "expired": certificate.is_expired(day),
            "product_sku": product.sku if product is not None else None,
        }
        for certificate, product in stall_certificates(session, stall)
    ]
    return {
        "slug": stall.slug,
        "name": stall.name,
        "kind": stall.kind.value,
        "province": province_short(stall.province_code),
        "ward": ward.name if ward else None,
        "description": stall.description,
        "url": base_url + stall_path(stall.slug),
        "logo": base_url + media_path(stall.logo_key, "medium") if stall.logo_key else None,
        "certificates": certificates,
        "product_count": active_product_count(session, stall),
    }
