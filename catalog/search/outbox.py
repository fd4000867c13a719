"""The search outbox: product ids whose index entry must be refreshed (durable queue)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.db import Base, utcnow


class SearchOutbox(Base):
    """One pending index update; drained after commit and by `flask search sync`."""

    __tablename__ = "catalog_search_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(Integer, index=True)
    queued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
