"""Every seller route, taken from the app's URL map, refuses everyone outside the stall.

A new route under /seller/<slug>/ makes these tests fail until it is listed in MINIMUM_ROLE
and actually refuses outsiders and lower roles.
"""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from catalog import regions
from catalog.models import Category, Certificate, Product, ProductImage
from catalog.storage import save_document
from marketplace.extensions import get_database
from marketplace.media import get_storage
from marketplace.stalls.models import AuditEntry, Stall, StallStaff
from tests.conftest import csrf_token, login
from tests.factories import (
    add_person,
    jpeg_bytes,
    make_certificate,
    make_farm,
    make_image,
    make_product,
    make_stall,
    make_user,
    pdf_bytes,
)
from traceability.models import Farm

# The least role in the stall that may use each route (staff < manager < owner).
MINIMUM_ROLE = {
    "seller.dashboard": "staff",
    "seller.products": "staff",
    "seller.product_stock": "staff",
    "seller.product_new": "manager",
    "seller.product_edit": "manager",
    "seller.product_duplicate": "manager",
    "seller.product_status": "manager",
    "seller.product_photos": "manager",
    "seller.photo_remove": "manager",
    "seller.certificates": "manager",
    "seller.certificate_ocop": "manager",
    "seller.certificate_standard": "manager",
    "seller.certificate_document": "manager",
    "seller.members": "manager",
    "seller.audit": "manager",
    "seller.staff": "owner",
    "seller.staff_remove": "owner",
    "seller.profile": "owner",
}
RANK = {"staff": 1, "manager": 2, "owner": 3}
COUNTED = (Stall, StallStaff, Product, ProductImage, Certificate, Farm, AuditEntry)


def seller_rules(app):
    """Return the URL rules of the seller blueprint that work on one stall."""
    rules = [
        r
        for r in app.url_map.iter_rules()
        if r.endpoint.startswith("seller.") and "slug" in r.arguments
    ]
    assert len(rules) >= len(MINIMUM_ROLE), "the seller routes were not found"
    return rules


@pytest.fixture
def world(app, db_session):
    """A victim stall with one of everything, its people, and the outsiders."""
    owner = make_user(db_session, email="owner@example.com")
    victim = make_stall(db_session, owner=owner, slug="nan-nhan", name="Gian Nạn Nhân")
    manager = add_person(db_session, victim, "manager")
    staff = add_person(db_session, victim, "staff")
    product = make_product(db_session, victim, sku="BI-MAT", name="Sản phẩm bí mật")
    image = make_image(db_session, product)
    with app.app_context():
        key = save_document(get_storage(), "private/certificates", pdf_bytes(), "pdf")
    certificate = make_certificate(db_session, victim, product, document_key=key)
    make_farm(db_session, victim, name="Vườn bí mật")
    intruder = make_user(db_session, email="intruder@example.com")
    make_stall(db_session, owner=intruder, slug="ke-la")
    shopper = make_user(db_session, email="shopper2@example.com")
    db_session.commit()
    return {
        "stall": victim,
        "args": {
            "slug": victim.slug,
            "product_id": product.id,
            "certificate_id": certificate.id,
            "image_id": image.id,
            "user_id": manager.id,
        },
        "emails": {
            "owner": owner.email,
            "manager": manager.email,
            "staff": staff.email,
            "intruder": intruder.email,
            "shopper": shopper.email,
        },
        "category_id": db_session.scalar(select(Category.id).where(Category.slug == "mat-ong")),
        "product": product,
    }


def snapshot(app, stall_id: int, product_id: int) -> tuple:
    """Return the counts of everything a seller route could create or delete, and key values."""
    with get_database(app).new_session() as session:
        counts = tuple(session.scalar(select(func.count()).select_from(m)) for m in COUNTED)
        stall = session.get(Stall, stall_id)
        product = session.get(Product, product_id)
        return (
            counts,
            (stall.name, stall.status, stall.logo_key, stall.phone),
            (product.name, product.price_vnd, product.stock, product.status, product.sku),
        )


def url_for_rule(app, rule, args: dict) -> str:
    """Build the rule's URL with the victim's real ids."""
    missing = set(rule.arguments) - set(args)
    assert not missing, f"{rule.endpoint}: teach this test how to fill {missing}"
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **{k: args[k] for k in rule.arguments})


def payload(world: dict, email: str) -> dict:
    """Return form fields that would be valid for any seller form, files included."""
    ward = regions.wards(19)[0].code
    return {
        "name": "Chiếm quyền",
        "sku": "HACK-1",
        "new_sku": "HACK-2",
        "category_id": str(world["category_id"]),
        "price_vnd": "1000",
        "unit": "kg",
        "stock": "5",
        "amount": "5",
        "direction": "remove",
        "province_code": "19",
        "ward_code": str(ward),
        "status": "hidden",
        "description": "x",
        "kind": "household",
        "phone": "0987654321",
        "email": email,
        "role": "owner",
        "number": "1/QĐ",
        "issuer": "UBND",
        "issued_on": "2025-01-01",
        "valid_until": "2027-01-01",
        "stars": "5",
        "product_id": str(world["product"].id),
        "photos": (io.BytesIO(jpeg_bytes()), "a.jpg"),
        "logo": (io.BytesIO(jpeg_bytes()), "logo.jpg"),
        "document": (io.BytesIO(pdf_bytes()), "c.pdf"),
    }


def refused(response) -> bool:
    """Tell whether a response refused access (and did not merely fail validation)."""
    if response.status_code in (401, 403, 404):
        return True
    return response.status_code == 302 and response.headers["Location"].startswith("/account/login")


def hit(app, client, world: dict, rule, method: str, token: str, email: str) -> tuple:
    """Send one request to a stall route; return the response and whether the data changed."""
    url = url_for_rule(app, rule, world["args"])
    before = snapshot(app, world["stall"].id, world["product"].id)
    if method == "GET":
        response = client.get(url)
    else:
        data = {**payload(world, email), "csrf_token": token}
        response = client.post(url, data=data, content_type="multipart/form-data")
    changed = snapshot(app, world["stall"].id, world["product"].id) != before
    return f"{method} {url}", response, changed


def visit_everything(app, client, world, token_page: str, email: str) -> list[str]:
    """GET and POST every stall route as one visitor; return what was let through."""
    problems = []
    token = csrf_token(client, token_page)
    for rule in seller_rules(app):
        for method in sorted(rule.methods & {"GET", "POST"}):
            request, response, changed = hit(app, client, world, rule, method, token, email)
            body = response.get_data()
            if not refused(response):
                problems.append(f"{request} -> {response.status_code}")
            if "Sản phẩm bí mật".encode() in body or b"%PDF" in body:
                problems.append(f"{request} leaked the stall's data")
            if changed:
                problems.append(f"{request} changed the database")
    return problems


def test_every_stall_route_declares_its_minimum_role(app):
    endpoints = {rule.endpoint for rule in seller_rules(app)}
    assert endpoints - set(MINIMUM_ROLE) == set(), "declare the minimum role of new routes"
    assert set(MINIMUM_ROLE) - endpoints == set(), "remove routes that no longer exist"


def test_anonymous_visitor_gets_nothing(app, client, world):
    assert visit_everything(app, client, world, "/account/login", "") == []


def test_seller_of_another_stall_gets_nothing(app, world):
    client = app.test_client()
    login(client, world["emails"]["intruder"])
    assert visit_everything(app, client, world, "/seller/", world["emails"]["intruder"]) == []


def test_shopper_gets_nothing(app, world):
    client = app.test_client()
    login(client, world["emails"]["shopper"])
    assert visit_everything(app, client, world, "/account/", world["emails"]["shopper"]) == []


@pytest.mark.parametrize("role", ["staff", "manager"])
def test_lower_roles_are_refused_above_their_rank(app, world, role):
    client = app.test_client()
    login(client, world["emails"][role])
    token = csrf_token(client, "/seller/")
    problems = []
    for rule in seller_rules(app):
        if RANK[MINIMUM_ROLE[rule.endpoint]] <= RANK[role]:
            continue
        for method in sorted(rule.methods & {"GET", "POST"}):
            email = world["emails"][role]
            request, response, changed = hit(app, client, world, rule, method, token, email)
            if response.status_code != 403:
                problems.append(f"{request} -> {response.status_code}")
            if changed:
                problems.append(f"{request} changed the database")
    assert problems == []


@pytest.mark.parametrize("role", ["staff", "manager", "owner"])
def test_each_role_opens_the_pages_of_its_rank(app, world, role):
    """The positive control: the ids filled in above are real, so refusals mean something."""
    client = app.test_client()
    login(client, world["emails"][role])
    opened = []
    for rule in seller_rules(app):
        if "GET" not in rule.methods or RANK[MINIMUM_ROLE[rule.endpoint]] > RANK[role]:
            continue
        response = client.get(url_for_rule(app, rule, world["args"]))
        assert response.status_code == 200, rule.endpoint
        opened.append(rule.endpoint)
    assert "seller.products" in opened


@pytest.mark.parametrize("path", ["/seller/", "/seller/apply"])
def test_anonymous_is_sent_to_log_in_for_the_seller_home(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/login?next=")
