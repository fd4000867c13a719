"""Catalog services: products, stock, photos and certificates (flush, never commit)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from catalog import fields
from catalog.gtin import InvalidGTIN, normalise_gtin
from catalog.models import (
    Category,
    Certificate,
    CertificateKind,
    CertificateStatus,
    Product,
    ProductImage,
    ProductStatus,
)
from marketplace.db import utcnow

EDITABLE = (
    "name",
    "category_id",
    "description",
    "price_vnd",
    "unit",
    "stock",
    "gtin",
    "farm_id",
    "province_code",
    "status",
)


class CatalogError(fields.FieldError):
    """A catalog rule was broken; field and code tell which."""


@dataclass(frozen=True)
class ProductData:
    """Validated product fields, as accepted by create/update."""

    sku: str
    name: str
    category_id: int
    price_vnd: int
    unit: str
    stock: int
    province_code: int
    description: str = ""
    gtin: str | None = None
    farm_id: int | None = None
    status: ProductStatus = ProductStatus.DRAFT


def clean_gtin(raw: str | None) -> str | None:
    """Return the 14-digit GTIN, None when empty, or raise CatalogError."""
    if not raw or not raw.strip():
        return None
    try:
        return normalise_gtin(raw)
    except InvalidGTIN as exc:
        raise CatalogError("gtin", exc.code, str(exc)) from exc


def product_data(**raw: Any) -> ProductData:
    """Validate raw field values (strings from a form, or typed) into ProductData."""
    return ProductData(
        sku=fields.sku(raw.get("sku")),
        name=fields.text("name", raw.get("name"), max_length=200),
        category_id=int(raw["category_id"]),
        price_vnd=fields.price_vnd(raw.get("price_vnd")),
        unit=fields.text("unit", raw.get("unit"), max_length=40),
        stock=fields.stock(raw.get("stock", 0)),
        province_code=int(raw["province_code"]),
        description=fields.text(
            "description", raw.get("description"), max_length=20_000, required=False, multiline=True
        ),
        gtin=clean_gtin(raw.get("gtin")),
        farm_id=raw.get("farm_id") or None,
        status=ProductStatus(raw.get("status") or ProductStatus.DRAFT),
    )


def product_by_sku(session: Session, stall_id: int, sku: str) -> Product | None:
    """Return a stall's product by its SKU."""
    return session.scalar(select(Product).where(Product.stall_id == stall_id, Product.sku == sku))


def _check_unique_sku(session: Session, stall_id: int, sku: str, own_id: int | None) -> None:
    existing = product_by_sku(session, stall_id, sku)
    if existing is not None and existing.id != own_id:
        raise CatalogError("sku", "sku_taken", f"SKU {sku} is already used in this stall")


def create_product(session: Session, stall_id: int, data: ProductData) -> Product:
    """Add a product to a stall."""
    _check_unique_sku(session, stall_id, data.sku, None)
    if session.get(Category, data.category_id) is None:
        raise CatalogError("category_id", "unknown_category", "unknown category")
    product = Product(stall_id=stall_id, **data.__dict__)
    session.add(product)
    session.flush()
    return product


def update_product(session: Session, product: Product, data: ProductData) -> dict[str, Any]:
    """Apply new values; return {field: [old, new]} for what changed."""
    _check_unique_sku(session, product.stall_id, data.sku, product.id)
    if session.get(Category, data.category_id) is None:
        raise CatalogError("category_id", "unknown_category", "unknown category")
    changes: dict[str, Any] = {}
    for name in ("sku", *EDITABLE):
        new = getattr(data, name)
        old = getattr(product, name)
        if old != new:
            changes[name] = [_plain(old), _plain(new)]
            setattr(product, name, new)
    session.flush()
    return changes


def _plain(value: Any) -> Any:
    """Return a JSON-friendly form of a value for the audit log."""
    return value.value if isinstance(value, ProductStatus) else value


def duplicate_product(session: Session, product: Product, new_sku: str) -> Product:
    """Copy a product (as a hidden draft with no stock) under a new SKU."""
    data = ProductData(
        sku=fields.sku(new_sku),
        name=product.name,
        category_id=product.category_id,
        price_vnd=product.price_vnd,
        unit=product.unit,
        stock=0,
        province_code=product.province_code,
        description=product.description,
        gtin=None,  # a GTIN identifies one trade item; the copy must get its own
        farm_id=product.farm_id,
        status=ProductStatus.DRAFT,
    )
    copy = create_product(session, product.stall_id, data)
    for image in product.images:
        copy.images.append(
            ProductImage(
                key=image.key,
                width=image.width,
                height=image.height,
                position=image.position,
                alt=image.alt,
            )
        )
    session.flush()
    return copy


def set_status(session: Session, product: Product, status: ProductStatus) -> None:
    """Publish, hide or return a product to draft."""
    product.status = status
    session.flush()


def adjust_stock(session: Session, product_id: int, delta: int) -> int | None:
    """Add (or with a negative delta take) stock atomically; None if it would go below zero."""
    result = session.execute(
        update(Product)
        .where(Product.id == product_id, Product.stock + delta >= 0)
        .values(stock=Product.stock + delta)
        .returning(Product.stock)
    ).first()
    session.expire_all()
    return None if result is None else int(result[0])


def add_image(
    session: Session, product: Product, key: str, width: int, height: int
) -> ProductImage:
    """Attach a stored photo to a product, after the existing ones."""
    position = max((image.position for image in product.images), default=-1) + 1
    image = ProductImage(key=key, width=width, height=height, position=position, alt=product.name)
    product.images.append(image)
    session.flush()
    return image


def remove_image(session: Session, product: Product, image_id: int) -> bool:
    """Detach a photo from a product (the stored files may be shared by copies, so stay)."""
    for image in product.images:
        if image.id == image_id:
            product.images.remove(image)
            session.flush()
            return True
    return False


def submit_certificate(session: Session, stall_id: int, **values: Any) -> Certificate:
    """Record a certificate; it waits for an administrator unless `verified_by` is given."""
    verified_by = values.pop("verified_by", None)
    kind = CertificateKind(values.pop("kind"))
    stars = fields.stars(values.pop("stars", None))
    if kind == CertificateKind.OCOP and stars is None:
        raise CatalogError("stars", "stars_required", "an OCOP certificate needs its stars")
    if kind != CertificateKind.OCOP:
        stars = None
    certificate = Certificate(stall_id=stall_id, kind=kind, stars=stars, **values)
    if verified_by is not None:
        certificate.status = CertificateStatus.VERIFIED
        certificate.reviewed_by_id = verified_by
        certificate.reviewed_at = utcnow()
    session.add(certificate)
    session.flush()
    return certificate


def review_certificate(
    session: Session, certificate: Certificate, reviewer_id: int, verified: bool, note: str = ""
) -> None:
    """Verify or reject a certificate, with a note the seller can read."""
    certificate.status = CertificateStatus.VERIFIED if verified else CertificateStatus.REJECTED
    certificate.review_note = note or None
    certificate.reviewed_by_id = reviewer_id
    certificate.reviewed_at = utcnow()
    session.flush()


@dataclass(frozen=True)
class Badges:
    """What shoppers see about a product's certificates."""

    ocop_stars: int | None
    certifications: list[str]
    expired: list[str]


def badges_for(session: Session, products: Iterable[Product], today: date) -> dict[int, Badges]:
    """Return verified, unexpired badges for many products in one query (no N+1)."""
    products = list(products)
    if not products:
        return {}
    ids = [p.id for p in products]
    stall_ids = {p.stall_id for p in products}
    rows = session.scalars(
        select(Certificate).where(
            Certificate.status == CertificateStatus.VERIFIED,
            or_(
                Certificate.product_id.in_(ids),
                Certificate.product_id.is_(None) & Certificate.stall_id.in_(stall_ids),
            ),
        )
    ).all()
    by_product: dict[int, list[Certificate]] = defaultdict(list)
    stall_wide: dict[int, list[Certificate]] = defaultdict(list)
    for cert in rows:
        if cert.product_id is None:
            stall_wide[cert.stall_id].append(cert)
        else:
            by_product[cert.product_id].append(cert)
    result = {}
    for product in products:
        certs = by_product[product.id] + stall_wide[product.stall_id]
        valid = [c for c in certs if not c.is_expired(today)]
        stars = max((c.stars or 0 for c in valid if c.kind == CertificateKind.OCOP), default=0)
        result[product.id] = Badges(
            ocop_stars=stars or None,
            certifications=sorted({c.kind.value for c in valid}),
            expired=sorted(
                {c.kind.value for c in certs if c.is_expired(today)} - {c.kind.value for c in valid}
            ),
        )
    return result
