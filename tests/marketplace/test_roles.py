"""Role checks on administrator pages."""

from __future__ import annotations

import pytest

ADMIN_PAGES = ["/admin/", "/admin/users"]


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_anonymous_is_sent_to_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/login?next=")


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_shopper_is_forbidden(shopper_client, path):
    response = shopper_client.get(path)
    assert response.status_code == 403
    assert "shopper@example.com" not in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_seller_is_forbidden(seller_client, path):
    assert seller_client.get(path).status_code == 403


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_admin_may_enter(admin_client, path):
    assert admin_client.get(path).status_code == 200


def test_admin_sees_accounts(admin_client):
    page = admin_client.get("/admin/users").get_data(as_text=True)
    assert "admin@example.com" in page


def test_disabled_account_is_logged_out(app, admin_client, db_session):
    from sqlalchemy import update

    from marketplace.users.models import User

    db_session.execute(update(User).values(active=False))
    db_session.commit()
    assert admin_client.get("/admin/").status_code == 302
