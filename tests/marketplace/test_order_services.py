"""Cart, placement, stock and order life through the services."""

from __future__ import annotations

import os
import threading
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from catalog.models import Product
from marketplace.db import utcnow
from marketplace.extensions import get_database
from marketplace.orders import cart as carts
from marketplace.orders import checkout as checkouts
from marketplace.orders import services as orders
from marketplace.orders.models import (
    DeliveryOption,
    Order,
    OrderStatus,
    PaymentMethod,
    PaymentState,
    StallSettings,
)
from tests.factories import make_product, make_stall

BUYER = checkouts.Buyer(
    contact_name="Nguyễn Thị Lan",
    phone="0912345678",
    email="lan@example.com",
    province_code=1,
    ward_code=None,
    street="12 Hàng Bạc",
)


def _place(session, cart, method=PaymentMethod.COD, key=None, delivery=None):
    return checkouts.place(session, cart, BUYER, delivery or {}, method, key or uuid.uuid4().hex)


@pytest.fixture
def two_stalls(db_session):
    a = make_stall(db_session, name="HTX Chè Tân Cương")
    b = make_stall(db_session, name="HTX Bưởi Đoan Hùng", province_code=25)
    tea = make_product(db_session, a, price_vnd=250000, stock=10)
    pomelo = make_product(db_session, b, name="Bưởi Đoan Hùng", price_vnd=60000, stock=3)
    db_session.add(
        StallSettings(
            stall_id=b.id,
            delivery_fee_vnd=40000,
            province_fees={"1": 35000},
            free_delivery_over_vnd=500000,
            commission_bp=800,
        )
    )
    db_session.commit()
    return a, b, tea, pomelo


def test_cart_quantities_are_checked_against_stock(db_session, two_stalls):
    _a, _b, _tea, pomelo = two_stalls
    cart = carts.new_cart(db_session)
    assert carts.set_quantity(db_session, cart, pomelo.id, 2) == 2
    with pytest.raises(carts.CartError) as exc:
        carts.set_quantity(db_session, cart, pomelo.id, 2, add=True)
    assert exc.value.code == "not_enough_stock"
    assert exc.value.available == 3
    assert carts.set_quantity(db_session, cart, pomelo.id, 0) == 0
    assert cart.items == []


def test_hidden_products_cannot_be_added(db_session, two_stalls):
    _a, _b, tea, _p = two_stalls
    tea.status = "hidden"
    db_session.flush()
    with pytest.raises(carts.CartError):
        carts.set_quantity(db_session, carts.new_cart(db_session), tea.id, 1)


def test_checkout_splits_by_stall_with_fees_and_commission(db_session, two_stalls):
    a, b, tea, pomelo = two_stalls
    cart = carts.new_cart(db_session)
    carts.set_quantity(db_session, cart, tea.id, 2)
    carts.set_quantity(db_session, cart, pomelo.id, 3)
    checkout, token = _place(db_session, cart, delivery={a.id: DeliveryOption.PICKUP})
    db_session.commit()
    by_stall = {o.stall_id: o for o in checkout.orders}
    assert by_stall[a.id].total_vnd == 500000
    assert by_stall[a.id].shipping_fee_vnd == 0
    assert by_stall[b.id].subtotal_vnd == 180000
    assert by_stall[b.id].shipping_fee_vnd == 35000  # Hà Nội's own fee
    assert by_stall[b.id].commission_vnd == 180000 * 800 // 10000
    assert checkout.total_vnd == 500000 + 215000
    assert checkout.access_hash == checkouts.access_hash(token)
    assert db_session.get(Product, tea.id).stock == 8
    assert db_session.get(Product, pomelo.id).stock == 0
    assert cart.items == []


def test_free_delivery_above_threshold(db_session, two_stalls):
    settings = db_session.scalar(select(StallSettings))
    options = checkouts.delivery_options(settings, 79, 600000)
    assert options[DeliveryOption.DELIVERY] == 0
    assert checkouts.delivery_options(settings, 79, 100000)[DeliveryOption.DELIVERY] == 40000


def test_price_change_is_reported_then_accepted(db_session, two_stalls):
    _a, _b, tea, _p = two_stalls
    cart = carts.new_cart(db_session)
    carts.set_quantity(db_session, cart, tea.id, 1)
    tea.price_vnd = 270000
    db_session.flush()
    with pytest.raises(checkouts.CheckoutError) as exc:
        _place(db_session, cart)
    assert exc.value.code == "prices_changed"
    checkout, _ = _place(db_session, cart)
    assert checkout.total_vnd == 270000 + 30000


def test_sold_out_rolls_everything_back(app, db_session, two_stalls):
    _a, _b, tea, pomelo = two_stalls
    cart = carts.new_cart(db_session)
    carts.set_quantity(db_session, cart, tea.id, 1)
    carts.set_quantity(db_session, cart, pomelo.id, 3)
    db_session.commit()
    pomelo.stock = 1  # someone else bought two meanwhile
    db_session.commit()
    with pytest.raises(checkouts.CheckoutError) as exc:
        _place(db_session, cart)
    db_session.rollback()
    assert exc.value.code == "sold_out"
    assert db_session.get(Product, tea.id).stock == 10
    assert db_session.scalars(select(Order)).all() == []


def test_cancel_and_expiry_return_stock(db_session, two_stalls):
    _a, _b, tea, _p = two_stalls
    cart = carts.new_cart(db_session)
    carts.set_quantity(db_session, cart, tea.id, 4)
    checkout, _ = _place(db_session, cart, method=PaymentMethod.VIETQR)
    order = checkout.orders[0]
    assert order.expires_at is not None
    assert orders.expire_unpaid(db_session, utcnow()) == []
    expired = orders.expire_unpaid(db_session, utcnow() + timedelta(hours=25))
    assert [o.id for o in expired] == [order.id]
    assert order.status == OrderStatus.CANCELLED
    assert db_session.get(Product, tea.id).stock == 10


def test_order_life_and_rules(db_session, two_stalls):
    _a, _b, tea, _p = two_stalls
    cart = carts.new_cart(db_session)
    carts.set_quantity(db_session, cart, tea.id, 1)
    order = _place(db_session, cart)[0].orders[0]
    with pytest.raises(orders.OrderError):
        orders.move(db_session, order, OrderStatus.SHIPPED, None)
    orders.move(db_session, order, OrderStatus.CONFIRMED, None)
    orders.move(db_session, order, OrderStatus.PACKED, None)
    with pytest.raises(orders.OrderError) as exc:
        orders.move(db_session, order, OrderStatus.SHIPPED, None)
    assert exc.value.code == "tracking_required"
    orders.move(db_session, order, OrderStatus.SHIPPED, None, carrier="VNPost", tracking="EB1")
    orders.move(db_session, order, OrderStatus.DELIVERED, None)
    assert orders.mark_paid(db_session, order, None)
    assert not orders.mark_paid(db_session, order, None)
    assert order.payment_state == PaymentState.PAID
    statement = orders.payout_statement(
        db_session, order.stall_id, order.created_at.year, order.created_at.month
    )
    assert statement.goods_vnd == 250000
    assert statement.owed_vnd == 250000 + 30000 - order.commission_vnd


@pytest.mark.postgres
def test_twenty_buyers_race_for_five_units(app, db_session):
    if not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"):
        pytest.skip("the race needs PostgreSQL (TEST_DATABASE_URL)")
    stall = make_stall(db_session)
    product = make_product(db_session, stall, stock=5)
    cart_ids = []
    for _ in range(20):
        cart = carts.new_cart(db_session)
        carts.set_quantity(db_session, cart, product.id, 1)
        cart_ids.append(cart.id)
    db_session.commit()
    database = get_database(app)
    barrier = threading.Barrier(20)
    outcomes: list[str] = []

    def buy(cart_id: int) -> None:
        with database.new_session() as session:
            cart = session.get(carts.Cart, cart_id)
            barrier.wait()
            try:
                _place(session, cart)
                session.commit()
                outcomes.append("ok")
            except checkouts.CheckoutError as exc:
                session.rollback()
                outcomes.append(exc.code)

    threads = [threading.Thread(target=buy, args=(cid,)) for cid in cart_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    db_session.expire_all()
    assert outcomes.count("ok") == 5
    assert outcomes.count("sold_out") == 15
    assert db_session.get(Product, product.id).stock == 0
    assert len(db_session.scalars(select(Order)).all()) == 5
