"""A card payment that succeeds after its orders expired is kept on them for a refund.

The race is real: the buyer's card is charged on localstripe, the orders expire before the
payment_intent.succeeded webhook is delivered, then the webhook arrives.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from catalog.models import Product
from marketplace.db import utcnow
from marketplace.orders.models import Order
from payments.models import Payment, PaymentStatus
from tests.conftest import post_form
from tests.marketplace.shop import english, mails_to
from tests.payments.cards import GOOD_CARD, buy_by_card, deliver, signature, states


@pytest.fixture
def client(card_app):
    return english(card_app.test_client())


def test_money_for_expired_card_orders_is_flagged_and_refunded(
    card_app, client, db_session, market, api, webhooks, admin_client
):
    _a, _b, tea, pomelo = market
    _html, intent = buy_by_card(client, market)
    db_session.expire_all()
    assert db_session.get(Product, tea.id).stock == 8
    api.confirm_intent(intent, api.create_test_card(GOOD_CARD))  # charged on Stripe
    delivery = webhooks.wait_for("payment_intent.succeeded", intent)

    # Before the webhook reaches the market, the hour to pay runs out.
    for order in db_session.scalars(select(Order)):
        order.expires_at = utcnow() - timedelta(seconds=1)
    db_session.commit()
    result = card_app.test_cli_runner().invoke(args=["orders", "expire"])
    assert "2 unpaid order(s) expired" in result.output, result.output
    assert states(db_session) == [("cancelled", "unpaid")] * 2
    assert db_session.get(Product, tea.id).stock == 10
    seller_mails = len(mails_to(card_app, "che@example.com"))

    response = deliver(client, delivery.body, signature(delivery))
    assert response.status_code == 200 and response.json["result"] == "applied"
    # The money is not lost: both cancelled orders record it, and the stock stays on the shelf.
    assert states(db_session) == [("cancelled", "paid")] * 2
    orders = db_session.scalars(select(Order).order_by(Order.id)).all()
    assert all(o.late_paid_at is not None and o.awaits_refund for o in orders)
    assert db_session.get(Product, tea.id).stock == 10
    assert db_session.get(Product, pomelo.id).stock == 10
    assert db_session.scalar(select(Payment)).status is PaymentStatus.SUCCEEDED
    assert len(mails_to(card_app, "che@example.com")) == seller_mails  # nobody is told to ship
    reference = orders[0].checkout.reference
    status_page = client.get(f"/account/orders/{reference}").get_data(as_text=True)
    assert "Your payment arrived after the order was cancelled" in status_page
    assert "Paid. Thank you!" not in status_page

    # The administrator finds them among the payments to refund.
    english(admin_client)
    flagged = admin_client.get("/admin/orders/?late=1").get_data(as_text=True)
    assert all(o.reference in flagged for o in orders)
    assert "Paid after it ended: to refund" in flagged
    url = f"/admin/orders/{orders[0].reference}"
    detail = admin_client.get(url).get_data(as_text=True)
    assert "after the order had ended" in detail and f'action="{url}/refund"' in detail
    assert post_form(admin_client, f"{url}/refund", {}, form_url=url).status_code == 302
    assert states(db_session) == [("refunded", "refunded"), ("cancelled", "paid")]
    assert db_session.get(Product, tea.id).stock == 10  # returned once, at expiry
    still = admin_client.get("/admin/orders/?late=1").get_data(as_text=True)
    assert f'href="{url}"' not in still and f'href="/admin/orders/{orders[1].reference}"' in still

    # A replay of the webhook changes nothing.
    again = deliver(client, delivery.body, signature(delivery))
    assert again.json["result"] == "duplicate"
    assert states(db_session) == [("refunded", "refunded"), ("cancelled", "paid")]
