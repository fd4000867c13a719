"""Refunds recorded by hand (cash, transfers) and transfers that arrive after an order ended."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from catalog.models import Product
from marketplace.db import utcnow
from marketplace.orders.models import Order, OrderEvent, StallSettings
from marketplace.users.models import Role
from payments.models import Payment, PaymentStatus
from tests.conftest import login, post_form
from tests.factories import make_product, make_stall, make_user
from tests.marketplace.shop import add_to_cart, english, mails_to, place_order, seller_login

MARKET = {"VIETQR_BANK_BIN": "970436", "VIETQR_ACCOUNT": "0011001234567"}


@pytest.fixture
def shop(app, db_session):
    """One stall selling tea (250.000 ₫, 10 in stock), its owner, a guest and an administrator."""
    stall = make_stall(
        db_session, owner=make_user(db_session, email="che@example.com"), slug="htx-che"
    )
    tea = make_product(db_session, stall, price_vnd=250000, stock=10)
    make_user(db_session, email="root@example.com", role=Role.ADMIN, full_name="Bà Quản Trị")
    db_session.commit()
    admin = english(app.test_client())
    assert login(admin, "root@example.com").status_code == 302
    return stall, tea, english(app.test_client()), admin


def buy(db_session, shop, method: str = "cod", quantity: int = 2) -> Order:
    stall, tea, guest, _admin = shop
    add_to_cart(guest, stall, tea, quantity)
    assert place_order(guest, payment_method=method).status_code == 302
    return db_session.scalars(select(Order).order_by(Order.id.desc())).first()


def fresh(db_session, order: Order) -> Order:
    db_session.expire_all()
    return db_session.get(Order, order.id)


def refund_by_hand(admin, order: Order, amount, note: str = "CK hoàn tiền FT2611"):
    url = f"/admin/orders/{order.reference}"
    data = {"amount_vnd": str(amount), "note": note}
    response = post_form(admin, f"{url}/refund-by-hand", data, form_url="/admin/orders/")
    assert response.status_code == 302
    return admin.get(url).get_data(as_text=True)


def expire(app, db_session, order: Order) -> None:
    fresh(db_session, order).expires_at = utcnow() - timedelta(minutes=1)
    db_session.commit()
    assert (
        "1 unpaid order(s) expired"
        in app.test_cli_runner().invoke(args=["orders", "expire"]).output
    )


def test_a_delivered_cash_order_is_refunded_by_hand(app, db_session, shop):
    stall, tea, _guest, admin = shop
    order = buy(db_session, shop)
    url = f"/admin/orders/{order.reference}"
    assert "Record a refund made outside the app" not in admin.get(url).get_data(as_text=True)
    refused = refund_by_hand(admin, order, order.total_vnd)  # nothing was paid yet
    assert "This payment cannot be refunded." in refused
    seller = seller_login(app, "che@example.com")
    seller_url = f"/seller/{stall.slug}/orders/{order.reference}"
    for state in ("confirmed", "packed"):
        post_form(seller, f"{seller_url}/status", {"status": state}, form_url=seller_url)
    ship = {"status": "shipped", "carrier": "VNPost", "tracking": "EB123"}
    post_form(seller, f"{seller_url}/status", ship, form_url=seller_url)
    post_form(seller, f"{seller_url}/status", {"status": "delivered"}, form_url=seller_url)
    post_form(seller, f"{seller_url}/paid", {}, form_url=seller_url)
    assert fresh(db_session, order).payment_state.value == "paid"
    month = f"{order.created_at:%Y-%m}"
    payouts = f"/admin/orders/payouts?stall={stall.slug}&month={month}"
    assert f'href="{url}"' in admin.get(payouts).get_data(as_text=True)

    page = admin.get(url).get_data(as_text=True)
    assert "Record a refund made outside the app" in page and 'value="530000"' in page
    # Only the whole order, and only with a note saying how the money went back.
    assert "Only whole orders are refunded" in refund_by_hand(admin, order, 100000)
    assert "Please fill in this field." in refund_by_hand(admin, order, order.total_vnd, " ")
    # Sellers cannot record refunds.
    form = {"amount_vnd": str(order.total_vnd), "note": "x"}
    response = post_form(seller, f"{url}/refund-by-hand", form, form_url=seller_url)
    assert response.status_code == 403
    assert fresh(db_session, order).payment_state.value == "paid"
    buyer_mails, seller_mails = (
        len(mails_to(app, m)) for m in ("lan@example.com", "che@example.com")
    )

    page = refund_by_hand(admin, order, "530.000")
    order = fresh(db_session, order)
    assert (order.status.value, order.payment_state.value) == ("refunded", "refunded")
    assert f"Order {order.reference} was refunded." in page
    assert "Record a refund made outside the app" not in page  # done once, never twice
    assert "Bà Quản Trị" in page and "refunded by hand: CK hoàn tiền FT2611" in page
    event = db_session.scalars(select(OrderEvent).order_by(OrderEvent.id.desc())).first()
    assert (event.new, event.actor_id is not None) == ("refunded", True)
    assert db_session.get(Product, tea.id).stock == 8  # the goods were delivered: not back
    payment = db_session.scalar(select(Payment))
    assert payment.status is PaymentStatus.REFUNDED
    assert payment.details["refunded_vnd"] == 530000
    assert payment.details["refunds"][-1]["note"] == "CK hoàn tiền FT2611"
    buyer = mails_to(app, "lan@example.com")
    assert len(buyer) == buyer_mails + 1 and "was refunded" in buyer[-1]["Subject"]
    sellers = mails_to(app, "che@example.com")
    # The seller's account is Vietnamese: "no longer counts in your payout statement".
    assert len(sellers) == seller_mails + 1 and "không còn được tính" in sellers[-1].get_content()
    # The payout statement no longer owes it, and says why.
    statement = admin.get(payouts).get_data(as_text=True)
    assert "Refunded, so not owed" in statement and "No paid orders in this month." in statement


def test_refunding_an_unshipped_transfer_puts_the_stock_back(app, db_session, shop):
    app.config.update(MARKET)
    _stall, tea, _guest, admin = shop
    order = buy(db_session, shop, "vietqr", 3)
    url = f"/admin/orders/{order.reference}"
    post_form(admin, f"{url}/paid", {}, form_url=url)
    assert fresh(db_session, order).payment_state.value == "paid"
    assert db_session.get(Product, tea.id).stock == 7
    refund_by_hand(admin, order, order.total_vnd, "Hoàn lại qua Vietcombank")
    order = fresh(db_session, order)
    assert (order.status.value, order.payment_state.value) == ("refunded", "refunded")
    assert db_session.get(Product, tea.id).stock == 10


def test_a_transfer_after_expiry_is_kept_for_a_refund(app, db_session, shop):
    app.config.update(MARKET)
    stall, tea, guest, admin = shop
    order = buy(db_session, shop, "vietqr")
    status_url = f"/account/orders/{order.checkout.reference}"
    db_session.expire_all()
    assert db_session.get(Product, tea.id).stock == 8
    expire(app, db_session, order)
    assert db_session.get(Product, tea.id).stock == 10
    url = f"/admin/orders/{order.reference}"
    page = admin.get(url).get_data(as_text=True)
    assert "Transfer received: mark as paid" not in page
    assert "record it for a refund" in page
    seller_mails = len(mails_to(app, "che@example.com"))

    post_form(admin, f"{url}/paid", {}, form_url=url)
    order = fresh(db_session, order)
    assert (order.status.value, order.payment_state.value) == ("cancelled", "paid")
    assert order.awaits_refund and db_session.get(Product, tea.id).stock == 10
    assert db_session.scalar(select(Payment)).status is PaymentStatus.SUCCEEDED
    assert len(mails_to(app, "che@example.com")) == seller_mails  # nobody is told to ship
    flagged = admin.get("/admin/orders/?late=1").get_data(as_text=True)
    assert f'href="{url}"' in flagged and "Paid after it ended: to refund" in flagged
    assert "after the order had ended" in admin.get(url).get_data(as_text=True)
    assert "The market refunds it to you." in guest.get(status_url).get_data(as_text=True)
    month = f"{order.created_at:%Y-%m}"
    payouts = admin.get(f"/admin/orders/payouts?stall={stall.slug}&month={month}")
    assert "No paid orders in this month." in payouts.get_data(as_text=True)

    refund_by_hand(admin, order, order.total_vnd)
    order = fresh(db_session, order)
    assert (order.status.value, order.payment_state.value) == ("refunded", "refunded")
    assert not order.awaits_refund and db_session.get(Product, tea.id).stock == 10
    assert f'href="{url}"' not in admin.get("/admin/orders/?late=1").get_data(as_text=True)
    assert db_session.scalar(select(Payment)).status is PaymentStatus.REFUNDED


def test_the_seller_records_a_late_transfer_into_the_stalls_own_account(app, db_session, shop):
    stall, _tea, _guest, _admin = shop
    db_session.add(StallSettings(stall_id=stall.id, bank_bin="970405", bank_account="3300205123"))
    db_session.commit()
    order = buy(db_session, shop, "vietqr")
    expire(app, db_session, order)
    seller = seller_login(app, "che@example.com")
    url = f"/seller/{stall.slug}/orders/{order.reference}"
    assert "record it for a refund" in seller.get(url).get_data(as_text=True)
    post_form(seller, f"{url}/paid", {}, form_url=url)
    page = seller.get(url).get_data(as_text=True)
    assert "Do not send the goods" in page and "record it for a refund" not in page
    assert fresh(db_session, order).awaits_refund


def test_a_seller_cannot_record_a_late_transfer_into_the_markets_account(app, db_session, shop):
    app.config.update(MARKET)
    stall, _tea, _guest, _admin = shop
    order = buy(db_session, shop, "vietqr")
    expire(app, db_session, order)
    seller = seller_login(app, "che@example.com")
    url = f"/seller/{stall.slug}/orders/{order.reference}"
    assert "record it for a refund" not in seller.get(url).get_data(as_text=True)
    post_form(seller, f"{url}/paid", {}, form_url=url)
    assert fresh(db_session, order).payment_state.value == "unpaid"


def test_refunding_one_stalls_part_leaves_the_rest_of_the_payment(app, db_session, shop):
    stall, _tea, guest, admin = shop
    other = make_stall(db_session, owner=make_user(db_session, email="buoi@example.com"))
    pomelo = make_product(db_session, other, price_vnd=60000, stock=10)
    db_session.commit()
    add_to_cart(guest, other, pomelo, 1)
    buy(db_session, shop)  # tea from the first stall, pomelo from the other
    tea_order, pomelo_order = db_session.scalars(select(Order).order_by(Order.stall_id)).all()
    assert tea_order.stall_id == stall.id
    seller = seller_login(app, "che@example.com")
    url = f"/seller/{stall.slug}/orders/{tea_order.reference}"
    post_form(seller, f"{url}/paid", {}, form_url=url)
    refund_by_hand(admin, tea_order, tea_order.total_vnd, "Trả tiền mặt tại sạp")
    assert fresh(db_session, tea_order).payment_state.value == "refunded"
    assert fresh(db_session, pomelo_order).payment_state.value == "unpaid"
    payment = db_session.scalar(select(Payment))
    # The pomelo is still to be paid on delivery: the payment stays open, the refund is noted.
    assert payment.status is PaymentStatus.PENDING
    assert payment.details["refunded_vnd"] == tea_order.total_vnd
