"""No route can be made to redirect off the market: next=, and any other user-supplied target.

Every GET route is called with hostile targets in the usual parameter names, and every POST route
(as a role allowed to use it, with a valid CSRF token) with the same in the form; wherever the
answer redirects, the Location must stay on this site.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

import pytest

from tests.conftest import csrf_token, post_form
from tests.factories import PASSWORD
from tests.security.conftest import UNSAFE, client_as, fetch, rules, url_of
from tests.security.policy import form_data, policy
from tests.security.test_csrf import allowed_role

HOSTILE = (
    "https://evil.example/",
    "//evil.example/",
    "/\\evil.example",
    "\\\\evil.example",
    "%2F%2Fevil.example",
    "/%2F%2Fevil.example",
    "javascript:alert(1)",
    " //evil.example",
    "\t//evil.example",
    "/%0d%0aSet-Cookie:%20x=1",
    "/\r\nSet-Cookie: x=1",
    "http:/evil.example",
    "https:evil.example",
)
# The walks use one of each kind of trick (the login test below uses them all).
WALK = tuple(HOSTILE[i] for i in (0, 1, 2, 4, 6, 10))
PARAMETERS = ("next", "url", "return_to", "redirect", "back", "linkType", "target")
OUR_HOSTS = ("", "localhost", "market.test")


def off_site(location: str) -> bool:
    """Tell whether a browser would leave the market (or split headers) following a Location."""
    if any(ord(ch) < 32 for ch in location):
        return True
    # Browsers drop leading spaces and read a backslash as a slash.
    cleaned = location.strip().replace("\\", "/")
    if cleaned.startswith("//"):
        return True
    parts = urlsplit(cleaned)
    return parts.scheme not in ("", "http", "https") or parts.netloc not in OUR_HOSTS


def test_the_checker_knows_an_open_redirect():
    for target in ("https://evil.example/", "//evil", "/\\evil", " //evil", "javascript:x"):
        assert off_site(target), target
    assert not off_site("/account/login?next=%2F%2Fevil.example")
    assert not off_site("http://market.test/gian-hang/a")


@pytest.mark.parametrize("role", ["anonymous", "owner"])
def test_get_routes_never_redirect_off_site(app, world, role):
    client = client_as(app, world, role)
    problems = []
    for rule in rules(app, {"GET"}):
        url = url_of(rule, world)
        for target in WALK:
            query = "&".join(f"{name}={quote(target, safe='%')}" for name in PARAMETERS)
            full = f"{url}{'&' if '?' in url else '?'}{query}"
            location = fetch(client, "GET", full).headers.get("Location")
            if location is not None and off_site(location):
                problems.append(f"GET {full} -> {location}")
    assert not problems, "\n".join(problems)


def test_post_routes_never_redirect_off_site(app, world):
    clients = {role: client_as(app, world, role) for role in ("anonymous", "shopper", "owner")}
    clients["admin"] = client_as(app, world, "admin")
    tokens = {role: csrf_token(c, "/account/login" if role == "anonymous" else "/account/")
              for role, c in clients.items()}  # fmt: skip
    problems = []
    for rule in rules(app, UNSAFE):
        if policy(rule.endpoint) == "webhook":
            continue
        role = allowed_role(rule.endpoint)
        for target in WALK:
            data = {**form_data(world), "csrf_token": tokens[role]}
            data.update(dict.fromkeys(PARAMETERS, target))
            url = url_of(rule, world) + "?next=" + quote(target, safe="")
            fresh = app.test_client()
            fresh.set_cookie("session", clients[role].get_cookie("session").value)
            response = fetch(fresh, "POST", url, data=data, content_type="multipart/form-data")
            location = response.headers.get("Location")
            if location is not None and off_site(location):
                problems.append(f"POST {url} as {role} -> {location}")
    assert not problems, "\n".join(problems)


def test_logging_in_with_a_hostile_next_stays_on_the_site(app, world):
    data = {"email": world.emails["shopper"], "password": PASSWORD}
    for target in HOSTILE:
        url = "/account/login?next=" + quote(target, safe="%")
        response = post_form(app.test_client(), url, data, form_url="/account/login")
        assert response.status_code == 302, target
        assert response.headers["Location"] == "/", target


def test_a_local_next_is_still_followed(app, world):
    client = app.test_client()
    data = {"email": world.emails["shopper"], "password": PASSWORD}
    response = post_form(client, "/account/login?next=/cart", data, form_url="/account/login")
    assert response.headers["Location"] == "/cart"
    assert client.get("/lang/en?next=/cart").headers["Location"] == "/cart"
