"""Sessions: no fixation at login; a copied cookie dies at logout; a new password ends the rest."""

from __future__ import annotations

from flask import Flask

from tests.conftest import csrf_token, login, post_form
from tests.factories import PASSWORD
from tests.security.conftest import client_as
from tests.security.world import World


def replay(app: Flask, name: str, value: str):
    """Return a new client that carries only one stolen cookie."""
    client = app.test_client()
    client.set_cookie(name, value)
    return client


def logged_in(client) -> bool:
    """Tell whether the client's session opens the account page."""
    return client.get("/account/").status_code == 200


def test_the_session_before_login_is_not_the_session_after(app, world: World):
    client = app.test_client()
    old_token = csrf_token(client, "/account/login")
    planted = client.get_cookie("session").value
    assert login(client, world.emails["shopper"]).status_code == 302
    fresh = client.get_cookie("session").value
    assert fresh != planted
    # Whoever kept (or planted) the first cookie has no logged-in session.
    assert not logged_in(replay(app, "session", planted))
    # The form token of the anonymous session does not work for the account.
    response = client.post("/account/password", data={"csrf_token": old_token})
    assert response.status_code == 400


def test_logging_out_kills_a_copied_session_cookie(app, world: World):
    client = client_as(app, world, "shopper")
    stolen = client.get_cookie("session").value
    assert logged_in(replay(app, "session", stolen))
    post_form(client, "/account/logout", {}, form_url="/account/")
    assert not logged_in(client)
    assert not logged_in(replay(app, "session", stolen))


def test_logging_out_kills_the_remember_me_cookie(app, world: World):
    client = app.test_client()
    data = {"email": world.emails["shopper"], "password": PASSWORD, "remember": "y"}
    assert post_form(client, "/account/login", data).status_code == 302
    remembered = client.get_cookie("remember_token").value
    assert logged_in(replay(app, "remember_token", remembered))
    post_form(client, "/account/logout", {}, form_url="/account/")
    assert not logged_in(replay(app, "remember_token", remembered))


def test_changing_the_password_logs_out_the_other_devices(app, world: World):
    phone, laptop = client_as(app, world, "shopper"), client_as(app, world, "shopper")
    assert logged_in(phone) and logged_in(laptop)
    new = "mat-khau-moi-hoan-toan"
    data = {"current": PASSWORD, "password": new, "confirm": new}
    assert post_form(laptop, "/account/password", data).status_code == 302
    assert logged_in(laptop)
    assert not logged_in(phone)
    assert login(app.test_client(), world.emails["shopper"], new).status_code == 302


def test_a_disabled_account_loses_its_sessions(app, world: World, db_session):
    from marketplace.users.models import User

    client = client_as(app, world, "shopper")
    user = db_session.query(User).filter_by(email=world.emails["shopper"]).one()
    user.active = False
    db_session.commit()
    assert not logged_in(client)


def test_a_session_cookie_signed_with_another_key_is_ignored(app, world: World):
    client = client_as(app, world, "shopper")
    cookie = client.get_cookie("session").value
    forged = cookie[:-4] + ("AAAA" if not cookie.endswith("AAAA") else "BBBB")
    assert not logged_in(replay(app, "session", forged))
