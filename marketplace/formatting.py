"""Vietnamese formats for money and dates (Flask-free, used as Jinja filters)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


def format_vnd(amount: int | None) -> str:
    """Format whole đồng as '1.250.000 ₫'; refuse anything but an integer."""
    if amount is None:
        return ""
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise TypeError(f"VND amounts are integers, got {type(amount).__name__}")
    sign = "-" if amount < 0 else ""
    return f"{sign}{abs(amount):,}".replace(",", ".") + "\u00a0₫"


def _local(value: datetime) -> datetime:
    """Express an aware (or UTC-naive) datetime in Vietnam's time zone."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo("UTC"))
    return value.astimezone(VIETNAM)


def format_date(value: date | datetime | None) -> str:
    """Format a date as dd/mm/yyyy (datetimes in Vietnam's time zone)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = _local(value)
    return value.strftime("%d/%m/%Y")


def format_datetime(value: datetime | None) -> str:
    """Format a moment as 'dd/mm/yyyy HH:MM' in Vietnam's time zone."""
    if value is None:
        return ""
    return _local(value).strftime("%d/%m/%Y %H:%M")
