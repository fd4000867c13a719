"""Helpers to shop through the HTTP interface as a browser would (cart, checkout, mails)."""

from __future__ import annotations

import email
import re
from email import policy
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from catalog import regions
from tests.conftest import csrf_token

_KEY = re.compile(r'name="idempotency_key"[^>]*value="([^"]+)"')
HANOI = 1


def product_url(stall, product) -> str:
    """Return the public page of a product."""
    return f"/gian-hang/{stall.slug}/san-pham/{product.sku}"


def add_to_cart(client: FlaskClient, stall, product, quantity: int | str = 1):
    """Send the product page's "Add to cart" form (test_cart checks the page carries it)."""
    url = product_url(stall, product)
    token = csrf_token(client, "/account/login")
    return client.post(
        "/cart/add",
        data={"csrf_token": token, "product_id": product.id, "quantity": quantity, "next": url},
    )


def checkout_form(client: FlaskClient) -> tuple[str, str]:
    """Open the checkout page; return its CSRF token and idempotency token."""
    page = client.get("/checkout/").get_data(as_text=True)
    key = _KEY.search(page)
    assert key, "no idempotency token on the checkout page"
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert token
    return token.group(1), key.group(1)


def buyer_fields(**overrides) -> dict:
    """Return a complete, valid checkout form for a buyer in Hà Nội."""
    data = {
        "contact_name": "Nguyễn Thị Lan",
        "phone": "0912 345 678",
        "email": "lan@example.com",
        "province_code": str(HANOI),
        "ward_code": str(regions.wards(HANOI)[0].code),
        "street": "12 Hàng Bạc",
        "note": "Gọi trước khi giao",
        "payment_method": "cod",
        "action": "place",
    }
    data.update(overrides)
    return data


def place_order(client: FlaskClient, keys: tuple[str, str] | None = None, **fields):
    """Fill in and submit the checkout form (once, with the page's own tokens)."""
    token, key = keys or checkout_form(client)
    data = {**buyer_fields(**fields), "csrf_token": token, "idempotency_key": key}
    return client.post("/checkout/", data=data)


def mails(app: Flask) -> list[email.message.EmailMessage]:
    """Return the mails written to the outbox, oldest first."""
    outbox = Path(app.config["OUTBOX_DIR"])
    if not outbox.exists():
        return []
    found = []
    for path in sorted(outbox.glob("*.eml")):
        found.append(email.message_from_bytes(path.read_bytes(), policy=policy.default))
    return found


def mails_to(app: Flask, address: str) -> list[email.message.EmailMessage]:
    """Return the outbox mails sent to one address."""
    return [m for m in mails(app) if m["To"] == address]


def body(message) -> str:
    """Return a mail's text."""
    return message.get_content()


def english(client: FlaskClient) -> FlaskClient:
    """Read the pages in English (the msgids), whatever the translations say."""
    client.set_cookie("lang", "en")
    return client


def seller_login(app: Flask, email_address: str) -> FlaskClient:
    """Return a new client logged in as this account, reading English."""
    from tests.conftest import login

    client = english(app.test_client())
    response = login(client, email_address)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client
