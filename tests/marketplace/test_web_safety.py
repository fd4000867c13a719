"""CSRF, headers, cookies, redirects and error pages."""

from __future__ import annotations

import pytest

from marketplace.app import create_app
from marketplace.security import safe_next
from tests.conftest import login, post_form
from tests.factories import make_user


def test_form_without_csrf_token_is_rejected(client, db_session):
    make_user(db_session, email="lan@example.com")
    db_session.commit()
    response = client.post(
        "/account/login", data={"email": "lan@example.com", "password": "mat-khau-an-toan"}
    )
    assert response.status_code == 400
    assert client.get("/account/").status_code == 302


def test_form_with_forged_csrf_token_is_rejected(client):
    response = client.post(
        "/account/register",
        data={"email": "a@example.com", "csrf_token": "forged", "full_name": "x"},
    )
    assert response.status_code == 400


def test_security_headers_on_html(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"]
    assert "<script>" not in response.get_data(as_text=True)


def test_session_cookie_flags(client, db_session):
    make_user(db_session, email="lan@example.com")
    db_session.commit()
    response = login(client, "lan@example.com")
    cookie = next(v for v in response.headers.getlist("Set-Cookie") if v.startswith("session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie


def test_secure_cookie_behind_https(database_url, tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "INSTANCE_PATH": str(tmp_path),
            "PUBLIC_BASE_URL": "https://cho.example.vn",
        }
    )
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        " //evil.example",
        "/%0d%0aLocation: x",
        "http:/evil.example",
    ],
)
def test_login_next_cannot_leave_the_site(client, db_session, target):
    make_user(db_session, email="lan@example.com")
    db_session.commit()
    response = post_form(
        client,
        f"/account/login?next={target}",
        {"email": "lan@example.com", "password": "mat-khau-an-toan"},
        form_url="/account/login",
    )
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/") and not location.startswith("//")
    assert "evil" not in location


def test_login_next_inside_the_site_is_followed(client, db_session):
    make_user(db_session, email="lan@example.com")
    db_session.commit()
    response = post_form(
        client,
        "/account/login?next=/account/password",
        {"email": "lan@example.com", "password": "mat-khau-an-toan"},
        form_url="/account/login",
    )
    assert response.headers["Location"] == "/account/password"


def test_safe_next_keeps_query():
    assert safe_next("/search?q=mat+ong&page=2") == "/search?q=mat+ong&page=2"
    assert safe_next(None) == "/"
    assert safe_next("", "/account/") == "/account/"


def test_language_switch_is_not_an_open_redirect(client):
    response = client.get("/lang/en?next=https://evil.example/")
    assert response.headers["Location"] == "/"


def test_friendly_404(client):
    response = client.get("/khong-co-trang-nay")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "Không tìm thấy" in page
    assert 'href="/"' in page


def test_friendly_500(app, client):
    app.config["RAISE_ERRORS"] = False

    @app.route("/hong")
    def boom():
        raise RuntimeError("secret-detail")

    response = client.get("/hong")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "secret-detail" not in page
    assert "Traceback" not in page
    assert "<h1>" in page


def test_json_errors_for_api_paths(client):
    response = client.get("/api/v1/khong-co")
    assert response.status_code == 404
    assert response.get_json()["error"]["status"] == 404


def test_healthz_touches_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_healthz_reports_a_dead_database(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:1/none",
            "INSTANCE_PATH": str(tmp_path),
        }
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "error"
