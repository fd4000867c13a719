"""What every request pays is kept small, without losing limits, sessions or configuration."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from marketplace.app import create_app
from marketplace.extensions import limiter
from tests.conftest import login
from tests.factories import make_user


def test_the_limiter_is_consulted_by_limited_views_only(app):
    hooks = app.before_request_funcs.get(None, [])
    assert limiter._check_request_limit not in hooks
    # The limited views still check (tests/security/test_bruteforce.py counts the attempts).
    assert any(name.endswith("account.login.login") for name in limiter._marked_for_limiting)


def test_an_anonymous_visit_leaves_no_session_cookie(client):
    response = client.get("/.well-known/gs1resolver")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert client.get_cookie("session") is None


def test_sessions_follow_a_new_secret_key_and_its_fallbacks(app, client, db_session):
    make_user(db_session, email="khoa@example.com")
    db_session.commit()
    assert login(client, "khoa@example.com").status_code == 302
    cookie = client.get_cookie("session").value

    def account_page() -> int:
        browser = app.test_client()
        browser.set_cookie("session", cookie)
        return browser.get("/account/").status_code

    assert account_page() == 200
    app.secret_key = "a-new-secret"  # the signed cookie no longer verifies
    assert account_page() == 302
    app.config["SECRET_KEY_FALLBACKS"] = ["test-secret"]  # ... until the old key is a fallback
    assert account_page() == 200


def _app(database_url: str, tmp_path: Path, **config) -> Flask:
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "DATABASE_URL": database_url,
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "RATELIMIT_STORAGE_URI": "memory://",
            **config,
        }
    )


def test_trace_cache_settings_come_from_the_environment(database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("TRACE_PAGE_CACHE_SECONDS", "7")
    monkeypatch.setenv("TRACE_SCAN_FLUSH_SECONDS", "2.5")
    app = _app(database_url, tmp_path)
    assert app.config["TRACE_PAGE_CACHE_SECONDS"] == 7.0
    assert app.extensions["trace_page_cache"].seconds == 7.0
    assert app.extensions["trace_scan_buffer"].seconds == 2.5


def test_trace_cache_settings_default_to_exact_when_testing(database_url, tmp_path, monkeypatch):
    monkeypatch.delenv("TRACE_PAGE_CACHE_SECONDS", raising=False)
    monkeypatch.delenv("TRACE_SCAN_FLUSH_SECONDS", raising=False)
    app = _app(database_url, tmp_path)
    assert app.extensions["trace_page_cache"].seconds == 0
    assert app.extensions["trace_scan_buffer"] is None
    production = _app(database_url, tmp_path, TESTING=False)
    assert production.extensions["trace_page_cache"].seconds == 5
    assert production.extensions["trace_scan_buffer"].seconds == 1
