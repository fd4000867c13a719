"""The search API: GET /api/v1/products (search and list) and GET /api/v1/suggest."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from catalog.search import InvalidQuery, SearchUnavailable
from catalog.search.base import FACETS
from marketplace import search_params, search_results
from marketplace.catalog_queries import today
from marketplace.extensions import db_session
from marketplace.search_service import get_search

bp = Blueprint("api_search", __name__, url_prefix="/api/v1")
CACHE_CONTROL = "public, max-age=60"
MAX_SUGGESTIONS = 8
RETRY_AFTER = "30"


def _json(data: Any, status: int = 200) -> Response:
    """Return JSON; successful answers are public and may be cached for a minute."""
    response = jsonify(data)
    response.status_code = status
    if status == 200:
        response.headers["Cache-Control"] = CACHE_CONTROL
    return response


def _error(status: int, message: str, field: str | None = None) -> Response:
    """Return the API's error object."""
    error: dict[str, Any] = {"status": status, "message": message}
    if field:
        error["field"] = field
    response = _json({"error": error}, status)
    if status == 503:
        response.headers["Retry-After"] = RETRY_AFTER
    return response


def _unavailable() -> Response:
    """Answer that search is down for now (the catalog itself is fine)."""
    return _error(503, "Search is temporarily unavailable; please try again shortly.")


@bp.route("/products")
def products() -> Response:
    """Search or list public products with filters, facets, sorting and paging."""
    try:
        query = search_params.parse(request.args)
        result = get_search().search(query)
    except InvalidQuery as exc:
        return _error(400, str(exc), exc.field)
    except SearchUnavailable:
        return _unavailable()
    session = db_session()
    base_url = current_app.config["PUBLIC_BASE_URL"]
    names = search_results.category_names(session)
    facets: dict[str, list[dict[str, Any]]] = {}
    for name in FACETS:
        facets[name] = [
            {"value": int(value) if name == "ocop_stars" else value, "count": count}
            | ({"label": names.get(value, value)} if name == "category" else {})
            for value, count in result.facets.get(name, [])
        ]
    return _json(
        {
            "total": result.total,
            "page": query.page,
            "per_page": query.per_page,
            "items": search_results.objects(session, result.ids, base_url, today()),
            "facets": facets,
            "suggestion": result.suggestion,
        }
    )


@bp.route("/suggest")
def suggest() -> Response:
    """Return up to eight completions (categories, stalls, products) for a search box."""
    text = request.args.get("q", "")[:200]
    try:
        found = get_search().suggest(text, MAX_SUGGESTIONS)
    except SearchUnavailable:
        return _unavailable()
    base_url = current_app.config["PUBLIC_BASE_URL"]
    items = search_results.suggestion_objects(db_session(), found, base_url)
    return _json({"query": text, "suggestions": items[:MAX_SUGGESTIONS]})
