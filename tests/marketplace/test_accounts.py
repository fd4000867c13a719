"""Registration, login, logout, password change, rate limits."""

from __future__ import annotations

from sqlalchemy import select

from marketplace.users.models import Role, User
from tests.conftest import login, post_form
from tests.factories import PASSWORD, make_user


def _register(client, **overrides):
    data = {
        "full_name": "Trần Văn Nam",
        "email": "nam@example.com",
        "phone": "0912 345 678",
        "password": "mot-mat-khau-dai",
        "confirm": "mot-mat-khau-dai",
    }
    data.update(overrides)
    return post_form(client, "/account/register", data)


def test_register_creates_account_and_logs_in(client, db_session):
    response = _register(client, wants_to_sell="y")
    assert response.status_code == 302
    user = db_session.scalar(select(User).where(User.email == "nam@example.com"))
    assert user is not None
    assert user.role == Role.SELLER
    assert user.phone == "0912345678"
    assert user.password_hash.startswith("$argon2id$")
    assert "mot-mat-khau-dai" not in user.password_hash
    assert client.get("/account/").status_code == 200


def test_register_shopper_by_default(client, db_session):
    _register(client)
    user = db_session.scalar(select(User).where(User.email == "nam@example.com"))
    assert user.role == Role.SHOPPER


def test_register_duplicate_email_is_refused_case_insensitively(client, db_session):
    make_user(db_session, email="nam@example.com")
    db_session.commit()
    response = _register(client, email="NAM@Example.com")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "đã được dùng cho một tài khoản" in page
    assert len(db_session.scalars(select(User)).all()) == 1


def test_register_rejects_bad_input_and_keeps_what_was_typed(client, db_session):
    response = _register(client, phone="12345", confirm="khac-mat-khau", email="khong-phai-email")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'value="Trần Văn Nam"' in page
    assert page.count('class="error"') >= 2
    assert db_session.scalars(select(User)).all() == []


def test_register_short_password(client, db_session):
    response = _register(client, password="ngan", confirm="ngan")
    assert response.status_code == 200
    assert db_session.scalars(select(User)).all() == []


def test_login_and_logout(client, db_session):
    make_user(db_session, email="lan@example.com")
    db_session.commit()
    response = login(client, "lan@example.com")
    assert response.status_code == 302
    assert client.get("/account/").status_code == 200
    response = post_form(client, "/account/logout", {}, form_url="/")
    assert response.status_code == 302
    assert client.get("/account/").status_code == 302


def test_logout_by_get_is_not_possible(client, db_session):
    make_user(db_session, email="lan@example.com")
    db_session.commit()
    login(client, "lan@example.com")
    assert client.get("/account/logout").status_code == 405
    assert client.get("/account/").status_code == 200


def test_login_wrong_password(client, db_session):
    make_user(db_session, email="lan@example.com")
    db_session.commit()
    response = login(client, "lan@example.com", "sai-mat-khau")
    assert response.status_code == 400
    assert client.get("/account/").status_code == 302


def test_login_unknown_email_says_the_same(client):
    wrong = login(client, "ai-do@example.com", "sai-mat-khau")
    assert wrong.status_code == 400


def test_login_is_rate_limited_per_account(client, db_session):
    make_user(db_session, email="lan@example.com")
    db_session.commit()
    for _ in range(5):
        assert login(client, "lan@example.com", "sai-mat-khau").status_code == 400
    # The sixth try is refused even with the right password.
    response = login(client, "lan@example.com", PASSWORD)
    assert response.status_code == 429
    assert client.get("/account/").status_code == 302


def test_login_rate_limit_per_address_spans_accounts(app, client, db_session):
    app.config["LOGIN_LIMIT_ADDRESS"] = "3 per 15 minutes"
    for n in range(3):
        assert login(client, f"khach{n}@example.com", "sai").status_code == 400
    assert login(client, "khac@example.com", "sai").status_code == 429


def test_successful_logins_do_not_count(client, db_session):
    make_user(db_session, email="lan@example.com")
    db_session.commit()
    for _ in range(7):
        assert login(client, "lan@example.com").status_code == 302


def test_change_password(client, db_session):
    make_user(db_session, email="lan@example.com")
    db_session.commit()
    other_device = client.application.test_client()
    login(client, "lan@example.com")
    login(other_device, "lan@example.com")
    data = {"current": "sai", "password": "mat-khau-moi-123", "confirm": "mat-khau-moi-123"}
    assert post_form(client, "/account/password", data).status_code == 200
    data["current"] = PASSWORD
    assert post_form(client, "/account/password", data).status_code == 302
    # This device stays logged in; the other one is logged out.
    assert client.get("/account/").status_code == 200
    assert other_device.get("/account/").status_code == 302
    fresh = client.application.test_client()
    assert login(fresh, "lan@example.com", PASSWORD).status_code == 400
    assert login(fresh, "lan@example.com", "mat-khau-moi-123").status_code == 302
