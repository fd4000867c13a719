"""VietQR transfers: the QR on the confirmation page decodes to the exact amount and reference."""

from __future__ import annotations

import base64
import re
from datetime import timedelta

import cv2
import numpy as np
import pytest
from sqlalchemy import select

from catalog.models import Product
from marketplace.db import utcnow
from marketplace.orders.models import Checkout, Order, StallSettings
from payments.models import Payment, PaymentStatus
from payments.vietqr import parse_payload
from tests.conftest import post_form
from tests.factories import make_product, make_stall, make_user
from tests.marketplace.shop import add_to_cart, english, mails_to, place_order, seller_login

MARKET = {
    "VIETQR_BANK_BIN": "970436",
    "VIETQR_ACCOUNT": "0011001234567",
    "VIETQR_ACCOUNT_NAME": "CONG TY CHO PHIEN",
}
DATA_URI = re.compile(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"')


@pytest.fixture
def client(client):
    """A guest reading English."""
    return english(client)


@pytest.fixture
def market(db_session):
    owner_a = make_user(db_session, email="che@example.com")
    owner_b = make_user(db_session, email="buoi@example.com")
    a = make_stall(db_session, owner=owner_a, slug="htx-che", name="HTX Chè")
    b = make_stall(db_session, owner=owner_b, slug="htx-buoi", name="HTX Bưởi")
    tea = make_product(db_session, a, name="Chè búp", price_vnd=250000, stock=10)
    pomelo = make_product(db_session, b, name="Bưởi", price_vnd=60000, stock=10)
    db_session.commit()
    return a, b, tea, pomelo


def decode_qr(page: str) -> str:
    """Decode the QR image embedded in a page with OpenCV, as a banking app's camera would."""
    match = DATA_URI.search(page)
    assert match, "no QR image on the page"
    png = base64.b64decode(match.group(1))
    image = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_GRAYSCALE)
    # OpenCV's classic detector misses about 1 code in 50 that its ArUco-based one reads.
    for detector in (cv2.QRCodeDetector(), cv2.QRCodeDetectorAruco()):
        text, _points, _straight = detector.detectAndDecode(image)
        if text:
            return text
    raise AssertionError("OpenCV found no QR code")


def test_the_qr_decodes_to_the_exact_amount_and_reference(app, client, db_session, market):
    app.config.update(MARKET)
    a, b, tea, pomelo = market
    add_to_cart(client, a, tea, 2)
    add_to_cart(client, b, pomelo, 1)
    response = place_order(client, payment_method="vietqr")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)

    checkout = db_session.scalar(select(Checkout))
    fields = parse_payload(decode_qr(page))  # raises unless the CRC verifies
    assert fields["amount_vnd"] == checkout.total_vnd == 500000 + 30000 + 60000 + 30000
    assert fields["additional_data"]["08"] == checkout.reference
    assert (fields["bank_bin"], fields["account_or_card"]) == ("970436", "0011001234567")
    # The same data as text, for copying into a banking app by hand.
    for text in ("0011001234567", "CONG TY CHO PHIEN", str(checkout.total_vnd), checkout.reference):
        assert text in page
    assert checkout.reference in mails_to(app, "lan@example.com")[0].get_content()


def test_the_market_confirms_a_transfer_into_its_account(
    app, client, db_session, market, admin_client
):
    app.config.update(MARKET)
    a, b, tea, pomelo = market
    add_to_cart(client, a, tea, 1)
    add_to_cart(client, b, pomelo, 1)
    place_order(client, payment_method="vietqr")
    orders = db_session.scalars(select(Order).order_by(Order.id)).all()

    # The money went to the market, so the seller cannot confirm it.
    seller = seller_login(app, "che@example.com")
    url = f"/seller/{a.slug}/orders/{orders[0].reference}"
    assert "mark as paid" not in seller.get(url).get_data(as_text=True)
    post_form(seller, f"{url}/paid", {}, form_url=url)
    db_session.expire_all()
    assert db_session.get(Order, orders[0].id).payment_state.value == "unpaid"

    for order in orders:
        detail = f"/admin/orders/{order.reference}"
        assert post_form(admin_client, f"{detail}/paid", {}, form_url=detail).status_code == 302
    db_session.expire_all()
    assert {o.payment_state.value for o in db_session.scalars(select(Order))} == {"paid"}
    assert db_session.scalar(select(Payment)).status is PaymentStatus.SUCCEEDED
    page = client.get(f"/account/orders/{db_session.scalar(select(Checkout)).reference}")
    assert "Paid. Thank you!" in page.get_data(as_text=True)


def test_a_one_stall_cart_pays_into_the_stalls_own_account(app, client, db_session, market):
    a, _b, tea, _pomelo = market  # no market account configured
    db_session.add(
        StallSettings(
            stall_id=a.id,
            bank_bin="970405",
            bank_account="3300205123456",
            bank_account_name="HTX CHE TAN CUONG",
        )
    )
    db_session.commit()
    add_to_cart(client, a, tea, 1)
    page = client.get(place_order(client, payment_method="vietqr").headers["Location"])
    fields = parse_payload(decode_qr(page.get_data(as_text=True)))
    assert (fields["bank_bin"], fields["account_or_card"]) == ("970405", "3300205123456")

    seller = seller_login(app, "che@example.com")
    order = db_session.scalar(select(Order))
    url = f"/seller/{a.slug}/orders/{order.reference}"
    assert "Transfer received: mark as paid" in seller.get(url).get_data(as_text=True)
    post_form(seller, f"{url}/paid", {}, form_url=url)
    db_session.expire_all()
    assert db_session.get(Order, order.id).payment_state.value == "paid"


def test_vietqr_is_not_offered_without_an_account(client, db_session, market):
    a, b, tea, pomelo = market
    add_to_cart(client, a, tea, 1)
    add_to_cart(client, b, pomelo, 1)
    page = client.get("/checkout/").get_data(as_text=True)
    assert 'value="vietqr"' not in page and 'value="cod"' in page
    response = place_order(client, payment_method="vietqr")
    assert response.status_code == 400
    assert db_session.scalar(select(Checkout)) is None


def test_unpaid_transfers_expire_and_give_the_stock_back(app, client, runner, db_session, market):
    app.config.update(MARKET)
    a, _b, tea, _pomelo = market
    add_to_cart(client, a, tea, 4)
    status_url = place_order(client, payment_method="vietqr").headers["Location"]
    db_session.expire_all()
    assert db_session.get(Product, tea.id).stock == 6
    result = runner.invoke(args=["orders", "expire"])
    assert "0 unpaid order(s) expired" in result.output

    order = db_session.scalar(select(Order))
    order.expires_at = utcnow() - timedelta(minutes=1)  # the 24 hours have passed
    db_session.commit()
    result = runner.invoke(args=["orders", "expire"])
    assert result.exit_code == 0, result.output
    assert "1 unpaid order(s) expired" in result.output and order.reference in result.output
    db_session.expire_all()
    assert db_session.get(Order, order.id).status.value == "cancelled"
    assert db_session.get(Product, tea.id).stock == 10
    assert db_session.scalar(select(Payment)).status is PaymentStatus.CANCELLED
    page = client.get(status_url).get_data(as_text=True)
    assert "Cancelled" in page and 'src="data:image/png' not in page  # nothing left to pay
    assert "Cancelled" in mails_to(app, "lan@example.com")[-1]["Subject"]
