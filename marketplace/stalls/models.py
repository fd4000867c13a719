"""Stalls, the people who run them, and the audit log of every change."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.db import Base, enum_column, utcnow


class StallKind(enum.StrEnum):
    """Who runs a stall."""

    HOUSEHOLD = "household"
    COOPERATIVE = "cooperative"
    ENTERPRISE = "enterprise"


class StallStatus(enum.StrEnum):
    """Where a stall is in its life."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    SUSPENDED = "suspended"


class StaffRole(enum.StrEnum):
    """What a person may do in a stall (owner > manager > staff)."""

    OWNER = "owner"
    MANAGER = "manager"
    STAFF = "staff"


ROLE_RANK = {StaffRole.STAFF: 1, StaffRole.MANAGER: 2, StaffRole.OWNER: 3}


class Stall(Base):
    """A seller's stall (gian hàng): a household farm, a cooperative or an enterprise."""

    __tablename__ = "mkt_stalls"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[StallKind] = mapped_column(enum_column(StallKind))
    status: Mapped[StallStatus] = mapped_column(
        enum_column(StallStatus), default=StallStatus.PENDING
    )
    province_code: Mapped[int] = mapped_column(Integer, index=True)
    ward_code: Mapped[int | None] = mapped_column(Integer)
    address_line: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(20))
    registration_no: Mapped[str | None] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(Text, default="")
    logo_key: Mapped[str | None] = mapped_column(String(200))
    banner_key: Mapped[str | None] = mapped_column(String(200))
    review_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("mkt_users.id"))

    staff: Mapped[list[StallStaff]] = relationship(
        back_populates="stall", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def is_public(self) -> bool:
        """Return whether shoppers may see the stall."""
        return self.status == StallStatus.APPROVED


class StallStaff(Base):
    """A user's role in a stall."""

    __tablename__ = "mkt_stall_staff"
    __table_args__ = (UniqueConstraint("stall_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    stall_id: Mapped[int] = mapped_column(ForeignKey("mkt_stalls.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("mkt_users.id", ondelete="CASCADE"), index=True)
    role: Mapped[StaffRole] = mapped_column(enum_column(StaffRole))
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    stall: Mapped[Stall] = relationship(back_populates="staff")


class AuditEntry(Base):
    """One change in a stall: who did what, when (never edited, never deleted)."""

    __tablename__ = "mkt_stall_audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    stall_id: Mapped[int] = mapped_column(
        ForeignKey("mkt_stalls.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("mkt_users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(40))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
