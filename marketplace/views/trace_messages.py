"""Translated words of traceability: event kinds, their fields, and service error codes.

Labels are lazy strings made once, so a page translates only the words it shows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from catalog.fields import FieldError
from marketplace.views.messages import field_error

_KINDS: dict[str, Any] = {
    "harvest": _l("Harvest"),
    "input": _l("Fertiliser or pesticide"),
    "processing": _l("Processing"),
    "packing": _l("Packing"),
    "shipping": _l("Shipping"),
    "receiving": _l("Receiving"),
    "inspection": _l("Inspection or lab test"),
    "recall": _l("Recall"),
    "correction": _l("Correction"),
}


_FIELDS: dict[str, Any] = {
    "quantity": _l("Quantity"),
    "unit": _l("Unit"),
    "note": _l("Note"),
    "input_type": _l("What was applied"),
    "product": _l("Product used"),
    "dose": _l("Dose"),
    "dose_unit": _l("Dose unit"),
    "phi_days": _l("Pre-harvest interval (days)"),
    "area": _l("Field or area"),
    "process": _l("Process"),
    "inputs": _l("Made from"),
    "package": _l("Package"),
    "count": _l("Number of packs"),
    "destination": _l("Sent to"),
    "destination_uri": _l("Web address of the destination"),
    "carrier": _l("Carrier"),
    "source": _l("Received from"),
    "source_uri": _l("Web address of the source"),
    "result": _l("Result"),
    "inspector": _l("Inspected by"),
    "certificate_number": _l("Test report number"),
    "reason": _l("Reason"),
}


_CHOICES: dict[str, Any] = {
    "fertiliser": _l("Fertiliser"),
    "pesticide": _l("Pesticide"),
    "other": _l("Other"),
    "incorrect_data": _l("The record had a mistake"),
    "did_not_occur": _l("It did not happen"),
}


_FARM_KINDS: dict[str, Any] = {
    "farm": _l("Farm"),
    "household": _l("Household"),
    "member": _l("Cooperative member"),
}


_LOT_STATUSES: dict[str, Any] = {
    "active": _l("Active"),
    "recalled": _l("Recalled"),
    "expired": _l("Expired"),
}


def _labeller(table: dict[str, Any], doc: str) -> Callable[[str], str]:
    """Return a function naming a code from `table` in the user's language (else the code)."""

    def label(code: str) -> str:
        found = table.get(code)
        return str(found) if found is not None else code

    label.__doc__ = doc
    return label


kind_label = _labeller(_KINDS, "Return the name of an event kind in the user's language.")
field_label = _labeller(_FIELDS, "Return the label of an event detail field.")
choice_label = _labeller(_CHOICES, "Return the label of a choice value (what was applied, why).")
farm_kind_label = _labeller(_FARM_KINDS, "Return the name of a kind of farm.")
lot_status_label = _labeller(_LOT_STATUSES, "Return the name of a lot status.")


def trace_error(exc: FieldError) -> str:
    """Return the message for a TraceError or EventError, in the user's language."""
    messages = {
        "bad_lot_code": _("A lot code has 1–20 letters, digits or - . / _ characters, no spaces."),
        "duplicate": _("This product already has a lot with this code."),
        "farm_not_in_stall": _("Choose farms of this stall."),
        "out_of_range": _("This number is out of range."),
        "date_order": _("Dates go in the order harvest, production, packing, expiry."),
        "busy": _("Someone else is recording an event for this lot; please try again."),
        "unknown_kind": _("Choose a kind of event from the list."),
        "in_future": _("An event cannot happen in the future."),
        "input_lot_unknown": _("Choose input lots of this stall (not this lot itself)."),
        "not_found": _("This event is not part of the lot."),
        "recall_final": _("A recall cannot be corrected."),
        "already_corrected": _("This record was already corrected; correct the correction."),
        "bad_reason": _("Choose why the record is wrong."),
        "not_allowed": _("An event that did not happen has no corrected details."),
        "already_recalled": _("This lot is already recalled."),
        "not_a_number": _("Enter a number, for example 2,5."),
        "not_an_integer": _("Enter a whole number."),
        "bad_choice": _("Choose an option from the list."),
        "bad_uri": _("Enter a web address starting with http:// or https://."),
        "phi_required": _("A pesticide needs its pre-harvest interval in days."),
        "bad_inputs": _("Choose up to 50 input lots."),
        "unknown_field": _("This value is not valid."),
        "not_text": _("This value is not valid."),
    }
    return messages.get(exc.code) or field_error(exc)


def helpers() -> dict[str, Any]:
    """Return the label functions for trace templates."""
    return {
        "kind_label": kind_label,
        "field_label": field_label,
        "choice_label": choice_label,
        "farm_kind_label": farm_kind_label,
        "lot_status_label": lot_status_label,
    }
