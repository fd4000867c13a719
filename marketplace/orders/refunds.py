"""Money off the usual path: refunds made by hand, and transfers that arrive after an order ended.

Flask-free: functions take the session (and the configuration), flush, and leave the commit to
the caller. Card refunds go through Stripe in payment_flow.refund_order instead.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy.orm import Session

from marketplace.orders import payment_flow
from marketplace.orders import services as orders
from marketplace.orders.models import Order, OrderStatus, PaymentMethod, PaymentState
from payments import services as pay
from payments.base import PaymentResult
from payments.models import PaymentStatus

# Cash and transfers go back outside the app; the administrator records that they did.
BY_HAND = (PaymentMethod.COD, PaymentMethod.VIETQR)


def may_record_late(session: Session, order: Order, by_admin: bool) -> bool:
    """Tell whether a person may record a transfer that arrived after the order ended."""
    if (
        order.checkout.payment_method is not PaymentMethod.VIETQR
        or order.status is not OrderStatus.CANCELLED
        or order.payment_state is not PaymentState.UNPAID
    ):
        return False
    return by_admin or payment_flow.paid_to_stall(session, order)


def confirm_late(session: Session, order: Order, actor_id: int | None, by_admin: bool) -> None:
    """Keep a late transfer on the order (paid, awaiting a refund) instead of ignoring it."""
    if not may_record_late(session, order, by_admin):
        raise orders.OrderError("not_yours_to_confirm")
    note = "confirmed by the market" if by_admin else "confirmed by the seller"
    orders.mark_paid_late(session, order, actor_id, note)
    payment = pay.latest_payment(session, order.checkout_id)
    if payment is not None and all(
        o.payment_state is not PaymentState.UNPAID for o in order.checkout.orders
    ):
        # The whole transfer is accounted for, so the payment can be refunded like any other.
        pay.mark_received(session, payment)


def may_refund_by_hand(order: Order) -> bool:
    """Tell whether an administrator may record a cash or transfer refund for this order."""
    return order.checkout.payment_method in BY_HAND and order.payment_state is PaymentState.PAID


def refund_by_hand(
    session: Session,
    order: Order,
    actor_id: int | None,
    amount_vnd: int,
    note: str,
    config: payment_flow.Config,
) -> None:
    """Record that an order's money went back to the buyer outside the app (whole orders only)."""
    note = note.strip()
    if not may_refund_by_hand(order):
        raise orders.OrderError("not_refundable")
    if amount_vnd != order.total_vnd:
        raise orders.OrderError("full_refund_only")
    if not note:
        raise orders.OrderError("refund_note_required")
    payment = pay.latest_payment(session, order.checkout_id)
    if payment is not None:
        if payment.status is PaymentStatus.SUCCEEDED:
            try:
                with payment_flow.provider(payment.provider, config) as manual:
                    result = manual.refund(payment, amount_vnd)
            except ValueError:  # more than is left of the payment: refuse, never over-refund
                raise orders.OrderError("not_refundable") from None
        else:
            # Other orders of the checkout are still unpaid: note the amount, keep the status.
            result = PaymentResult(payment.provider, payment.status, amount_vnd=amount_vnd)
        display = {"order": order.reference, "note": note, "actor_id": actor_id}
        pay.record_refund(session, payment, replace(result, display=display))
    orders.mark_refunded(session, order, actor_id, note=f"refunded by hand: {note}")
