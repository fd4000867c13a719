"""The OpenAPI document describes exactly the API routes the app has."""

from __future__ import annotations

import re

from flask import Flask

from tests.factories import make_product, make_stall

HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


def api_rules(app: Flask) -> dict[str, set[str]]:
    """Return the app's /api/v1/ paths, in OpenAPI template form, with their methods."""
    found: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
            methods = {m.lower() for m in rule.methods} - {"head", "options"}
            found.setdefault(path, set()).update(methods)
    return found


def resolve(document: dict, ref: str):
    assert ref.startswith("#/"), ref
    node = document
    for part in ref[2:].split("/"):
        node = node[part]
    return node


def refs(node):
    if isinstance(node, dict):
        if "$ref" in node:
            yield node["$ref"]
        for value in node.values():
            yield from refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs(value)


def test_openapi_document_is_served_and_well_formed(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.is_json
    document = response.get_json()
    assert document["openapi"].startswith("3.1.")
    assert document["info"]["title"] and document["info"]["version"]
    assert document["servers"] == [{"url": "http://market.test"}]
    for ref in refs(document):
        assert isinstance(resolve(document, ref), dict), ref
    for path, item in document["paths"].items():
        declared = set(re.findall(r"{([^}]+)}", path))
        for method, operation in item.items():
            assert method in HTTP_METHODS, (path, method)
            assert operation["responses"], (path, method)
            assert "200" in operation["responses"], (path, method)
            params = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert params == declared, (path, method)


def test_openapi_paths_match_the_url_map(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    routes = api_rules(app)
    documented = {
        path: {m for m in item if m in HTTP_METHODS} for path, item in document["paths"].items()
    }
    assert documented == routes


def test_documented_product_fields_are_the_ones_returned(client, db_session):
    stall = make_stall(db_session)
    product = make_product(db_session, stall)
    db_session.commit()
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    product_json = client.get(f"/api/v1/products/{stall.slug}/{product.sku}").get_json()
    assert set(schemas["Product"]["properties"]) == set(product_json)
    assert set(schemas["Product"]["required"]) == set(product_json)
    stall_json = client.get(f"/api/v1/stalls/{stall.slug}").get_json()
    assert set(schemas["Stall"]["properties"]) == set(stall_json)
