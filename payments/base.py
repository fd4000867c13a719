"""The payment provider protocol, its uniform result types, errors and registry."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from payments.models import Payment, PaymentStatus

# Codes a view translates into a message safe to show the buyer: never the provider's own text.
DECLINE_CODES = ("card_declined", "insufficient_funds", "expired_card", "processing_error")
SAFE_MESSAGES = {
    "card_declined": "Your card was declined. Please try another card or payment method.",
    "insufficient_funds": "Your card has insufficient funds.",
    "expired_card": "Your card has expired.",
    "processing_error": "The payment could not be processed. Please try again.",
    "unavailable": "This payment method is unavailable right now. Please try again later.",
    "not_refundable": "This payment cannot be refunded.",
}


@dataclass(frozen=True)
class PaymentRequest:
    """What a checkout asks a provider to collect."""

    checkout_id: int
    reference: str
    amount_vnd: int
    description: str = ""
    buyer_email: str | None = None
    metadata: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # bool is an int subclass and floats creep in from arithmetic: refuse both early.
        if type(self.amount_vnd) is not int or self.amount_vnd <= 0:
            raise ValueError("amount_vnd must be a positive int (whole đồng)")


@dataclass(frozen=True)
class PaymentResult:
    """What a provider answered, the same shape for every provider."""

    provider: str
    status: PaymentStatus
    external_id: str | None = None
    client_secret: str | None = None
    display: dict[str, Any] = field(default_factory=dict)
    message_code: str | None = None
    # The amount this result concerns: the payment's for start, the money returned for refund.
    amount_vnd: int | None = None


@dataclass(frozen=True)
class WebhookOutcome:
    """A verified provider event, reduced to what the market acts on."""

    provider: str
    event_id: str
    event_type: str
    external_id: str | None = None
    checkout_reference: str | None = None
    status: PaymentStatus | None = None
    failure_code: str | None = None
    amount_vnd: int | None = None
    amount_refunded_vnd: int | None = None


class PaymentError(Exception):
    """A payment problem; `code` is safe to show (translated), the provider's text is not."""

    def __init__(self, code: str = "unavailable") -> None:
        super().__init__(code)
        self.code = code

    @property
    def safe_message(self) -> str:
        """Return an English message safe to show the buyer (views translate by code)."""
        return SAFE_MESSAGES.get(self.code, SAFE_MESSAGES["unavailable"])


class PaymentDeclined(PaymentError):
    """The buyer's means of payment was refused."""

    def __init__(self, code: str = "card_declined") -> None:
        super().__init__(code if code in DECLINE_CODES else "card_declined")


class WebhookRejected(PaymentError):
    """A webhook that is unsigned, forged, stale or unreadable: answer 400, change nothing."""

    def __init__(self, reason: str = "invalid") -> None:
        super().__init__("invalid_webhook")
        self.reason = reason


class PaymentProvider(Protocol):
    """One way of collecting a checkout's total."""

    name: str

    def start(self, request: PaymentRequest) -> PaymentResult:
        """Begin collecting the request's amount."""
        ...

    def handle_webhook(self, payload: bytes, headers: Mapping[str, str]) -> WebhookOutcome:
        """Verify and parse a provider's notification (WebhookRejected if not genuine)."""
        ...

    def refund(self, payment: Payment, amount_vnd: int | None = None) -> PaymentResult:
        """Return money for a payment, all of it when amount_vnd is None."""
        ...

    def cancel(self, payment: Payment) -> PaymentResult:
        """Stop a payment that has not completed (an expired or cancelled order)."""
        ...


# Imported lazily so the Stripe SDK is loaded only where Stripe is configured.
PROVIDERS = {
    "cod": "payments.cod:CashOnDelivery",
    "vietqr": "payments.vietqr_provider:VietQRTransfer",
    "stripe": "payments.stripe_provider:StripeProvider",
}


def make_provider(name: str, config: Mapping[str, Any]) -> PaymentProvider:
    """Build the provider registered under `name` from a configuration mapping."""
    try:
        module_name, class_name = PROVIDERS[name].split(":")
    except KeyError:
        raise ValueError(f"unknown payment provider {name!r}") from None
    cls = getattr(importlib.import_module(module_name), class_name)
    return cls.from_config(config)


def refund_plan(payment: Payment, amount_vnd: int | None) -> tuple[int, bool]:
    """Return the amount to refund and whether it returns everything that is left."""
    if payment.status is not PaymentStatus.SUCCEEDED:
        raise PaymentError("not_refundable")
    left = payment.amount_vnd - int(payment.details.get("refunded_vnd", 0))
    if amount_vnd is None:
        amount_vnd = left
    if type(amount_vnd) is not int or not 0 < amount_vnd <= left:
        raise ValueError("refund amount must be a positive int no larger than what is left")
    return amount_vnd, amount_vnd == left


class ManualProvider:
    """A provider whose money moves outside the market: people confirm it, never a webhook."""

    name = "manual"

    def handle_webhook(self, payload: bytes, headers: Mapping[str, str]) -> WebhookOutcome:
        """Refuse every notification: only a seller or an administrator confirms these."""
        raise WebhookRejected(f"{self.name} has no webhooks")

    def refund(self, payment: Payment, amount_vnd: int | None = None) -> PaymentResult:
        """Record money handed or transferred back to the buyer by hand."""
        amount, full = refund_plan(payment, amount_vnd)
        return PaymentResult(
            provider=self.name,
            status=PaymentStatus.REFUNDED if full else PaymentStatus.SUCCEEDED,
            external_id=payment.external_id,
            amount_vnd=amount,
        )

    def cancel(self, payment: Payment) -> PaymentResult:
        """Cancel a payment that never arrived."""
        return PaymentResult(provider=self.name, status=PaymentStatus.CANCELLED)
