"""Preset trace event kinds (farm words) mapped to EPCIS 2.0, and their detail rules."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from catalog.fields import FieldError
from catalog.search.text import normalise

OBJECT = "ObjectEvent"
TRANSFORMATION = "TransformationEvent"
CORRECTION = "correction"
RECALL = "recall"
ERROR_REASONS = ("incorrect_data", "did_not_occur")  # CBV error reasons
# An absolute http(s) URI in plain RFC 3986 characters, so EPCIS consumers accept it.
_URI = re.compile(r"https?://[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")


class EventError(FieldError):
    """Event details broke a rule; `field` and `code` say which."""


@dataclass(frozen=True)
class Field:
    """One detail a seller fills in for an event kind."""

    name: str
    type: str  # text, number, int, choice, uri, lots
    required: bool = False
    max_length: int = 160
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class EventKind:
    """A preset event and its EPCIS shape (type, action, bizStep, disposition)."""

    name: str
    label: str  # English, for the views to translate
    label_vi: str
    event_type: str
    action: str | None
    biz_step: str | None
    disposition: str | None
    fields: tuple[Field, ...]


_NOTE = Field("note", "text", max_length=500)
_QUANTITY = (Field("quantity", "number"), Field("unit", "text", max_length=20))
_INPUTS = Field("inputs", "lots")

KINDS: dict[str, EventKind] = {
    k.name: k
    for k in (
        EventKind(
            "harvest",
            "Harvest",
            "Thu hoạch",
            OBJECT,
            "ADD",
            "commissioning",
            "active",
            (*_QUANTITY, _NOTE),
        ),
        # CBV has no "applying inputs" step: "other" is valid and the details travel in the
        # cp: extension (product, dose, pre-harvest interval).
        EventKind(
            "input",
            "Fertiliser or pesticide",
            "Bón phân / phun thuốc",
            OBJECT,
            "OBSERVE",
            "other",
            None,
            (
                Field("input_type", "choice", True, choices=("fertiliser", "pesticide", "other")),
                Field("product", "text", True, max_length=120),
                Field("dose", "number", True),
                Field("dose_unit", "text", True, max_length=30),
                Field("phi_days", "int"),  # pre-harvest interval, days
                Field("area", "text", max_length=120),
                _NOTE,
            ),
        ),
        # "transforming" is not a CBV bizStep; GS1's own examples commission the output.
        EventKind(
            "processing",
            "Processing",
            "Chế biến",
            TRANSFORMATION,
            None,
            "commissioning",
            "active",
            (Field("process", "text", True, max_length=120), _INPUTS, *_QUANTITY, _NOTE),
        ),
        EventKind(
            "packing",
            "Packing",
            "Đóng gói",
            TRANSFORMATION,
            None,
            "packing",
            "in_progress",
            (Field("package", "text", True, max_length=120), Field("count", "int"), _INPUTS, _NOTE),
        ),
        EventKind(
            "shipping",
            "Shipping",
            "Xuất hàng",
            OBJECT,
            "OBSERVE",
            "shipping",
            "in_transit",
            (
                Field("destination", "text", True),
                Field("destination_uri", "uri", max_length=300),
                Field("carrier", "text", max_length=120),
                *_QUANTITY,
                _NOTE,
            ),
        ),
        EventKind(
            "receiving",
            "Receiving",
            "Nhận hàng",
            OBJECT,
            "OBSERVE",
            "receiving",
            "in_progress",
            (
                Field("source", "text", True),
                Field("source_uri", "uri", max_length=300),
                *_QUANTITY,
                _NOTE,
            ),
        ),
        EventKind(
            "inspection",
            "Inspection or lab test",
            "Kiểm tra / kiểm nghiệm",
            OBJECT,
            "OBSERVE",
            "inspecting",
            None,
            (
                Field("result", "text", True, max_length=200),
                Field("inspector", "text", max_length=160),
                Field("certificate_number", "text", max_length=80),
                _NOTE,
            ),
        ),
        EventKind(
            RECALL,
            "Recall",
            "Thu hồi",
            OBJECT,
            "OBSERVE",
            None,
            "recalled",
            (Field("reason", "text", True, max_length=500),),
        ),
    )
}
# What a seller picks from when adding an event; recall and corrections have their own flows.
PRESETS = tuple(name for name in KINDS if name != RECALL)


def _number(name: str, raw: Any, *, integer: bool) -> int | float:
    value = raw
    if isinstance(raw, str):
        # Vietnamese writes decimals with a comma: "2,5 kg".
        value = raw.strip().replace(" ", "").replace(",", ".")
    try:
        number = float(value)
    except (TypeError, ValueError) as exc:
        raise EventError(name, "not_a_number", f"{name} must be a number") from exc
    if isinstance(raw, bool) or not math.isfinite(number) or number < 0:
        raise EventError(name, "out_of_range", f"{name} must be zero or more")
    if integer and not number.is_integer():
        raise EventError(name, "not_an_integer", f"{name} must be a whole number")
    if number > 1e12:
        raise EventError(name, "out_of_range", f"{name} is too large")
    # Whole numbers stay ints so the stored JSON (and its hash) never says "2.0" for 2.
    return int(number) if number.is_integer() else number


def _text(name: str, raw: Any, max_length: int) -> str:
    if not isinstance(raw, str | int | float):
        raise EventError(name, "not_text", f"{name} must be text")
    value = normalise(str(raw))
    if len(value) > max_length:
        raise EventError(name, "too_long", f"{name} is longer than {max_length} characters")
    return value


def _lots(name: str, raw: Any) -> list[dict[str, Any]]:
    if not isinstance(raw, list) or len(raw) > 50:
        raise EventError(name, "bad_inputs", "Inputs must be a list of up to 50 lots")
    cleaned = []
    for item in raw:
        if not isinstance(item, Mapping):
            raise EventError(name, "bad_inputs", "Each input is a lot reference")
        entry: dict[str, Any] = {}
        if item.get("lot_id") is not None:
            entry["lot_id"] = _number(name, item["lot_id"], integer=True)
        if item.get("description"):
            entry["description"] = _text(name, item["description"], 160)
        if not entry:
            raise EventError(name, "bad_inputs", "An input needs a lot or a description")
        if item.get("quantity") not in (None, ""):
            entry["quantity"] = _number(name, item["quantity"], integer=False)
        if item.get("unit"):
            entry["unit"] = _text(name, item["unit"], 20)
        cleaned.append(entry)
    return cleaned


def clean_details(kind: str, raw: Mapping[str, Any] | None) -> dict[str, Any]:
    """Return validated, normalised details for an event kind, or raise EventError."""
    spec = KINDS.get(kind)
    if spec is None:
        raise EventError("kind", "unknown_kind", f"Unknown event kind {kind!r}")
    raw = raw or {}
    known = {f.name for f in spec.fields}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise EventError(unknown[0], "unknown_field", f"{kind} has no field {unknown[0]!r}")
    details: dict[str, Any] = {}
    for f in spec.fields:
        value = raw.get(f.name)
        if value is None or value == "" or value == []:
            if f.required:
                raise EventError(f.name, "required", f"{f.name} is required")
            continue
        if f.type in ("number", "int"):
            details[f.name] = _number(f.name, value, integer=f.type == "int")
        elif f.type == "lots":
            details[f.name] = _lots(f.name, value)
        else:
            text = _text(f.name, value, f.max_length)
            if not text:
                if f.required:
                    raise EventError(f.name, "required", f"{f.name} is required")
                continue
            if f.type == "choice" and text not in f.choices:
                raise EventError(f.name, "bad_choice", f"{f.name} must be one of {f.choices}")
            if f.type == "uri" and not _URI.fullmatch(text):
                raise EventError(f.name, "bad_uri", f"{f.name} must be an http(s) address")
            details[f.name] = text
    if kind == "input" and details["input_type"] == "pesticide" and "phi_days" not in details:
        # Food safety: shoppers and inspectors need to see the pre-harvest interval.
        raise EventError("phi_days", "phi_required", "A pesticide needs its pre-harvest interval")
    return details
