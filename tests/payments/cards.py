"""Helpers to pay by card through the app as a browser and Stripe would (against localstripe)."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from marketplace.orders.models import Order, OrderEvent
from payments.models import WebhookEvent
from tests.marketplace.shop import add_to_cart, place_order

GOOD_CARD = "4242424242424242"
DECLINED_CARD = "4000000000000341"
SECRET = re.compile(r'data-client-secret="([^"]+)"')


def buy_by_card(client, market) -> tuple[str, str]:
    """Order from both stalls by card; return the pay page's HTML and the PaymentIntent id."""
    a, b, tea, pomelo = market
    add_to_cart(client, a, tea, 2)
    add_to_cart(client, b, pomelo, 1)
    response = place_order(client, payment_method="stripe")
    assert response.status_code == 302, response.get_data(as_text=True)
    assert re.fullmatch(r"/checkout/CP[0-9A-Z]+/pay", response.headers["Location"])
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    return html, SECRET.search(html).group(1).split("_secret_")[0]


def deliver(client, body: bytes, headers: dict):
    """POST a webhook to the app as Stripe does: raw JSON body and its signature header."""
    return client.post(
        "/webhooks/stripe", data=body, headers=headers, content_type="application/json"
    )


def signature(delivery) -> dict:
    """Return the signature header localstripe sent with a delivery."""
    return {"Stripe-Signature": delivery.headers["Stripe-Signature"]}


def states(db_session) -> list[tuple[str, str]]:
    """Return (status, payment state) of every order, oldest first."""
    db_session.expire_all()
    rows = db_session.scalars(select(Order).order_by(Order.id))
    return [(o.status.value, o.payment_state.value) for o in rows]


def counts(db_session) -> tuple[int, int]:
    """Return how many order events and webhook events are stored."""
    db_session.expire_all()
    events = db_session.scalar(select(func.count()).select_from(OrderEvent))
    webhooks = db_session.scalar(select(func.count()).select_from(WebhookEvent))
    return events, webhooks
