"""Order life: state changes with who/when, payment marks, expiry, payouts (flush only)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from catalog.models import Product
from marketplace.db import expire_loaded, utcnow
from marketplace.orders.models import Order, OrderEvent, OrderStatus, PaymentState

S = OrderStatus
# Which states each state may move to (refunds come from the payment side).
TRANSITIONS: dict[OrderStatus, set[OrderStatus]] = {
    S.PLACED: {S.CONFIRMED, S.CANCELLED},
    S.CONFIRMED: {S.PACKED, S.CANCELLED},
    S.PACKED: {S.SHIPPED, S.CANCELLED},
    S.SHIPPED: {S.DELIVERED},
    S.DELIVERED: {S.COMPLETED},
    S.COMPLETED: set(),
    S.CANCELLED: set(),
    S.REFUNDED: set(),
}
OPEN = (S.PLACED, S.CONFIRMED, S.PACKED)


class OrderError(ValueError):
    """A state change was refused; `code` says why."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _event(
    session: Session,
    order: Order,
    actor_id: int | None,
    kind: str,
    old: str | None,
    new: str | None,
    note: str = "",
) -> None:
    session.add(
        OrderEvent(order_id=order.id, actor_id=actor_id, kind=kind, old=old, new=new, note=note)
    )


def return_stock(session: Session, order: Order) -> None:
    """Put an order's quantities back on the shelf."""
    for item in order.items:
        if item.product_id is not None:
            session.execute(
                update(Product)
                .where(Product.id == item.product_id)
                .values(stock=Product.stock + item.quantity)
                .execution_options(synchronize_session=False)
            )
            expire_loaded(session, Product, item.product_id, "stock")


def move(
    session: Session,
    order: Order,
    new: OrderStatus,
    actor_id: int | None,
    carrier: str | None = None,
    tracking: str | None = None,
    note: str = "",
) -> None:
    """Move an order to a new state if allowed; cancelling returns the stock."""
    if new not in TRANSITIONS[order.status]:
        raise OrderError("bad_transition")
    if new == S.SHIPPED:
        if not (carrier and tracking):
            raise OrderError("tracking_required")
        order.carrier, order.tracking_number = carrier.strip(), tracking.strip()
    if new == S.CANCELLED:
        if order.payment_state == PaymentState.PAID:
            raise OrderError("paid_orders_are_refunded")
        return_stock(session, order)
        order.expires_at = None
    old = order.status
    order.status = new
    _event(session, order, actor_id, "status", old.value, new.value, note)
    session.flush()


def mark_paid(session: Session, order: Order, actor_id: int | None, note: str = "") -> bool:
    """Record the money as received (COD on delivery, VietQR confirmed, card captured)."""
    if order.payment_state != PaymentState.UNPAID or order.status in (S.CANCELLED, S.REFUNDED):
        return False
    order.payment_state = PaymentState.PAID
    order.paid_at = utcnow()
    order.expires_at = None
    _event(session, order, actor_id, "payment", "unpaid", "paid", note)
    session.flush()
    return True


def mark_paid_late(session: Session, order: Order, actor_id: int | None, note: str = "") -> bool:
    """Record money received for an order that had already ended, so it waits for a refund."""
    if order.payment_state != PaymentState.UNPAID or order.status != S.CANCELLED:
        return False
    order.payment_state = PaymentState.PAID
    order.paid_at = order.late_paid_at = utcnow()
    note = f"{note}: paid after the order ended" if note else "paid after the order ended"
    _event(session, order, actor_id, "payment", "unpaid", "paid", note)
    session.flush()
    return True


def mark_refunded(session: Session, order: Order, actor_id: int | None, note: str = "") -> bool:
    """Record a refund; goods not yet shipped go back to stock."""
    if order.payment_state == PaymentState.REFUNDED:
        return False
    if order.status in OPEN:
        return_stock(session, order)
    old = order.status
    order.payment_state = PaymentState.REFUNDED
    order.status = S.REFUNDED
    order.expires_at = None
    _event(session, order, actor_id, "payment", "paid", "refunded", note)
    _event(session, order, actor_id, "status", old.value, S.REFUNDED.value, note)
    session.flush()
    return True


def expire_unpaid(session: Session, now: datetime | None = None) -> list[Order]:
    """Cancel unpaid orders whose payment window has passed and return their stock."""
    now = now or utcnow()
    due = session.scalars(
        select(Order)
        .where(
            Order.payment_state == PaymentState.UNPAID,
            Order.status.in_(OPEN),
            Order.expires_at.is_not(None),
            Order.expires_at <= now,
        )
        .with_for_update(skip_locked=True)
    ).all()
    for order in due:
        move(session, order, S.CANCELLED, None, note="payment window expired")
    return list(due)


@dataclass(frozen=True)
class Statement:
    """What a stall earned in a period and what the market owes it."""

    stall_id: int
    start: date
    end: date
    orders: list[Order]
    goods_vnd: int
    shipping_vnd: int
    commission_vnd: int
    owed_vnd: int
    # Refunded orders of the period: listed so the statement says why they are not owed.
    refunded: list[Order] = field(default_factory=list)


def payout_statement(session: Session, stall_id: int, year: int, month: int) -> Statement:
    """Return paid, non-refunded orders of a stall placed in a month, with the amounts."""
    start = datetime(year, month, 1, tzinfo=UTC)
    end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=UTC)
    placed = select(Order).where(
        Order.stall_id == stall_id, Order.created_at >= start, Order.created_at < end
    )
    # A cancelled order paid too late is the buyer's money to return, never the stall's.
    orders = session.scalars(
        placed.where(
            Order.payment_state == PaymentState.PAID, Order.status != S.CANCELLED
        ).order_by(Order.created_at)
    ).all()
    refunded = session.scalars(
        placed.where(Order.payment_state == PaymentState.REFUNDED).order_by(Order.created_at)
    ).all()
    goods = sum(o.subtotal_vnd for o in orders)
    shipping = sum(o.shipping_fee_vnd for o in orders)
    commission = sum(o.commission_vnd for o in orders)
    return Statement(
        stall_id=stall_id,
        start=start.date(),
        end=end.date(),
        orders=list(orders),
        goods_vnd=goods,
        shipping_vnd=shipping,
        commission_vnd=commission,
        owed_vnd=goods + shipping - commission,
        refunded=list(refunded),
    )
