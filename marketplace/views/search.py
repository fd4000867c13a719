"""The search page: results, facet links, sorting and paging that all work without JavaScript."""

from __future__ import annotations

import math
from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask.blueprints import BlueprintSetupState
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from catalog.search import InvalidQuery, SearchQuery, SearchResult, SearchUnavailable
from catalog.search.base import MAX_WINDOW
from marketplace import search_params, search_results, search_service
from marketplace.catalog_queries import today
from marketplace.extensions import db_session
from marketplace.formatting import format_vnd

bp = Blueprint("search", __name__)
PER_PAGE = 24
MAX_FACET_VALUES = 12
# The page's own parameters; per_page is fixed here (the API lets clients choose).
STATE = ("q", "category", "province", "min_stars", "certification", "min_price", "max_price")


@bp.record_once
def _setup(state: BlueprintSetupState) -> None:
    # The search service hooks the session factory (outbox) and the request teardown;
    # installing it with the blueprint keeps the app factory free of search details.
    search_service.init_app(state.app)


def certification_labels() -> dict[str, str]:
    """Return the shopper-facing name of each certification kind."""
    return {"ocop": "OCOP", "vietgap": "VietGAP", "globalgap": "GlobalGAP", "organic": _("Organic")}


def sort_labels() -> dict[str, str]:
    """Return the label of each sort order."""
    return {
        "relevance": _("Best match"),
        "price_asc": _("Price: low to high"),
        "price_desc": _("Price: high to low"),
        "newest": _("Newest first"),
    }


def _forgiving_parse(args: dict[str, str]) -> tuple[SearchQuery, list[str]]:
    """Parse the page's parameters, dropping any that are not understood."""
    dropped = []
    for _attempt in range(len(search_params.PARAMETERS) + 1):
        try:
            return search_params.parse(args, PER_PAGE), dropped
        except InvalidQuery as exc:
            name = "q" if exc.field == "text" else exc.field
            if name not in args:  # a rule about two fields at once: drop the second
                name = "max_price" if "max_price" in args else next(iter(args), "")
            args.pop(name, None)
            dropped.append(name)
    return SearchQuery(per_page=PER_PAGE), dropped


@bp.route("/tim-kiem")
def page() -> tuple[str, int] | str:
    """Search the market's products."""
    args = {k: v for k, v in request.args.items() if k in search_params.PARAMETERS and v.strip()}
    args.pop("per_page", None)
    query, dropped = _forgiving_parse(args)
    state = {k: v for k, v in args.items() if k in STATE or k == "sort"}
    if query.province:
        state["province"] = query.province  # "ha noi" or "01" as the facet spells it
    context: dict[str, Any] = {
        "query": query,
        "state": state,
        "dropped": dropped,
        "sorts": sort_labels(),
        "certifications": certification_labels(),
    }
    try:
        result = search_service.get_search().search(query)
    except SearchUnavailable:
        return render_template("search/unavailable.html", **context), 503
    pages = max(1, math.ceil(min(result.total, MAX_WINDOW) / PER_PAGE))
    if query.page > pages:
        abort(404)
    session = db_session()
    names = search_results.category_names(session)
    context.update(
        result=result,
        cards=search_results.cards(session, result.ids, today()),
        pages=pages,
        facets=_facets(result, query, state, names),
        active=_active(query, state, names),
        suggestion_url=_link(state, q=result.suggestion) if result.suggestion else None,
    )
    return render_template("search/page.html", **context)


@bp.route("/search")
def legacy() -> Response:
    """Send the old search address to the new one, keeping the query."""
    return redirect(url_for("search.page", **request.args), code=301)


def _link(state: dict[str, str], **changes: Any) -> str:
    """Return the page's URL with some parameters changed (None removes one; page resets)."""
    params = {k: v for k, v in state.items() if k != "page"}
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = str(value)
    return url_for("search.page", **params)


def _facets(
    result: SearchResult, query: SearchQuery, state: dict[str, str], names: dict[str, str]
) -> list[dict[str, Any]]:
    """Return each facet's heading and its choices (label, count, link, chosen)."""
    counts = result.facets
    labels = certification_labels()

    def choices(name: str, pairs: list[tuple[str, int]], label: Any) -> list[dict[str, Any]]:
        chosen = state.get(name)
        return [
            {
                "label": label(value),
                "count": count,
                "chosen": chosen == value,
                "url": _link(state, **{name: None if chosen == value else value}),
            }
            for value, count in pairs[:MAX_FACET_VALUES]
        ]

    stars = dict(counts.get("ocop_stars", []))
    at_least = [
        (str(n), sum(c for v, c in stars.items() if v.isdigit() and int(v) >= n)) for n in (5, 4, 3)
    ]
    return [
        {
            "name": "category",
            "title": _("Category"),
            "choices": choices("category", counts.get("category", []), lambda v: names.get(v, v)),
        },
        {
            "name": "province",
            "title": _("Province"),
            "choices": choices("province", counts.get("province", []), str),
        },
        {
            "name": "min_stars",
            "title": _("OCOP stars"),
            "choices": choices(
                "min_stars",
                [(v, c) for v, c in at_least if c],
                lambda v: (
                    _("%(stars)s stars", stars=v)
                    if v == "5"
                    else _("%(stars)s stars and up", stars=v)
                ),
            ),
        },
        {
            "name": "certification",
            "title": _("Certification"),
            "choices": choices(
                "certification", counts.get("certification", []), lambda v: labels.get(v, v)
            ),
        },
    ]


def _active(query: SearchQuery, state: dict[str, str], names: dict[str, str]) -> list[dict]:
    """Return the filters in force, each with a link that drops it."""
    labels = certification_labels()
    shown = {
        "category": lambda v: _("Category: %(name)s", name=names.get(v, v)),
        "province": lambda v: _("Province: %(name)s", name=v),
        "min_stars": lambda v: _("OCOP %(stars)s stars and up", stars=v),
        "certification": lambda v: _("Certified: %(name)s", name=labels.get(v, v)),
        "min_price": lambda v: _("From %(price)s", price=format_vnd(int(v))),
        "max_price": lambda v: _("Up to %(price)s", price=format_vnd(int(v))),
    }
    found = []
    for name, value in search_params.active_filters(query).items():
        found.append({"label": shown[name](value), "url": _link(state, **{name: None})})
    return found
