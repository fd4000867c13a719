"""Fuzz the public JSON API from its own OpenAPI document with schemathesis.

Every operation of /api/v1/openapi.json is called with generated parameters against the WSGI
app (no server, no network): no answer may be a 500, and every answer must match the document
(status code, content type, headers, body schema). Derandomized and bounded, so CI is stable.
(schemathesis' pytest plugin does not run under pytest 9 yet, hence the explicit loop.)
"""

from __future__ import annotations

import warnings

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import checks

from marketplace import api_docs

OPERATIONS = sorted(
    f"{method.upper()} {path}"
    for path, item in api_docs.document("http://market.test")["paths"].items()
    for method in item
)
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
]
EXAMPLES = 40


@pytest.mark.parametrize("label", OPERATIONS)
def test_every_api_operation_holds_to_its_document(app, world, label):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operation = schema.find_operation_by_label(label)
    assert operation is not None, f"{label} is documented but the served document lacks it"

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def call(case) -> None:
        case.call_and_validate(checks=CHECKS)

    with warnings.catch_warnings():
        # Hypothesis and schemathesis warn about their own internals (not this app's).
        warnings.filterwarnings("ignore", module=r"(hypothesis|schemathesis)(\.|$)")
        call()


@pytest.mark.parametrize("label", OPERATIONS)
def test_real_answers_match_the_document(app, world, label):
    """Random slugs mostly meet 404s; the world's real ones check the 200 answers too."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operation = schema.find_operation_by_label(label)
    names = [p.name for p in operation.path_parameters]
    values = {**world.values, "code": 19}
    case = operation.Case(path_parameters={name: values[name] for name in names})
    response = case.call_and_validate(checks=CHECKS)
    assert response.status_code == 200, label


def test_the_document_lists_every_api_route(app):
    documented = {label.split(" ", 1)[1] for label in OPERATIONS}
    routes = {
        rule.rule.replace("<", "{").replace(">", "}").replace("{int:", "{")
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/")
    }
    assert routes == documented
