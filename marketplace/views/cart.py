"""The shopping cart: a guest's (token in the session) or an account's, grouped by stall."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.exc import SQLAlchemyError

from marketplace.extensions import db_session
from marketplace.orders import cart as carts
from marketplace.orders import queries
from marketplace.orders.models import Cart
from marketplace.security import safe_next
from marketplace.users.models import User
from marketplace.views.checkout_forms import MAX_QUANTITY, AddToCartForm

bp = Blueprint("cart", __name__)
CART_KEY = "cart_token"


def current_cart(create: bool = False) -> Cart | None:
    """Return the visitor's cart (the account's when logged in), creating it if asked."""
    user_id = current_user.id if current_user.is_authenticated else None
    cart = carts.find_cart(db_session(), user_id, session.get(CART_KEY))
    if cart is None and create:
        cart = carts.new_cart(db_session(), user_id)
        if user_id is None:
            session[CART_KEY] = cart.token
    return cart


def merge_guest_cart(user: User, guest_token: str | None) -> None:
    """Move the cart a visitor filled before logging in into the account's cart."""
    if not guest_token:
        return
    s = db_session()
    guest = carts.find_cart(s, None, guest_token)
    if guest is None or not guest.items:
        return
    account = carts.find_cart(s, user.id, None) or carts.new_cart(s, user.id)
    carts.merge_into(s, guest, account)


def cart_error(exc: carts.CartError, name: str) -> str:
    """Return the message for a refused cart change, naming the product."""
    if exc.code == "not_enough_stock":
        if exc.available <= 0:
            return _("“%(name)s” is sold out.", name=name)
        return _("Only %(n)d of “%(name)s” left in stock.", n=exc.available, name=name)
    if exc.code == "too_many":
        return _("You can buy at most %(n)d of one product.", n=exc.available)
    return _("“%(name)s” is no longer for sale.", name=name)


@bp.app_context_processor
def _cart_size() -> dict[str, Any]:
    """Let the header show how many items the cart holds (one query, only when shown)."""

    def cart_count() -> int:
        if not current_user.is_authenticated and not session.get(CART_KEY):
            return 0
        try:
            cart = current_cart()
            return queries.cart_size(db_session(), cart.id) if cart else 0
        except SQLAlchemyError:
            # Error pages render the header too, sometimes inside a failed transaction.
            return 0

    return {"cart_count": cart_count}


@bp.route("/cart")
def show() -> str:
    """Show the cart by stall, with stock and price warnings."""
    cart = current_cart()
    groups = carts.view(db_session(), cart) if cart else []
    total = sum(group.subtotal_vnd for group in groups)
    problems = any(ln.unavailable or ln.short_by for g in groups for ln in g.lines)
    return render_template(
        "cart/cart.html",
        groups=groups,
        total=total,
        problems=problems,
        form=FlaskForm(),
        max_quantity=MAX_QUANTITY,
    )


@bp.route("/cart/add", methods=["POST"])
def add() -> Response:
    """Add a product to the cart and go back to where the shopper was."""
    form = AddToCartForm()
    back = safe_next(form.next.data, url_for("cart.show"))
    product_id = whole(form.product_id.data) or 0
    product = carts.purchasable(db_session(), product_id) if product_id else None
    if product is None:
        flash(_("This product is no longer for sale."), "error")
        return redirect(back)
    if not form.validate_on_submit():
        flash(" ".join(str(e) for e in form.quantity.errors) or _("Please try again."), "error")
        return redirect(back)
    try:
        cart = current_cart(create=True)
        assert cart is not None
        carts.set_quantity(db_session(), cart, product.id, form.quantity.data, add=True)
    except carts.CartError as exc:
        flash(cart_error(exc, product.name), "error")
        return redirect(back)
    flash(_("“%(name)s” is in your cart.", name=product.name), "success")
    return redirect(back)


def whole(value: Any, max_digits: int = 9) -> int | None:
    """Return a posted whole number, or None when it is not one (ASCII digits; 9 fit an int)."""
    text = str(value or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= max_digits else None


@bp.route("/cart/update", methods=["POST"])
def update() -> Response:
    """Change quantities or remove lines (quantity 0 removes a line)."""
    form = FlaskForm()
    cart = current_cart()
    if not form.validate_on_submit() or cart is None:
        return redirect(url_for("cart.show"))
    removed = whole(request.form.get("remove"))
    groups = carts.view(db_session(), cart)
    refused = False
    for line in [ln for g in groups for ln in g.lines]:
        pid = line.item.product_id
        name = line.product.name if line.product else ""
        raw = request.form.get(f"quantity-{pid}")
        wanted = 0 if pid == removed else whole(raw, max_digits=4)
        if wanted is None or wanted == line.item.quantity:
            continue
        if wanted == 0:
            # Removing needs no stock check, and must work for products no longer on sale.
            cart.items.remove(line.item)
            continue
        try:
            carts.set_quantity(db_session(), cart, pid, wanted)
        except carts.CartError as exc:
            refused = True
            flash(cart_error(exc, name), "error")
    db_session().flush()
    if not refused:
        flash(_("Your cart was updated."), "success")
    return redirect(url_for("cart.show"))
