"""Stripe card payments with PaymentIntents: the browser confirms, a signed webhook tells us."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from payments.base import (
    DECLINE_CODES,
    PaymentError,
    PaymentRequest,
    PaymentResult,
    WebhookOutcome,
    WebhookRejected,
    refund_plan,
)
from payments.models import Payment, PaymentStatus
from payments.stripe_api import Intent, StripeAPI, construct_event, failure_code

# What a PaymentIntent's own status means for the market's record of it.
INTENT_STATUS = {
    "succeeded": PaymentStatus.SUCCEEDED,
    "canceled": PaymentStatus.CANCELLED,
}
EVENT_STATUS = {
    "payment_intent.succeeded": PaymentStatus.SUCCEEDED,
    "payment_intent.payment_failed": PaymentStatus.FAILED,
    "payment_intent.canceled": PaymentStatus.CANCELLED,
}


def header(headers: Mapping[str, str], name: str) -> str | None:
    """Return a header's value whatever the case of its name (plain dicts are case-sensitive)."""
    wanted = name.lower()
    return next((value for key, value in headers.items() if key.lower() == wanted), None)


def _id_of(value: Any) -> str | None:
    # Stripe sends related objects as ids; localstripe (and expanded objects) as whole objects.
    if isinstance(value, Mapping):
        return value.get("id")
    return value if isinstance(value, str) else None


class StripeProvider:
    """Card payments through Stripe (or a localstripe server in development and tests)."""

    name = "stripe"

    def __init__(self, api: StripeAPI, webhook_secret: str) -> None:
        self.api = api
        self.webhook_secret = webhook_secret

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> StripeProvider:
        """Build from STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET and optional STRIPE_API_BASE."""
        api = StripeAPI(
            str(config.get("STRIPE_SECRET_KEY") or ""),
            api_base=config.get("STRIPE_API_BASE") or None,
        )
        return cls(api, str(config.get("STRIPE_WEBHOOK_SECRET") or ""))

    def _result(self, intent: Intent) -> PaymentResult:
        return PaymentResult(
            provider=self.name,
            # Only the signed webhook marks a payment paid; this status is informative.
            status=INTENT_STATUS.get(intent.status, PaymentStatus.PENDING),
            external_id=intent.id,
            client_secret=intent.client_secret,
            display={"intent_status": intent.status},
            message_code=intent.failure_code,
            amount_vnd=intent.amount,
        )

    def start(self, request: PaymentRequest) -> PaymentResult:
        """Create a PaymentIntent and return its client secret for Stripe.js."""
        metadata = {
            "checkout_reference": request.reference,
            "checkout_id": str(request.checkout_id),
        }
        if request.description:
            # localstripe refuses `description`, so it travels in metadata (the dashboard shows it).
            metadata["description"] = request.description[:500]
        # A retried start for a checkout gets the same intent rather than a second one
        # (Stripe keeps idempotency keys for 24 hours; localstripe ignores them).
        key = f"cho-phien-checkout-{request.checkout_id}-{request.reference}"
        intent = self.api.create_intent(request.amount_vnd, metadata, key)
        if intent.amount != request.amount_vnd:
            raise PaymentError("processing_error")
        return self._result(intent)

    def retrieve(self, external_id: str) -> PaymentResult:
        """Return a PaymentIntent's state and client secret (for a reloaded payment page)."""
        return self._result(self.api.retrieve_intent(external_id))

    def handle_webhook(self, payload: bytes, headers: Mapping[str, str]) -> WebhookOutcome:
        """Verify a Stripe webhook and reduce it to a status change (or none)."""
        event = construct_event(payload, header(headers, "Stripe-Signature"), self.webhook_secret)
        try:
            return self._outcome(event)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise WebhookRejected("unreadable event") from exc

    def _outcome(self, event: dict[str, Any]) -> WebhookOutcome:
        event_type = str(event["type"])
        obj = event["data"]["object"]
        base = WebhookOutcome(
            provider=self.name,
            event_id=str(event["id"]),
            event_type=event_type,
            external_id=_id_of(obj.get("id")),
            checkout_reference=(obj.get("metadata") or {}).get("checkout_reference"),
        )
        if event_type in EVENT_STATUS:
            code = failure_code(obj.get("last_payment_error"))
            amount = obj.get("amount_received") or obj.get("amount")
            return replace(
                base,
                status=EVENT_STATUS[event_type],
                failure_code=(code if code in DECLINE_CODES else "card_declined") if code else None,
                amount_vnd=int(amount) if amount is not None else None,
            )
        if event_type == "charge.refunded":
            # A partial refund also sends charge.refunded; only a full one refunds the payment.
            return replace(
                base,
                external_id=_id_of(obj.get("payment_intent")),
                status=PaymentStatus.REFUNDED if obj.get("refunded") is True else None,
                amount_refunded_vnd=int(obj.get("amount_refunded") or 0),
            )
        return base

    def refund(self, payment: Payment, amount_vnd: int | None = None) -> PaymentResult:
        """Refund through Stripe; a full, completed refund marks the payment refunded."""
        amount, full = refund_plan(payment, amount_vnd)
        if not payment.external_id:
            raise PaymentError("not_refundable")
        already = int(payment.details.get("refunded_vnd", 0))
        key = f"cho-phien-refund-{payment.external_id}-{already}-{amount}"
        refund = self.api.create_refund(payment.external_id, amount, key)
        if refund.status in ("failed", "canceled"):
            raise PaymentError("processing_error")
        done = refund.status == "succeeded"
        return PaymentResult(
            provider=self.name,
            status=PaymentStatus.REFUNDED if full and done else PaymentStatus.SUCCEEDED,
            external_id=payment.external_id,
            display={"refund_id": refund.id, "refund_status": refund.status},
            # A pending refund is not money returned yet: charge.refunded will report it.
            amount_vnd=refund.amount if done else 0,
        )

    def cancel(self, payment: Payment) -> PaymentResult:
        """Cancel the PaymentIntent so a late confirmation cannot charge an expired order."""
        if not payment.external_id:
            return PaymentResult(provider=self.name, status=PaymentStatus.CANCELLED)
        return self._result(self.api.cancel_intent(payment.external_id))
