"""Placing a checkout: prices re-checked, stock taken atomically, one order per stall."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from catalog.models import Product, ProductStatus
from marketplace.db import expire_loaded, utcnow
from marketplace.orders import cart as carts
from marketplace.orders.models import (
    Cart,
    Checkout,
    DeliveryOption,
    Order,
    OrderEvent,
    OrderItem,
    PaymentMethod,
    StallSettings,
)
from marketplace.stalls.models import Stall

# How long stock stays reserved for an order that waits for its payment.
PAYMENT_WINDOW = {
    PaymentMethod.VIETQR: timedelta(hours=24),
    PaymentMethod.STRIPE: timedelta(hours=1),
}


class CheckoutError(ValueError):
    """Placement was refused; `code` says why and `details` which lines."""

    def __init__(self, code: str, details: list[str] | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.details = details or []


@dataclass(frozen=True)
class Buyer:
    """Who receives the goods and where."""

    contact_name: str
    phone: str
    email: str | None
    province_code: int
    ward_code: int | None
    street: str
    note: str = ""
    user_id: int | None = None
    locale: str = "vi"


def settings_for(session: Session, stall_id: int) -> StallSettings:
    """Return a stall's delivery and payment settings (defaults when never saved)."""
    found = session.scalar(select(StallSettings).where(StallSettings.stall_id == stall_id))
    return found or StallSettings(
        stall_id=stall_id,
        pickup_enabled=True,
        pickup_address="",
        delivery_enabled=True,
        delivery_fee_vnd=30000,
        province_fees={},
        free_delivery_over_vnd=None,
        cod_enabled=True,
        commission_bp=500,
    )


def delivery_options(settings: StallSettings, province_code: int, subtotal_vnd: int) -> dict:
    """Return {option: fee} a stall offers for a destination province and order size."""
    options: dict[DeliveryOption, int] = {}
    if settings.pickup_enabled:
        options[DeliveryOption.PICKUP] = 0
    if settings.delivery_enabled:
        fees = settings.province_fees or {}
        fee = int(fees.get(str(province_code), settings.delivery_fee_vnd))
        free_over = settings.free_delivery_over_vnd
        options[DeliveryOption.DELIVERY] = 0 if free_over and subtotal_vnd >= free_over else fee
    return options


def _take_stock(session: Session, product_id: int, quantity: int) -> bool:
    """Take stock only if enough is left: two buyers can never take the last unit twice."""
    result = session.execute(
        update(Product)
        .where(
            Product.id == product_id,
            Product.stock >= quantity,
            Product.status == ProductStatus.ACTIVE,
        )
        .values(stock=Product.stock - quantity)
        .execution_options(synchronize_session=False)
    )
    expire_loaded(session, Product, product_id, "stock")
    return result.rowcount == 1


def _reference(session: Session) -> str:
    """Return a new short checkout reference like CP7K3M9Q2 (no 0/O/1/I to misread)."""
    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    while True:
        ref = "CP" + "".join(secrets.choice(alphabet) for _ in range(7))
        if session.scalar(select(Checkout.id).where(Checkout.reference == ref)) is None:
            return ref


def access_hash(token: str) -> str:
    """Hash a guest's secret order link (only the hash is stored)."""
    return hashlib.sha256(token.encode()).hexdigest()


def by_idempotency_key(session: Session, key: str) -> Checkout | None:
    """Return the checkout already placed with this form token, if any."""
    return session.scalar(select(Checkout).where(Checkout.idempotency_key == key))


def place(
    session: Session,
    cart: Cart,
    buyer: Buyer,
    delivery: dict[int, DeliveryOption],
    method: PaymentMethod,
    idempotency_key: str,
) -> tuple[Checkout, str]:
    """Turn a cart into a checkout with one order per stall; return it and the guest link token.

    The caller commits; any CheckoutError must roll the whole transaction back (stock too).
    """
    groups = carts.view(session, cart)
    if not groups:
        raise CheckoutError("empty_cart")
    problems = [ln.product.name for g in groups for ln in g.lines if ln.unavailable and ln.product]
    if problems:
        raise CheckoutError("unavailable", problems)
    changed = [ln for g in groups for ln in g.lines if ln.price_changed]
    if changed:
        for line in changed:  # the shopper has now seen the new price
            line.item.price_seen_vnd = line.price_vnd
        raise CheckoutError("prices_changed", [ln.product.name for ln in changed if ln.product])
    token = secrets.token_urlsafe(24)
    checkout = Checkout(
        reference=_reference(session),
        idempotency_key=idempotency_key,
        user_id=buyer.user_id,
        access_hash=access_hash(token),
        contact_name=buyer.contact_name,
        phone=buyer.phone,
        email=buyer.email,
        province_code=buyer.province_code,
        ward_code=buyer.ward_code,
        street=buyer.street,
        note=buyer.note,
        payment_method=method,
        total_vnd=0,
        locale=buyer.locale,
    )
    session.add(checkout)
    session.flush()
    sold_out = []
    expires = utcnow() + PAYMENT_WINDOW[method] if method in PAYMENT_WINDOW else None
    for number, group in enumerate(groups, start=1):
        order = _order_for(session, checkout, group, buyer, delivery, method, number, expires)
        for line in group.lines:
            if not _take_stock(session, line.item.product_id, line.item.quantity):
                sold_out.append(line.product.name if line.product else str(line.item.product_id))
        checkout.total_vnd += order.total_vnd
    if sold_out:
        raise CheckoutError("sold_out", sold_out)
    for item in list(cart.items):
        cart.items.remove(item)
    session.flush()
    return checkout, token


def _order_for(
    session: Session,
    checkout: Checkout,
    group: carts.StallGroup,
    buyer: Buyer,
    delivery: dict[int, DeliveryOption],
    method: PaymentMethod,
    number: int,
    expires: datetime | None,
) -> Order:
    """Build one stall's order with its lines, fee and commission."""
    stall: Stall = group.stall
    settings = settings_for(session, stall.id)
    if method == PaymentMethod.COD and not settings.cod_enabled:
        raise CheckoutError("cod_disabled", [stall.name])
    options = delivery_options(settings, buyer.province_code, group.subtotal_vnd)
    default = DeliveryOption.DELIVERY if DeliveryOption.DELIVERY in options else None
    choice = delivery.get(stall.id) or default or next(iter(options), None)
    if choice not in options:
        raise CheckoutError("no_delivery", [stall.name])
    fee = options[choice]
    subtotal = group.subtotal_vnd
    order = Order(
        checkout_id=checkout.id,
        stall_id=stall.id,
        reference=f"{checkout.reference}-{number}",
        delivery=choice,
        subtotal_vnd=subtotal,
        shipping_fee_vnd=fee,
        total_vnd=subtotal + fee,
        commission_bp=settings.commission_bp,
        # Commission on the goods only, rounded down to whole đồng in the seller's favour.
        commission_vnd=subtotal * settings.commission_bp // 10_000,
        expires_at=expires,
    )
    for line in group.lines:
        product = line.product
        assert product is not None
        order.items.append(
            OrderItem(
                product_id=product.id,
                sku=product.sku,
                name=product.name,
                unit=product.unit,
                unit_price_vnd=line.price_vnd,
                quantity=line.item.quantity,
                line_total_vnd=line.line_total_vnd,
            )
        )
    session.add(order)
    session.flush()
    session.add(OrderEvent(order_id=order.id, actor_id=buyer.user_id, kind="status", new="placed"))
    return order
