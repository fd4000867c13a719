"""Checkout through the HTTP interface: a guest buys from two stalls with cash on delivery."""

from __future__ import annotations

import os
import re
import threading

import pytest
from sqlalchemy import func, select

from catalog.models import Product
from marketplace.formatting import format_vnd
from marketplace.orders.models import Checkout, Order, OrderEvent, StallSettings
from tests.conftest import post_form
from tests.factories import make_product, make_stall, make_user
from tests.marketplace.shop import (
    add_to_cart,
    body,
    checkout_form,
    english,
    mails_to,
    place_order,
    seller_login,
)

STATUS_LINK = re.compile(r"http://market\.test(/orders/status/[A-Za-z0-9_-]+)")


@pytest.fixture
def market(db_session):
    """Two approved stalls with owners who can log in, a product each, B's own fees."""
    owner_a = make_user(db_session, email="che@example.com", full_name="Chủ Gian Chè")
    owner_b = make_user(db_session, email="buoi@example.com", full_name="Chủ Gian Bưởi")
    a = make_stall(db_session, owner=owner_a, slug="htx-che", name="HTX Chè Tân Cương")
    b = make_stall(
        db_session, owner=owner_b, slug="htx-buoi", name="HTX Bưởi Đoan Hùng", province_code=25
    )
    tea = make_product(
        db_session, a, sku="CHE-500", name="Chè búp 500g", price_vnd=250000, stock=10
    )
    pomelo = make_product(
        db_session, b, sku="BUOI-1", name="Bưởi Đoan Hùng", price_vnd=60000, stock=3, unit="quả"
    )
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
    return {"a": a, "b": b, "tea": tea, "pomelo": pomelo, "owners": (owner_a, owner_b)}


@pytest.fixture
def client(client):
    """A guest reading English."""
    return english(client)


def _count(db_session, model) -> int:
    db_session.expire_all()
    return db_session.scalar(select(func.count()).select_from(model))


def test_a_guest_buys_from_two_stalls_with_cash_on_delivery(app, client, db_session, market):
    a, b, tea, pomelo = market["a"], market["b"], market["tea"], market["pomelo"]
    assert add_to_cart(client, a, tea, 2).status_code == 302
    assert add_to_cart(client, b, pomelo, 3).status_code == 302
    cart = client.get("/cart").get_data(as_text=True)
    assert "HTX Chè Tân Cương" in cart and "HTX Bưởi Đoan Hùng" in cart
    assert "(5 items)" in cart  # the header counts the items

    # Pick up the tea at the stall; the pomelos are delivered to Hà Nội at B's Hà Nội fee.
    response = place_order(client, **{f"delivery-{a.id}": "pickup", f"delivery-{b.id}": "delivery"})
    assert response.status_code == 302, response.get_data(as_text=True)
    status_page = client.get(response.headers["Location"])
    assert status_page.status_code == 200
    page = status_page.get_data(as_text=True)
    assert "Pay in cash when the goods arrive" in page

    checkout = db_session.scalar(select(Checkout))
    assert checkout.total_vnd == 500000 + 180000 + 35000
    assert format_vnd(checkout.total_vnd) in page
    db_session.expire_all()
    assert db_session.get(Product, tea.id).stock == 8
    assert db_session.get(Product, pomelo.id).stock == 0

    # The guest's mail carries the secret status link; each stall's owner hears of its order.
    (confirmation,) = mails_to(app, "lan@example.com")
    link = STATUS_LINK.search(body(confirmation)).group(1)
    assert client.get(link).status_code == 200
    assert mails_to(app, "che@example.com") and mails_to(app, "buoi@example.com")

    # Each seller sees exactly their own order with the right items, fee and total.
    expected = {
        a.slug: ("Chè búp 500g", "2 × hộp 500g", 0, 500000, "Bưởi"),
        b.slug: ("Bưởi Đoan Hùng", "3 × quả", 35000, 215000, "Chè búp"),
    }
    for (slug, (name, quantity, fee, total, other)), owner in zip(
        expected.items(), market["owners"], strict=True
    ):
        seller = seller_login(app, owner.email)
        listing = seller.get(f"/seller/{slug}/orders").get_data(as_text=True)
        (reference,) = re.findall(rf"/seller/{slug}/orders/(CP[0-9A-Z]+-\d)", listing)
        detail = seller.get(f"/seller/{slug}/orders/{reference}").get_data(as_text=True)
        assert name in detail and quantity in detail and other not in detail
        assert f'shipping-fee">{format_vnd(fee)}<' in detail
        assert format_vnd(total) in detail
        assert "Nguyễn Thị Lan" in detail and "0912345678" in detail

    # Seller B takes its order through to delivery and records the cash.
    seller = seller_login(app, "buoi@example.com")
    order = db_session.scalar(select(Order).where(Order.stall_id == b.id))
    url = f"/seller/{b.slug}/orders/{order.reference}"
    for status, extra in [
        ("confirmed", {}),
        ("packed", {}),
        ("shipped", {"carrier": "VNPost", "tracking": "EB123456789VN"}),
        ("delivered", {}),
    ]:
        moved = post_form(seller, f"{url}/status", {"status": status, **extra}, form_url=url)
        assert moved.status_code == 302
    assert post_form(seller, f"{url}/paid", {}, form_url=url).status_code == 302
    db_session.expire_all()
    order = db_session.get(Order, order.id)
    assert (order.status.value, order.payment_state.value) == ("delivered", "paid")
    assert order.tracking_number == "EB123456789VN"
    events = db_session.scalars(select(OrderEvent).where(OrderEvent.order_id == order.id)).all()
    assert [e.new for e in events] == [
        "placed",
        "confirmed",
        "packed",
        "shipped",
        "delivered",
        "paid",
    ]
    assert {e.actor_id for e in events[1:]} == {market["owners"][1].id}

    # The guest follows it all on the status page, and got a mail at each change.
    page = client.get(link).get_data(as_text=True)
    assert "Delivered" in page and "EB123456789VN" in page
    assert len(mails_to(app, "lan@example.com")) == 1 + 4 + 1


def test_shipping_needs_carrier_and_tracking(app, client, db_session, market):
    add_to_cart(client, market["a"], market["tea"], 1)
    place_order(client)
    seller = seller_login(app, "che@example.com")
    order = db_session.scalar(select(Order))
    url = f"/seller/{market['a'].slug}/orders/{order.reference}"
    for status in ("confirmed", "packed"):
        post_form(seller, f"{url}/status", {"status": status}, form_url=url)
    refused = post_form(seller, f"{url}/status", {"status": "shipped"}, form_url=url)
    assert "tracking number" in seller.get(refused.headers["Location"]).get_data(as_text=True)
    skipping = post_form(seller, f"{url}/status", {"status": "completed"}, form_url=url)
    assert skipping.status_code == 302
    db_session.expire_all()
    assert db_session.get(Order, order.id).status.value == "packed"


def test_a_seller_cancelling_returns_the_stock(app, client, db_session, market):
    add_to_cart(client, market["a"], market["tea"], 4)
    place_order(client)
    seller = seller_login(app, "che@example.com")
    order = db_session.scalar(select(Order))
    url = f"/seller/{market['a'].slug}/orders/{order.reference}"
    post_form(seller, f"{url}/status", {"status": "cancelled", "note": "Hết hàng"}, form_url=url)
    db_session.expire_all()
    assert db_session.get(Order, order.id).status.value == "cancelled"
    assert db_session.get(Product, market["tea"].id).stock == 10
    assert "Hết hàng" in body(mails_to(app, "lan@example.com")[-1])


def test_double_submit_places_the_orders_once(app, client, db_session, market):
    add_to_cart(client, market["a"], market["tea"], 2)
    keys = checkout_form(client)
    first = place_order(client, keys)
    second = place_order(client, keys)  # a double click, or the form sent again
    assert first.status_code == second.status_code == 302
    assert second.headers["Location"] == first.headers["Location"]
    assert _count(db_session, Checkout) == 1
    assert db_session.get(Product, market["tea"].id).stock == 8


def test_a_price_change_stops_the_order_with_a_message(app, client, db_session, market):
    tea = market["tea"]
    add_to_cart(client, market["a"], tea, 1)
    keys = checkout_form(client)
    db_session.get(Product, tea.id).price_vnd = 270000  # the seller changes the price meanwhile
    db_session.commit()
    response = place_order(client, keys)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "changed from 250.000\u00a0₫ to 270.000\u00a0₫" in page
    assert "Nothing was ordered" in page
    assert _count(db_session, Checkout) == 0
    assert db_session.get(Product, tea.id).stock == 10
    # Having seen the new price, the shopper orders at it.
    assert place_order(client, keys).status_code == 302
    assert db_session.scalar(select(Checkout)).total_vnd == 270000 + 30000


def test_sold_out_during_checkout_places_nothing(app, client, db_session, market):
    add_to_cart(client, market["a"], market["tea"], 1)
    add_to_cart(client, market["b"], market["pomelo"], 3)
    keys = checkout_form(client)
    db_session.get(Product, market["pomelo"].id).stock = 1  # another buyer took two
    db_session.commit()
    response = place_order(client, keys)
    assert response.status_code == 302 and response.headers["Location"] == "/cart"
    cart = client.get("/cart").get_data(as_text=True)
    assert "Bưởi Đoan Hùng sold out while you were ordering" in cart
    assert "Nothing was ordered" in cart and "Only 1 left in stock." in cart
    assert _count(db_session, Checkout) == 0 and _count(db_session, Order) == 0
    assert db_session.get(Product, market["tea"].id).stock == 10
    assert db_session.get(Product, market["pomelo"].id).stock == 1


def test_checkout_checks_the_buyer_fields(client, market):
    add_to_cart(client, market["a"], market["tea"], 1)
    response = place_order(client, phone="12345", email="", ward_code="999999", street="")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Enter a Vietnamese phone number" in page
    assert "Please give an email address" in page
    assert "Choose a ward or commune of the chosen province." in page


def test_the_ward_list_and_fees_follow_the_province(client, market):
    add_to_cart(client, market["b"], market["pomelo"], 1)
    token, key = checkout_form(client)
    response = client.post(
        "/checkout/",
        data={"csrf_token": token, "idempotency_key": key, "province_code": "1", "action": "wards"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Phường Hoàn Kiếm" in page or "Hoàn Kiếm" in page
    assert format_vnd(35000) in page  # B's fee for Hà Nội


@pytest.mark.postgres
def test_a_double_click_racing_itself_places_the_orders_once(app, client, db_session, market):
    """Two submissions of one form at the same instant: the unique form token settles it."""
    if not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"):
        pytest.skip("the race needs PostgreSQL (TEST_DATABASE_URL)")
    add_to_cart(client, market["a"], market["tea"], 1)
    add_to_cart(client, market["b"], market["pomelo"], 1)
    keys = checkout_form(client)
    twin = english(app.test_client())
    twin.set_cookie("session", client.get_cookie("session").value)  # the same browser tab
    barrier = threading.Barrier(2)
    answers = []

    def submit(browser) -> None:
        barrier.wait()
        answers.append(place_order(browser, keys).status_code)

    threads = [threading.Thread(target=submit, args=(c,)) for c in (client, twin)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [302, 302]
    assert _count(db_session, Checkout) == 1 and _count(db_session, Order) == 2
    assert db_session.get(Product, market["tea"].id).stock == 9
