"""Stripe webhooks delivered late, twice and out of order, through the app's /webhooks/stripe.

Real events come from a localstripe server (tests/payments/conftest.py); each delivery is signed
at the moment it is sent, as Stripe signs every retry. The orders must end up right every time.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from marketplace.db import utcnow
from marketplace.extensions import get_database
from marketplace.orders import cart as carts
from marketplace.orders import checkout as checkouts
from marketplace.orders import payment_flow
from marketplace.orders.models import Checkout, OrderEvent, OrderStatus, PaymentMethod, PaymentState
from payments.models import Payment, PaymentStatus
from payments.stripe_api import StripeAPI
from tests.factories import make_product, make_stall
from tests.payments.conftest import STRIPE_KEY, WEBHOOK_SECRET, sign
from tests.payments.test_stripe import GOOD_CARD, _charge_refunded_event

BUYER = checkouts.Buyer(
    contact_name="Nguyễn Thị Lan", phone="0912345678", email="lan@example.com",
    province_code=19, ward_code=None, street="12 Hàng Bạc",
)  # fmt: skip


@dataclass
class Sale:
    """A card checkout waiting for its money."""

    checkout_id: int
    intent: str
    total_vnd: int


@pytest.fixture
def shop(make_app, localstripe, webhooks):
    """An app paid by card through localstripe, and a way to open card checkouts."""
    app = make_app(
        STRIPE_SECRET_KEY=STRIPE_KEY, STRIPE_PUBLISHABLE_KEY="pk_test_cho_phien",
        STRIPE_API_BASE=localstripe, STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
    )  # fmt: skip
    api = StripeAPI(STRIPE_KEY, api_base=localstripe)
    yield app, api
    api.close()


def sell(app, start_payment: bool = True) -> Sale:
    """Place a card checkout for one product and start its PaymentIntent."""
    with get_database(app).new_session() as session:
        product = make_product(session, make_stall(session), stock=5, price_vnd=250_000)
        cart = carts.new_cart(session)
        carts.set_quantity(session, cart, product.id, 2)
        key = uuid.uuid4().hex
        checkout, _token = checkouts.place(session, cart, BUYER, {}, PaymentMethod.STRIPE, key)
        payment = payment_flow.start(session, checkout, app.config)
        if not start_payment:  # the webhook will beat the app's own commit of the payment
            session.delete(payment)
        session.commit()
        return Sale(checkout.id, payment.external_id, checkout.total_vnd)


def deliver(app, body: bytes) -> tuple[int, str]:
    """POST an event to the app as Stripe would (signed now); return status and result."""
    response = app.test_client().post(
        "/webhooks/stripe", data=body, headers={"Stripe-Signature": sign(body)},
        content_type="application/json",
    )  # fmt: skip
    return response.status_code, (response.get_json() or {}).get("result", "")


def state(app, sale: Sale) -> tuple:
    """Return the payment status, the orders' states and the number of 'paid' events."""
    with get_database(app).new_session() as session:
        checkout = session.get(Checkout, sale.checkout_id)
        payment = session.scalar(select(Payment).where(Payment.checkout_id == sale.checkout_id))
        order_ids = [o.id for o in checkout.orders]
        paid_events = session.scalar(
            select(func.count())
            .select_from(OrderEvent)
            .where(OrderEvent.order_id.in_(order_ids), OrderEvent.new == "paid")
        )
        orders = [(o.status, o.payment_state) for o in checkout.orders]
        return payment.status if payment else None, orders, paid_events


def test_the_same_event_delivered_twice_at_once_pays_once(shop, webhooks):
    app, api = shop
    sale = sell(app)
    api.confirm_intent(sale.intent, api.create_test_card(GOOD_CARD))
    event = webhooks.wait_for("payment_intent.succeeded", sale.intent).body
    answers: list[tuple[int, str]] = []
    threads = [threading.Thread(target=lambda: answers.append(deliver(app, event)))
               for _ in range(2)]  # fmt: skip
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == [(200, "applied"), (200, "duplicate")]
    assert deliver(app, event) == (200, "duplicate")  # and once more, a day later
    paid = [(OrderStatus.PLACED, PaymentState.PAID)]
    assert state(app, sale) == (PaymentStatus.SUCCEEDED, paid, 1)


def test_a_refund_that_overtakes_the_success_wins(shop, webhooks, localstripe):
    app, api = shop
    sale = sell(app)
    api.confirm_intent(sale.intent, api.create_test_card(GOOD_CARD))
    succeeded = webhooks.wait_for("payment_intent.succeeded", sale.intent).body
    api.create_refund(sale.intent, sale.total_vnd, f"refund-{sale.intent}")
    refunded = _charge_refunded_event(localstripe, sale.intent)
    assert deliver(app, refunded) == (200, "applied")
    assert deliver(app, succeeded) == (200, "ignored")  # older news: no going back
    status, orders, paid_events = state(app, sale)
    assert status is PaymentStatus.REFUNDED
    assert [payment for _status, payment in orders] == [PaymentState.UNPAID]  # never shipped
    assert paid_events == 0


def test_an_event_before_the_payment_is_recorded_is_retried_not_lost(shop, webhooks):
    app, api = shop
    sale = sell(app, start_payment=False)
    api.confirm_intent(sale.intent, api.create_test_card(GOOD_CARD))
    event = webhooks.wait_for("payment_intent.succeeded", sale.intent).body
    assert deliver(app, event) == (404, "unknown payment")  # Stripe will retry
    with get_database(app).new_session() as session:  # the app's own commit lands
        intent = api.retrieve_intent(sale.intent)
        session.add(Payment(checkout_id=sale.checkout_id, provider="stripe",
                            external_id=intent.id, amount_vnd=sale.total_vnd))  # fmt: skip
        session.commit()
    assert deliver(app, event) == (200, "applied")
    assert state(app, sale)[0] is PaymentStatus.SUCCEEDED
    assert state(app, sale)[1] == [(OrderStatus.PLACED, PaymentState.PAID)]


def test_money_arriving_after_the_order_expired_does_not_revive_it(shop, webhooks):
    app, api = shop
    sale = sell(app)
    api.confirm_intent(sale.intent, api.create_test_card(GOOD_CARD))
    event = webhooks.wait_for("payment_intent.succeeded", sale.intent).body
    with get_database(app).new_session() as session:  # the payment window closes first
        expired = payment_flow.expire(session, app.config, utcnow() + timedelta(days=2))
        session.commit()
        assert len(expired) == 1
    assert deliver(app, event)[0] == 200
    status, orders, paid_events = state(app, sale)
    assert status is PaymentStatus.SUCCEEDED  # recorded, for an administrator to refund
    # Still cancelled (no stock taken again), but the money is kept on the order, flagged.
    assert orders == [(OrderStatus.CANCELLED, PaymentState.PAID)]
    assert paid_events == 1
    assert deliver(app, event)[0] == 200  # a replay records nothing more
    assert state(app, sale)[1:] == (orders, 1)
