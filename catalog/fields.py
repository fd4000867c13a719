"""Field rules shared by forms, services and the CSV import (Flask-free)."""

from __future__ import annotations

import re
from datetime import date, datetime

from catalog.search.text import normalise

SKU_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._\-]{0,63}")
SLUG_RE = re.compile(r"[a-z0-9](?:[a-z0-9\-]{1,78}[a-z0-9])")
MAX_PRICE_VND = 2_000_000_000
MAX_STOCK = 10_000_000
# GS1 batch/lot: up to 20 characters of GS1's "82-character set"; we accept its safe subset.
_BLANK_RUNS = re.compile(r"\n{3,}")
LOT_RE = re.compile(r"[A-Za-z0-9!%&'()*+,\-./:;<=>?_\"]{1,20}")


class FieldError(ValueError):
    """A value broke a rule; `code` names the rule and `field` the field."""

    def __init__(self, field: str, code: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.code = code


def text(
    field: str,
    value: str | None,
    *,
    max_length: int,
    required: bool = True,
    multiline: bool = False,
) -> str:
    """Return the value NFC-normalised and trimmed, enforcing presence and length."""
    if multiline:
        # Keep the paragraphs a farmer typed; tidy spaces inside each line.
        lines = [normalise(line) for line in (value or "").replace("\r\n", "\n").split("\n")]
        cleaned = _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip()
    else:
        cleaned = normalise(value or "")
    if required and not cleaned:
        raise FieldError(field, "required", f"{field} is required")
    if len(cleaned) > max_length:
        raise FieldError(field, "too_long", f"{field} is longer than {max_length} characters")
    return cleaned


def sku(value: str | None) -> str:
    """Return a valid stock-keeping code (letters, digits, . _ -)."""
    cleaned = (value or "").strip()
    if not SKU_RE.fullmatch(cleaned):
        raise FieldError("sku", "bad_sku", "SKU must be 1-64 letters, digits, '.', '_' or '-'")
    return cleaned


def slug(value: str | None) -> str:
    """Return a valid URL slug (a-z, 0-9, dashes; 3-80 characters)."""
    cleaned = (value or "").strip().lower()
    if not SLUG_RE.fullmatch(cleaned) or "--" in cleaned:
        raise FieldError("slug", "bad_slug", "slug must be 3-80 of a-z, 0-9 and single dashes")
    return cleaned


def whole_number(field: str, value: str | int | None, *, maximum: int) -> int:
    """Parse a non-negative integer; Vietnamese thousand dots and spaces are allowed."""
    if isinstance(value, bool):
        raise FieldError(field, "not_a_number", f"{field} must be a whole number")
    if isinstance(value, int):
        number = value
    else:
        raw = (value or "").strip().replace(".", "").replace(" ", "").replace("\u00a0", "")
        raw = raw.removesuffix("₫").removesuffix("đ").removesuffix("VND").strip()
        if not raw:
            raise FieldError(field, "required", f"{field} is required")
        if not raw.isdigit() or not raw.isascii():
            raise FieldError(field, "not_a_number", f"{field} must be a whole number")
        number = int(raw)
    if number < 0:
        raise FieldError(field, "negative", f"{field} cannot be negative")
    if number > maximum:
        raise FieldError(field, "too_large", f"{field} is larger than {maximum}")
    return number


def price_vnd(value: str | int | None) -> int:
    """Parse a price in whole đồng."""
    return whole_number("price_vnd", value, maximum=MAX_PRICE_VND)


def stock(value: str | int | None) -> int:
    """Parse a stock count."""
    return whole_number("stock", value, maximum=MAX_STOCK)


def stars(value: str | int | None) -> int | None:
    """Parse OCOP stars: empty, or 3, 4 or 5."""
    if value in (None, ""):
        return None
    number = whole_number("ocop_stars", value, maximum=5)
    if number not in (3, 4, 5):
        raise FieldError("ocop_stars", "bad_stars", "OCOP stars are 3, 4 or 5")
    return number


def lot_code(value: str | None) -> str:
    """Return a GS1-compatible lot code (at most 20 characters)."""
    cleaned = (value or "").strip()
    if not LOT_RE.fullmatch(cleaned):
        raise FieldError("lot", "bad_lot", "lot code must be 1-20 GS1 characters, no spaces")
    return cleaned


def day(field: str, value: str | date | None) -> date | None:
    """Parse a date written dd/mm/yyyy (Vietnamese) or yyyy-mm-dd (ISO); empty is None."""
    if value is None or isinstance(value, date):
        return value
    raw = value.strip()
    if not raw:
        return None
    for pattern in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y"):
        try:
            return datetime.strptime(raw, pattern).date()
        except ValueError:
            continue
    raise FieldError(field, "bad_date", f"{field} must be a date like 24/11/2026")
