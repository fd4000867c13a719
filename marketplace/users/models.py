"""User accounts and password-reset tokens."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.db import Base, enum_column, utcnow


class Role(enum.StrEnum):
    """What an account may do in the market."""

    SHOPPER = "shopper"
    SELLER = "seller"
    ADMIN = "admin"


class User(Base):
    """A person with an account: shopper, seller or administrator."""

    __tablename__ = "mkt_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    full_name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(20))
    role: Mapped[Role] = mapped_column(enum_column(Role), default=Role.SHOPPER)
    locale: Mapped[str | None] = mapped_column(String(8))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Changes whenever the password does, so old sessions stop working.
    session_token: Mapped[str] = mapped_column(String(64))

    # flask-login's protocol, spelled out so the models need no Flask import.
    @property
    def is_authenticated(self) -> bool:
        """Return True: a loaded user is a logged-in user."""
        return True

    @property
    def is_active(self) -> bool:
        """Return whether the account may log in."""
        return self.active

    @property
    def is_anonymous(self) -> bool:
        """Return False: this is a real account."""
        return False

    def get_id(self) -> str:
        """Return the session identifier (user id and session token)."""
        return f"{self.id}:{self.session_token}"

    @property
    def is_admin(self) -> bool:
        """Return whether the account is an administrator."""
        return self.role == Role.ADMIN


class PasswordReset(Base):
    """A single-use, expiring password-reset token (only its hash is stored)."""

    __tablename__ = "mkt_password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("mkt_users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
