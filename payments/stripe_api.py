"""The one module that talks to the Stripe SDK: plain data in and out, SDK errors translated."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import stripe

from payments.base import PaymentDeclined, PaymentError, WebhookRejected

log = logging.getLogger(__name__)

CURRENCY = "vnd"  # zero-decimal for Stripe: amounts are whole đồng
SIGNATURE_TOLERANCE = 300  # seconds; older signed events are treated as replays


@dataclass(frozen=True)
class Intent:
    """The parts of a PaymentIntent the market uses."""

    id: str
    status: str
    amount: int
    client_secret: str | None
    metadata: dict[str, str] = field(default_factory=dict)
    failure_code: str | None = None


@dataclass(frozen=True)
class Refund:
    """The parts of a Refund the market uses."""

    id: str
    status: str
    amount: int


def failure_code(error: Mapping[str, Any] | None) -> str | None:
    """Return the decline reason of a Stripe error object (decline_code is the precise one)."""
    if not error:
        return None
    return error.get("decline_code") or error.get("code")


@contextmanager
def _translated() -> Iterator[None]:
    """Turn SDK errors into PaymentError codes; the SDK's text goes to the log only."""
    try:
        yield
    except stripe.CardError as exc:
        body = exc.json_body if isinstance(exc.json_body, dict) else {}
        error = body.get("error")
        log.info("Stripe declined a payment: %s", failure_code(error))
        raise PaymentDeclined(failure_code(error) or "card_declined") from exc
    except stripe.InvalidRequestError as exc:
        log.warning("Stripe refused a request: %s", exc.user_message or exc)
        raise PaymentError("processing_error") from exc
    except stripe.StripeError as exc:
        # Authentication, rate limits, outages and network errors: the buyer can only wait.
        log.error("Stripe unavailable: %s: %s", type(exc).__name__, exc.user_message or exc)
        raise PaymentError("unavailable") from exc


def _plain(value: Any) -> dict[str, Any]:
    """Return an SDK object as a dict: a dict subclass before stripe 15, to_dict() after."""
    if value is None:
        return {}
    return dict(value) if isinstance(value, dict) else value.to_dict()


def _intent(obj: Any) -> Intent:
    return Intent(
        id=obj.id,
        status=obj.status,
        amount=int(obj.amount),
        client_secret=getattr(obj, "client_secret", None),
        metadata={str(k): str(v) for k, v in _plain(getattr(obj, "metadata", None)).items()},
        failure_code=failure_code(_plain(getattr(obj, "last_payment_error", None))),
    )


class StripeAPI:
    """A configured Stripe client (pointed at localstripe when api_base is set)."""

    def __init__(
        self,
        secret_key: str,
        api_base: str | None = None,
        timeout: float = 20,
        max_retries: int = 2,
    ) -> None:
        if not secret_key:
            raise PaymentError("unavailable")
        self._http = stripe.RequestsClient(timeout=timeout)
        self.client = stripe.StripeClient(
            secret_key,
            base_addresses={"api": api_base} if api_base else None,
            http_client=self._http,
            max_network_retries=max_retries,
        )

    def close(self) -> None:
        """Close the pooled HTTP connections."""
        self._http.close()

    def create_intent(
        self, amount_vnd: int, metadata: Mapping[str, str], idempotency_key: str
    ) -> Intent:
        """Create a card PaymentIntent for whole đồng; the key makes a retried call harmless."""
        params: dict[str, Any] = {
            "amount": amount_vnd,
            "currency": CURRENCY,
            "payment_method_types": ["card"],
            "metadata": dict(metadata),
        }
        with _translated():
            obj = self.client.v1.payment_intents.create(
                params=params,  # type: ignore[arg-type]
                options={"idempotency_key": idempotency_key},
            )
        return _intent(obj)

    def retrieve_intent(self, intent_id: str) -> Intent:
        """Return a PaymentIntent's current state."""
        with _translated():
            return _intent(self.client.v1.payment_intents.retrieve(intent_id))

    def cancel_intent(self, intent_id: str) -> Intent:
        """Cancel a PaymentIntent that has not succeeded."""
        with _translated():
            return _intent(self.client.v1.payment_intents.cancel(intent_id))

    def confirm_intent(self, intent_id: str, payment_method_id: str) -> Intent:
        """Confirm a PaymentIntent server-side with a payment method (tests; browsers use JS)."""
        with _translated():
            # Attach first, then confirm: localstripe refuses payment_method on confirm itself.
            self.client.v1.payment_intents.update(
                intent_id, params={"payment_method": payment_method_id}
            )
            return _intent(self.client.v1.payment_intents.confirm(intent_id))

    def create_test_card(self, number: str) -> str:
        """Create a card PaymentMethod from a test card number and return its id (test mode)."""
        card = {"number": number, "exp_month": 12, "exp_year": 2034, "cvc": "123"}
        with _translated():
            obj = self.client.v1.payment_methods.create(
                params={"type": "card", "card": card}  # type: ignore[arg-type]
            )
        return obj.id

    def create_refund(self, intent_id: str, amount_vnd: int, idempotency_key: str) -> Refund:
        """Refund part or all of a PaymentIntent's charge."""
        params = {"payment_intent": intent_id, "amount": amount_vnd}
        with _translated():
            obj = self.client.v1.refunds.create(
                params=params,  # type: ignore[arg-type]
                options={"idempotency_key": idempotency_key},
            )
        return Refund(id=obj.id, status=obj.status or "pending", amount=int(obj.amount))


def construct_event(payload: bytes, sig_header: str | None, secret: str) -> dict[str, Any]:
    """Verify a webhook's Stripe-Signature and return the event as plain data."""
    if not sig_header:
        raise WebhookRejected("unsigned")
    if not secret:
        raise WebhookRejected("no webhook secret configured")
    try:
        text = payload.decode("utf-8")
        stripe.WebhookSignature.verify_header(text, sig_header, secret, SIGNATURE_TOLERANCE)
        event = json.loads(text)
    except stripe.SignatureVerificationError as exc:
        raise WebhookRejected("bad signature") from exc
    except (UnicodeDecodeError, ValueError) as exc:
        raise WebhookRejected("unreadable") from exc
    if not isinstance(event, dict) or not event.get("id") or not event.get("type"):
        raise WebhookRejected("not an event")
    return event
