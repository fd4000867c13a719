"""The read-only JSON API: public products, stalls and administrative units."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, current_app, jsonify

from catalog import regions
from marketplace import api_docs
from marketplace import catalog_queries as queries
from marketplace.extensions import db_session

bp = Blueprint("api", __name__, url_prefix="/api/v1")
CACHE_CONTROL = "public, max-age=60"


def _json(data: Any) -> Response:
    """Return public JSON that shared caches may keep for a minute."""
    response = jsonify(data)
    response.headers["Cache-Control"] = CACHE_CONTROL
    return response


@bp.route("/products/<slug>/<sku>")
def product(slug: str, sku: str) -> Response:
    """Return one active product of an approved stall."""
    session = db_session()
    found = queries.public_product(session, slug, sku)
    if found is None:
        abort(404)
    base_url = current_app.config["PUBLIC_BASE_URL"]
    return _json(queries.product_objects(session, [found[1]], base_url, queries.today())[0])


@bp.route("/stalls/<slug>")
def stall(slug: str) -> Response:
    """Return an approved stall."""
    session = db_session()
    found = queries.public_stall(session, slug)
    if found is None:
        abort(404)
    base_url = current_app.config["PUBLIC_BASE_URL"]
    return _json(queries.stall_object(session, found, base_url, queries.today()))


@bp.route("/provinces")
def provinces() -> Response:
    """Return the 34 provinces and centrally run cities."""
    return _json(
        [{"code": p.code, "name": p.name, "short_name": p.short_name} for p in regions.provinces()]
    )


@bp.route("/provinces/<int:code>/wards")
def wards(code: int) -> Response:
    """Return the wards and communes of a province."""
    if regions.province(code) is None:
        abort(404)
    return _json([{"code": w.code, "name": w.name} for w in regions.wards(code)])


@bp.route("/openapi.json")
def openapi() -> Response:
    """Return the OpenAPI 3.1 description of this API."""
    return _json(api_docs.document(current_app.config["PUBLIC_BASE_URL"]))
