"""Every route of the URL map × every role gets exactly the access it should.

Each endpoint must match one of policy.POLICIES, or test_every_endpoint_is_classified fails:
a new route is only accepted once somebody has decided who may use it. Then every rule is hit
with GET and POST by anonymous visitors, a shopper, the seller of ANOTHER stall, the victim
stall's owner and an administrator, with the world's real ids in the URL.
"""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import csrf_token
from tests.security.conftest import (
    ROLES,
    client_as,
    fetch,
    row_counts,
    rules,
    sent_to_login,
    url_of,
)
from tests.security.policy import DENY, LOGIN, OK, POLICY_KINDS, form_data, policy
from tests.security.world import SECRETS

# Rules whose answer with the world's values is rightly not 2xx/3xx.
ANSWERS = {"/01/": {400}}  # a Digital Link without a GTIN is malformed


def twin(client: FlaskClient, app: Flask) -> FlaskClient:
    """Return a new client with the same login session (so no request sees another's effects)."""
    copy = app.test_client()
    cookie = client.get_cookie("session")
    if cookie is not None:
        copy.set_cookie("session", cookie.value)
    return copy


def check_get(expected: str, response, rule=None) -> str | None:
    """Return what is wrong with a GET answer, or None."""
    status = response.status_code
    if rule is not None and status in ANSWERS.get(rule.rule, ()):
        return None
    if status >= 500:
        return f"server error {status}"
    if expected == OK:
        if status in (401, 403) or sent_to_login(response):
            return f"refused ({status})"
        if status >= 400:
            return f"failed with {status} although the ids are real"
    elif expected == LOGIN and not sent_to_login(response):
        return f"not sent to log in ({status})"
    elif expected == DENY and status not in (403, 404) and not sent_to_login(response):
        return f"not refused ({status})"
    return None


def leaked(response) -> bool:
    """Tell whether a response carries the victim stall's private data."""
    body = response.get_data()
    return any(secret.encode() in body for secret in SECRETS) or b"%PDF" in body


def test_every_endpoint_is_classified(app):
    unknown = sorted({r.endpoint for r in rules(app) if policy(r.endpoint) is None})
    assert unknown == [], "decide who may use these routes and add them to POLICIES"


@pytest.mark.parametrize("role", ROLES)
def test_every_route_gives_each_role_the_access_it_should(app, world, role):
    client = client_as(app, world, role)
    token = csrf_token(client, "/account/login" if role == "anonymous" else "/account/")
    problems = []
    for rule in rules(app, {"GET", "POST"}):
        kind = policy(rule.endpoint)
        expected = POLICY_KINDS.get(kind or "", {}).get(role)
        if expected is None:
            continue
        url = url_of(rule, world)
        if "GET" in rule.methods:
            response = fetch(twin(client, app), "GET", url)
            problem = check_get(expected, response, rule)
            if problem:
                problems.append(f"GET {url} [{rule.endpoint}]: {problem}")
            if expected != OK and leaked(response):
                problems.append(f"GET {url} [{rule.endpoint}]: leaked private data")
        if "POST" in rule.methods and expected != OK:
            # Allowed POSTs are the feature tests' business; here: refused ones change nothing.
            before = row_counts(app)
            data = {**form_data(world), "csrf_token": token}
            response = fetch(
                twin(client, app), "POST", url, data=data, content_type="multipart/form-data"
            )
            if check_get(expected, response):
                problems.append(f"POST {url} [{rule.endpoint}]: {check_get(expected, response)}")
            if leaked(response):
                problems.append(f"POST {url} [{rule.endpoint}]: leaked private data")
            after = row_counts(app)
            if after != before:
                changed = {k: (before[k], after[k]) for k in after if after[k] != before[k]}
                problems.append(f"POST {url} [{rule.endpoint}]: changed rows {changed}")
    assert not problems, "\n".join(problems)


def test_webhooks_need_a_signature(app, world):
    client = app.test_client()
    hooks = [r for r in rules(app) if policy(r.endpoint) == "webhook"]
    assert hooks, "the payment webhook route was not found"
    for rule in hooks:
        assert rule.methods - {"HEAD", "OPTIONS"} == {"POST"}, rule.rule
        url = url_of(rule, world)
        assert client.get(url).status_code == 405
        before = row_counts(app)
        body = b'{"id": "evt_1", "type": "payment_intent.succeeded", "data": {"object": {}}}'
        for headers in ({}, {"Stripe-Signature": "t=1,v1=00"}):
            response = client.post(url, data=body, headers=headers, content_type="application/json")
            assert response.status_code == 400, (url, headers, response.status_code)
        assert row_counts(app) == before
