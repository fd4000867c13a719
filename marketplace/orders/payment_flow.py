"""Orders meet payments: place and start paying, follow payment outcomes, refund, expire.

Flask-free: every function takes the session and the configuration mapping; callers commit
once and roll back on any exception (a refused placement must give its stock back).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from marketplace.orders import cart as carts
from marketplace.orders import checkout as checkouts
from marketplace.orders import services as orders
from marketplace.orders import stall_settings
from marketplace.orders.models import (
    Cart,
    Checkout,
    DeliveryOption,
    Order,
    OrderStatus,
    PaymentMethod,
    PaymentState,
    StallSettings,
)
from payments import services as pay
from payments.base import PaymentError, PaymentProvider, PaymentRequest, make_provider
from payments.models import Payment, PaymentStatus
from payments.services import WebhookApplied

log = logging.getLogger(__name__)
Config = Mapping[str, Any]
ENDED = (OrderStatus.CANCELLED, OrderStatus.REFUNDED)


@dataclass
class Settled:
    """What a payment's new status did to its checkout's orders."""

    checkout: Checkout | None = None
    paid: list[Order] = field(default_factory=list)
    refunded: list[Order] = field(default_factory=list)
    late: list[Order] = field(default_factory=list)  # paid after they ended: to refund
    failed: bool = False


@contextmanager
def provider(name: str, config: Config) -> Iterator[PaymentProvider]:
    """Build a payment provider from the configuration and close its connections afterwards."""
    built = make_provider(name, config)
    try:
        yield built
    finally:
        api = getattr(built, "api", None)
        if api is not None:
            api.close()


def stall_account(session: Session, stall_ids: Iterable[int]) -> StallSettings | None:
    """Return the settings of the one stall of a cart when it takes transfers itself."""
    ids = set(stall_ids)
    if len(ids) != 1:
        return None
    settings = checkouts.settings_for(session, ids.pop())
    return settings if settings.bank_bin and settings.bank_account else None


def methods_for(session: Session, stall_ids: Iterable[int], config: Config) -> list[PaymentMethod]:
    """Return the payment methods a cart of these stalls may use, in the order to offer them."""
    ids = sorted(set(stall_ids))
    methods = []
    if ids and all(checkouts.settings_for(session, sid).cod_enabled for sid in ids):
        methods.append(PaymentMethod.COD)
    market = config.get("VIETQR_BANK_BIN") and config.get("VIETQR_ACCOUNT")
    if ids and (market or stall_account(session, ids) is not None):
        methods.append(PaymentMethod.VIETQR)
    if ids and config.get("STRIPE_SECRET_KEY"):
        methods.append(PaymentMethod.STRIPE)
    return methods


def accept_prices(session: Session, cart: Cart) -> list[tuple[str, int, int]]:
    """Let the shopper see changed prices: return (name, old, new) and remember the new ones."""
    changed = []
    for group in carts.view(session, cart):
        for line in group.lines:
            if line.price_changed and line.product is not None:
                changed.append((line.product.name, line.item.price_seen_vnd, line.price_vnd))
                line.item.price_seen_vnd = line.price_vnd
    session.flush()
    return changed


def place(
    session: Session,
    cart: Cart,
    buyer: checkouts.Buyer,
    delivery: dict[int, DeliveryOption],
    method: PaymentMethod,
    idempotency_key: str,
    config: Config,
) -> tuple[Checkout, str, Payment]:
    """Place a cart as one checkout and start its payment; return it, the link token, payment.

    Raises CheckoutError or PaymentError: the caller must then roll everything back.
    """
    stall_ids = [group.stall.id for group in carts.view(session, cart)]
    if stall_ids and method not in methods_for(session, stall_ids, config):
        raise checkouts.CheckoutError("method_unavailable")
    stall_settings.ensure(session, stall_ids, int(config.get("ORDER_COMMISSION_BP", 500)))
    checkout, token = checkouts.place(session, cart, buyer, delivery, method, idempotency_key)
    return checkout, token, start(session, checkout, config)


def start(session: Session, checkout: Checkout, config: Config) -> Payment:
    """Ask the checkout's provider to collect its total, and record the payment."""
    metadata: dict[str, str] = {}
    payee = None
    if checkout.payment_method is PaymentMethod.VIETQR:
        own = stall_account(session, [order.stall_id for order in checkout.orders])
        if own is not None:
            metadata = {
                "vietqr_bin": own.bank_bin or "",
                "vietqr_account": own.bank_account or "",
                "vietqr_account_name": own.bank_account_name or "",
            }
            payee = own.stall_id
    request = PaymentRequest(
        checkout_id=checkout.id,
        reference=checkout.reference,
        amount_vnd=checkout.total_vnd,
        description=f"Chợ Phiên {checkout.reference}",
        buyer_email=checkout.email,
        metadata=metadata,
    )
    with provider(checkout.payment_method.value, config) as chosen:
        result = chosen.start(request)
    payment = pay.record_start(session, checkout.id, result, checkout.total_vnd)
    if payee is not None:
        # The stall, not the market, receives this transfer, so its seller confirms it.
        payment.details = {**(payment.details or {}), "payee_stall_id": payee}
        session.flush()
    return payment


def card_secret(payment: Payment, config: Config) -> tuple[str | None, str]:
    """Return a card payment's client secret for Stripe.js and the PaymentIntent's status."""
    from payments.stripe_provider import StripeProvider

    if not payment.external_id:
        raise PaymentError("unavailable")
    with provider("stripe", config) as stripe:
        assert isinstance(stripe, StripeProvider)
        result = stripe.retrieve(payment.external_id)
    return result.client_secret, str(result.display.get("intent_status", ""))


def follow(session: Session, payment: Payment, actor_id: int | None, note: str = "") -> Settled:
    """Bring a checkout's orders in line with its payment's status."""
    checkout = session.get(Checkout, payment.checkout_id)
    done = Settled(checkout=checkout)
    if checkout is None:
        return done
    if payment.status is PaymentStatus.SUCCEEDED:
        for order in checkout.orders:
            if orders.mark_paid(session, order, actor_id, note):
                done.paid.append(order)
            elif orders.mark_paid_late(session, order, actor_id, note):
                # Money arrived for an order that had expired: kept on it for an administrator
                # to refund (the admin order list flags it).
                log.warning("checkout %s was paid after order %s ended", checkout.id, order.id)
                done.late.append(order)
    elif payment.status is PaymentStatus.REFUNDED:
        for order in checkout.orders:
            if order.payment_state is PaymentState.PAID:
                orders.mark_refunded(session, order, actor_id, note)
                done.refunded.append(order)
    elif payment.status is PaymentStatus.FAILED:
        # A declined card leaves the orders unpaid and the stock reserved until they expire.
        done.failed = True
    return done


def settle(session: Session, applied: WebhookApplied) -> Settled:
    """Apply a verified webhook's payment change to the orders (nothing if nothing moved)."""
    if not applied.changed or applied.change is None:
        return Settled()
    return follow(session, applied.change.payment, None, note=applied.outcome.event_type)


def may_confirm(session: Session, order: Order, by_admin: bool) -> bool:
    """Tell whether a person may record this order's money as received."""
    method = order.checkout.payment_method
    if order.payment_state is not PaymentState.UNPAID or order.status in ENDED:
        return False
    if method is PaymentMethod.COD:
        return True
    if method is PaymentMethod.VIETQR:
        return by_admin or paid_to_stall(session, order)
    return False  # cards are paid only through the provider's signed webhook


def paid_to_stall(session: Session, order: Order) -> bool:
    """Tell whether the order's transfer goes to its stall's own account (its seller confirms)."""
    payment = pay.latest_payment(session, order.checkout_id)
    return bool(payment and (payment.details or {}).get("payee_stall_id") == order.stall_id)


def confirm_paid(session: Session, order: Order, actor_id: int | None, by_admin: bool) -> bool:
    """Record cash or a transfer as received; the payment succeeds once every order is paid."""
    if order.checkout.payment_method is PaymentMethod.STRIPE:
        raise orders.OrderError("paid_by_card")
    if not may_confirm(session, order, by_admin):
        raise orders.OrderError("not_yours_to_confirm")
    note = "confirmed by the market" if by_admin else "confirmed by the seller"
    if not orders.mark_paid(session, order, actor_id, note):
        return False
    live = [o for o in order.checkout.orders if o.status not in ENDED]
    payment = pay.latest_payment(session, order.checkout_id)
    if payment is not None and all(o.payment_state is PaymentState.PAID for o in live):
        pay.mark_received(session, payment)
    return True


def refund_order(session: Session, order: Order, actor_id: int | None, config: Config) -> bool:
    """Refund one paid card order through Stripe; True when the money is back (else pending)."""
    checkout = order.checkout
    payment = pay.latest_payment(session, checkout.id)
    if (
        checkout.payment_method is not PaymentMethod.STRIPE
        or order.payment_state is not PaymentState.PAID
        or payment is None
    ):
        raise PaymentError("not_refundable")
    with provider("stripe", config) as stripe:
        result = stripe.refund(payment, order.total_vnd)
    pay.record_refund(session, payment, result)
    if result.amount_vnd != order.total_vnd:
        return False  # Stripe reports a pending refund later with charge.refunded
    orders.mark_refunded(session, order, actor_id, note="card refund")
    return True


def release(session: Session, checkout: Checkout, config: Config) -> None:
    """Cancel the payment of a checkout whose orders all ended, so nothing is charged later."""
    if any(order.status not in ENDED for order in checkout.orders):
        return
    payment = pay.latest_payment(session, checkout.id)
    if payment is None or payment.status not in (PaymentStatus.PENDING, PaymentStatus.FAILED):
        return
    try:
        with provider(payment.provider, config) as chosen:
            result = chosen.cancel(payment)
    except PaymentError as exc:
        log.warning("payment %s of checkout %s not cancelled: %s", payment.id, checkout.id, exc)
        return
    pay.record_cancel(session, payment, result)


def cancel(session: Session, order: Order, actor_id: int | None, config: Config) -> None:
    """Cancel an unpaid order (stock back) and release the payment once nothing is left."""
    orders.move(session, order, OrderStatus.CANCELLED, actor_id)
    release(session, order.checkout, config)


def expire(session: Session, config: Config, now: datetime | None = None) -> list[Order]:
    """Cancel unpaid orders past their payment window and release their payments."""
    expired = orders.expire_unpaid(session, now)
    for checkout_id in sorted({order.checkout_id for order in expired}):
        checkout = session.get(Checkout, checkout_id)
        if checkout is not None:
            release(session, checkout, config)
    return expired
