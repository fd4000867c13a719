"""Every administrator route, found in the URL map, refuses everyone but administrators."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from catalog.models import Certificate, CertificateStatus
from catalog.storage import save_document
from marketplace.media import get_storage
from marketplace.stalls.models import AuditEntry, Stall, StallStatus
from marketplace.users.models import User
from tests.conftest import csrf_token
from tests.factories import make_certificate, make_product, make_stall

ACTIONS = ("approve", "reject", "suspend", "reinstate", "verify")


@pytest.fixture
def world(app, db_session):
    """A pending stall (owned by seller@example.com if logged in) with a pending certificate."""
    owner = db_session.scalar(select(User).where(User.email == "seller@example.com"))
    stall = make_stall(db_session, owner=owner, name="Gian hàng bí mật", status=StallStatus.PENDING)
    product = make_product(db_session, stall)
    with app.app_context():
        key = save_document(get_storage(), "private/certificates", b"%PDF-1.4\n%%EOF\n", "pdf")
    certificate = make_certificate(db_session, stall, product, number="SECRET-77", document_key=key)
    db_session.commit()
    return {"stall_id": stall.id, "certificate_id": certificate.id}


def admin_urls(app, ids) -> list[tuple[str, str]]:
    """Return (method, url) for every admin rule, with real ids filled in."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("admin."):
            continue
        values = {name: ids.get(name, 1) for name in rule.arguments}
        url = rule.build(values)[1]
        found.extend((method, url) for method in sorted(rule.methods & {"GET", "POST"}))
    return found


def state(session) -> tuple:
    """Return everything an administrator action could change."""
    session.expire_all()
    return (
        tuple(session.execute(select(Stall.id, Stall.status, Stall.review_note)).all()),
        tuple(
            session.execute(
                select(Certificate.id, Certificate.status, Certificate.review_note)
            ).all()
        ),
        session.scalar(select(func.count()).select_from(AuditEntry)),
    )


def attempt(client, method, url, token):
    if method == "GET":
        return [client.get(url)]
    return [
        client.post(url, data={"action": action, "note": "x", "csrf_token": token})
        for action in ACTIONS
    ]


def test_the_admin_area_has_the_review_routes(app, world):
    urls = {url for _method, url in admin_urls(app, world)}
    assert "/admin/stalls" in urls and "/admin/certificates" in urls
    assert f"/admin/stalls/{world['stall_id']}/review" in urls
    assert f"/admin/certificates/{world['certificate_id']}/document" in urls


def test_anonymous_visitors_are_sent_to_log_in(app, client, db_session, world):
    before = state(db_session)
    token = csrf_token(client, "/account/login")
    for method, url in admin_urls(app, world):
        for response in attempt(client, method, url, token):
            assert response.status_code == 302, (method, url)
            assert response.headers["Location"].startswith("/account/login"), (method, url)
    assert state(db_session) == before


@pytest.mark.parametrize("who", ["shopper_client", "seller_client"])
def test_shoppers_and_sellers_are_forbidden(request, app, db_session, who):
    client = request.getfixturevalue(who)
    world = request.getfixturevalue("world")  # after the client: the seller owns the stall
    before = state(db_session)
    token = csrf_token(client, "/")  # the log-out form carries one
    for method, url in admin_urls(app, world):
        for response in attempt(client, method, url, token):
            assert response.status_code == 403, (method, url, who)
            page = response.get_data(as_text=True)
            assert "Gian hàng bí mật" not in page and "SECRET-77" not in page
    assert state(db_session) == before
    db_session.expire_all()
    assert db_session.get(Stall, world["stall_id"]).status == StallStatus.PENDING
    certificate = db_session.get(Certificate, world["certificate_id"])
    assert certificate.status == CertificateStatus.PENDING


def test_administrators_may_open_every_page(app, admin_client, world):
    for method, url in admin_urls(app, world):
        if method == "GET":
            with admin_client.get(url) as response:
                assert response.status_code == 200, url
