"""Read-only order queries for the seller, shopper and administrator pages (Flask-free)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from marketplace.orders.checkout import access_hash
from marketplace.orders.models import (
    CartItem,
    Checkout,
    Order,
    OrderEvent,
    OrderStatus,
    PaymentState,
)
from marketplace.stalls.models import Stall
from marketplace.users.models import User

PAGE_SIZE = 50
TOKEN_LENGTHS = range(20, 64)


@dataclass(frozen=True)
class Page:
    """One page of orders, newest first, with the name of each order's stall."""

    rows: list[tuple[Order, Stall]]
    total: int
    page: int
    pages: int


def _page(session: Session, query: Select[Any], page: int, size: int = PAGE_SIZE) -> Page:
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // size))
    page = min(max(1, page), pages)
    rows = session.execute(
        query.order_by(Order.created_at.desc(), Order.id.desc())
        .limit(size)
        .offset((page - 1) * size)
    ).all()
    return Page(rows=[(order, stall) for order, stall in rows], total=total, page=page, pages=pages)


def _orders() -> Select[Any]:
    return select(Order, Stall).join(Stall, Stall.id == Order.stall_id)


def stall_orders(
    session: Session, stall_id: int, status: OrderStatus | None, page: int = 1
) -> Page:
    """Return a page of one stall's orders, optionally of one status."""
    query = _orders().where(Order.stall_id == stall_id)
    if status is not None:
        query = query.where(Order.status == status)
    return _page(session, query, page)


def status_counts(session: Session, stall_id: int) -> dict[str, int]:
    """Return how many of a stall's orders are in each status."""
    rows = session.execute(
        select(Order.status, func.count()).where(Order.stall_id == stall_id).group_by(Order.status)
    ).all()
    return {status.value: n for status, n in rows}


def all_orders(
    session: Session,
    status: OrderStatus | None = None,
    payment: PaymentState | None = None,
    text: str = "",
    page: int = 1,
    awaiting_refund: bool = False,
) -> Page:
    """Return a page of every stall's orders, filtered by status, payment or reference."""
    query = _orders()
    if awaiting_refund:
        query = query.where(
            Order.late_paid_at.is_not(None), Order.payment_state == PaymentState.PAID
        )
    if status is not None:
        query = query.where(Order.status == status)
    if payment is not None:
        query = query.where(Order.payment_state == payment)
    text = text.strip()
    if text:
        query = query.join(Checkout, Checkout.id == Order.checkout_id).where(
            or_(Order.reference.ilike(f"%{text}%"), Checkout.phone == text)
        )
    return _page(session, query, page)


def stall_order(session: Session, stall_id: int, reference: str) -> Order | None:
    """Return a stall's order by reference (None for another stall's)."""
    return session.scalar(
        select(Order).where(Order.stall_id == stall_id, Order.reference == reference)
    )


def order_by_reference(session: Session, reference: str) -> Order | None:
    """Return any order by its reference."""
    return session.scalar(select(Order).where(Order.reference == reference))


def checkout_by_token(session: Session, token: str) -> Checkout | None:
    """Return the checkout a guest's secret link opens (None for a wrong or malformed one)."""
    if len(token) not in TOKEN_LENGTHS:
        return None
    return session.scalar(select(Checkout).where(Checkout.access_hash == access_hash(token)))


def user_checkout(session: Session, user_id: int, reference: str) -> Checkout | None:
    """Return an account's own checkout by reference."""
    return session.scalar(
        select(Checkout).where(Checkout.user_id == user_id, Checkout.reference == reference)
    )


def user_checkouts(session: Session, user_id: int, limit: int = 100) -> list[Checkout]:
    """Return an account's checkouts, newest first."""
    return list(
        session.scalars(
            select(Checkout)
            .where(Checkout.user_id == user_id)
            .order_by(Checkout.created_at.desc(), Checkout.id.desc())
            .limit(limit)
        )
    )


def stalls_by_id(session: Session, ids: set[int]) -> dict[int, Stall]:
    """Return the stalls with these ids."""
    if not ids:
        return {}
    return {s.id: s for s in session.scalars(select(Stall).where(Stall.id.in_(ids)))}


def history(session: Session, order_ids: list[int]) -> dict[int, list[tuple[OrderEvent, str]]]:
    """Return each order's events, oldest first, with who made them ("" for the system)."""
    found: dict[int, list[tuple[OrderEvent, str]]] = {oid: [] for oid in order_ids}
    if not order_ids:
        return found
    rows = session.execute(
        select(OrderEvent, User.full_name)
        .outerjoin(User, User.id == OrderEvent.actor_id)
        .where(OrderEvent.order_id.in_(order_ids))
        .order_by(OrderEvent.id)
    ).all()
    for event, name in rows:
        found[event.order_id].append((event, name or ""))
    return found


def cart_size(session: Session, cart_id: int) -> int:
    """Return how many items (quantities added up) a cart holds."""
    total = session.scalar(
        select(func.coalesce(func.sum(CartItem.quantity), 0)).where(CartItem.cart_id == cart_id)
    )
    return int(total or 0)
