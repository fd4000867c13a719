"""Forms of the cart, checkout, order handling and a stall's delivery and payment settings."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, StringField, TextAreaField
from wtforms.validators import StopValidation

from catalog import fields
from marketplace.users.services import AccountError, normalise_email
from marketplace.validation import phone_validator
from marketplace.views.seller_fields import Pick, int_or_none, opts, rule, text_rule
from payments.vietqr import BANKS

MAX_QUANTITY = 999


def quantity_rule(_form: Any, field: Any) -> None:
    """Accept a whole number of items from 1 to 999."""
    raw = str(field.data or "").strip()
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_QUANTITY:
        raise StopValidation(_l("Enter a quantity from 1 to %(n)d.", n=MAX_QUANTITY))
    field.data = int(raw)


def email_rule(_form: Any, field: Any) -> None:
    """Accept an empty field or a valid email address (normalised)."""
    if not (field.data or "").strip():
        field.data = None
        return
    try:
        field.data = normalise_email(field.data)
    except AccountError:
        raise StopValidation(_l("This email address is not valid.")) from None


def fee_rule(required: bool = True) -> Any:
    """Validate an amount of whole đồng (a fee), empty allowed when not required."""
    return rule(
        lambda v: (
            fields.whole_number("fee", v, maximum=10_000_000)
            if required or (v or "").strip()
            else None
        )
    )


def amount(value: str | None) -> int | None:
    """Return a validated amount field's value as whole đồng (None when empty)."""
    if not (value or "").strip():
        return None
    return fields.whole_number("fee", value, maximum=10_000_000)


class AddToCartForm(FlaskForm):
    """Put a product in the cart."""

    product_id = HiddenField()
    quantity = StringField(
        _l("Quantity"),
        default="1",
        validators=[quantity_rule],
        render_kw={"inputmode": "numeric", "type": "number", "min": 1, "max": MAX_QUANTITY},
    )
    next = HiddenField()


class CheckoutForm(FlaskForm):
    """Who receives the order, where, and how it is paid."""

    contact_name = StringField(_l("Full name"), validators=[text_rule(120, required=True)])
    phone = StringField(
        _l("Phone number"),
        validators=[text_rule(30, required=True), phone_validator],
        render_kw={"inputmode": "tel", "type": "tel"},
    )
    email = StringField(
        _l("Email"), validators=[email_rule], render_kw={"type": "email", "maxlength": 254}
    )
    province_code = Pick(
        _l("Province or city"),
        coerce=int_or_none,
        message=_l("Choose a province or city from the list."),
    )
    ward_code = Pick(
        _l("Ward or commune"),
        coerce=int_or_none,
        message=_l("Choose a ward or commune of the chosen province."),
    )
    street = StringField(
        _l("House number, street, village"), validators=[text_rule(200, required=True)]
    )
    note = TextAreaField(
        _l("Note for the sellers (optional)"), validators=[text_rule(1000)], render_kw={"rows": 3}
    )
    payment_method = Pick(_l("Payment"), message=_l("Choose how you want to pay."))
    idempotency_key = HiddenField()


class ShipForm(FlaskForm):
    """Move an order on; shipping needs the carrier and tracking number."""

    carrier = StringField(_l("Carrier"), validators=[text_rule(80)])
    tracking = StringField(_l("Tracking number"), validators=[text_rule(80)])
    note = StringField(_l("Note (optional)"), validators=[text_rule(500)])


class SettingsForm(FlaskForm):
    """A stall's delivery options, cash on delivery and bank account for transfers."""

    pickup_enabled = BooleanField(_l("Shoppers may pick up orders at the stall"))
    pickup_address = StringField(_l("Where to pick up"), validators=[text_rule(200)])
    delivery_enabled = BooleanField(_l("We deliver"))
    delivery_fee_vnd = StringField(
        _l("Delivery fee (đồng)"), validators=[fee_rule()], render_kw={"inputmode": "numeric"}
    )
    province_fees = TextAreaField(
        _l("Other fees by province (optional)"),
        validators=[text_rule(5000)],
        render_kw={"rows": 4},
    )
    free_delivery_over_vnd = StringField(
        _l("Free delivery from an order of (đồng, optional)"),
        validators=[fee_rule(required=False)],
        render_kw={"inputmode": "numeric"},
    )
    cod_enabled = BooleanField(_l("Accept cash on delivery"))
    bank_bin = Pick(
        _l("Bank"),
        required=False,
        choices=opts([("", _l("No bank account")), *sorted(BANKS.items(), key=lambda b: b[1])]),
    )
    bank_account = StringField(
        _l("Account number"), validators=[text_rule(19)], render_kw={"inputmode": "numeric"}
    )
    bank_account_name = StringField(_l("Account holder"), validators=[text_rule(70)])


class CommissionForm(FlaskForm):
    """The market's commission on a stall's future orders."""

    commission_bp = StringField(
        _l("Commission in basis points (500 = 5 %)"),
        validators=[rule(lambda v: fields.whole_number("commission", v, maximum=5000))],
        render_kw={"inputmode": "numeric"},
    )
