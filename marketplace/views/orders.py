"""A shopper's orders: history and detail for accounts, a status page by secret link for guests."""

from __future__ import annotations

import base64
from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from marketplace import catalog_display as display
from marketplace.extensions import db_session, login_manager
from marketplace.orders import notify, payment_flow, queries, refunds
from marketplace.orders.labels import order_error, order_labels
from marketplace.orders.models import Checkout, Order, OrderStatus, PaymentMethod, PaymentState
from marketplace.orders.services import OrderError
from payments import services as pay
from traceability.qr import qr_png

bp = Blueprint("orders", __name__)
LINKS_KEY = "order_links"  # {checkout reference: secret link token} of this browser's orders
MAX_LINKS = 20


def remember_link(reference: str, token: str) -> None:
    """Keep a checkout's secret link in the session, so this browser may open its pages."""
    links = {k: v for k, v in dict(session.get(LINKS_KEY) or {}).items() if k != reference}
    links[reference] = token
    session[LINKS_KEY] = dict(list(links.items())[-MAX_LINKS:])


def visible_checkout(reference: str) -> tuple[Checkout, str | None] | None:
    """Return a checkout the visitor may see (own account's, or its link in the session)."""
    token = (session.get(LINKS_KEY) or {}).get(reference)
    if current_user.is_authenticated:
        found = queries.user_checkout(db_session(), current_user.id, reference)
        if found is not None:
            return found, token
    found = queries.checkout_by_token(db_session(), token) if token else None
    if found is None or found.reference != reference:
        return None
    return found, token


def viewer_checkout(reference: str) -> tuple[Checkout, str | None]:
    """Return a checkout the visitor may see, or answer 404 (nothing tells it exists)."""
    found = visible_checkout(reference)
    if found is None:
        abort(404)
    return found


def status_url(checkout: Checkout, token: str | None = None, **args: Any) -> str:
    """Return the page where the visitor follows a checkout."""
    own = current_user.is_authenticated and checkout.user_id == current_user.id
    token = token or (session.get(LINKS_KEY) or {}).get(checkout.reference)
    if own or not token:
        return url_for("orders.detail", reference=checkout.reference, **args)
    return url_for("orders.track", token=token, **args)


def _qr_data_uri(payload: str) -> str:
    """Return the VietQR code as an inline PNG (the CSP allows data: images only)."""
    return "data:image/png;base64," + base64.b64encode(qr_png(payload)).decode("ascii")


def _status_page(checkout: Checkout, token: str | None) -> Response:
    """Render a checkout's orders, their history and how to pay what is still owed."""
    s = db_session()
    orders = checkout.orders
    payment = pay.latest_payment(s, checkout.id)
    owed = [
        o
        for o in orders
        if o.payment_state is PaymentState.UNPAID
        and o.status not in (OrderStatus.CANCELLED, OrderStatus.REFUNDED)
    ]
    method = checkout.payment_method
    qr = None
    if method is PaymentMethod.VIETQR and owed and payment and payment.details.get("payload"):
        qr = _qr_data_uri(payment.details["payload"])
    response = make_response(
        render_template(
            "orders/status.html",
            checkout=checkout,
            orders=orders,
            stalls=queries.stalls_by_id(s, {o.stall_id for o in orders}),
            history=queries.history(s, [o.id for o in orders]),
            payment=payment,
            owed=owed,
            qr=qr,
            processing=request.args.get("card") == "processing",
            pay_url=url_for("checkout.pay", reference=checkout.reference),
            address=display.location(checkout.province_code, checkout.ward_code),
            labels=order_labels(),
            guest_link=token is not None and not current_user.is_authenticated,
        )
    )
    # The page may be opened by its secret link: keep it out of caches and Referer headers.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.route("/account/orders")
@login_required
def history() -> str:
    """List the account's orders, newest first."""
    checkouts = queries.user_checkouts(db_session(), current_user.id)
    stall_ids = {o.stall_id for c in checkouts for o in c.orders}
    return render_template(
        "orders/history.html",
        checkouts=checkouts,
        stalls=queries.stalls_by_id(db_session(), stall_ids),
        labels=order_labels(),
    )


@bp.route("/account/orders/<reference>")
def detail(reference: str) -> Response:
    """Show one of the account's checkouts (or one this browser placed as a guest)."""
    if not current_user.is_authenticated and reference not in (session.get(LINKS_KEY) or {}):
        return login_manager.unauthorized()
    checkout, token = viewer_checkout(reference)
    return _status_page(checkout, token)


@bp.route("/orders/status/<token>")
def track(token: str) -> Response:
    """Show a checkout to whoever holds its secret link (guests get it by mail)."""
    checkout = queries.checkout_by_token(db_session(), token)
    if checkout is None:
        abort(404)
    remember_link(checkout.reference, token)
    return _status_page(checkout, token)


def record_payment(order: Order, by_admin: bool) -> None:
    """Record money received for an order by hand, tell buyer and stall, and say so."""
    try:
        if refunds.may_record_late(db_session(), order, by_admin):
            # Nobody is told to ship: the order stays cancelled and waits for a refund.
            refunds.confirm_late(db_session(), order, current_user.id, by_admin)
            flash(
                _(
                    "The transfer for order %(reference)s is recorded. The order stays cancelled; "
                    "an administrator refunds the buyer.",
                    reference=order.reference,
                ),
                "info",
            )
            return
        payment_flow.confirm_paid(db_session(), order, current_user.id, by_admin)
    except OrderError as exc:
        flash(order_error(exc.code), "error")
        return
    notify.paid(db_session(), [order])
    flash(_("Order %(reference)s is marked as paid.", reference=order.reference), "success")
