"""Every order route, taken from the URL map, against every role: who gets in, who does not.

A new route under seller_orders.* or admin_orders.* makes these tests fail until it is
listed in MINIMUM_ROLE and refuses everyone below that role without changing anything.
"""

from __future__ import annotations

import pytest
from flask import url_for
from sqlalchemy import func, select

from marketplace.orders.models import Order, OrderEvent, StallSettings
from marketplace.stalls.models import AuditEntry
from marketplace.users.models import Role
from tests.conftest import csrf_token, login
from tests.factories import add_person, make_product, make_stall, make_user
from tests.marketplace.shop import add_to_cart, english, place_order

# The least role that may use each route: stall roles staff < manager < owner, then admin.
MINIMUM_ROLE = {
    "seller_orders.index": "staff",
    "seller_orders.detail": "staff",
    "seller_orders.slip": "staff",
    "seller_orders.move": "staff",
    "seller_orders.paid": "staff",
    "seller_orders.settings": "owner",
    "admin_orders.index": "admin",
    "admin_orders.detail": "admin",
    "admin_orders.refund": "admin",
    "admin_orders.refund_by_hand": "admin",
    "admin_orders.paid": "admin",
    "admin_orders.payouts": "admin",
    "admin_orders.payouts_csv": "admin",
    "admin_orders.commission": "admin",
}
RANK = {"staff": 1, "manager": 2, "owner": 3}
# Valid-looking form data for any of the routes: a refusal must not come from bad input.
PAYLOAD = {
    "status": "confirmed",
    "carrier": "VNPost",
    "tracking": "EB1",
    "note": "x",
    "pickup_enabled": "y",
    "delivery_enabled": "y",
    "delivery_fee_vnd": "1",
    "cod_enabled": "",
    "commission_bp": "4000",
    "month": "2026-11",
}


def order_rules(app):
    rules = [
        r
        for r in app.url_map.iter_rules()
        if r.endpoint.split(".")[0] in ("seller_orders", "admin_orders")
    ]
    assert len(rules) >= len(MINIMUM_ROLE)
    return rules


@pytest.fixture
def world(app, db_session):
    """A victim stall with an order, its people, an intruder with a stall, a shopper, an admin."""
    owner = make_user(db_session, email="owner@example.com")
    victim = make_stall(db_session, owner=owner, slug="nan-nhan", name="Gian Nạn Nhân")
    people = {
        "owner": owner,
        "manager": add_person(db_session, victim, "manager"),
        "staff": add_person(db_session, victim, "staff"),
        "intruder": make_user(db_session, email="intruder@example.com"),
        "shopper": make_user(db_session, email="shopper2@example.com"),
        "admin": make_user(db_session, email="root@example.com", role=Role.ADMIN),
    }
    make_stall(db_session, owner=people["intruder"], slug="ke-la")
    product = make_product(db_session, victim, name="Sản phẩm bí mật", stock=5)
    db_session.commit()
    guest = english(app.test_client())
    add_to_cart(guest, victim, product, 1)
    assert place_order(guest).status_code == 302
    order = db_session.scalar(select(Order))
    args = {"slug": victim.slug, "reference": order.reference}
    return {"people": people, "args": args, "order": order}


def snapshot(db_session) -> tuple:
    """Return what any of the routes could change."""
    db_session.expire_all()
    order = db_session.scalar(select(Order))
    counted = (OrderEvent, StallSettings, AuditEntry)
    return (
        (order.status, order.payment_state),
        tuple(db_session.scalar(select(func.count()).select_from(m)) for m in counted),
    )


def url_of(app, rule, args) -> str:
    with app.test_request_context():
        return url_for(rule.endpoint, **{k: args[k] for k in rule.arguments})


def allowed(endpoint: str, role: str) -> bool:
    need = MINIMUM_ROLE[endpoint]
    if need == "admin":
        return role == "admin"
    return role in RANK and RANK[role] >= RANK[need]


def refused(response) -> bool:
    if response.status_code in (401, 403, 404):
        return True
    return response.status_code == 302 and response.headers["Location"].startswith("/account/login")


def client_for(app, world, role):
    client = english(app.test_client())
    if role != "anonymous":
        assert login(client, world["people"][role].email).status_code == 302
    return client


def test_every_order_route_declares_its_minimum_role(app):
    assert {r.endpoint for r in order_rules(app)} == set(MINIMUM_ROLE)


@pytest.mark.parametrize(
    "role", ["anonymous", "shopper", "intruder", "staff", "manager", "owner", "admin"]
)
def test_each_role_gets_exactly_the_routes_it_may_use(app, db_session, world, role):
    client = client_for(app, world, role)
    token = csrf_token(client, "/account/login")
    problems = []
    for rule in order_rules(app):
        url = url_of(app, rule, world["args"] | {"stall": "nan-nhan", "month": "2026-11"})
        for method in sorted(rule.methods & {"GET", "POST"}):
            before = snapshot(db_session)
            if method == "GET":
                query = {"stall": "nan-nhan", "month": "2026-11"} if "payouts" in url else {}
                response = client.get(url, query_string=query)
            else:
                response = client.post(url, data={**PAYLOAD, "csrf_token": token})
            changed = snapshot(db_session) != before
            may = allowed(rule.endpoint, role)
            if may and refused(response):
                problems.append(f"{role} refused {method} {url} ({response.status_code})")
            if not may:
                if not refused(response):
                    problems.append(f"{role} let into {method} {url} ({response.status_code})")
                if changed:
                    problems.append(f"{role} changed data with {method} {url}")
                if "Sản phẩm bí mật".encode() in response.get_data():
                    problems.append(f"{role} saw the order through {method} {url}")
    assert problems == []


def test_outsiders_learn_nothing_about_orders(app, world):
    """A seller of another stall gets 404, not 403: the order's existence stays secret."""
    client = client_for(app, world, "intruder")
    reference = world["args"]["reference"]
    assert client.get(f"/seller/nan-nhan/orders/{reference}").status_code == 404
    assert client.get(f"/seller/ke-la/orders/{reference}").status_code == 404
