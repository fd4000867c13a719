"""SQL and full-text-search injection strings in every query parameter of every GET route.

The parameter names are read from the app's own source (every `args.get("…")`) plus the search
parameters, plus one nobody reads. No answer may be a 500, show a traceback or a database error,
or reveal data its visitor may not see.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlencode

import pytest

from marketplace.config import REPO_ROOT
from marketplace.search_params import PARAMETERS
from tests.security.conftest import client_as, fetch, rules, url_of
from tests.security.policy import policy
from tests.security.world import SECRETS

STRINGS = (
    "' OR '1'='1' --",
    "1; DROP TABLE mkt_users; --",
    '") UNION SELECT email, password_hash FROM mkt_users --',
    '"',
    "NEAR(che tan) AND OR NOT * ^che name:che {a b} ((",
    "che*'",
    "\x00",
    "9" * 30,
    "-1",
    "1e309",
    "²",  # str.isdigit() says yes, int() says no
    "①",
    "a" * 3000,
    "\r\n../../etc/passwd",
    "[]{}$gt",
)
# Who looks at which routes: public ones anonymously (so leaks show), the others as their user.
VISITOR = {"public": "anonymous", "account": "shopper", "buyer": "shopper", "stall": "owner"}
VISITOR["admin"] = "admin"
SEARCH_ROUTES = ("search.*", "api_search.*")
ERROR_SIGNS = ("Traceback", "sqlalchemy", "OperationalError", "ProgrammingError", "psycopg")


def parameter_names() -> list[str]:
    """Return every query parameter the app reads, found in its source, plus an unknown one."""
    names = set(PARAMETERS) | {"lang", "next", "linkType", "zz_unknown"}
    for path in (REPO_ROOT / "marketplace").rglob("*.py"):
        names |= set(re.findall(r"args(?:\.get\(|\[)\"([A-Za-z_]+)\"", Path(path).read_text()))
    return sorted(names)


def problems_in(response, url: str, check_leaks: bool) -> list[str]:
    """Return what is wrong with one answer."""
    found = []
    body = response.get_data().decode("utf-8", "replace")
    if response.status_code >= 500:
        found.append(f"{url[:160]} -> {response.status_code}")
    found += [f"{url[:160]}: shows {sign}" for sign in ERROR_SIGNS if sign in body]
    if check_leaks:
        found += [f"{url[:160]}: leaks {secret!r}" for secret in SECRETS if secret in body]
    return found


def with_query(url: str, query: dict[str, str]) -> str:
    """Append parameters to a URL that may already have some."""
    return f"{url}{'&' if '?' in url else '?'}{urlencode(query)}"


def test_the_parameters_are_found_in_the_source():
    names = parameter_names()
    assert {"q", "page", "next", "status", "linkType", "month"} <= set(names)


@pytest.mark.parametrize("kind", sorted(VISITOR))
def test_every_parameter_at_once_on_every_route(app, world, kind):
    client = client_as(app, world, VISITOR[kind])
    names = parameter_names()
    chosen = [r for r in rules(app, {"GET"}) if policy(r.endpoint) == kind]
    problems = []
    for rule in chosen:
        url = url_of(rule, world)
        for text in STRINGS:
            full = with_query(url, dict.fromkeys(names, text))
            response = fetch(client, "GET", full)
            problems += problems_in(response, full, check_leaks=kind == "public")
    assert not problems, "\n".join(problems)


def test_each_search_parameter_alone(app, world):
    from fnmatch import fnmatch

    client = app.test_client()
    chosen = [r for r in rules(app, {"GET"}) if any(fnmatch(r.endpoint, p) for p in SEARCH_ROUTES)]
    assert chosen, "the search routes were not found"
    problems = []
    for rule in chosen:
        url = url_of(rule, world)
        for name in (*PARAMETERS, "zz_unknown"):
            for text in STRINGS:
                full = with_query(url, {name: text})
                problems += problems_in(fetch(client, "GET", full), full, check_leaks=True)
    assert not problems, "\n".join(problems)


def test_injection_does_not_widen_a_search(app, world):
    """A quote trick must not turn a search for nothing into a search for everything."""
    client = app.test_client()
    for text in ("zzqx' OR '1'='1", 'zzqx" OR "1"="1', "zzqx OR che", "zzqx) OR (che"):
        answer = fetch(client, "GET", with_query("/api/v1/products", {"q": text}))
        assert answer.status_code in (200, 400), text
        if answer.status_code == 200:
            assert answer.get_json()["total"] == 0, text


FORM_STRINGS = ("²", "9" * 30, "' OR '1'='1' --", "\x00")
SKIPPED_FORMS = ("/account/logout", "/lang/")  # they end the session the walk runs in


@pytest.mark.parametrize("role", ["shopper", "owner", "admin"])
def test_every_form_field_takes_hostile_values(app, world, role):
    from tests.conftest import csrf_token
    from tests.security.pages import page_forms

    client = client_as(app, world, role)
    if role == "shopper":  # so that the cart and checkout forms are on their pages
        token = csrf_token(client, "/account/")
        client.post("/cart/add", data={"product_id": world.ids["product"], "quantity": "1",
                                        "csrf_token": token})  # fmt: skip
    seen, problems = set(), []
    for page, form in page_forms(app, world, client):
        action = form["action"] or page
        if form["method"] != "POST" or action.startswith(SKIPPED_FORMS) or action in seen:
            continue
        seen.add(action)
        names = [n for n in form["values"] if n != "csrf_token"] + [b[0] for b in form["buttons"]]
        attempts = [dict.fromkeys(names, text) for text in FORM_STRINGS]
        attempts += [{name: FORM_STRINGS[0]} for name in names]
        for values in attempts:
            response = fetch(client, "POST", action, data={**form["values"], **values})
            problems += problems_in(response, f"POST {action} {values}", check_leaks=False)
    assert len(seen) >= 3, seen
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("number", [2**31, 10**20])
def test_ids_too_large_for_the_database_are_not_found(app, world, number):
    from werkzeug.routing import IntegerConverter

    clients = {}
    problems, tried = [], 0
    for rule in rules(app, {"GET", "POST"}):
        role = VISITOR.get(policy(rule.endpoint) or "", "anonymous")
        ints = [n for n, c in rule._converters.items() if isinstance(c, IntegerConverter)]
        for name in ints:
            values = {**world.values, **world.per_endpoint.get(rule.endpoint, {}), name: number}
            url = rule.build({k: values[k] for k in rule.arguments}, append_unknown=False)[1]
            if role not in clients:
                clients[role] = client_as(app, world, role)
            response = fetch(clients[role], "GET" if "GET" in rule.methods else "POST", url)
            tried += 1
            if response.status_code >= 500:
                problems.append(f"{url} as {role} -> {response.status_code}")
    assert tried >= 10
    assert not problems, "\n".join(problems)


def test_a_nul_character_anywhere_is_a_bad_request(app, world):
    client = client_as(app, world, "owner")
    for url in (
        "/gian-hang/a%00b",
        "/api/v1/stalls/a%00b",
        "/seller/nan-nhan%00/",
        "/tim-kiem?q=%00",
    ):
        assert fetch(client, "GET", url).status_code == 400, url
    response = fetch(client, "POST", "/cart/add", data={"product_id": "1\x00"})
    assert response.status_code == 400
