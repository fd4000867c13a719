"""Record payments and apply provider results and webhooks to them (flush, never commit)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from payments.base import PaymentResult, WebhookOutcome
from payments.models import Payment, PaymentStatus, WebhookEvent

log = logging.getLogger(__name__)

# Payment facts only move forward, so a late or replayed event can never undo a later one:
# a failure reported after the success stays a success, a success after the refund stays refunded.
RANK = {
    PaymentStatus.PENDING: 0,
    PaymentStatus.FAILED: 1,
    PaymentStatus.CANCELLED: 2,
    PaymentStatus.SUCCEEDED: 3,
    PaymentStatus.REFUNDED: 4,
}
# Only people can confirm money that moved outside the market.
MANUAL_PROVIDERS = ("cod", "vietqr")


@dataclass(frozen=True)
class PaymentChange:
    """A payment and the status it had before the change was applied."""

    payment: Payment
    previous: PaymentStatus

    @property
    def changed(self) -> bool:
        """Return whether the payment's status moved."""
        return self.previous is not self.payment.status


@dataclass(frozen=True)
class WebhookApplied:
    """What applying a webhook did: nothing if duplicate, else the payment it concerned."""

    outcome: WebhookOutcome
    duplicate: bool = False
    change: PaymentChange | None = None

    @property
    def changed(self) -> bool:
        """Return whether a payment's status moved (the caller then updates its orders)."""
        return self.change is not None and self.change.changed

    @property
    def unknown_payment(self) -> bool:
        """Return whether the event would change a payment we have no record of (not stored)."""
        return not self.duplicate and self.change is None and self.outcome.status is not None


def _advance(payment: Payment, status: PaymentStatus) -> bool:
    if RANK[status] <= RANK[payment.status]:
        return False
    payment.status = status
    return True


def _update_details(payment: Payment, **values: Any) -> None:
    # A JSON column only notices a new dict, not changes inside the old one.
    payment.details = {**(payment.details or {}), **values}


def payment_for_external(
    session: Session, external_id: str, *, lock: bool = False
) -> Payment | None:
    """Return the payment a provider knows by external_id (row-locked when lock is set)."""
    query = select(Payment).where(Payment.external_id == external_id)
    if lock:
        # populate_existing: a copy already in the session must show the locked row's state.
        query = query.with_for_update().execution_options(populate_existing=True)
    return session.scalars(query).first()


def latest_payment(session: Session, checkout_id: int) -> Payment | None:
    """Return a checkout's most recent payment attempt."""
    query = select(Payment).where(Payment.checkout_id == checkout_id).order_by(Payment.id.desc())
    return session.scalars(query.limit(1)).first()


def record_start(
    session: Session, checkout_id: int, result: PaymentResult, amount_vnd: int
) -> Payment:
    """Store a started payment; starting the same external payment again returns the first row."""
    if result.external_id:
        existing = payment_for_external(session, result.external_id)
        if existing is not None:
            return existing
    payment = Payment(
        checkout_id=checkout_id,
        provider=result.provider,
        amount_vnd=amount_vnd,
        status=result.status,
        external_id=result.external_id,
        details=dict(result.display),
    )
    session.add(payment)
    session.flush()
    return payment


def mark_received(session: Session, payment: Payment) -> PaymentChange:
    """Record that a seller or administrator saw cash or a transfer arrive."""
    if payment.provider not in MANUAL_PROVIDERS:
        # Card payments are paid only when the provider's signed webhook says so.
        raise ValueError(f"{payment.provider} payments are not confirmed by hand")
    change = PaymentChange(payment, payment.status)
    _advance(payment, PaymentStatus.SUCCEEDED)
    session.flush()
    return change


def record_refund(session: Session, payment: Payment, result: PaymentResult) -> PaymentChange:
    """Apply a provider's refund result: add the amount returned, mark refunded when complete."""
    change = PaymentChange(payment, payment.status)
    details = payment.details or {}
    returned = int(details.get("refunded_vnd", 0)) + int(result.amount_vnd or 0)
    refunds = [*details.get("refunds", []), {"amount_vnd": result.amount_vnd, **result.display}]
    _update_details(payment, refunded_vnd=min(returned, payment.amount_vnd), refunds=refunds)
    if result.status is PaymentStatus.REFUNDED:
        _advance(payment, PaymentStatus.REFUNDED)
    session.flush()
    return change


def record_cancel(session: Session, payment: Payment, result: PaymentResult) -> PaymentChange:
    """Apply a provider's cancellation (a no-op for a payment that already succeeded)."""
    change = PaymentChange(payment, payment.status)
    _advance(payment, result.status)
    session.flush()
    return change


def apply_webhook(session: Session, outcome: WebhookOutcome) -> WebhookApplied:
    """Apply a verified webhook once: a repeated event id changes nothing."""
    # The unique (provider, event_id) row is the guard; the savepoint keeps the caller's
    # transaction usable when a concurrent delivery of the same event inserted it first.
    savepoint = session.begin_nested()
    try:
        session.add(
            WebhookEvent(
                provider=outcome.provider, event_id=outcome.event_id, event_type=outcome.event_type
            )
        )
        session.flush()
    except IntegrityError:
        savepoint.rollback()
        return WebhookApplied(outcome, duplicate=True)
    payment = None
    if outcome.external_id:
        payment = payment_for_external(session, outcome.external_id, lock=True)
    if payment is None:
        if outcome.status is not None:
            # Leave no trace, so the provider's retry can apply it once the payment exists.
            savepoint.rollback()
        else:
            savepoint.commit()
        return WebhookApplied(outcome)
    savepoint.commit()
    change = PaymentChange(payment, payment.status)
    status = outcome.status
    if status is PaymentStatus.SUCCEEDED and outcome.amount_vnd not in (None, payment.amount_vnd):
        log.warning(
            "payment %s: paid %s instead of %s", payment.id, outcome.amount_vnd, payment.amount_vnd
        )
        _update_details(payment, amount_mismatch_vnd=outcome.amount_vnd)
        status = None
    if outcome.amount_refunded_vnd is not None:
        returned = max(int(payment.details.get("refunded_vnd", 0)), outcome.amount_refunded_vnd)
        _update_details(payment, refunded_vnd=min(returned, payment.amount_vnd))
    if status is not None and _advance(payment, status) and outcome.failure_code:
        _update_details(payment, failure_code=outcome.failure_code)
    session.flush()
    return WebhookApplied(outcome, change=change)
