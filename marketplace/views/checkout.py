"""Checkout: contact, address, delivery per stall, one payment; then paying by card."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from catalog import regions
from marketplace.extensions import db_session
from marketplace.formatting import format_vnd
from marketplace.i18n import current_language
from marketplace.orders import cart as carts
from marketplace.orders import checkout as checkouts
from marketplace.orders import notify, payment_flow
from marketplace.orders.labels import order_error, order_labels
from marketplace.orders.models import Checkout, DeliveryOption, PaymentMethod
from marketplace.security import CSP
from marketplace.views.cart import current_cart
from marketplace.views.checkout_forms import CheckoutForm
from marketplace.views.orders import remember_link, status_url, visible_checkout
from marketplace.views.seller_fields import opts
from payments.base import PaymentError

bp = Blueprint("checkout", __name__, url_prefix="/checkout")


@dataclass(frozen=True)
class StallPart:
    """One stall's part of the cart: its lines, delivery options and chosen fee."""

    group: carts.StallGroup
    options: dict[DeliveryOption, int]
    chosen: DeliveryOption | None
    pickup_address: str

    @property
    def fee_vnd(self) -> int:
        """Return the fee of the chosen option."""
        return self.options.get(self.chosen, 0) if self.chosen else 0

    @property
    def total_vnd(self) -> int:
        """Return goods plus delivery."""
        return self.group.subtotal_vnd + self.fee_vnd


def _parts(groups: list[carts.StallGroup], province_code: int | None) -> list[StallPart]:
    """Return each stall's delivery options for the destination and the shopper's choice."""
    parts = []
    for group in groups:
        settings = checkouts.settings_for(db_session(), group.stall.id)
        options = checkouts.delivery_options(settings, province_code or 0, group.subtotal_vnd)
        asked = request.form.get(f"delivery-{group.stall.id}")
        chosen = DeliveryOption(asked) if asked in DeliveryOption._value2member_map_ else None
        if chosen not in options:
            preferred = DeliveryOption.DELIVERY
            chosen = preferred if preferred in options else next(iter(options), None)
        address = settings.pickup_address or group.stall.address_line or ""
        parts.append(StallPart(group, options, chosen, address))
    return parts


def _fill(form: CheckoutForm, methods: list[PaymentMethod]) -> bool:
    """Fill the selects; True when the shopper only asked for the wards (and the fees)."""
    choose = _("Choose…")
    form.province_code.choices = opts([("", choose), *regions.province_choices()])
    province = form.province_code.data
    wards = regions.ward_choices(province) if province and regions.province(province) else []
    form.ward_code.choices = opts([("", choose), *wards])
    names = order_labels()["method"]
    form.payment_method.choices = opts([(m.value, names[m.value]) for m in methods])
    if not form.payment_method.data and methods:
        form.payment_method.data = methods[0].value
    if not form.idempotency_key.data:
        form.idempotency_key.data = secrets.token_urlsafe(32)
    return request.method == "POST" and request.form.get("action") == "wards"


def _prefill(form: CheckoutForm) -> None:
    if request.method == "GET" and current_user.is_authenticated:
        form.contact_name.data = current_user.full_name
        form.phone.data = current_user.phone or ""
        form.email.data = current_user.email


def _render(form: CheckoutForm, groups: list[carts.StallGroup], status: int = 200):
    parts = _parts(groups, form.province_code.data)
    return render_template(
        "checkout/checkout.html",
        form=form,
        parts=parts,
        total=sum(part.total_vnd for part in parts),
        labels=order_labels(),
    ), status


@bp.route("/", methods=["GET", "POST"])
def start() -> Response | tuple[str, int]:
    """Ask for contact, address, delivery and payment, then place one order per stall."""
    if request.method == "POST" and request.form.get("action") == "place":
        # A resubmitted form finds its orders (its cart is empty by now); CSRF was checked.
        key = (request.form.get("idempotency_key") or "")[:64]
        existing = checkouts.by_idempotency_key(db_session(), key) if key else None
        if existing is not None:
            return _already_placed(existing)
    cart = current_cart()
    groups = carts.view(db_session(), cart) if cart else []
    if cart is None or not groups:
        flash(_("Your cart is empty."), "info")
        return redirect(url_for("cart.show"))
    config = current_app.config
    methods = payment_flow.methods_for(db_session(), [g.stall.id for g in groups], config)
    form = CheckoutForm()
    _prefill(form)
    if _fill(form, methods):
        return _render(form, groups)
    valid = form.validate_on_submit()
    if form.is_submitted() and not current_user.is_authenticated and not form.email.data:
        form.email.errors = [_("Please give an email address: we send the order link to it.")]
        valid = False
    if valid:
        placed = _place(form, cart)
        if placed is not None:
            return placed
        groups = carts.view(db_session(), cart)
    # Only field errors are the shopper's mistakes; a form-wide notice (new prices seen) is kept.
    field_errors = any(field.errors for field in form)
    return _render(form, groups, 400 if field_errors else 200)


def _place(form: CheckoutForm, cart) -> Response | None:
    """Place the cart once per form token; None to show the form again with a message."""
    s = db_session()
    key = (form.idempotency_key.data or "")[:64]
    user_id = current_user.id if current_user.is_authenticated else None
    buyer = checkouts.Buyer(
        contact_name=form.contact_name.data.strip(),
        phone=form.phone.data,
        email=form.email.data,
        province_code=form.province_code.data,
        ward_code=form.ward_code.data,
        street=form.street.data.strip(),
        note=(form.note.data or "").strip(),
        user_id=user_id,
        locale=current_language(),
    )
    delivery = {
        p.group.stall.id: p.chosen
        for p in _parts(carts.view(s, cart), buyer.province_code)
        if p.chosen
    }
    method = PaymentMethod(form.payment_method.data)
    try:
        checkout, token, payment = payment_flow.place(
            s, cart, buyer, delivery, method, key, current_app.config
        )
    except checkouts.CheckoutError as exc:
        s.rollback()
        return _refused(form, cart, exc)
    except PaymentError as exc:
        s.rollback()
        form.payment_method.errors.append(order_error(exc.code))
        return None
    except IntegrityError:
        # A double click: the other request placed the orders with this same form token.
        s.rollback()
        existing = checkouts.by_idempotency_key(s, key)
        if existing is None:
            raise
        return _already_placed(existing)
    remember_link(checkout.reference, token)
    notify.placed(s, checkout, token, payment)
    flash(
        _("Thank you! Your order %(reference)s is placed.", reference=checkout.reference), "success"
    )
    if method is PaymentMethod.STRIPE:
        return redirect(url_for("checkout.pay", reference=checkout.reference))
    return redirect(status_url(checkout, token))


def _already_placed(checkout: Checkout) -> Response:
    """Send a resubmitted form to the orders it already placed."""
    if visible_checkout(checkout.reference) is None:
        flash(
            _("This order was already placed. Follow it with the link in your confirmation mail."),
            "info",
        )
        return redirect(url_for("cart.show"))
    flash(_("Your order %(reference)s was already placed.", reference=checkout.reference), "info")
    return redirect(status_url(checkout))


def _refused(form: CheckoutForm, cart, exc: checkouts.CheckoutError) -> Response | None:
    """Explain a refused placement (nothing was ordered) and say what to do."""
    names = ", ".join(exc.details)
    if exc.code == "prices_changed":
        changes = payment_flow.accept_prices(db_session(), cart)
        for name, old, new in changes:
            form.form_errors.append(
                _(
                    "The price of “%(name)s” changed from %(old)s to %(new)s.",
                    name=name,
                    old=format_vnd(old),
                    new=format_vnd(new),
                )
            )
        form.form_errors.append(
            _("Nothing was ordered. Check the new total and place the order again.")
        )
        return None
    if exc.code in ("sold_out", "unavailable", "empty_cart"):
        if exc.code == "sold_out":
            flash(
                _(
                    "Sorry, %(names)s sold out while you were ordering. Nothing was ordered; "
                    "please change your cart.",
                    names=names,
                ),
                "error",
            )
        elif exc.code == "unavailable":
            flash(
                _(
                    "%(names)s can no longer be bought. Nothing was ordered; please remove it "
                    "from your cart.",
                    names=names,
                ),
                "error",
            )
        return redirect(url_for("cart.show"))
    messages = {
        "cod_disabled": _(
            "%(names)s does not take cash on delivery. Choose another way to pay.", names=names
        ),
        "no_delivery": _(
            "%(names)s cannot deliver this way. Choose another delivery option.", names=names
        ),
        "method_unavailable": _("This payment method cannot be used for this cart."),
    }
    form.form_errors.append(messages.get(exc.code, _("Something went wrong.")))
    return None


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def stripe_csp(config: Mapping[str, Any]) -> str:
    """Return the strict policy plus the origins Stripe.js loads from, frames and calls."""
    js = _origin(config["STRIPE_JS_URL"])
    api = _origin(config.get("STRIPE_API_BASE") or "") or "https://api.stripe.com"
    frames = " ".join(dict.fromkeys([js, "https://hooks.stripe.com" if "stripe.com" in js else ""]))
    return (
        CSP.replace("script-src 'self'", f"script-src 'self' {js}").replace(
            "connect-src 'self'", f"connect-src 'self' {' '.join(dict.fromkeys([js, api]))}"
        )
        + f"; frame-src 'self' {frames.strip()}"
    )


# Paying by card lives in checkout_pay, on this same blueprint; imported last as it imports bp.
from marketplace.views import checkout_pay  # noqa: E402, F401
