"""Validation of Vietnamese inputs shared by forms and imports."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError

_PHONE = re.compile(r"0[35789]\d{8}")


def normalise_phone(raw: str) -> str | None:
    """Return a Vietnamese mobile number as 0xxxxxxxxx, or None if it is not one."""
    digits = re.sub(r"[\s.\-()]", "", raw or "")
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    return digits if _PHONE.fullmatch(digits) else None


def phone_validator(_form: Any, field: Any) -> None:
    """WTForms validator: a 10-digit number starting with 0 (or +84)."""
    if not field.data:
        return
    phone = normalise_phone(field.data)
    if phone is None:
        raise ValidationError(
            _l("Enter a Vietnamese phone number: 10 digits starting with 0, or +84.")
        )
    field.data = phone
