"""Vietnamese by default, English on request, the choice remembered."""

from __future__ import annotations

from sqlalchemy import select

from marketplace.users.models import User
from tests.conftest import login
from tests.factories import make_user


def test_vietnamese_by_default(client):
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="vi">' in page
    assert "Đăng nhập" in page
    assert "OCOP" in page


def test_switch_to_english_is_remembered(client):
    response = client.get("/lang/en?next=/account/login")
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/login"
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "Log in" in page
    client.get("/lang/vi")
    assert '<html lang="vi">' in client.get("/").get_data(as_text=True)


def test_browser_language_is_used_without_a_choice(client):
    page = client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"}).get_data(as_text=True)
    assert '<html lang="en">' in page
    page = client.get("/", headers={"Accept-Language": "fr-FR"}).get_data(as_text=True)
    assert '<html lang="vi">' in page


def test_unknown_language_is_ignored(client):
    client.get("/lang/xx")
    assert '<html lang="vi">' in client.get("/").get_data(as_text=True)


def test_account_keeps_its_language(app, client, db_session):
    make_user(db_session, email="lan@example.com")
    db_session.commit()
    login(client, "lan@example.com")
    client.get("/lang/en")
    db_session.expire_all()
    user = db_session.scalar(select(User).where(User.email == "lan@example.com"))
    assert user.locale == "en"
    other_device = app.test_client()
    login(other_device, "lan@example.com")
    assert '<html lang="en">' in other_device.get("/").get_data(as_text=True)


def test_form_errors_are_translated(client):
    page = client.get("/account/register").get_data(as_text=True)
    assert "Họ và tên" in page or "Họ tên" in page
