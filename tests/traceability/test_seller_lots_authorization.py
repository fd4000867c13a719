"""Every lot route, taken from the URL map, refuses outsiders and changes nothing for them."""

from __future__ import annotations

import pytest
from flask import url_for
from sqlalchemy import func, select

from marketplace.extensions import get_database
from tests.conftest import csrf_token, login
from tests.factories import add_person, make_lot, make_product, make_stall, make_user
from tests.traceability.web_world import tea_world
from traceability import services as trace
from traceability.models import Lot, LotLink, ProductLink, TraceEvent, TraceScan, TraceUnit

# The least role in the stall that may use each route (staff < manager < owner).
MINIMUM_ROLE = {
    "seller_lots.lots": "staff",
    "seller_lots.lot": "staff",
    "seller_lots.labels": "staff",
    "seller_lots.labels_pdf": "staff",
    "seller_lots.lot_new": "manager",
    "seller_lots.event_new": "manager",
    "seller_lots.event_correct": "manager",
    "seller_lots.recall": "manager",
    "seller_lots.units": "manager",
}
RANK = {"staff": 1, "manager": 2, "owner": 3}
COUNTED = (Lot, TraceEvent, TraceUnit, TraceScan, LotLink, ProductLink)


def lot_rules(app):
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("seller_lots.")]
    assert rules, "the lot routes were not found"
    return rules


@pytest.fixture
def world(app, db_session):
    found = tea_world(db_session)
    found["manager"] = add_person(db_session, found["stall"], "manager")
    found["staff"] = add_person(db_session, found["stall"], "staff")
    intruder = make_user(db_session, role="seller", email="intruder@example.com")
    other = make_stall(db_session, owner=intruder, slug="ke-la")
    found["foreign_lot"] = make_lot(db_session, make_product(db_session, other), code="KL-1")
    found["shopper"] = make_user(db_session, email="shopper2@example.com")
    found["intruder"] = intruder
    db_session.commit()
    found["args"] = {
        "slug": found["stall"].slug,
        "lot_id": found["lot"].id,
        "event_id": found["harvest"].id,
    }
    return found


def snapshot(app, lot_id: int) -> tuple:
    with get_database(app).new_session() as session:
        counts = tuple(session.scalar(select(func.count()).select_from(m)) for m in COUNTED)
        lot = session.get(Lot, lot_id)
        return counts, lot.status, lot.quantity, lot.recall_reason


def url_of(app, rule, args: dict, **query) -> str:
    missing = set(rule.arguments) - set(args)
    assert not missing, f"{rule.endpoint}: teach this test how to fill {missing}"
    with app.test_request_context():
        return url_for(rule.endpoint, **{k: args[k] for k in rule.arguments}, **query)


def payload(world: dict, token: str) -> dict:
    """Form fields that any lot form would accept."""
    return {
        "csrf_token": token,
        "product_id": str(world["tea"].id),
        "code": "HACK-1",
        "harvest_date": "2025-07-01",
        "event_date": "2025-07-01",
        "quantity": "1",
        "unit": "kg",
        "reason": "incorrect_data",
        "count": "5",
        "process_": "x",
        "package": "x",
    }


def refused(response) -> bool:
    if response.status_code in (401, 403, 404):
        return True
    return response.status_code == 302 and response.headers["Location"].startswith("/account/login")


def visit(app, client, world, token: str, *, expect=refused) -> list[str]:
    """GET and POST every lot route (events too); return what was let through."""
    problems = []
    for rule in lot_rules(app):
        for method in sorted(rule.methods & {"GET", "POST"}):
            for query in ({}, {"kind": "harvest"}):
                url = url_of(app, rule, world["args"], **query)
                before = snapshot(app, world["lot"].id)
                if method == "GET":
                    response = client.get(url)
                else:
                    response = client.post(url, data=payload(world, token))
                if not expect(response):
                    problems.append(f"{method} {url} -> {response.status_code}")
                if b"TC2025/07" in response.data or b"%PDF" in response.data:
                    problems.append(f"{method} {url} leaked the lot")
                if snapshot(app, world["lot"].id) != before:
                    problems.append(f"{method} {url} changed the database")
    return problems


def test_every_lot_route_declares_its_minimum_role(app):
    assert {r.endpoint for r in lot_rules(app)} == set(MINIMUM_ROLE)


def test_anonymous_visitor_gets_nothing(app, client, world):
    assert visit(app, client, world, csrf_token(client, "/account/login")) == []


@pytest.mark.parametrize("who", ["intruder", "shopper"])
def test_other_sellers_and_shoppers_get_nothing(app, world, who):
    client = app.test_client()
    login(client, world[who].email)
    assert visit(app, client, world, csrf_token(client, "/account/profile")) == []


def test_staff_may_look_but_not_record(app, world):
    client = app.test_client()
    login(client, world["staff"].email)
    token = csrf_token(client, "/seller/")
    problems = []
    for rule in lot_rules(app):
        minimum = RANK[MINIMUM_ROLE[rule.endpoint]]
        url = url_of(app, rule, world["args"], kind="harvest")
        before = snapshot(app, world["lot"].id)
        for method in sorted(rule.methods & {"GET", "POST"}):
            response = (
                client.get(url) if method == "GET" else client.post(url, data=payload(world, token))
            )
            wanted = 200 if minimum <= RANK["staff"] else 403
            if response.status_code != wanted:
                problems.append(f"{method} {url} -> {response.status_code}")
        if minimum > RANK["staff"] and snapshot(app, world["lot"].id) != before:
            problems.append(f"{url} changed the database")
    assert problems == []


def test_another_stalls_lot_is_not_found_even_for_a_manager(app, world):
    client = app.test_client()
    login(client, world["manager"].email)
    token = csrf_token(client, "/seller/")
    args = {**world["args"], "lot_id": world["foreign_lot"].id}
    for rule in lot_rules(app):
        if "lot_id" not in rule.arguments:
            continue
        url = url_of(app, rule, args, kind="harvest")
        for method in sorted(rule.methods & {"GET", "POST"}):
            response = (
                client.get(url) if method == "GET" else client.post(url, data=payload(world, token))
            )
            assert response.status_code == 404, (method, url)


def test_an_event_of_another_lot_is_not_found(app, world, db_session):
    foreign = db_session.get(Lot, world["foreign_lot"].id)
    event = trace.add_event(db_session, foreign, "harvest", event_time=foreign.created_at)
    db_session.commit()
    client = app.test_client()
    login(client, world["manager"].email)
    url = f"/seller/{world['stall'].slug}/lots/{world['lot'].id}/events/{event.id}/correct"
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("role", ["manager", "owner"])
def test_managers_and_owners_open_every_page(app, world, role):
    """The positive control: the ids above are real, so the refusals mean something."""
    client = app.test_client()
    login(client, (world["manager"] if role == "manager" else world["owner"]).email)
    for rule in lot_rules(app):
        if "GET" in rule.methods:
            response = client.get(url_of(app, rule, world["args"], kind="harvest"))
            assert response.status_code == 200, rule.endpoint
