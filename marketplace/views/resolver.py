"""The GS1 Digital Link resolver: /01/{gtin}[/10/{lot}[/21/{serial}]], /t/{token} links.

Defaults: every link opens its provenance page (gs1:traceability), a product without a lot
too; the shop page is gs1:pip. A link type the item does not have falls back to the default.
A GTIN-8/12/13 link is answered 301 with its 14-digit form; a malformed link is 400, an
unknown (or unpublished) item 404. Custom path stems are not ours: an item behind one is 404.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import quote, unquote, urlsplit

from flask import Blueprint, Response, abort, current_app, jsonify, redirect, request
from flask.blueprints import BlueprintSetupState
from flask_babel import gettext as _
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from catalog.models import Product
from marketplace import catalog_queries as queries
from marketplace import trace_links
from marketplace.errors import render_error
from marketplace.extensions import db_session, get_database
from marketplace.provenance import Target, find_by_gtin, find_by_token
from marketplace.trace_cache import PageCache, ScanBuffer
from traceability.gs1 import (
    DigitalLink,
    InvalidDigitalLink,
    build_digital_link,
    parse_digital_link,
)

from . import provenance as answers

bp = Blueprint("resolver", __name__)


@bp.record_once
def _setup(state: BlueprintSetupState) -> None:
    """Give each process its page cache and scan buffer (exact and uncached when testing)."""
    app = state.app

    def seconds(name: str, default: float) -> float:
        raw = app.config.get(name)  # marketplace.config reads it from the environment
        return float(raw) if raw not in (None, "") else (0.0 if app.testing else default)

    app.extensions["trace_page_cache"] = PageCache(seconds("TRACE_PAGE_CACHE_SECONDS", 5))
    flush = seconds("TRACE_SCAN_FLUSH_SECONDS", 1)
    factory = get_database(app).new_session
    app.extensions["trace_scan_buffer"] = ScanBuffer(factory, flush) if flush > 0 else None


LINK_TYPES = (
    "gs1:traceability",
    "gs1:pip",
    "gs1:certificationInfo",
    "gs1:epcis",
    "gs1:recallStatus",
)
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,43}")
# What a client may ask for; a browser's */* gets the page.
_MEDIA = ("text/html", "application/json", answers.LINKSET_TYPE, "application/ld+json")


def raw_target() -> str:
    """Return the request's path and query as sent: %2F in a lot code must stay escaped."""
    env = request.environ
    raw = env.get("RAW_URI") or env.get("REQUEST_URI")
    if not raw:
        query = env.get("QUERY_STRING", "")
        return quote(request.path, safe="/:@!$&'()*+,;=~") + (f"?{query}" if query else "")
    if not raw.startswith("/"):  # an absolute-form request target
        parts = urlsplit(raw)
        raw = parts.path + (f"?{parts.query}" if parts.query else "")
    script = env.get("SCRIPT_NAME", "")
    if script and raw.startswith(script):
        raw = raw[len(script) :]
    return raw.split("#", 1)[0]


def _path(url: str) -> str:
    """Return an address on this market as a path (redirects stay on the host asked)."""
    return url[len(answers.base_url()) :]


def _malformed(raw: str, exc: InvalidDigitalLink) -> Response | tuple:
    """Redirect a zero-suppressed GTIN to its 14-digit form; refuse anything else (400)."""
    try:
        link = parse_digital_link(raw, lenient=True)
    except InvalidDigitalLink:
        message = _("This link is not a valid GS1 Digital Link, so it names no product.")
        return render_error(400, f"{message} ({exc.code})")
    canonical = build_digital_link(
        answers.base_url(), link.gtin, lot=link.lot, serial=link.serial, cpv=link.cpv
    )
    query = raw.partition("?")[2]
    return redirect(_path(canonical) + (f"?{query}" if query else ""), 301)


@bp.route("/01/", defaults={"_rest": ""})
@bp.route("/01/<path:_rest>")
def digital_link(_rest: str) -> Response | tuple:
    """Resolve a GS1 Digital Link of a product, lot or unit."""
    raw = raw_target()
    try:
        link, canonical = _parsed(raw, answers.base_url())
    except InvalidDigitalLink as exc:
        return _malformed(raw, exc)
    if link.stem or link.cpv:
        abort(404)  # no stems or product variants here
    link_type = link.params.get("linkType")
    key = _page_key(link_type, link.serial, "01", link.gtin, link.lot or "")
    if key is not None and (hit := answers.cached_page(key, canonical)) is not None:
        return hit
    target = find_by_gtin(db_session(), link.gtin, link.lot, link.serial)
    if target is None:
        abort(404)
    return answer(target, canonical, link_type, key)


@lru_cache(maxsize=2048)
def _parsed(raw: str, base: str) -> tuple[DigitalLink, str]:
    """Parse a link and build its canonical form, once per distinct link in this process.

    Both are pure functions of the text, and the same labels are scanned again and again:
    on a cached page this was a fifth of the view's time. (Invalid links raise and are not kept.)
    """
    link = parse_digital_link(raw)
    return link, build_digital_link(base, link.gtin, lot=link.lot, serial=link.serial)


def _page_key(link_type: str | None, serial: str | None, *identity: str) -> tuple | None:
    """Return the page-cache key when the answer will be the (cacheable) page, else None."""
    if serial is not None or link_type not in (None, "gs1:traceability"):
        return None
    if _best_media() != "text/html":
        return None
    return answers.cache_key(*identity)


def _best_media() -> str:
    """Return the answer's media type the client prefers (a browser's */* gets the page)."""
    return _media_for(request.headers.get("Accept", ""))


@lru_cache(maxsize=256)
def _media_for(accept: str) -> str:
    # Parsing the Accept header is a pure function of its text, and phones send a handful of
    # distinct ones: remember the answer rather than parse it on every scan.
    parsed = parse_accept_header(accept, MIMEAccept)
    return parsed.best_match(_MEDIA, default="text/html")


def locate(raw: str) -> tuple[Target, str]:
    """Return the item a canonical link path names and its full link (400 or 404 otherwise)."""
    if raw.startswith("/t/"):
        token, _, serial = raw[3:].partition("/21/")
        target = _token_target(token, unquote(serial) if serial else None)
        return target, answers.base_url() + raw
    try:
        link = parse_digital_link(raw)
    except InvalidDigitalLink:
        abort(400)
    if link.stem or link.cpv or link.attributes or link.params:
        abort(404)
    target = find_by_gtin(db_session(), link.gtin, link.lot, link.serial)
    if target is None:
        abort(404)
    return target, build_digital_link(
        answers.base_url(), link.gtin, lot=link.lot, serial=link.serial
    )


def _token_target(token: str, serial: str | None) -> Target:
    target = find_by_token(db_session(), token, serial) if _TOKEN.fullmatch(token) else None
    if target is None:
        abort(404)
    return target


@bp.route("/t/<token>")
def short_link(token: str) -> Response:
    """Resolve the opaque link of a product or lot without a GTIN."""
    canonical, link_type = f"{answers.base_url()}/t/{token}", request.args.get("linkType")
    key = _page_key(link_type, None, "t", token)
    if key is not None and (hit := answers.cached_page(key, canonical)) is not None:
        return hit
    return answer(_token_target(token, None), canonical, link_type, key)


@bp.route("/t/<token>/21/<serial>")
def short_unit_link(token: str, serial: str) -> Response:
    """Resolve the opaque link of a serialised unit of a lot without a GTIN."""
    target = _token_target(token, serial)
    canonical = f"{answers.base_url()}/t/{token}/21/{quote(serial, safe='')}"
    return answer(target, canonical, request.args.get("linkType"))


def answer(
    target: Target, canonical: str, link_type: str | None, key: tuple | None = None
) -> Response:
    """Serve the link type asked for (by ?linkType= or Accept), else the default."""
    best = _best_media()
    if link_type == "all" or (link_type is None and best == answers.LINKSET_TYPE):
        return answers.linkset(target, canonical)
    if link_type == "gs1:pip" and target.on_sale:
        return redirect(_path(answers.shop_url(target) or canonical), 303)
    if link_type == "gs1:certificationInfo":
        return redirect(_path(canonical) + "#certificates", 303)
    if target.lot is not None:
        if link_type == "gs1:epcis":
            return answers.epcis(target, canonical)
        if link_type == "gs1:recallStatus":
            return redirect(_path(canonical) + "#status", 303)
    if best == "application/json":
        return answers.json_record(target, canonical)
    return answers.page(target, canonical, key)


@bp.app_template_global("trace_link")
def trace_link(product: Product) -> str:
    """Return a product's trace_url (its current lot's link, else its own), for pages."""
    session, base = db_session(), answers.base_url()
    return trace_links.trace_urls(session, [product], base, queries.today())[product.id]


@bp.route("/.well-known/gs1resolver")
def description() -> Response:
    """Describe this resolver (GS1-Conformant resolver description file)."""
    root = current_app.config["PUBLIC_BASE_URL"]
    response = jsonify(
        {
            "name": "Chợ Phiên",
            "resolverRoot": root,
            "supportedPrimaryKeys": ["gtin"],
            "supportedLinkType": [
                {
                    "namespace": answers.VOC,
                    "prefix": "gs1:",
                    "profile": "https://gs1.org/voc/?show=linktypes",
                }
            ],
            "linkTypes": list(LINK_TYPES),
            "defaultLinkType": "gs1:traceability",
            "linkTypeDefaultCanBeLinkset": True,
            "shortLinks": f"{root}/t/{{token}}",
        }
    )
    response.headers["Cache-Control"] = "public, max-age=86400"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
