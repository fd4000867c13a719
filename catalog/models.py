"""Catalog: categories, products, photos and certificates (OCOP, VietGAP, …)."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.db import Base, enum_column, utcnow


class Category(Base):
    """One of OCOP's six product groups, or a sub-category of one."""

    __tablename__ = "catalog_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120), default="")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("catalog_categories.id"))
    position: Mapped[int] = mapped_column(Integer, default=0)

    parent: Mapped[Category | None] = relationship(remote_side="Category.id")


class ProductStatus(enum.StrEnum):
    """Whether shoppers can see a product."""

    DRAFT = "draft"
    ACTIVE = "active"
    HIDDEN = "hidden"


class Product(Base):
    """A product a stall sells, priced in whole đồng."""

    __tablename__ = "catalog_products"
    __table_args__ = (
        UniqueConstraint("stall_id", "sku"),
        CheckConstraint("price_vnd >= 0", name="price_not_negative"),
        CheckConstraint("stock >= 0", name="stock_not_negative"),
        Index("ix_catalog_products_stall_status", "stall_id", "status"),
        Index("ix_catalog_products_category_status", "category_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    stall_id: Mapped[int] = mapped_column(ForeignKey("mkt_stalls.id", ondelete="RESTRICT"))
    sku: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    category_id: Mapped[int] = mapped_column(ForeignKey("catalog_categories.id"))
    description: Mapped[str] = mapped_column(Text, default="")
    price_vnd: Mapped[int] = mapped_column(Integer)
    unit: Mapped[str] = mapped_column(String(40))
    stock: Mapped[int] = mapped_column(Integer, default=0)
    gtin: Mapped[str | None] = mapped_column(String(14), index=True)
    province_code: Mapped[int] = mapped_column(Integer, index=True)
    farm_id: Mapped[int | None] = mapped_column(ForeignKey("trace_farms.id", ondelete="SET NULL"))
    status: Mapped[ProductStatus] = mapped_column(
        enum_column(ProductStatus), default=ProductStatus.DRAFT
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    category: Mapped[Category] = relationship(lazy="joined")
    images: Mapped[list[ProductImage]] = relationship(
        back_populates="product",
        cascade="all, delete-orphan",
        order_by="ProductImage.position",
        lazy="selectin",
    )


class ProductImage(Base):
    """A product photo; `key` is the storage prefix of its resized variants."""

    __tablename__ = "catalog_product_images"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(
        ForeignKey("catalog_products.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(200))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer, default=0)
    alt: Mapped[str] = mapped_column(String(200), default="")

    product: Mapped[Product] = relationship(back_populates="images")


class CertificateKind(enum.StrEnum):
    """Kinds of certificate a seller can show."""

    OCOP = "ocop"
    VIETGAP = "vietgap"
    GLOBALGAP = "globalgap"
    ORGANIC = "organic"


class CertificateStatus(enum.StrEnum):
    """An administrator's verdict on a certificate."""

    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"


class Certificate(Base):
    """An OCOP star rating or a VietGAP/GlobalGAP/organic certificate, and its review."""

    __tablename__ = "catalog_certificates"
    __table_args__ = (
        CheckConstraint("stars IS NULL OR (stars BETWEEN 3 AND 5)", name="stars_3_to_5"),
        Index("ix_catalog_certificates_product_status", "product_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    stall_id: Mapped[int] = mapped_column(
        ForeignKey("mkt_stalls.id", ondelete="CASCADE"), index=True
    )
    # None: the certificate covers the whole stall (e.g. an organic farm), not one product.
    product_id: Mapped[int | None] = mapped_column(
        ForeignKey("catalog_products.id", ondelete="CASCADE")
    )
    kind: Mapped[CertificateKind] = mapped_column(enum_column(CertificateKind))
    stars: Mapped[int | None] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(80), default="")
    issuer: Mapped[str] = mapped_column(String(200), default="")
    scope: Mapped[str] = mapped_column(Text, default="")
    issued_on: Mapped[date | None] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    document_key: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[CertificateStatus] = mapped_column(
        enum_column(CertificateStatus), default=CertificateStatus.PENDING
    )
    review_note: Mapped[str | None] = mapped_column(Text)
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("mkt_users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    def is_expired(self, today: date) -> bool:
        """Return whether the validity has ended."""
        return self.valid_until is not None and self.valid_until < today

    def shows_badge(self, today: date) -> bool:
        """Return whether shoppers may see this certificate's badge."""
        return self.status == CertificateStatus.VERIFIED and not self.is_expired(today)
