"""Forgotten password: mailed token, valid once, expiring."""

from __future__ import annotations

import re
from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path

from sqlalchemy import update

from marketplace.db import utcnow
from marketplace.users.models import PasswordReset
from tests.conftest import login, post_form
from tests.factories import make_user

NEW = "mat-khau-moi-456"


def _ask_reset(client, email: str = "lan@example.com"):
    return post_form(client, "/account/forgot", {"email": email})


def _mailed_link(app) -> str:
    mails = sorted(Path(app.config["OUTBOX_DIR"]).glob("*.eml"))
    assert mails, "no mail in the outbox"
    mail = message_from_bytes(mails[-1].read_bytes(), policy=policy.default)
    body = mail.get_body().get_content()
    match = re.search(r"http://market\.test(/account/reset/[A-Za-z0-9_\-]+)", body)
    assert match, body
    return match.group(1)


def _reset(client, path: str):
    return post_form(client, path, {"password": NEW, "confirm": NEW})


def test_reset_with_a_valid_token(app, client, db_session):
    make_user(db_session, email="lan@example.com")
    db_session.commit()
    assert _ask_reset(client).status_code == 302
    path = _mailed_link(app)
    assert client.get(path).status_code == 200
    assert _reset(client, path).status_code == 302
    assert login(client, "lan@example.com", NEW).status_code == 302


def test_reset_token_cannot_be_reused(app, client, db_session):
    make_user(db_session, email="lan@example.com")
    db_session.commit()
    _ask_reset(client)
    path = _mailed_link(app)
    assert _reset(client, path).status_code == 302
    again = client.get(path)
    assert again.status_code == 400
    assert "đã được sử dụng" in again.get_data(as_text=True)


def test_expired_token_is_refused(app, client, db_session):
    make_user(db_session, email="lan@example.com")
    db_session.commit()
    _ask_reset(client)
    path = _mailed_link(app)
    db_session.execute(update(PasswordReset).values(expires_at=utcnow() - timedelta(seconds=1)))
    db_session.commit()
    assert client.get(path).status_code == 400
    token = client.get("/account/forgot")  # a page with a token for the next post
    assert token.status_code == 200
    response = client.post(path, data={"password": NEW, "confirm": NEW})
    assert response.status_code == 400
    assert login(client, "lan@example.com", NEW).status_code == 400


def test_unknown_token_is_refused(client):
    assert client.get("/account/reset/not-a-real-token").status_code == 400


def test_unknown_email_gets_the_same_answer_and_no_mail(app, client):
    response = _ask_reset(client, "nobody@example.com")
    assert response.status_code == 302
    assert not list(Path(app.config["OUTBOX_DIR"]).glob("*.eml"))


def test_new_reset_token_spends_older_ones(app, client, db_session):
    make_user(db_session, email="lan@example.com")
    db_session.commit()
    _ask_reset(client)
    first = _mailed_link(app)
    _ask_reset(client)
    assert len(list(Path(app.config["OUTBOX_DIR"]).glob("*.eml"))) == 2
    assert _reset(client, first).status_code == 302
    latest = _mailed_link(app)
    assert latest != first
    assert client.get(latest).status_code == 400
