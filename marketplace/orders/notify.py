"""Order mails: to the buyer at every change, to the stall's owners and managers on news.

Mail problems are logged, never raised: a change that was made stays made.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

from flask import current_app, has_request_context, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.mail import send_mail
from marketplace.orders.labels import order_labels
from marketplace.orders.models import Checkout, Order
from marketplace.stalls.models import StaffRole, Stall, StallStaff
from marketplace.users.models import User
from payments.models import Payment

log = logging.getLogger(__name__)


@contextmanager
def _context(locale: str) -> Iterator[None]:
    """Render in the reader's language, with a request context for url_for (also in the CLI)."""
    config = current_app.config
    outer = (
        nullcontext()
        if has_request_context()
        else current_app.test_request_context(base_url=config["PUBLIC_BASE_URL"])
    )
    with outer, force_locale(locale):
        yield


def _absolute(endpoint: str, **values: Any) -> str:
    return current_app.config["PUBLIC_BASE_URL"] + url_for(endpoint, **values)


def _send(to: str | None, subject: str, body: str) -> None:
    if not to:
        return
    try:
        send_mail(current_app.config, to, subject, body)
    except (OSError, smtplib.SMTPException):
        log.exception("order mail to %s not sent: %s", to, subject)


def buyer_email(session: Session, checkout: Checkout) -> str | None:
    """Return where the buyer's mails go: the address given at checkout, else the account's."""
    if checkout.email:
        return checkout.email
    user = session.get(User, checkout.user_id) if checkout.user_id else None
    return user.email if user else None


def _buyer_link(checkout: Checkout, token: str | None = None) -> str | None:
    if token:
        return _absolute("orders.track", token=token)
    if checkout.user_id:
        return _absolute("orders.detail", reference=checkout.reference)
    return None  # a guest's secret link is only in the first mail: we keep its hash alone


def _sellers(session: Session, stall_id: int) -> list[User]:
    return list(
        session.scalars(
            select(User)
            .join(StallStaff, StallStaff.user_id == User.id)
            .where(
                StallStaff.stall_id == stall_id,
                StallStaff.role.in_((StaffRole.OWNER, StaffRole.MANAGER)),
                User.active.is_(True),
            )
        )
    )


def _tell_sellers(session: Session, orders: Iterable[Order], news: str) -> None:
    """Mail each stall's owners and managers about new ("placed"), paid or refunded orders."""
    for order in orders:
        stall = session.get(Stall, order.stall_id)
        if stall is None:
            continue
        for seller in _sellers(session, order.stall_id):
            with _context(seller.locale or "vi"):
                link = _absolute("seller_orders.detail", slug=stall.slug, reference=order.reference)
                body = render_template(
                    "mail/seller_order.txt",
                    order=order,
                    stall=stall,
                    news=news,
                    link=link,
                    labels=order_labels(),
                )
                if news == "paid":
                    subject = _("Order %(reference)s is paid", reference=order.reference)
                elif news == "refunded":
                    subject = _("Order %(reference)s was refunded", reference=order.reference)
                else:
                    subject = _("New order %(reference)s", reference=order.reference)
                _send(seller.email, subject, body)


def placed(session: Session, checkout: Checkout, token: str, payment: Payment | None) -> None:
    """Confirm a new checkout to the buyer (with the status link) and tell each stall."""
    stalls = {o.stall_id: session.get(Stall, o.stall_id) for o in checkout.orders}
    with _context(checkout.locale):
        body = render_template(
            "mail/buyer_placed.txt",
            checkout=checkout,
            stalls=stalls,
            payment=payment,
            link=_buyer_link(checkout, token),
            labels=order_labels(),
        )
        subject = _("Your order %(reference)s at Chợ Phiên", reference=checkout.reference)
        _send(buyer_email(session, checkout), subject, body)
    _tell_sellers(session, checkout.orders, "placed")


def changed(session: Session, order: Order, news: str = "status", note: str = "") -> None:
    """Tell the buyer that an order moved ("status") or its money arrived or went back."""
    checkout = order.checkout
    stall = session.get(Stall, order.stall_id)
    with _context(checkout.locale):
        labels = order_labels()
        body = render_template(
            "mail/buyer_update.txt",
            order=order,
            stall=stall,
            news=news,
            note=note,
            link=_buyer_link(checkout),
            labels=labels,
        )
        if news == "paid":
            subject = _("Payment received for order %(reference)s", reference=order.reference)
        elif news == "refunded":
            subject = _("Order %(reference)s was refunded", reference=order.reference)
        else:
            subject = _(
                "Order %(reference)s: %(status)s",
                reference=order.reference,
                status=labels["status"][order.status.value],
            )
        _send(buyer_email(session, checkout), subject, body)


def paid(session: Session, orders: Iterable[Order]) -> None:
    """Tell the buyer and the stalls that money for these orders arrived."""
    orders = list(orders)
    for order in orders:
        changed(session, order, "paid")
    _tell_sellers(session, orders, "paid")


def refunded(session: Session, orders: Iterable[Order]) -> None:
    """Tell the buyer and the stalls that these orders were refunded."""
    orders = list(orders)
    for order in orders:
        changed(session, order, "refunded")
    _tell_sellers(session, orders, "refunded")


def cancelled(session: Session, orders: Iterable[Order], note: str = "") -> None:
    """Tell the buyer that these orders were cancelled (by the seller or by expiry)."""
    for order in orders:
        changed(session, order, "status", note)
