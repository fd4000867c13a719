"""Forms of the lot pages; an event's form is built from its kind's fields (traceability.events)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField, TextAreaField
from wtforms.widgets import CheckboxInput, ListWidget

from traceability.events import ERROR_REASONS, KINDS
from traceability.labels import SIZES

from .seller_fields import Pick, date_rule, int_or_none, opts, text_rule
from .trace_messages import choice_label, field_label

NUMBER = {"inputmode": "decimal", "autocomplete": "off"}
DATE = {"type": "date"}


class Checkboxes(SelectMultipleField):
    """Several choices as checkboxes (easier than a multiple select on a phone)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form: Any) -> None:
        """Leave the check of the chosen ids to the services (they know the stall)."""


class LotForm(FlaskForm):
    """Create a lot of a product."""

    product_id = Pick(_l("Product"), coerce=int_or_none, message=_l("Choose one of your products."))
    code = StringField(_l("Lot code"), validators=[text_rule(20, required=True)])
    quantity = StringField(_l("Quantity (optional)"), render_kw=NUMBER)
    unit = StringField(_l("Unit"), validators=[text_rule(40)])
    harvest_date = StringField(_l("Harvest date"), validators=[date_rule], render_kw=DATE)
    production_date = StringField(_l("Production date"), validators=[date_rule], render_kw=DATE)
    packing_date = StringField(_l("Packing date"), validators=[date_rule], render_kw=DATE)
    expiry_date = StringField(_l("Use by"), validators=[date_rule], render_kw=DATE)
    farms = Checkboxes(_l("Where it was grown"), coerce=int)


class RecallForm(FlaskForm):
    """Recall a lot."""

    reason = TextAreaField(
        _l("Why is the lot recalled?"),
        validators=[text_rule(500, required=True)],
        render_kw={"rows": 3},
    )


class UnitsForm(FlaskForm):
    """Issue serialised units."""

    count = StringField(_l("How many serial codes"), render_kw={"inputmode": "numeric"})


def form_name(detail: str) -> str:
    """Return the form field of an event detail ("process" would hide Form.process)."""
    return f"{detail}_" if hasattr(FlaskForm, detail) else detail


def _detail_field(field: Any) -> Any:
    label = field_label(field.name)
    if field.type == "choice":
        return Pick(label, choices=opts([(c, choice_label(c)) for c in field.choices]))
    if field.type in ("number", "int"):
        return StringField(label, render_kw=NUMBER)
    if field.max_length > 200:
        return TextAreaField(label, render_kw={"rows": 2})
    render = {"type": "url", "inputmode": "url"} if field.type == "uri" else None
    return StringField(label, render_kw=render)


def event_form(
    kind: str,
    farms: list[tuple[int, str]],
    lots: list[tuple[int, str]],
    *,
    correction: bool = False,
    data: dict[str, Any] | None = None,
) -> FlaskForm:
    """Return the form of one event kind: its date, where, and the details the kind needs."""
    attrs: dict[str, Any] = {
        "event_date": StringField(_l("Date"), validators=[date_rule], render_kw=DATE),
        "farm_id": Pick(_l("Where"), coerce=int_or_none, required=False),
    }
    if correction:
        attrs["reason"] = Pick(
            _l("What is wrong with the record?"),
            choices=opts([(r, choice_label(r)) for r in ERROR_REASONS]),
        )
        attrs["correction_note"] = TextAreaField(
            _l("Explain the correction (optional)"),
            validators=[text_rule(500)],
            render_kw={"rows": 2},
        )
    for field in KINDS[kind].fields:
        if field.type == "lots":
            attrs["inputs"] = Checkboxes(_l("Made from these lots"), coerce=int)
            attrs["input_description"] = StringField(
                _l("Other inputs (bought in or not recorded here)"), validators=[text_rule(160)]
            )
        else:
            attrs[form_name(field.name)] = _detail_field(field)
    form = type("EventForm", (FlaskForm,), attrs)(data=data)
    form.farm_id.choices = opts([("", _("Not set")), *farms])
    if "inputs" in attrs:
        form.inputs.choices = opts(lots)
    return form


def event_details(form: FlaskForm, kind: str) -> dict[str, Any]:
    """Return the details an event form holds, as traceability.services takes them."""
    details: dict[str, Any] = {}
    for field in KINDS[kind].fields:
        if field.type == "lots":
            inputs = [{"lot_id": lot_id} for lot_id in form.inputs.data or []]
            if (form.input_description.data or "").strip():
                inputs.append({"description": form.input_description.data})
            details["inputs"] = inputs
        else:
            details[field.name] = form[form_name(field.name)].data
    return details


def form_data(kind: str, details: dict[str, Any]) -> dict[str, Any]:
    """Return form values that show an event's details (to correct it)."""
    data: dict[str, Any] = {}
    for field in KINDS[kind].fields:
        value = details.get(field.name)
        if field.type == "lots":
            items = value or []
            data["inputs"] = [i["lot_id"] for i in items if "lot_id" in i]
            described = [i["description"] for i in items if "description" in i]
            data["input_description"] = "; ".join(described)
        elif value is not None:
            data[form_name(field.name)] = str(value)
    return data


def label_sizes() -> list[tuple[str, str]]:
    """Return the label sheet sizes with their dimensions, for a select."""
    names = {"small": _("Small"), "medium": _("Medium"), "large": _("Large")}
    return [
        (key, f"{names[key]} · {s.width:g} × {s.height:g} mm · {s.per_page}/A4")
        for key, s in SIZES.items()
    ]
