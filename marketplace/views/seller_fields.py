"""Form building blocks for the seller area: selects and validators with translated messages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField
from wtforms.validators import StopValidation

from catalog import fields
from marketplace.views.messages import field_error

# Service field names that differ from the form's.
FIELD_ALIASES = {"ocop_stars": "stars"}


def int_or_none(value: Any) -> int | None:
    """Coerce a select's value to an int, or None when empty or not a number."""
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class Pick(SelectField):
    """A select that checks the choice itself, with our translated message.

    WTForms ships no Vietnamese, so its own "Not a valid choice" would show in English.
    """

    def __init__(
        self,
        label: Any = None,
        validators: Any = None,
        message: Any = None,
        required: bool = True,
        **kw: Any,
    ) -> None:
        kw.setdefault("coerce", str)
        super().__init__(label, validators, validate_choice=False, **kw)
        self.message = message or _l("Choose an option from the list.")
        self.required = required

    def process_formdata(self, valuelist: list[Any]) -> None:
        """Keep an uncoercible value as None instead of raising an English error."""
        if valuelist:
            try:
                self.data = self.coerce(valuelist[0])
            except (TypeError, ValueError):
                self.data = None

    def pre_validate(self, form: Any) -> None:
        """Refuse a value that is not one of the choices."""
        allowed = {self.coerce(choice.value) for choice in self.iter_choices()}
        if self.data not in allowed or (self.required and self.data is None):
            raise StopValidation(self.message)


def opts(pairs: Any, optgroup: str | None = None) -> list[SelectChoice]:
    """Return select options from (value, label) pairs."""
    return [SelectChoice(str(value), label, optgroup=optgroup) for value, label in pairs]


def rule(parse: Callable[[Any], Any]) -> Callable[[Any, Any], None]:
    """Turn a catalog field parser into a WTForms validator with translated messages."""

    def validator(_form: Any, field: Any) -> None:
        try:
            parse(field.data)
        except fields.FieldError as exc:
            raise StopValidation(field_error(exc)) from exc

    return validator


def text_rule(max_length: int, required: bool = False) -> Callable[[Any, Any], None]:
    """Validate presence and length of a text field."""
    return rule(lambda value: fields.text("text", value, max_length=max_length, required=required))


def date_rule(_form: Any, field: Any) -> None:
    """Validate a date typed as dd/mm/yyyy or picked as yyyy-mm-dd."""
    rule(lambda value: fields.day("date", value))(_form, field)


def show_error(form: FlaskForm, exc: fields.FieldError) -> None:
    """Attach a service error to the form field it concerns (or to the form)."""
    name = FIELD_ALIASES.get(exc.field, exc.field)
    target = form._fields.get(name)
    if target is None:
        form.form_errors.append(field_error(exc))
    else:
        target.errors = [*target.errors, field_error(exc)]
