"""Password guessing is throttled per account and per address, however the guesses are spread.

(The basic limits are in tests/marketplace/test_accounts.py; these are the attacker's tricks.)
"""

from __future__ import annotations

import pytest

from tests.conftest import csrf_token
from tests.factories import PASSWORD, make_user


def attempt(client, email: str, password: str, address: str):
    """Post the login form from a given client address."""
    token = csrf_token(client, "/account/login")
    return client.post(
        "/account/login",
        data={"email": email, "password": password, "csrf_token": token},
        environ_base={"REMOTE_ADDR": address},
    )


@pytest.fixture
def accounts(db_session) -> list[str]:
    """Forty real accounts (the default limit per address is 30 failures in 15 minutes)."""
    emails = [make_user(db_session, email=f"nan-nhan{n}@example.com").email for n in range(40)]
    db_session.commit()
    return emails


def test_one_address_guessing_across_many_accounts_is_stopped(app, client, accounts):
    limit = int(app.config["LOGIN_LIMIT_ADDRESS"].split()[0])
    for email in accounts[:limit]:
        assert attempt(client, email, "doan-bua", "127.0.0.5").status_code == 400
    # The next guess from that address is refused, even a right one, on a fresh account.
    blocked = attempt(client, accounts[limit], PASSWORD, "127.0.0.5")
    assert blocked.status_code == 429
    assert client.get("/account/").status_code == 302
    # Each account was tried once only: its owner, elsewhere, logs in as usual.
    assert attempt(app.test_client(), accounts[0], PASSWORD, "127.0.0.6").status_code == 302


def test_many_addresses_guessing_one_account_are_stopped(app, client, accounts):
    limit = int(app.config["LOGIN_LIMIT_ACCOUNT"].split()[0])
    for n in range(limit):
        assert attempt(client, accounts[0], "doan-bua", f"127.0.1.{n + 1}").status_code == 400
    assert attempt(client, accounts[0], PASSWORD, "127.0.2.1").status_code == 429
    # Only that account is locked: another one logs in from the same new address.
    assert attempt(app.test_client(), accounts[1], PASSWORD, "127.0.2.1").status_code == 302


def test_spelling_the_email_differently_does_not_reset_the_count(client, accounts):
    variants = ["nan-nhan0@example.com", "NAN-NHAN0@example.com", " Nan-Nhan0@Example.com "]
    for n in range(5):
        response = attempt(client, variants[n % 3], "doan-bua", f"127.0.3.{n + 1}")
        assert response.status_code == 400
    assert attempt(client, "nan-nhan0@EXAMPLE.COM", PASSWORD, "127.0.4.1").status_code == 429


def test_the_429_page_is_friendly_and_in_vietnamese(client, accounts):
    for _ in range(5):
        attempt(client, accounts[2], "doan-bua", "127.0.0.9")
    response = attempt(client, accounts[2], "doan-bua", "127.0.0.9")
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert response.mimetype == "text/html"
    assert '<html lang="vi"' in page
    assert "Thử quá nhiều lần" in page and "Vui lòng đợi vài phút" in page
    assert 'href="/"' in page  # a way back to the market
    assert "Traceback" not in page and "Too Many Requests" not in page


def test_the_429_page_speaks_english_when_asked(client, accounts):
    client.get("/lang/en")
    for _ in range(6):
        response = attempt(client, accounts[3], "doan-bua", "127.0.0.10")
    assert response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)


def test_password_reset_mails_are_throttled_per_address(client, accounts):
    answers = []
    for email in accounts[:6]:
        token = csrf_token(client, "/account/forgot")
        answers.append(
            client.post(
                "/account/forgot",
                data={"email": email, "csrf_token": token},
                environ_base={"REMOTE_ADDR": "127.0.0.11"},
            ).status_code
        )
    assert answers == [302] * 5 + [429]
