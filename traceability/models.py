"""Traceability records: farms (and cooperative members) and lots of a product."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.db import Base, enum_column, utcnow


class FarmKind(enum.StrEnum):
    """What a farm record stands for."""

    FARM = "farm"
    HOUSEHOLD = "household"
    MEMBER = "member"  # a member household or farm of a cooperative


class Farm(Base):
    """A farm, household or cooperative member that grows products of a stall."""

    __tablename__ = "trace_farms"
    __table_args__ = (UniqueConstraint("stall_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    stall_id: Mapped[int] = mapped_column(ForeignKey("mkt_stalls.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(160))
    kind: Mapped[FarmKind] = mapped_column(enum_column(FarmKind), default=FarmKind.FARM)
    province_code: Mapped[int | None] = mapped_column(Integer)
    ward_code: Mapped[int | None] = mapped_column(Integer)
    area_m2: Mapped[int | None] = mapped_column(Integer)
    standard: Mapped[str] = mapped_column(String(120), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    # Personal data (Decree 13/2023): shown publicly only with consent.
    representative: Mapped[str | None] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(20))
    latitude: Mapped[float | None] = mapped_column(Numeric(9, 6, asdecimal=False))
    longitude: Mapped[float | None] = mapped_column(Numeric(9, 6, asdecimal=False))
    share_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    share_location: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


lot_farms = Table(
    "trace_lot_farms",
    Base.metadata,
    Column("lot_id", ForeignKey("trace_lots.id", ondelete="CASCADE"), primary_key=True),
    Column("farm_id", ForeignKey("trace_farms.id", ondelete="CASCADE"), primary_key=True),
)


class LotStatus(enum.StrEnum):
    """Whether a lot may still be sold."""

    ACTIVE = "active"
    RECALLED = "recalled"
    EXPIRED = "expired"


class Lot(Base):
    """A batch of one product, with its dates and origin farms."""

    __tablename__ = "trace_lots"
    __table_args__ = (UniqueConstraint("product_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(
        ForeignKey("catalog_products.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(20))
    quantity: Mapped[int | None] = mapped_column(Integer)
    unit: Mapped[str] = mapped_column(String(40), default="")
    harvest_date: Mapped[date | None] = mapped_column(Date)
    production_date: Mapped[date | None] = mapped_column(Date)
    packing_date: Mapped[date | None] = mapped_column(Date)
    expiry_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[LotStatus] = mapped_column(enum_column(LotStatus), default=LotStatus.ACTIVE)
    recall_reason: Mapped[str | None] = mapped_column(Text)
    scan_count: Mapped[int] = mapped_column(Integer, default=0)
    first_scanned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The chain's length and newest hash, so deleting the newest events is noticed too.
    chain_length: Mapped[int] = mapped_column(Integer, default=0)
    chain_head: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    farms: Mapped[list[Farm]] = relationship(secondary=lot_farms, lazy="selectin")


class ProductLink(Base):
    """The opaque short link (/t/{token}) of a product that has no GTIN."""

    __tablename__ = "trace_product_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(
        ForeignKey("catalog_products.id", ondelete="CASCADE"), unique=True
    )
    token: Mapped[str] = mapped_column(String(32), unique=True)


class LotLink(Base):
    """The opaque short link (/t/{token}) of a lot, for labels of products without a GTIN."""

    __tablename__ = "trace_lot_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(
        ForeignKey("trace_lots.id", ondelete="CASCADE"), unique=True
    )
    token: Mapped[str] = mapped_column(String(32), unique=True)


class TraceEvent(Base):
    """One EPCIS-shaped event of a lot; append-only and hash-chained per lot."""

    __tablename__ = "trace_events"
    __table_args__ = (UniqueConstraint("lot_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("trace_lots.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(24))  # harvest, input, processing, packing, …
    event_type: Mapped[str] = mapped_column(String(32))  # EPCIS ObjectEvent, TransformationEvent
    action: Mapped[str | None] = mapped_column(String(8))  # ADD, OBSERVE, DELETE
    biz_step: Mapped[str | None] = mapped_column(String(40))
    disposition: Mapped[str | None] = mapped_column(String(40))
    event_time: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # RESTRICT: the farm is part of the hashed record, so a farm with events stays.
    farm_id: Mapped[int | None] = mapped_column(ForeignKey("trace_farms.id", ondelete="RESTRICT"))
    recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("mkt_users.id", ondelete="SET NULL")
    )
    # Declares an earlier event of the same lot erroneous (EPCIS errorDeclaration).
    corrects_event_id: Mapped[int | None] = mapped_column(ForeignKey("trace_events.id"))
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class TraceUnit(Base):
    """A serialised unit of a lot (/21/{serial}) for high-value goods."""

    __tablename__ = "trace_units"
    __table_args__ = (UniqueConstraint("lot_id", "serial"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("trace_lots.id", ondelete="CASCADE"))
    serial: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    first_scanned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    scan_count: Mapped[int] = mapped_column(Integer, default=0)


class TraceScan(Base):
    """One scan of a lot or unit label; the visitor is a salted, truncated hash, never an IP."""

    __tablename__ = "trace_scans"
    __table_args__ = (Index("ix_trace_scans_lot_time", "lot_id", "scanned_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("trace_lots.id", ondelete="CASCADE"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("trace_units.id", ondelete="CASCADE"))
    scanned_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    visitor: Mapped[str] = mapped_column(String(16))
