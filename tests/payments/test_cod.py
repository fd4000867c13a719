"""Cash on delivery, the registry, and the result types every provider shares."""

from __future__ import annotations

import pytest

from payments.base import (
    PROVIDERS,
    PaymentDeclined,
    PaymentError,
    PaymentRequest,
    WebhookRejected,
    make_provider,
)
from payments.cod import CashOnDelivery
from payments.models import Payment, PaymentStatus


def _paid(amount: int = 180_000, **details) -> Payment:
    return Payment(
        provider="cod", amount_vnd=amount, status=PaymentStatus.SUCCEEDED, details=details
    )


def test_cash_on_delivery_starts_pending_for_the_courier_to_collect():
    provider = make_provider("cod", {})
    result = provider.start(PaymentRequest(checkout_id=1, reference="CP1", amount_vnd=180_000))
    assert isinstance(provider, CashOnDelivery)
    assert result.provider == "cod" and result.status is PaymentStatus.PENDING
    assert result.external_id is None and result.client_secret is None
    assert result.display == {"amount_vnd": 180_000, "reference": "CP1"}


def test_cash_has_no_webhooks():
    with pytest.raises(WebhookRejected):
        CashOnDelivery().handle_webhook(b'{"type": "paid"}', {"Content-Type": "application/json"})


def test_a_full_refund_by_hand_marks_the_payment_refunded():
    result = CashOnDelivery().refund(_paid())
    assert result.status is PaymentStatus.REFUNDED and result.amount_vnd == 180_000


def test_a_partial_refund_leaves_the_payment_paid_and_counts_what_is_left():
    provider = CashOnDelivery()
    first = provider.refund(_paid(), 30_000)
    assert first.status is PaymentStatus.SUCCEEDED and first.amount_vnd == 30_000
    rest = provider.refund(_paid(refunded_vnd=30_000))
    assert rest.status is PaymentStatus.REFUNDED and rest.amount_vnd == 150_000
    with pytest.raises(ValueError):
        provider.refund(_paid(refunded_vnd=30_000), 150_001)


@pytest.mark.parametrize("amount", [0, -1, 1.0, 180_001])
def test_refund_amounts_must_be_whole_dong_within_the_payment(amount):
    with pytest.raises(ValueError):
        CashOnDelivery().refund(_paid(), amount)


def test_an_unpaid_payment_cannot_be_refunded():
    unpaid = Payment(provider="cod", amount_vnd=1000, status=PaymentStatus.PENDING, details={})
    with pytest.raises(PaymentError) as caught:
        CashOnDelivery().refund(unpaid)
    assert caught.value.code == "not_refundable"


def test_cancel_cancels():
    unpaid = Payment(provider="cod", amount_vnd=1000, status=PaymentStatus.PENDING, details={})
    assert CashOnDelivery().cancel(unpaid).status is PaymentStatus.CANCELLED


@pytest.mark.parametrize("amount", [0, -1000, 1000.0, True])
def test_a_payment_request_needs_a_positive_whole_amount(amount):
    with pytest.raises(ValueError):
        PaymentRequest(checkout_id=1, reference="CP1", amount_vnd=amount)


def test_the_registry_knows_the_three_providers_and_refuses_others():
    assert set(PROVIDERS) == {"cod", "vietqr", "stripe"}
    with pytest.raises(ValueError):
        make_provider("bitcoin", {})


def test_declines_carry_only_known_codes_and_safe_messages():
    assert PaymentDeclined("insufficient_funds").code == "insufficient_funds"
    # Anything else the provider says collapses to the generic decline.
    unknown = PaymentDeclined("do_not_honor: call your bank at +1-555")
    assert unknown.code == "card_declined" and "555" not in unknown.safe_message
    assert PaymentError("unavailable").safe_message
    assert isinstance(WebhookRejected("bad signature"), PaymentError)
