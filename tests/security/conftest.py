"""The security suite's world: one victim stall with one of everything, and a client per role.

Every test here walks the app's URL map, so new routes are covered without editing the tests;
`values_for` fills a rule's URL arguments with REAL ids, slugs and tokens of this world and
fails loudly when a new route has an argument nobody has taught it yet.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.routing import Rule
from werkzeug.test import encode_multipart

from marketplace.extensions import get_database
from marketplace.models import metadata
from tests.conftest import login
from tests.security.world import World, build_world

ROLES = ("anonymous", "shopper", "intruder", "owner", "admin")
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


@pytest.fixture
def app(app: Flask) -> Flask:
    """The suite's app: errors become 500 pages (to be counted), card payments configured."""
    app.config.update(
        RAISE_ERRORS=False,
        STRIPE_SECRET_KEY="sk_test_security",
        STRIPE_PUBLISHABLE_KEY="pk_test_security",
        STRIPE_WEBHOOK_SECRET="whsec_security",
        STRIPE_API_BASE="http://127.0.0.1:9",  # nothing listens: no test may reach Stripe
    )
    return app


@pytest.fixture
def world(app: Flask, db_session) -> World:
    """The ordinary world (plain text everywhere)."""
    return build_world(app, db_session)


def values_for(rule: Rule, world: World) -> dict[str, Any]:
    """Return real values for every argument of a rule (fails for an unknown argument)."""
    known = {**world.values, **world.per_endpoint.get(rule.endpoint, {})}
    known.update(world.per_rule.get(rule.rule, {}))
    known.update(rule.defaults or {})
    missing = set(rule.arguments) - set(known)
    assert not missing, f"{rule.rule} ({rule.endpoint}): teach conftest.py to fill {missing}"
    return {name: known[name] for name in rule.arguments}


def url_of(rule: Rule, world: World) -> str:
    """Build the rule's URL with the world's real ids (and the query string it needs)."""
    if rule.rule in world.paths:
        return world.paths[rule.rule]
    url = rule.build(values_for(rule, world), append_unknown=False)[1]
    query = world.queries.get(rule.endpoint)
    return f"{url}?{query}" if query else url


def rules(app: Flask, methods: set[str] | None = None) -> list[Rule]:
    """Return the app's URL rules (those accepting one of `methods`), in a stable order."""
    found = [
        r for r in app.url_map.iter_rules() if methods is None or (r.methods or set()) & methods
    ]
    return sorted(found, key=lambda r: (r.endpoint, r.rule))


def client_as(app: Flask, world: World, role: str) -> FlaskClient:
    """Return a client logged in as one of ROLES (anonymous: not logged in)."""
    client = app.test_client()
    if role != "anonymous":
        response = login(client, world.emails[role])
        assert response.status_code == 302, f"{role} could not log in"
    return client


def row_counts(app: Flask) -> dict[str, int]:
    """Return the number of rows of every table (what a refused request must not change)."""
    with get_database(app).new_session() as session:
        return {
            table.name: session.scalar(select(func.count()).select_from(table)) or 0
            for table in metadata.sorted_tables
        }


def fetch(client: FlaskClient, method: str, url: str, **kwargs: Any):
    """Send a request, read the whole answer and release it (files are closed)."""
    if kwargs.get("content_type") == "multipart/form-data":
        # Encoded here, in memory: the test client spools large bodies to a temporary file
        # that it never closes (a ResourceWarning, an error under filterwarnings = error).
        fields = {}
        for name, value in kwargs.pop("data").items():
            if isinstance(value, tuple):
                value = FileStorage(io.BytesIO(value[0].read()), value[1])
            fields[name] = value
        boundary, body = encode_multipart(fields)
        kwargs.update(data=body, content_type=f"multipart/form-data; boundary={boundary}")
    response = client.open(url, method=method, **kwargs)
    response.get_data()
    response.close()
    return response


def sent_to_login(response) -> bool:
    """Tell whether the response asks the visitor to log in."""
    if response.status_code == 401:
        return True
    location = response.headers.get("Location", "")
    return response.status_code == 302 and location.startswith("/account/login")


def is_html(response) -> bool:
    """Tell whether a response is an HTML page."""
    return (response.mimetype or "") == "text/html"
