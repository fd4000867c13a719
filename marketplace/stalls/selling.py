"""What sellers do to their catalog, with every change written to the stall's audit log."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from catalog import services as catalog
from catalog.models import Certificate, Product, ProductStatus
from marketplace.stalls.models import Stall
from marketplace.stalls.services import audit
from marketplace.users.models import User
from traceability.models import Farm, FarmKind


def _owned(stall: Stall, product: Product) -> None:
    """Refuse to touch a product of another stall (a programming error, never user input)."""
    if product.stall_id != stall.id:
        raise PermissionError("product belongs to another stall")


def create_product(
    session: Session, actor: User | None, stall: Stall, data: catalog.ProductData
) -> Product:
    """Add a product to the stall."""
    product = catalog.create_product(session, stall.id, data)
    audit(session, stall, actor, "product_created", sku=product.sku, name=product.name)
    return product


def update_product(
    session: Session, actor: User | None, stall: Stall, product: Product, data: catalog.ProductData
) -> dict[str, Any]:
    """Change a product; the log keeps the old and new values."""
    _owned(stall, product)
    changes = catalog.update_product(session, product, data)
    if changes:
        audit(session, stall, actor, "product_updated", sku=product.sku, changes=changes)
    return changes


def duplicate_product(
    session: Session, actor: User, stall: Stall, product: Product, new_sku: str
) -> Product:
    """Copy a product as a draft under a new SKU."""
    _owned(stall, product)
    copy = catalog.duplicate_product(session, product, new_sku)
    audit(session, stall, actor, "product_duplicated", sku=product.sku, new_sku=copy.sku)
    return copy


def set_status(
    session: Session, actor: User, stall: Stall, product: Product, status: ProductStatus
) -> None:
    """Publish, hide or draft a product."""
    _owned(stall, product)
    old = product.status
    catalog.set_status(session, product, status)
    audit(session, stall, actor, "product_status", sku=product.sku, old=old.value, new=status.value)


def adjust_stock(
    session: Session, actor: User, stall: Stall, product: Product, delta: int
) -> int | None:
    """Add or remove stock; None when it would go below zero."""
    _owned(stall, product)
    sku = product.sku
    new = catalog.adjust_stock(session, product.id, delta)
    if new is not None:
        audit(session, stall, actor, "stock_adjusted", sku=sku, delta=delta, stock=new)
    return new


def add_photo(
    session: Session, actor: User, stall: Stall, product: Product, key: str, width: int, height: int
) -> None:
    """Attach a processed photo to a product."""
    _owned(stall, product)
    catalog.add_image(session, product, key, width, height)
    audit(session, stall, actor, "photo_added", sku=product.sku)


def remove_photo(
    session: Session, actor: User, stall: Stall, product: Product, image_id: int
) -> bool:
    """Detach a photo from a product."""
    _owned(stall, product)
    removed = catalog.remove_image(session, product, image_id)
    if removed:
        audit(session, stall, actor, "photo_removed", sku=product.sku)
    return removed


def submit_certificate(
    session: Session, actor: User | None, stall: Stall, trusted: bool = False, **values: Any
) -> Certificate:
    """Record a certificate; trusted (administrator) ones count as verified at once."""
    product_id = values.get("product_id")
    if product_id is not None:
        product = session.get(Product, product_id)
        if product is None or product.stall_id != stall.id:
            raise catalog.CatalogError("product_id", "unknown_product", "unknown product")
    if trusted and actor is not None:
        values["verified_by"] = actor.id
    certificate = catalog.submit_certificate(session, stall.id, **values)
    audit(
        session,
        stall,
        actor,
        "certificate_submitted",
        kind=certificate.kind.value,
        number=certificate.number,
        status=certificate.status.value,
    )
    return certificate


def review_certificate(
    session: Session, admin: User, stall: Stall, certificate: Certificate, verified: bool, note: str
) -> None:
    """Verify or reject a certificate (administrators only; checked by the view)."""
    if certificate.stall_id != stall.id:
        raise PermissionError("certificate belongs to another stall")
    catalog.review_certificate(session, certificate, admin.id, verified, note)
    audit(
        session,
        stall,
        admin,
        "certificate_reviewed",
        kind=certificate.kind.value,
        number=certificate.number,
        verdict="verified" if verified else "rejected",
        note=note,
    )


def add_farm(
    session: Session, actor: User | None, stall: Stall, name: str, kind: FarmKind, **values: Any
) -> Farm:
    """Add a farm, household or cooperative member to the stall."""
    farm = Farm(stall_id=stall.id, name=name, kind=kind, **values)
    session.add(farm)
    session.flush()
    audit(session, stall, actor, "farm_added", name=name, kind=kind.value)
    return farm
