"""Shared fixtures: a migrated database per run, a fresh app per test, clients per role."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from catalog.categories import ensure_categories
from marketplace import migrate
from marketplace.app import create_app
from marketplace.config import REPO_ROOT
from marketplace.extensions import get_database
from marketplace.models import metadata
from tests.factories import PASSWORD, make_user

PG_URL = os.environ.get("TEST_DATABASE_URL", "")


def _compile_translations() -> None:
    """Compile the .po catalogs when the .mo files are missing or stale."""
    for po in (REPO_ROOT / "marketplace" / "translations").glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            with po.open("rb") as source:
                catalog = read_po(source)
            with mo.open("wb") as target:
                write_mo(target, catalog)


def reset_postgres_schema(url: str) -> None:
    """Drop everything in the public schema of a PostgreSQL database."""
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(autouse=True)
def _quick_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hash with argon2id's cheapest settings: the suite creates and logs in thousands of users.

    Production keeps argon2's defaults; a test in test_accounts checks the algorithm.
    """
    from argon2 import PasswordHasher

    from marketplace.users import services

    monkeypatch.setattr(services, "_hasher", PasswordHasher(time_cost=1, memory_cost=64))


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Return a database migrated to head: PostgreSQL if TEST_DATABASE_URL is set, else SQLite."""
    _compile_translations()
    if PG_URL:
        reset_postgres_schema(PG_URL)
        url = PG_URL
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    migrate.upgrade(url)
    return url


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """Create an app on the shared database; empty every table afterwards."""
    app = create_app(
        {
            "TESTING": True,
            "RAISE_ERRORS": True,
            "SECRET_KEY": "test-secret",
            "DATABASE_URL": database_url,
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "PUBLIC_BASE_URL": "http://market.test",
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )
    with get_database(app).new_session() as session:
        ensure_categories(session)
        session.commit()
    yield app
    engine = get_database(app).engine
    with engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())
    engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """Return a test client."""
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    """Return a CLI runner."""
    return app.test_cli_runner()


@pytest.fixture
def db_session(app: Flask) -> Iterator[Session]:
    """Return a session outside any request (commit to make data visible)."""
    with get_database(app).new_session() as session:
        yield session


_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client: FlaskClient, url: str) -> str:
    """Fetch a page and return the CSRF token of its form."""
    page = client.get(url).get_data(as_text=True)
    match = _TOKEN.search(page)
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def post_form(client: FlaskClient, url: str, data: dict, form_url: str | None = None, **kw):
    """Submit a form as a browser would: load it, then post with its CSRF token."""
    token = csrf_token(client, form_url or url)
    return client.post(url, data={**data, "csrf_token": token}, **kw)


def login(client: FlaskClient, email: str, password: str = PASSWORD):
    """Log a client in through the login form."""
    return post_form(client, "/account/login", {"email": email, "password": password})


def _role_client(app: Flask, db_session: Session, role: str) -> FlaskClient:
    from marketplace.users.models import Role

    user = make_user(db_session, role=Role(role), email=f"{role}@example.com")
    db_session.commit()
    client = app.test_client()
    response = login(client, user.email)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


@pytest.fixture
def shopper_client(app: Flask, db_session: Session) -> FlaskClient:
    """Return a client logged in as a shopper."""
    return _role_client(app, db_session, "shopper")


@pytest.fixture
def seller_client(app: Flask, db_session: Session) -> FlaskClient:
    """Return a client logged in as a seller."""
    return _role_client(app, db_session, "seller")


@pytest.fixture
def admin_client(app: Flask, db_session: Session) -> FlaskClient:
    """Return a client logged in as an administrator."""
    return _role_client(app, db_session, "admin")


# In CI a missing tool must not pass as a skip: only the PostgreSQL-only tests may skip there
# (the SQLite pass skips them; the PostgreSQL pass runs them).
_CI_ALLOWED_SKIPS = ("PostgreSQL", "TEST_DATABASE_URL")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Turn a skip for a missing tool into a failure when running under CI=true."""
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("CI") != "true" or not report.skipped:
        return
    if not isinstance(report.longrepr, tuple):
        return
    reason = str(report.longrepr[2])
    if not any(allowed in reason for allowed in _CI_ALLOWED_SKIPS):
        report.outcome = "failed"
        report.longrepr = f"skipped under CI=true, which must run every test: {reason}"
