"""Stripe card payments against a real localstripe server, with real signed webhooks."""

from __future__ import annotations

import json
import time

import pytest
import requests

from payments import services
from payments.base import (
    PaymentDeclined,
    PaymentError,
    PaymentRequest,
    WebhookRejected,
    make_provider,
)
from payments.models import PaymentStatus
from payments.stripe_api import StripeAPI
from payments.stripe_provider import StripeProvider
from tests.payments.conftest import STRIPE_KEY, WEBHOOK_SECRET, free_port, sign

GOOD_CARD = "4242424242424242"
DECLINED_CARD = "4000000000000341"  # attaches, then is declined when charged


def _start(provider, checkout, amount=250_000):
    request = PaymentRequest(
        checkout_id=checkout.id,
        reference=checkout.reference,
        amount_vnd=amount,
        description="Chè Tân Cương 500 g",
    )
    return provider.start(request)


def _pay(provider, db_session, checkout, card=GOOD_CARD):
    """Start a payment, record it, and confirm it with a test card as Stripe.js would."""
    result = _start(provider, checkout)
    payment = services.record_start(db_session, checkout.id, result, checkout.total_vnd)
    db_session.commit()
    provider.api.confirm_intent(result.external_id, provider.api.create_test_card(card))
    return result, payment


def test_start_creates_a_payment_intent_in_whole_dong(stripe_provider, make_checkout):
    checkout = make_checkout()
    result = _start(stripe_provider, checkout)
    assert result.provider == "stripe" and result.status is PaymentStatus.PENDING
    assert result.external_id.startswith("pi_")
    assert result.client_secret.startswith(result.external_id + "_secret_")
    intent = stripe_provider.api.retrieve_intent(result.external_id)
    # VND is zero-decimal: 250 000 đồng is sent as 250000, not multiplied by 100.
    assert intent.amount == 250_000 and result.amount_vnd == 250_000
    assert intent.metadata["checkout_reference"] == checkout.reference
    assert intent.metadata["checkout_id"] == str(checkout.id)
    assert stripe_provider.retrieve(result.external_id).client_secret == result.client_secret


def test_a_paid_intent_is_marked_paid_only_by_its_signed_webhook(
    stripe_provider, webhooks, db_session, make_checkout
):
    checkout = make_checkout()
    result, payment = _pay(stripe_provider, db_session, checkout)
    # Confirmation alone changes nothing in the market's records.
    db_session.refresh(payment)
    assert payment.status is PaymentStatus.PENDING

    delivery = webhooks.wait_for("payment_intent.succeeded", result.external_id)
    event = stripe_provider.handle_webhook(delivery.body, delivery.headers)
    assert event.status is PaymentStatus.SUCCEEDED and event.external_id == result.external_id
    assert event.checkout_reference == checkout.reference and event.amount_vnd == 250_000
    applied = services.apply_webhook(db_session, event)
    db_session.commit()
    assert applied.changed and payment.status is PaymentStatus.SUCCEEDED

    # Stripe retries and duplicates deliveries: the second one changes nothing.
    again = services.apply_webhook(
        db_session, stripe_provider.handle_webhook(delivery.body, delivery.headers)
    )
    db_session.commit()
    assert again.duplicate and not again.changed


def test_forged_unsigned_stale_or_wrongly_keyed_webhooks_are_rejected(
    stripe_provider, webhooks, db_session, make_checkout
):
    checkout = make_checkout()
    result, _payment = _pay(stripe_provider, db_session, checkout)
    delivery = webhooks.wait_for("payment_intent.succeeded", result.external_id)
    signature = delivery.headers["Stripe-Signature"]
    body = delivery.body

    forged = json.loads(body)
    forged["data"]["object"]["amount"] = 1
    attempts = {
        "forged body, original signature": (json.dumps(forged).encode(), signature),
        "unsigned": (body, None),
        "signed with another secret": (body, sign(body, "whsec_someone_else")),
        "stale signature": (body, sign(body, timestamp=int(time.time()) - 3600)),
        "garbage signature": (body, "t=1,v1=00"),
        "not JSON": (b"\xff\xfe", sign(b"\xff\xfe")),
        "JSON but no event": (b"[]", sign(b"[]")),
    }
    for name, (payload, header) in attempts.items():
        headers = {"Content-Type": "application/json"}
        if header:
            headers["Stripe-Signature"] = header
        with pytest.raises(WebhookRejected):
            stripe_provider.handle_webhook(payload, headers)
            pytest.fail(f"accepted: {name}")
    # Header names are case-insensitive, as in HTTP.
    lower = {"stripe-signature": signature}
    assert stripe_provider.handle_webhook(body, lower).event_id == json.loads(body)["id"]


def test_a_declined_card_raises_a_safe_code_and_a_failed_webhook(
    stripe_provider, webhooks, db_session, make_checkout
):
    checkout = make_checkout()
    with pytest.raises(PaymentDeclined) as caught:
        _pay(stripe_provider, db_session, checkout, card=DECLINED_CARD)
    assert caught.value.code == "card_declined"
    assert "Your card was declined." not in str(caught.value)  # Stripe's own text stays out

    payment = services.latest_payment(db_session, checkout.id)
    delivery = webhooks.wait_for("payment_intent.payment_failed", payment.external_id)
    event = stripe_provider.handle_webhook(delivery.body, delivery.headers)
    assert event.status is PaymentStatus.FAILED and event.failure_code == "card_declined"
    assert services.apply_webhook(db_session, event).changed
    db_session.commit()
    assert payment.status is PaymentStatus.FAILED
    assert payment.details["failure_code"] == "card_declined"


def test_a_refund_marks_the_payment_refunded(stripe_provider, webhooks, db_session, make_checkout):
    checkout = make_checkout()
    result, payment = _pay(stripe_provider, db_session, checkout)
    delivery = webhooks.wait_for("payment_intent.succeeded", result.external_id)
    services.apply_webhook(
        db_session, stripe_provider.handle_webhook(delivery.body, delivery.headers)
    )
    refund = stripe_provider.refund(payment)
    assert refund.status is PaymentStatus.REFUNDED and refund.amount_vnd == 250_000
    assert services.record_refund(db_session, payment, refund).changed
    db_session.commit()
    assert payment.status is PaymentStatus.REFUNDED
    assert payment.details["refunds"][0]["refund_id"].startswith("re_")
    with pytest.raises(PaymentError):
        stripe_provider.refund(payment)  # nothing left to refund


def _charge_refunded_event(localstripe: str, intent_id: str) -> bytes:
    """Build a charge.refunded event around the charge localstripe really holds.

    localstripe 1.15 sends no charge.refunded webhook (Refund creation emits no event), so
    this test wraps the real refunded Charge object in an event and signs it with the
    endpoint's secret exactly as Stripe does. The code under test is not changed for it.
    """

    def get(path: str) -> dict:
        response = requests.get(f"{localstripe}/v1/{path}", auth=(STRIPE_KEY, ""), timeout=5)
        assert response.status_code == 200, response.text
        return response.json()

    charge = get(f"charges/{get(f'payment_intents/{intent_id}')['latest_charge']['id']}")
    assert charge["refunded"] and charge["payment_intent"] == intent_id
    event = {
        "id": f"evt_refund_{charge['id']}",
        "object": "event",
        "type": "charge.refunded",
        "created": int(time.time()),
        "data": {"object": charge},
    }
    return json.dumps(event).encode()


def test_a_refund_webhook_that_overtakes_the_success_leaves_the_payment_refunded(
    stripe_provider, webhooks, db_session, make_checkout, localstripe
):
    checkout = make_checkout()
    result, payment = _pay(stripe_provider, db_session, checkout)
    succeeded = webhooks.wait_for("payment_intent.succeeded", result.external_id)
    stripe_provider.api.create_refund(result.external_id, 250_000, "refund-overtakes")
    refunded = _charge_refunded_event(localstripe, result.external_id)

    # Deliver the refund first, then the (older) success.
    refund_event = stripe_provider.handle_webhook(refunded, {"Stripe-Signature": sign(refunded)})
    assert refund_event.status is PaymentStatus.REFUNDED
    assert refund_event.external_id == result.external_id
    assert refund_event.amount_refunded_vnd == 250_000
    services.apply_webhook(db_session, refund_event)
    db_session.commit()
    late = services.apply_webhook(
        db_session, stripe_provider.handle_webhook(succeeded.body, succeeded.headers)
    )
    db_session.commit()
    assert not late.changed and payment.status is PaymentStatus.REFUNDED
    assert payment.details["refunded_vnd"] == 250_000


def test_an_unpaid_intent_is_cancelled(stripe_provider, db_session, make_checkout):
    checkout = make_checkout()
    result = _start(stripe_provider, checkout)
    payment = services.record_start(db_session, checkout.id, result, 250_000)
    cancelled = stripe_provider.cancel(payment)
    assert cancelled.status is PaymentStatus.CANCELLED
    assert services.record_cancel(db_session, payment, cancelled).changed
    assert stripe_provider.api.retrieve_intent(result.external_id).status == "canceled"


def test_unknown_event_types_change_nothing(stripe_provider):
    body = json.dumps(
        {
            "id": "evt_x",
            "type": "customer.created",
            "data": {"object": {"id": "cus_1", "object": "customer"}},
        }
    ).encode()
    event = stripe_provider.handle_webhook(body, {"Stripe-Signature": sign(body)})
    assert event.status is None and event.event_type == "customer.created"


def test_an_unreachable_stripe_is_unavailable_not_a_crash(make_checkout):
    api = StripeAPI(STRIPE_KEY, api_base=f"http://127.0.0.1:{free_port()}", max_retries=0)
    with pytest.raises(PaymentError) as caught:
        _start(StripeProvider(api, WEBHOOK_SECRET), make_checkout())
    assert caught.value.code == "unavailable"


def test_the_registry_builds_stripe_from_configuration(localstripe, make_checkout):
    provider = make_provider(
        "stripe",
        {
            "STRIPE_SECRET_KEY": STRIPE_KEY,
            "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "STRIPE_API_BASE": localstripe,
        },
    )
    assert _start(provider, make_checkout()).external_id.startswith("pi_")
    with pytest.raises(PaymentError):
        make_provider("stripe", {})  # no secret key: Stripe is not configured
