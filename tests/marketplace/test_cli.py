"""Operational commands."""

from __future__ import annotations

from sqlalchemy import select

from marketplace.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from marketplace.users.models import Role, User
from tests.conftest import login


def test_create_admin_with_password_option(runner, client, db_session):
    result = runner.invoke(
        args=["users", "create-admin", "chu@example.com", "--password", "rat-bi-mat-123"]
    )
    assert result.exit_code == 0, result.output
    user = db_session.scalar(select(User).where(User.email == "chu@example.com"))
    assert user.role == Role.ADMIN
    login(client, "chu@example.com", "rat-bi-mat-123")
    assert client.get("/admin/").status_code == 200


def test_create_admin_prompts_for_password(runner, db_session):
    result = runner.invoke(
        args=["users", "create-admin", "chu@example.com"], input="rat-bi-mat-123\nrat-bi-mat-123\n"
    )
    assert result.exit_code == 0, result.output
    assert db_session.scalar(select(User).where(User.email == "chu@example.com")) is not None


def test_create_admin_refuses_a_weak_password(runner, db_session):
    result = runner.invoke(args=["users", "create-admin", "chu@example.com", "--password", "123"])
    assert result.exit_code != 0
    assert "at least 8" in result.output
    assert db_session.scalars(select(User)).all() == []


def test_create_admin_promotes_an_existing_account(runner, db_session):
    runner.invoke(args=["users", "create-admin", "chu@example.com", "--password", "mot-hai-ba-bon"])
    db_session.scalar(select(User)).role = Role.SHOPPER
    db_session.commit()
    result = runner.invoke(
        args=["users", "create-admin", "CHU@example.com", "--password", "mot-hai-ba-bon"]
    )
    assert result.exit_code == 0
    db_session.expire_all()
    assert [u.role for u in db_session.scalars(select(User))] == [Role.ADMIN]


def test_demo_load_is_idempotent(runner, client, db_session):
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    second = runner.invoke(args=["demo", "load"])
    assert second.exit_code == 0
    assert "nothing added" in second.output
    assert len(db_session.scalars(select(User)).all()) == len(DEMO_ACCOUNTS)
    for email, _name, _role in DEMO_ACCOUNTS:
        assert email in first.output
    assert login(client, DEMO_ACCOUNTS[0][0], DEMO_PASSWORD).status_code == 302


def test_demo_load_refuses_https_sites(app, runner, db_session):
    app.config["PUBLIC_BASE_URL"] = "https://cho.example.vn"
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code != 0
    assert db_session.scalars(select(User)).all() == []


def test_demo_load_if_empty_leaves_a_used_market_alone(runner, db_session):
    from tests.factories import make_user

    make_user(db_session, email="that@example.com")
    db_session.commit()
    result = runner.invoke(args=["demo", "load", "--if-empty"])
    assert result.exit_code == 0
    assert "not loaded" in result.output
    assert len(db_session.scalars(select(User)).all()) == 1
