"""Cart services: guest and account carts, quantities checked against stock (flush only)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.models import Product, ProductStatus
from marketplace.orders.models import Cart, CartItem
from marketplace.stalls.models import Stall, StallStatus

MAX_LINE_QUANTITY = 999


class CartError(ValueError):
    """A cart change was refused; `code` says why, `available` how many could be had."""

    def __init__(self, code: str, available: int = 0) -> None:
        super().__init__(code)
        self.code = code
        self.available = available


def new_cart(session: Session, user_id: int | None = None) -> Cart:
    """Create an empty cart (a guest's when user_id is None)."""
    cart = Cart(user_id=user_id, token=secrets.token_urlsafe(32))
    session.add(cart)
    session.flush()
    return cart


def find_cart(session: Session, user_id: int | None, token: str | None) -> Cart | None:
    """Return the account's cart, else the guest cart of the session token."""
    if user_id is not None:
        cart = session.scalar(select(Cart).where(Cart.user_id == user_id))
        if cart is not None:
            return cart
    if token:
        return session.scalar(select(Cart).where(Cart.token == token, Cart.user_id.is_(None)))
    return None


def purchasable(session: Session, product_id: int) -> Product | None:
    """Return the product if shoppers may buy it now (active, stall approved)."""
    return session.scalar(
        select(Product)
        .join(Stall, Stall.id == Product.stall_id)
        .where(
            Product.id == product_id,
            Product.status == ProductStatus.ACTIVE,
            Stall.status == StallStatus.APPROVED,
        )
    )


def set_quantity(
    session: Session, cart: Cart, product_id: int, quantity: int, add: bool = False
) -> int:
    """Set (or add to) a line's quantity, capped by stock; return the new quantity."""
    product = purchasable(session, product_id)
    if product is None:
        raise CartError("unavailable")
    line = next((i for i in cart.items if i.product_id == product_id), None)
    wanted = quantity + (line.quantity if (line and add) else 0)
    if wanted <= 0:
        if line is not None:
            cart.items.remove(line)
            session.flush()
        return 0
    if wanted > MAX_LINE_QUANTITY:
        raise CartError("too_many", MAX_LINE_QUANTITY)
    if wanted > product.stock:
        raise CartError("not_enough_stock", product.stock)
    if line is None:
        line = CartItem(product_id=product_id, quantity=wanted, price_seen_vnd=product.price_vnd)
        cart.items.append(line)
    else:
        line.quantity = wanted
        line.price_seen_vnd = product.price_vnd
    session.flush()
    return wanted


def merge_into(session: Session, guest: Cart, account: Cart) -> None:
    """Move a guest cart's lines into the account's cart at login (quantities add up)."""
    for item in list(guest.items):
        line = next((i for i in account.items if i.product_id == item.product_id), None)
        if line is None:
            account.items.append(
                CartItem(
                    product_id=item.product_id,
                    quantity=item.quantity,
                    price_seen_vnd=item.price_seen_vnd,
                )
            )
        else:
            line.quantity = min(MAX_LINE_QUANTITY, line.quantity + item.quantity)
    session.delete(guest)
    session.flush()


@dataclass
class Line:
    """A cart line as the shopper sees it now."""

    item: CartItem
    product: Product | None
    price_vnd: int
    line_total_vnd: int
    price_changed: bool
    short_by: int  # how many more are wanted than are in stock
    unavailable: bool


@dataclass
class StallGroup:
    """The lines of one stall."""

    stall: Stall
    lines: list[Line] = field(default_factory=list)

    @property
    def subtotal_vnd(self) -> int:
        """Return the sum of the available lines."""
        return sum(line.line_total_vnd for line in self.lines if not line.unavailable)


def view(session: Session, cart: Cart) -> list[StallGroup]:
    """Group a cart by stall with current prices and stock (two queries, whatever the size)."""
    ids = [item.product_id for item in cart.items]
    if not ids:
        return []
    rows = session.execute(
        select(Product, Stall).join(Stall, Stall.id == Product.stall_id).where(Product.id.in_(ids))
    ).all()
    found = {product.id: (product, stall) for product, stall in rows}
    groups: dict[int, StallGroup] = {}
    for item in cart.items:
        product, stall = found.get(item.product_id, (None, None))
        available = (
            product is not None
            and stall is not None
            and product.status == ProductStatus.ACTIVE
            and stall.status == StallStatus.APPROVED
        )
        price = product.price_vnd if product else item.price_seen_vnd
        line = Line(
            item=item,
            product=product,
            price_vnd=price,
            line_total_vnd=price * item.quantity,
            price_changed=product is not None and product.price_vnd != item.price_seen_vnd,
            short_by=max(0, item.quantity - (product.stock if product else 0)),
            unavailable=not available,
        )
        if stall is None:
            continue  # cart lines of deleted products are removed by the foreign key
        groups.setdefault(stall.id, StallGroup(stall=stall)).lines.append(line)
    return sorted(groups.values(), key=lambda g: g.stall.name)
