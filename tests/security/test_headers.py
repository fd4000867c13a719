"""Security headers on every answer of the URL map walk, and the flags of every cookie we set."""

from __future__ import annotations

import pytest

from marketplace.views.checkout import stripe_csp
from tests.conftest import post_form
from tests.factories import PASSWORD
from tests.security.conftest import client_as, fetch, is_html, rules, url_of


def directives(csp: str) -> dict[str, list[str]]:
    """Split a Content-Security-Policy into {directive: sources}."""
    found = {}
    for part in csp.split(";"):
        words = part.split()
        if words:
            found[words[0].lower()] = words[1:]
    return found


def csp_problems(csp: str | None) -> list[str]:
    """Return what is wrong with a page's Content-Security-Policy."""
    if not csp:
        return ["no Content-Security-Policy"]
    policy = directives(csp)
    scripts = policy.get("script-src", policy.get("default-src"))
    problems = []
    if scripts is None:
        problems.append("no script-src")
    elif {"'unsafe-inline'", "'unsafe-eval'", "*", "data:"} & set(scripts):
        problems.append(f"scripts from {scripts}")
    if policy.get("frame-ancestors") != ["'none'"]:
        problems.append(f"frame-ancestors {policy.get('frame-ancestors')}")
    if policy.get("object-src") != ["'none'"]:
        problems.append("object-src is not 'none'")
    return problems


@pytest.mark.parametrize("role", ["anonymous", "owner", "admin"])
def test_every_answer_carries_the_security_headers(app, world, role):
    client = client_as(app, world, role)
    problems, pages = [], 0
    for rule in rules(app, {"GET"}):
        url = url_of(rule, world)
        response = fetch(client, "GET", url)
        headers = response.headers
        if headers.get("X-Content-Type-Options") != "nosniff":
            problems.append(f"{url}: no nosniff")
        if not is_html(response):
            continue
        pages += 1
        problems += [f"{url}: {p}" for p in csp_problems(headers.get("Content-Security-Policy"))]
        if headers.get("Referrer-Policy") not in ("strict-origin-when-cross-origin", "no-referrer"):
            problems.append(f"{url}: Referrer-Policy {headers.get('Referrer-Policy')}")
        if headers.get("X-Frame-Options") != "DENY":
            problems.append(f"{url}: X-Frame-Options {headers.get('X-Frame-Options')}")
    assert not problems, "\n".join(problems)
    assert pages >= 15


def test_the_card_payment_page_keeps_the_policy(app):
    """The pay page adds Stripe.js to script-src: still no inline scripts, still no framing."""
    app.config["STRIPE_JS_URL"] = "http://127.0.0.1:8420/js.stripe.com/v3/"
    with app.app_context():
        csp = stripe_csp(app.config)
    assert csp_problems(csp) == []
    assert "http://127.0.0.1:8420" in " ".join(directives(csp)["script-src"])


def test_the_checker_sees_a_weak_policy():
    assert csp_problems("default-src 'self'; script-src 'self' 'unsafe-inline'")
    assert csp_problems("script-src 'self'; object-src 'none'")  # framing allowed
    assert csp_problems(None)


def cookie_headers(response) -> dict[str, str]:
    """Return the Set-Cookie headers of a response by cookie name."""
    return {v.split("=", 1)[0]: v for v in response.headers.getlist("Set-Cookie")}


def test_every_cookie_is_httponly_and_samesite(app, world):
    client = app.test_client()
    seen = {}
    seen.update(cookie_headers(client.get("/account/login")))
    seen.update(cookie_headers(client.get("/lang/en")))
    data = {"email": world.emails["shopper"], "password": PASSWORD, "remember": "y"}
    seen.update(cookie_headers(post_form(client, "/account/login", data)))
    seen.update(cookie_headers(client.post("/cart/add", data={})))  # refused, still a session
    assert {"session", "lang", "remember_token"} <= set(seen)
    for header in seen.values():
        assert "HttpOnly" in header, header
        assert "SameSite=Lax" in header or "SameSite=Strict" in header, header
