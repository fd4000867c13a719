"""Card checkout through the app against localstripe, with its real signed webhooks.

localstripe cannot run Stripe.js in a test, so each test confirms the PaymentIntent
server-side with a test card exactly as the browser would, then replays the webhook that
localstripe really sent (body and headers) to the app's /webhooks/stripe.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from catalog.models import Product
from marketplace.db import utcnow
from marketplace.orders.models import Order
from payments.base import PaymentDeclined
from payments.models import Payment, PaymentStatus
from tests.conftest import post_form
from tests.marketplace.shop import add_to_cart, english, mails_to
from tests.payments.cards import (
    DECLINED_CARD,
    GOOD_CARD,
    buy_by_card,
    counts,
    deliver,
    signature,
    states,
)
from tests.payments.conftest import STRIPE_KEY, sign


@pytest.fixture
def client(card_app):
    return english(card_app.test_client())


def test_orders_are_paid_only_through_the_signed_webhook(
    card_app, client, db_session, market, api, webhooks, localstripe
):
    html, intent = buy_by_card(client, market)
    assert f'<script src="{localstripe}/js.stripe.com/v3/"></script>' in html
    assert '<script src="/static/js/stripe-checkout.js"></script>' in html
    csp = client.get(f"/checkout/{db_session.scalar(select(Order)).checkout.reference}/pay")
    policy = csp.headers["Content-Security-Policy"]
    for directive in ("script-src", "frame-src", "connect-src"):
        assert re.search(rf"{directive} 'self'[^;]* {re.escape(localstripe)}", policy), directive
    assert "'unsafe-inline'" not in policy
    assert localstripe not in client.get("/").headers["Content-Security-Policy"]

    api.confirm_intent(intent, api.create_test_card(GOOD_CARD))  # what Stripe.js does
    assert states(db_session) == [("placed", "unpaid")] * 2
    reference = db_session.scalar(select(Order)).checkout.reference
    waiting = client.get(f"/account/orders/{reference}?card=processing").get_data(as_text=True)
    assert "Your card payment is being processed" in waiting

    delivery = webhooks.wait_for("payment_intent.succeeded", intent)
    seller_mails = len(mails_to(card_app, "che@example.com"))
    response = deliver(client, delivery.body, signature(delivery))
    assert response.status_code == 200 and response.json["result"] == "applied"
    assert states(db_session) == [("placed", "paid")] * 2
    assert db_session.scalar(select(Payment)).status is PaymentStatus.SUCCEEDED
    assert "Paid. Thank you!" in client.get(f"/account/orders/{reference}").get_data(as_text=True)
    assert any("Payment received" in m["Subject"] for m in mails_to(card_app, "lan@example.com"))
    assert len(mails_to(card_app, "che@example.com")) == seller_mails + 1  # "ship it now"

    # Stripe delivers at least once: the same event again changes nothing.
    before, mail_count = counts(db_session), len(mails_to(card_app, "lan@example.com"))
    again = deliver(client, delivery.body, signature(delivery))
    assert again.status_code == 200 and again.json["result"] == "duplicate"
    assert counts(db_session) == before
    assert len(mails_to(card_app, "lan@example.com")) == mail_count
    # Nobody can mark a card order paid by hand.
    assert states(db_session) == [("placed", "paid")] * 2


def test_forged_or_unsigned_webhooks_get_400_and_change_nothing(
    card_app, client, db_session, market, api, webhooks
):
    _html, intent = buy_by_card(client, market)
    api.confirm_intent(intent, api.create_test_card(GOOD_CARD))
    delivery = webhooks.wait_for("payment_intent.succeeded", intent)
    forged = json.loads(delivery.body)
    forged["data"]["object"]["amount_received"] = 1
    forged_body = json.dumps(forged).encode()
    before = counts(db_session)
    attempts = [
        (forged_body, signature(delivery)),  # changed body, original signature
        (delivery.body, {}),  # unsigned
        (delivery.body, {"Stripe-Signature": sign(delivery.body, "whsec_someone_else")}),
        (b"not json", {"Stripe-Signature": sign(b"not json")}),
    ]
    for body, headers in attempts:
        response = deliver(client, body, headers)
        assert response.status_code == 400, (body[:40], headers)
    assert counts(db_session) == before
    assert states(db_session) == [("placed", "unpaid")] * 2
    # The genuine delivery still works afterwards.
    assert deliver(client, delivery.body, signature(delivery)).status_code == 200
    assert states(db_session) == [("placed", "paid")] * 2


def test_a_declined_card_leaves_orders_unpaid_and_stock_reserved_until_expiry(
    card_app, client, db_session, market, api, webhooks
):
    _a, _b, tea, pomelo = market
    _html, intent = buy_by_card(client, market)
    with pytest.raises(PaymentDeclined):
        api.confirm_intent(intent, api.create_test_card(DECLINED_CARD))
    delivery = webhooks.wait_for("payment_intent.payment_failed", intent)
    assert deliver(client, delivery.body, signature(delivery)).status_code == 200
    assert states(db_session) == [("placed", "unpaid")] * 2
    assert db_session.scalar(select(Payment)).status is PaymentStatus.FAILED
    assert db_session.get(Product, tea.id).stock == 8  # still reserved for the buyer
    reference = db_session.scalar(select(Order)).checkout.reference
    page = client.get(f"/account/orders/{reference}").get_data(as_text=True)
    assert "The card was declined" in page and f"/checkout/{reference}/pay" in page

    runner = card_app.test_cli_runner()
    assert "0 unpaid order(s) expired" in runner.invoke(args=["orders", "expire"]).output
    for order in db_session.scalars(select(Order)):
        order.expires_at = utcnow() - timedelta(seconds=1)  # the hour to pay has passed
    db_session.commit()
    result = runner.invoke(args=["orders", "expire"])
    assert "2 unpaid order(s) expired" in result.output, result.output
    assert states(db_session) == [("cancelled", "unpaid")] * 2
    assert db_session.get(Product, tea.id).stock == 10
    assert db_session.get(Product, pomelo.id).stock == 10
    # The PaymentIntent is cancelled too, so a late confirmation cannot charge the buyer.
    assert api.retrieve_intent(intent).status == "canceled"
    assert db_session.scalar(select(Payment)).status is PaymentStatus.CANCELLED


def test_the_administrator_refunds_card_orders(
    card_app, client, db_session, market, api, webhooks, admin_client
):
    _a, _b, tea, _pomelo = market
    _html, intent = buy_by_card(client, market)
    api.confirm_intent(intent, api.create_test_card(GOOD_CARD))
    delivery = webhooks.wait_for("payment_intent.succeeded", intent)
    deliver(client, delivery.body, signature(delivery))
    first, second = db_session.scalars(select(Order).order_by(Order.id)).all()

    url = f"/admin/orders/{first.reference}"
    assert f'action="{url}/refund"' in admin_client.get(url).get_data(as_text=True)
    assert post_form(admin_client, f"{url}/refund", {}, form_url=url).status_code == 302
    assert states(db_session) == [("refunded", "refunded"), ("placed", "paid")]
    assert db_session.get(Product, tea.id).stock == 10  # not shipped yet: back on the shelf
    payment = db_session.scalar(select(Payment))
    assert payment.status is PaymentStatus.SUCCEEDED  # half of it is still paid
    assert payment.details["refunded_vnd"] == first.total_vnd

    url = f"/admin/orders/{second.reference}"
    post_form(admin_client, f"{url}/refund", {}, form_url=url)
    assert states(db_session) == [("refunded", "refunded")] * 2
    assert db_session.scalar(select(Payment)).status is PaymentStatus.REFUNDED
    assert any("refunded" in m["Subject"] for m in mails_to(card_app, "lan@example.com"))
    # Refunding again is refused with a message, not a second refund.
    again = post_form(admin_client, f"{url}/refund", {}, form_url=url)
    assert again.status_code == 302
    assert db_session.scalar(select(Payment)).details["refunded_vnd"] == payment.amount_vnd


def test_an_event_for_an_unknown_payment_is_not_recorded(card_app, client, db_session):
    body = json.dumps(
        {
            "id": "evt_unknown_1",
            "type": "payment_intent.succeeded",
            "data": {
                "object": {
                    "id": "pi_nobody",
                    "object": "payment_intent",
                    "amount": 5,
                    "metadata": {},
                }
            },
        }
    ).encode()
    response = deliver(client, body, {"Stripe-Signature": sign(body)})
    assert response.status_code == 404  # Stripe retries later
    assert counts(db_session) == (0, 0)


def test_the_webhook_is_closed_when_cards_are_not_configured(app, db_session):
    body = b'{"id": "evt_1", "type": "payment_intent.succeeded"}'
    response = app.test_client().post(
        "/webhooks/stripe",
        data=body,
        headers={"Stripe-Signature": sign(body)},
        content_type="application/json",
    )
    assert response.status_code == 404


def test_cards_are_offered_only_when_stripe_is_configured(app, db_session, market):
    a, _b, tea, _pomelo = market
    guest = english(app.test_client())
    add_to_cart(guest, a, tea, 1)
    assert 'value="stripe"' not in guest.get("/checkout/").get_data(as_text=True)
    app.config["STRIPE_SECRET_KEY"] = STRIPE_KEY
    assert 'value="stripe"' in guest.get("/checkout/").get_data(as_text=True)
