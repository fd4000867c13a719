"""GS1 GTIN validation: accept GTIN-8/12/13/14, always hand back 14 digits."""

from __future__ import annotations

import re

GTIN_LENGTHS = frozenset({8, 12, 13, 14})

# Separators people copy from printed barcodes and spreadsheets.
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015]+")
_DIGITS = re.compile(r"[0-9]+")


class InvalidGTIN(ValueError):
    """A GTIN that cannot be accepted; `code` says why in a machine-readable way."""

    def __init__(self, code: str, message: str, expected_check_digit: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.expected_check_digit = expected_check_digit


def check_digit(data: str) -> int:
    """Return the GS1 mod-10 check digit for `data`, the digits before the check digit."""
    # `str.isdigit` would also accept other scripts' digits and superscripts.
    if not _DIGITS.fullmatch(data):
        raise InvalidGTIN("not_digits", f"GTIN data must be digits 0-9, got {data!r}")
    # Weights run 3, 1, 3, 1 … from the rightmost data digit, so left-padding with zeros
    # never changes the result.
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(data)))
    return (10 - total % 10) % 10


def normalise_gtin(raw: str) -> str:
    """Return `raw` as a verified 14-digit GTIN, or raise InvalidGTIN."""
    digits = _SEPARATORS.sub("", raw)
    if not digits:
        raise InvalidGTIN("bad_length", "A GTIN has 8, 12, 13 or 14 digits, got none")
    if not _DIGITS.fullmatch(digits):
        raise InvalidGTIN("not_digits", f"A GTIN contains only digits 0-9, got {raw!r}")
    if len(digits) not in GTIN_LENGTHS:
        raise InvalidGTIN(
            "bad_length", f"A GTIN has 8, 12, 13 or 14 digits, got {len(digits)} in {raw!r}"
        )
    expected = check_digit(digits[:-1])
    if int(digits[-1]) != expected:
        raise InvalidGTIN(
            "bad_check_digit",
            f"GTIN {digits} ends in check digit {digits[-1]}, expected {expected}",
            expected_check_digit=expected,
        )
    return digits.zfill(14)


def is_valid_gtin(raw: str) -> bool:
    """Return whether `raw` is an acceptable GTIN-8/12/13/14 with a correct check digit."""
    try:
        normalise_gtin(raw)
    except InvalidGTIN:
        return False
    return True
