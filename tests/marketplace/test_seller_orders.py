"""Sellers' order pages and settings, and shoppers' history: each sees only their own."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from marketplace.orders.models import Checkout, Order, StallSettings
from marketplace.stalls.models import AuditEntry
from tests.conftest import login, post_form
from tests.factories import make_product, make_stall, make_user
from tests.marketplace.shop import add_to_cart, english, place_order, seller_login


@pytest.fixture
def stall(db_session):
    found = make_stall(
        db_session,
        owner=make_user(db_session, email="che@example.com"),
        slug="htx-che",
        name="HTX Chè",
        address_line="Xóm Hồng Thái",
    )
    make_product(db_session, found, sku="CHE-1", name="Chè búp", price_vnd=100000, stock=50)
    db_session.commit()
    return found


def _product(db_session, stall):
    from catalog.models import Product

    return db_session.scalar(select(Product).where(Product.stall_id == stall.id))


def test_settings_change_fees_payment_and_bank(app, db_session, stall):
    seller = seller_login(app, "che@example.com")
    url = f"/seller/{stall.slug}/settings"
    assert "Delivery and payment" in seller.get(url).get_data(as_text=True)
    response = post_form(
        seller,
        url,
        {
            "pickup_enabled": "y",
            "pickup_address": "Chợ Tân Cương, sạp 12",
            "delivery_enabled": "y",
            "delivery_fee_vnd": "45.000",
            "province_fees": "Thái Nguyên: 15000\nHà Nội: 25000",
            "free_delivery_over_vnd": "1000000",
            "bank_bin": "970405",
            "bank_account": "3300205123456",
            "bank_account_name": "HTX CHE",
        },
    )  # cod_enabled left unticked
    assert response.status_code == 302
    settings = db_session.scalar(select(StallSettings))
    assert (settings.delivery_fee_vnd, settings.free_delivery_over_vnd) == (45000, 1000000)
    assert settings.province_fees == {"19": 15000, "1": 25000}
    assert not settings.cod_enabled and settings.bank_account == "3300205123456"
    assert settings.commission_bp == 500  # the market's default: sellers cannot change it
    audit = db_session.scalar(select(AuditEntry).where(AuditEntry.action == "settings_changed"))
    assert "bank_account" in audit.detail["fields"]
    page = seller.get(url).get_data(as_text=True)
    assert "Thái Nguyên: 15000" in page and 'value="45000"' in page

    # Shoppers now see the Hà Nội fee and the pickup address, and cannot pay cash.
    guest = english(app.test_client())
    add_to_cart(guest, stall, _product(db_session, stall), 1)
    checkout = guest.post(
        "/checkout/",
        data={
            "csrf_token": re.search(
                r'name="csrf_token"[^>]*value="([^"]+)"',
                guest.get("/checkout/").get_data(as_text=True),
            ).group(1),
            "province_code": "1",
            "action": "wards",
        },
    )
    page = checkout.get_data(as_text=True)
    assert "25.000\u00a0₫" in page and "Chợ Tân Cương, sạp 12" in page
    assert 'value="cod"' not in page and 'value="vietqr"' in page  # its own account


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"delivery_fee_vnd": "abc"}, "Enter a whole number"),
        ({"pickup_enabled": "", "delivery_enabled": ""}, "Offer pickup, delivery or both."),
        ({"province_fees": "Atlantis: 5000"}, "Line 1: write a province and a fee"),
        ({"province_fees": "Hà Nội: nhiều"}, "Line 1: the fee must be whole đồng"),
        ({"bank_bin": "970405", "bank_account": ""}, "Give both the bank and the account"),
        ({"bank_bin": "970405", "bank_account": "12 34"}, "An account number has 1–19"),
    ],
)
def test_settings_refuse_mistakes(app, db_session, stall, fields, message):
    seller = seller_login(app, "che@example.com")
    url = f"/seller/{stall.slug}/settings"
    data = {
        "pickup_enabled": "y",
        "delivery_enabled": "y",
        "delivery_fee_vnd": "30000",
        "cod_enabled": "y",
        **fields,
    }
    response = post_form(seller, url, data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db_session.scalar(select(StallSettings)) is None


def test_the_order_list_filters_by_status_and_prints_a_slip(app, db_session, stall):
    guest = english(app.test_client())
    for quantity in (1, 2):
        add_to_cart(guest, stall, _product(db_session, stall), quantity)
        place_order(guest)
    first, second = db_session.scalars(select(Order).order_by(Order.id)).all()
    seller = seller_login(app, "che@example.com")
    url = f"/seller/{stall.slug}/orders/{first.reference}"
    post_form(seller, f"{url}/status", {"status": "confirmed"}, form_url=url)
    confirmed = seller.get(f"/seller/{stall.slug}/orders?status=confirmed").get_data(as_text=True)
    assert first.reference in confirmed and second.reference not in confirmed
    assert "Confirmed (1)" in confirmed and "Placed (1)" in confirmed
    slip = seller.get(f"{url}/slip").get_data(as_text=True)
    assert "Collect on delivery: 130.000\u00a0₫" in slip and "12 Hàng Bạc" in slip
    dashboard = seller.get(f"/seller/{stall.slug}/").get_data(as_text=True)
    assert (
        f"/seller/{stall.slug}/orders" in dashboard
        and f"/seller/{stall.slug}/settings" in dashboard
    )


def test_shoppers_see_their_own_orders_only(app, db_session, stall):
    make_user(db_session, email="an@example.com")
    make_user(db_session, email="binh@example.com")
    db_session.commit()
    an = english(app.test_client())
    login(an, "an@example.com")
    add_to_cart(an, stall, _product(db_session, stall), 1)
    response = place_order(an, email="")  # an account needs no email: its own is used
    assert response.status_code == 302
    checkout = db_session.scalar(select(Checkout))
    assert response.headers["Location"] == f"/account/orders/{checkout.reference}"
    history = an.get("/account/orders").get_data(as_text=True)
    assert checkout.reference in history

    binh = english(app.test_client())
    login(binh, "binh@example.com")
    assert binh.get(f"/account/orders/{checkout.reference}").status_code == 404
    assert checkout.reference not in binh.get("/account/orders").get_data(as_text=True)
    guest = english(app.test_client())
    assert guest.get(f"/account/orders/{checkout.reference}").status_code == 302  # log in first
    assert guest.get(f"/checkout/{checkout.reference}/pay").status_code == 404


def test_a_guest_status_link_is_secret(app, db_session, stall):
    guest = english(app.test_client())
    add_to_cart(guest, stall, _product(db_session, stall), 1)
    link = place_order(guest).headers["Location"]
    token = link.rsplit("/", 1)[1]
    assert len(token) >= 32
    page = guest.get(link)
    assert page.status_code == 200 and page.headers["Referrer-Policy"] == "no-referrer"
    assert "no-store" in page.headers["Cache-Control"]
    stranger = english(app.test_client())
    assert (
        stranger.get(
            link.replace(token, token[:-1] + ("A" if token[-1] != "A" else "B"))
        ).status_code
        == 404
    )
    assert stranger.get("/orders/status/short").status_code == 404
    assert stranger.get(link).status_code == 200  # whoever holds the link sees it
    reference = db_session.scalar(select(Checkout)).reference
    never_had_it = english(app.test_client())
    assert never_had_it.get(f"/account/orders/{reference}").status_code == 302
    assert never_had_it.get(f"/checkout/{reference}/pay").status_code == 404
