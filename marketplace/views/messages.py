"""Translated messages for the error codes that services raise."""

from __future__ import annotations

from flask_babel import gettext as _

from catalog.fields import FieldError


def field_error(exc: FieldError) -> str:
    """Return the message for a FieldError, in the user's language."""
    messages = {
        "required": _("Please fill in this field."),
        "too_long": _("This text is too long."),
        "bad_sku": _("Use 1–64 letters, digits, dots, dashes or underscores, without spaces."),
        "bad_slug": _("Use 3–80 lower-case letters without accents, digits and dashes."),
        "not_a_number": _("Enter a whole number, for example 125000."),
        "negative": _("This cannot be negative."),
        "too_large": _("This number is too large."),
        "bad_stars": _("OCOP stars are 3, 4 or 5."),
        "stars_required": _("An OCOP certificate needs its number of stars."),
        "bad_lot": _("A lot code has at most 20 letters or digits, without spaces."),
        "bad_date": _("Enter a date like 24/11/2026."),
        "bad_length": _("A GTIN (barcode) has 8, 12, 13 or 14 digits."),
        "not_digits": _("A GTIN (barcode) has digits only."),
        "bad_check_digit": _("This barcode's last digit is wrong; please check the number."),
        "sku_taken": _("Another product of this stall already uses this code."),
        "unknown_category": _("Choose a category from the list."),
        "unknown_product": _("Choose one of your products."),
        "unknown_province": _("Choose a province or city from the list."),
        "unknown_ward": _("Choose a ward or commune of the chosen province."),
        "slug_taken": _("This web address is already taken; please choose another."),
        "reason_required": _("Please give the seller a reason."),
        "no_such_account": _("No account uses this email. Ask the person to register first."),
        "owner_only": _("Only an owner of the stall can do this."),
        "last_owner": _("A stall needs at least one owner."),
        "farm_name_taken": _("The stall already has a farm or member with this name."),
    }
    return messages.get(exc.code, _("This value is not valid."))


def upload_error(code: str) -> str:
    """Return the message for a rejected upload, in the user's language."""
    messages = {
        "not_an_image": _("This file is not a photo. Please choose a JPEG, PNG or WebP picture."),
        "unsupported_format": _("Please use a JPEG, PNG or WebP picture."),
        "too_large": _("The file is too large (at most 8 MB)."),
        "too_many_pixels": _("The picture has too many pixels; please send a smaller one."),
        "too_small": _("The picture is too small; please send one at least 64 pixels wide."),
        "not_a_document": _("Please send a PDF or a photo of the document."),
    }
    return messages.get(code, _("This file could not be used."))
