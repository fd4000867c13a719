"""Recording payments and applying webhooks: once per event id, never backwards."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select

from marketplace.extensions import get_database
from marketplace.orders.models import PaymentMethod
from payments import services
from payments.base import PaymentResult, WebhookOutcome
from payments.models import Payment, PaymentStatus, WebhookEvent

S = PaymentStatus
_events = iter(range(1, 10**6))


def outcome(external_id: str, status: PaymentStatus | None, **fields) -> WebhookOutcome:
    """Return a webhook outcome with a fresh event id unless one is given."""
    values = {"provider": "stripe", "event_id": f"evt_{next(_events)}", "event_type": "x"}
    values.update(fields)
    return WebhookOutcome(external_id=external_id, status=status, **values)


@pytest.fixture
def payment(db_session, make_checkout) -> Payment:
    """Return a pending Stripe payment of 250 000 đồng, committed."""
    checkout = make_checkout()
    result = PaymentResult(
        "stripe",
        S.PENDING,
        external_id=f"pi_{checkout.id}",
        display={"intent_status": "requires_payment_method"},
    )
    made = services.record_start(db_session, checkout.id, result, 250_000)
    db_session.commit()
    return made


def _events_stored(session) -> int:
    return session.scalar(select(func.count()).select_from(WebhookEvent))


def test_record_start_stores_the_result_once_per_external_payment(db_session, payment):
    assert (payment.provider, payment.amount_vnd, payment.status) == ("stripe", 250_000, S.PENDING)
    assert payment.details == {"intent_status": "requires_payment_method"}
    again = services.record_start(
        db_session,
        payment.checkout_id,
        PaymentResult("stripe", S.PENDING, payment.external_id),
        250_000,
    )
    assert again.id == payment.id
    assert services.latest_payment(db_session, payment.checkout_id).id == payment.id
    assert services.payment_for_external(db_session, payment.external_id).id == payment.id


def test_a_webhook_marks_the_payment_and_its_replay_changes_nothing(db_session, payment):
    event = outcome(payment.external_id, S.SUCCEEDED, event_id="evt_once", amount_vnd=250_000)
    applied = services.apply_webhook(db_session, event)
    db_session.commit()
    assert applied.changed and not applied.duplicate
    assert applied.change.previous is S.PENDING and payment.status is S.SUCCEEDED
    # The same event id again, even carrying something else, is recognised and ignored.
    replay = services.apply_webhook(
        db_session, outcome(payment.external_id, S.FAILED, event_id="evt_once")
    )
    db_session.commit()
    assert replay.duplicate and not replay.changed and replay.change is None
    db_session.refresh(payment)
    assert payment.status is S.SUCCEEDED
    assert _events_stored(db_session) == 1


@pytest.mark.parametrize(
    ("sequence", "final"),
    [
        ((S.SUCCEEDED, S.FAILED), S.SUCCEEDED),  # a late failure never downgrades a success
        ((S.FAILED, S.SUCCEEDED), S.SUCCEEDED),  # a retry that worked
        ((S.SUCCEEDED, S.REFUNDED), S.REFUNDED),
        ((S.REFUNDED, S.SUCCEEDED), S.REFUNDED),  # the refund overtook the success
        ((S.SUCCEEDED, S.REFUNDED, S.FAILED, S.SUCCEEDED), S.REFUNDED),
        ((S.CANCELLED, S.FAILED), S.CANCELLED),
        ((S.FAILED,), S.FAILED),
    ],
)
def test_events_in_any_order_leave_the_latest_fact(db_session, payment, sequence, final):
    for status in sequence:
        services.apply_webhook(db_session, outcome(payment.external_id, status))
        db_session.commit()
    db_session.refresh(payment)
    assert payment.status is final
    assert _events_stored(db_session) == len(sequence)


def test_a_failure_keeps_its_safe_code(db_session, payment):
    failed = outcome(payment.external_id, S.FAILED, failure_code="insufficient_funds")
    assert services.apply_webhook(db_session, failed).changed
    assert payment.details["failure_code"] == "insufficient_funds"


def test_an_event_for_an_unknown_payment_is_not_stored_so_a_retry_can_apply_it(db_session):
    applied = services.apply_webhook(db_session, outcome("pi_nobody", S.SUCCEEDED))
    db_session.commit()
    assert applied.unknown_payment and not applied.changed
    assert _events_stored(db_session) == 0


def test_an_event_without_a_status_change_is_still_deduplicated(db_session, payment):
    event = outcome(payment.external_id, None, event_id="evt_info", event_type="charge.updated")
    first = services.apply_webhook(db_session, event)
    second = services.apply_webhook(db_session, event)
    db_session.commit()
    assert not first.duplicate and not first.changed and not first.unknown_payment
    assert second.duplicate and payment.status is S.PENDING


def test_a_success_for_another_amount_does_not_mark_the_payment_paid(db_session, payment):
    applied = services.apply_webhook(
        db_session, outcome(payment.external_id, S.SUCCEEDED, amount_vnd=2_500)
    )
    assert not applied.changed and payment.status is S.PENDING
    assert payment.details["amount_mismatch_vnd"] == 2_500


def test_a_partial_refund_event_counts_the_money_but_keeps_the_payment_paid(db_session, payment):
    services.apply_webhook(db_session, outcome(payment.external_id, S.SUCCEEDED))
    partial = outcome(payment.external_id, None, amount_refunded_vnd=50_000)
    services.apply_webhook(db_session, partial)
    db_session.commit()
    assert payment.status is S.SUCCEEDED and payment.details["refunded_vnd"] == 50_000


def test_refund_and_cancel_results_are_recorded(db_session, payment):
    services.apply_webhook(db_session, outcome(payment.external_id, S.SUCCEEDED))
    part = services.record_refund(
        db_session, payment, PaymentResult("stripe", S.SUCCEEDED, amount_vnd=100_000)
    )
    assert not part.changed and payment.details["refunded_vnd"] == 100_000
    rest = services.record_refund(
        db_session,
        payment,
        PaymentResult("stripe", S.REFUNDED, amount_vnd=150_000, display={"refund_id": "re_2"}),
    )
    db_session.commit()
    assert rest.changed and payment.status is S.REFUNDED
    assert payment.details["refunded_vnd"] == 250_000
    assert [r["amount_vnd"] for r in payment.details["refunds"]] == [100_000, 150_000]
    late = services.record_cancel(db_session, payment, PaymentResult("stripe", S.CANCELLED))
    assert not late.changed and payment.status is S.REFUNDED


def test_only_cash_and_transfers_are_marked_received_by_hand(db_session, make_checkout, payment):
    cod = services.record_start(
        db_session,
        make_checkout(method=PaymentMethod.COD).id,
        PaymentResult("cod", S.PENDING),
        120_000,
    )
    change = services.mark_received(db_session, cod)
    assert change.changed and cod.status is S.SUCCEEDED
    with pytest.raises(ValueError):
        services.mark_received(db_session, payment)


def test_concurrent_deliveries_of_one_event_apply_it_once(app, payment):
    database = get_database(app)
    barrier = threading.Barrier(2)
    results: list = []

    def deliver() -> None:
        with database.new_session() as session:
            barrier.wait()
            applied = services.apply_webhook(
                session, outcome(payment.external_id, S.SUCCEEDED, event_id="evt_race")
            )
            time.sleep(0.2)  # hold the transaction open so the other delivery overlaps it
            session.commit()
            results.append(applied.duplicate)

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results) == [False, True]
    with database.new_session() as session:
        assert session.get(Payment, payment.id).status is S.SUCCEEDED
        assert _events_stored(session) == 1


def test_a_duplicate_leaves_the_callers_other_work_in_its_transaction(db_session, payment):
    services.apply_webhook(db_session, outcome(payment.external_id, None, event_id="evt_dup"))
    db_session.commit()
    payment.details = {"note": "written before the duplicate arrived"}
    replay = services.apply_webhook(
        db_session, outcome(payment.external_id, S.SUCCEEDED, event_id="evt_dup")
    )
    assert replay.duplicate
    db_session.commit()
    db_session.expire_all()
    assert db_session.get(Payment, payment.id).details == {
        "note": "written before the duplicate arrived"
    }
