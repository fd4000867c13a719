"""The cart through HTTP: add from the product page, stock limits, update, merge at login."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from marketplace.orders.models import Cart
from tests.conftest import csrf_token, login
from tests.factories import make_product, make_stall, make_user
from tests.marketplace.shop import add_to_cart, english, product_url


@pytest.fixture
def client(client):
    """A guest reading English."""
    return english(client)


@pytest.fixture
def shop(db_session):
    stall = make_stall(db_session, slug="htx-mat-ong", name="HTX Mật ong Bắc Kạn")
    honey = make_product(
        db_session,
        stall,
        sku="MO-1",
        name="Mật ong rừng",
        price_vnd=180000,
        stock=3,
        unit="chai 500ml",
    )
    tea = make_product(db_session, stall, sku="CHE-1", name="Chè Shan tuyết", stock=20)
    db_session.commit()
    return stall, honey, tea


def _update(client, data: dict):
    return client.post("/cart/update", data={**data, "csrf_token": csrf_token(client, "/cart")})


def test_the_product_page_has_an_add_to_cart_form_and_says_sold_out(client, db_session, shop):
    stall, honey, _tea = shop
    page = client.get(product_url(stall, honey)).get_data(as_text=True)
    form = re.search(r'<form method="post" action="/cart/add".*?</form>', page, re.S)
    assert form and 'name="csrf_token"' in form.group(0) and 'name="quantity"' in form.group(0)
    honey.stock = 0
    db_session.commit()
    page = client.get(product_url(stall, honey)).get_data(as_text=True)
    assert 'action="/cart/add"' not in page and "Out of stock" in page


def test_adding_is_checked_against_stock(client, shop):
    stall, honey, _tea = shop
    response = add_to_cart(client, stall, honey, 2)
    assert response.headers["Location"] == product_url(stall, honey)
    add_to_cart(client, stall, honey, 2)  # 2 + 2 > 3
    cart = client.get("/cart").get_data(as_text=True)  # the next page shows the message
    assert "Only 3 of “Mật ong rừng” left in stock." in cart
    assert 'value="2"' in cart and "(2 items)" in cart
    assert "360.000\u00a0₫" in cart


def test_nonsense_quantities_are_refused(client, shop):
    stall, honey, _tea = shop
    for quantity in ("0", "-1", "abc", "1000"):
        add_to_cart(client, stall, honey, quantity)
        page = client.get("/cart").get_data(as_text=True)
        assert "Enter a quantity from 1 to 999." in page and "Your cart is empty." in page


def test_quantities_change_and_lines_go(client, shop):
    stall, honey, tea = shop
    add_to_cart(client, stall, honey, 1)
    add_to_cart(client, stall, tea, 1)
    _update(client, {f"quantity-{honey.id}": "5", f"quantity-{tea.id}": "4"})
    cart = client.get("/cart").get_data(as_text=True)
    assert "Only 3 of “Mật ong rừng” left in stock." in cart
    assert re.search(rf'name="quantity-{tea.id}"[^>]*value="4"', cart)
    _update(client, {"remove": str(tea.id)})
    cart = client.get("/cart").get_data(as_text=True)
    assert "Chè Shan tuyết" not in cart and "Mật ong rừng" in cart


def test_a_product_withdrawn_from_sale_is_flagged_and_removable(client, db_session, shop):
    stall, honey, _tea = shop
    add_to_cart(client, stall, honey, 1)
    honey.status = "hidden"
    db_session.commit()
    assert "No longer for sale" in client.get("/cart").get_data(as_text=True)
    _update(client, {"remove": str(honey.id)})
    assert "Your cart is empty." in client.get("/cart").get_data(as_text=True)


def test_a_price_change_is_shown_in_the_cart(client, db_session, shop):
    stall, honey, _tea = shop
    add_to_cart(client, stall, honey, 1)
    honey.price_vnd = 200000
    db_session.commit()
    page = client.get("/cart").get_data(as_text=True)
    assert "The price changed from 180.000\u00a0₫ to 200.000\u00a0₫." in page


def test_the_guest_cart_joins_the_account_cart_at_login(app, client, db_session, shop):
    stall, honey, tea = shop
    user = make_user(db_session, email="khach@example.com")
    db_session.commit()
    # The account already holds tea from an earlier visit.
    earlier = english(app.test_client())
    login(earlier, user.email)
    add_to_cart(earlier, stall, tea, 2)

    add_to_cart(client, stall, honey, 1)
    add_to_cart(client, stall, tea, 1)
    assert login(client, user.email).status_code == 302
    cart = client.get("/cart").get_data(as_text=True)
    assert re.search(rf'name="quantity-{tea.id}"[^>]*value="3"', cart)
    assert re.search(rf'name="quantity-{honey.id}"[^>]*value="1"', cart)
    db_session.expire_all()
    carts = db_session.scalars(select(Cart)).all()
    assert [c.user_id for c in carts] == [user.id]  # the guest cart is gone


def test_login_still_starts_a_fresh_session(app, client, db_session, shop):
    stall, honey, _tea = shop
    make_user(db_session, email="khach@example.com")
    db_session.commit()
    add_to_cart(client, stall, honey, 1)
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    login(client, "khach@example.com")
    with client.session_transaction() as session:
        assert "planted" not in session and "cart_token" not in session


def test_another_visitor_cannot_use_a_cart(app, client, shop):
    stall, honey, _tea = shop
    add_to_cart(client, stall, honey, 1)
    stranger = english(app.test_client())
    assert "Your cart is empty." in stranger.get("/cart").get_data(as_text=True)
