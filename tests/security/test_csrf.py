"""Every state-changing route refuses a request without a valid CSRF token, even from the one
account that may use it (only the payment webhook is exempt: its signature proves the sender)."""

from __future__ import annotations

import pytest

from tests.security.conftest import UNSAFE, client_as, fetch, row_counts, rules, url_of
from tests.security.policy import OK, POLICY_KINDS, form_data, policy

TOKENS = {"missing": None, "forged": "IjAwMDAi.forged.token", "empty": ""}


def allowed_role(endpoint: str) -> str:
    """Return a role that may use the route (a logged-in one when there is a choice)."""
    access = POLICY_KINDS[policy(endpoint) or ""]
    for role in ("owner", "admin", "shopper", "anonymous"):
        if access.get(role) == OK:
            return role
    raise AssertionError(f"nobody may use {endpoint}")


def state_changing(app) -> list:
    """Return every rule that takes POST, PUT, PATCH or DELETE, webhooks aside."""
    found = [r for r in rules(app, UNSAFE) if policy(r.endpoint) != "webhook"]
    assert len(found) >= 20, "the state-changing routes were not found"
    return found


@pytest.mark.parametrize("token", sorted(TOKENS))
def test_every_state_changing_route_needs_a_csrf_token(app, world, token):
    clients = {}
    problems = []
    for rule in state_changing(app):
        role = allowed_role(rule.endpoint)
        if role not in clients:
            clients[role] = client_as(app, world, role)
        client = clients[role]
        url = url_of(rule, world)
        data = form_data(world)
        if TOKENS[token] is not None:
            data["csrf_token"] = TOKENS[token]
        for method in sorted((rule.methods or set()) & UNSAFE):
            before = row_counts(app)
            response = fetch(client, method, url, data=data, content_type="multipart/form-data")
            if response.status_code != 400:
                problems.append(f"{method} {url} as {role}: {response.status_code}")
            elif "tải lại trang" not in response.get_data(as_text=True):
                problems.append(f"{method} {url}: not the friendly CSRF page (in Vietnamese)")
            if row_counts(app) != before:
                problems.append(f"{method} {url} as {role}: changed the database")
    assert not problems, "\n".join(problems)
    # Logging out is one of those routes: the sessions must have survived every refusal.
    for role, client in clients.items():
        if role != "anonymous":
            assert client.get("/account/").status_code == 200, f"{role} was logged out"


def test_the_same_requests_with_the_token_get_past_the_check(app, world):
    """The positive control: with a real token the refusals above are not CSRF's doing."""
    from tests.conftest import csrf_token

    client = client_as(app, world, "owner")
    token = csrf_token(client, "/account/")
    rule = next(r for r in state_changing(app) if r.endpoint == "seller.product_stock")
    data = {"csrf_token": token, "amount": "3", "direction": "add"}
    response = client.post(url_of(rule, world), data=data)
    assert response.status_code == 302
