"""Paying a card checkout with Stripe.js, under a policy that lets Stripe.js (only) in."""

from __future__ import annotations

from flask import current_app, flash, make_response, redirect, render_template
from werkzeug.wrappers import Response

from marketplace.extensions import db_session
from marketplace.orders import payment_flow
from marketplace.orders.labels import order_error
from marketplace.orders.models import OrderStatus, PaymentMethod, PaymentState
from marketplace.views.checkout import bp, stripe_csp
from marketplace.views.orders import status_url, viewer_checkout
from payments import services as payments
from payments.base import PaymentError


@bp.route("/<reference>/pay")
def pay(reference: str) -> Response:
    """Pay a card checkout with Stripe.js; the orders become paid only by the signed webhook."""
    checkout, token = viewer_checkout(reference)
    back = status_url(checkout, token)
    payment = payments.latest_payment(db_session(), checkout.id)
    ended = (OrderStatus.CANCELLED, OrderStatus.REFUNDED)
    owed = [
        o
        for o in checkout.orders
        if o.payment_state is PaymentState.UNPAID and o.status not in ended
    ]
    if checkout.payment_method is not PaymentMethod.STRIPE or payment is None or not owed:
        return redirect(back)
    try:
        secret, intent_status = payment_flow.card_secret(payment, current_app.config)
    except PaymentError as exc:
        flash(order_error(exc.code), "error")
        return redirect(back)
    if intent_status in ("succeeded", "processing") or secret is None:
        return redirect(status_url(checkout, token, card="processing"))
    response = make_response(
        render_template(
            "checkout/pay.html",
            checkout=checkout,
            client_secret=secret,
            publishable_key=current_app.config["STRIPE_PUBLISHABLE_KEY"],
            stripe_js=current_app.config["STRIPE_JS_URL"],
            return_url=status_url(checkout, token, card="processing"),
            status_url=back,
        )
    )
    response.headers["Content-Security-Policy"] = stripe_csp(current_app.config)
    response.headers["Cache-Control"] = "no-store"
    return response
