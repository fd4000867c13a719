"""The answers a trace link gives: the provenance page, its JSON, EPCIS and the linkset.

Scans are counted on every GET of a lot's page, including a repeat scan answered 304: the
page is rendered with a placeholder for the scan count, its weak ETag is the hash of that
rendering (so the changing count alone never defeats the cache), and the scan is recorded
before the answer. Cache-Control makes browsers revalidate every time (max-age=0) and keeps
shared caches out (private), so no scan is answered from a cache we never hear of. The
server keeps rendered pages for a few seconds and writes lot scans behind in batches
(marketplace.trace_cache); TRACE_PAGE_CACHE_SECONDS=0 and TRACE_SCAN_FLUSH_SECONDS=0 turn
either off (the scan is then written in the request's own transaction).
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from typing import Any

from flask import Response, current_app, jsonify, make_response, render_template, request
from sqlalchemy.orm import lazyload

from marketplace import catalog_queries as queries
from marketplace import provenance
from marketplace.extensions import db_session
from marketplace.i18n import current_language
from marketplace.provenance import Target
from marketplace.trace_cache import CachedPage, ScanBuffer
from traceability import services as trace
from traceability.events import KINDS
from traceability.models import Lot
from traceability.scans import ScanResult

from . import trace_messages

PAGE_CACHE = "private, max-age=0, must-revalidate"
UNIT_CACHE = "no-store"  # a unit's scan count is its counterfeit warning: always fresh
SCANS = "\x00scans\x00"  # stands for the scan count while the page's ETag is computed
LINKSET_TYPE = "application/linkset+json"
VOC = "https://gs1.org/voc/"


def base_url() -> str:
    """Return the market's public address (links on pages and in QR codes use it)."""
    return current_app.config["PUBLIC_BASE_URL"]


def shop_url(target: Target) -> str | None:
    """Return the product's shop page when shoppers can buy it."""
    if not target.on_sale:
        return None
    return base_url() + queries.product_path(target.stall.slug, target.product.sku)


@lru_cache(maxsize=4)
def _salt(secret: str) -> bytes:
    # Derived from the secret key, so the hashes cannot be recomputed without it.
    return hashlib.sha256(b"trace-visitor\n" + secret.encode()).digest()


def _visitor() -> str:
    """Return today's salted hash of the visitor (the IP address itself is never kept)."""
    salt = _salt(str(current_app.config["SECRET_KEY"]))
    ip, agent = request.remote_addr or "", request.headers.get("User-Agent", "")
    return trace.visitor_hash(ip, agent, salt, queries.today())


def _count_unit(target: Target) -> ScanResult:
    """Count a unit's scan at once: its first-scan answer must be exact."""
    assert target.lot is not None
    return trace.record_scan(db_session(), target.lot, target.unit, _visitor())


def _count_lot(lot_id: int, lot: Lot | None = None) -> int | None:
    """Count a lot's scan; return the new count when it was written in this request."""
    buffer: ScanBuffer | None = current_app.extensions["trace_scan_buffer"]
    if buffer is not None:
        buffer.add(lot_id, _visitor())
        return None
    session = db_session()
    lot = lot or session.get(Lot, lot_id, options=[lazyload(Lot.farms)])
    return trace.record_scan(session, lot, None, _visitor()).lot_scans


def _number(n: int) -> str:
    grouped = f"{n:,}"
    return grouped.replace(",", ".") if current_language() == "vi" else grouped


def linkset_href(canonical: str) -> str:
    """Return the address of a target's linkset."""
    return canonical + ("&" if "?" in canonical else "?") + "linkType=all"


def cache_key(*identity: str) -> tuple:
    """Return the page-cache key of a link in this request's language, today."""
    return (*identity, current_language(), queries.today())


def cached_page(key: tuple, canonical: str) -> Response | None:
    """Answer from the page cache when it holds this page (the scan is still counted)."""
    page = current_app.extensions["trace_page_cache"].get(key)
    return None if page is None else _answer(page, canonical)


def _answer(page: CachedPage, canonical: str, lot: Lot | None = None) -> Response:
    """Count the scan, then answer 304 to a matching If-None-Match, else the page."""
    shown = page.scans
    if request.method == "GET" and page.lot_id is not None:
        written = _count_lot(page.lot_id, lot)
        page.local_scans += 1
        shown = written if written is not None else page.scans + page.local_scans
    if request.if_none_match.contains_weak(page.etag):
        response = Response(status=304)
    else:
        response = make_response(page.body.replace(SCANS, _number(shown)))
    response.set_etag(page.etag, weak=True)
    response.headers["Cache-Control"] = PAGE_CACHE
    return _decorate(response, canonical)


def _render(target: Target, canonical: str, unit_scan: ScanResult | None) -> str:
    p = provenance.load(db_session(), target, base_url(), queries.today())
    return render_template(
        "trace/provenance.html",
        p=p,
        product=target.product,
        stall=target.stall,
        lot=target.lot,
        unit=target.unit,
        unit_scan=unit_scan,
        scans=SCANS,
        canonical=canonical,
        back_path=canonical[len(base_url()) :],
        product_page=shop_url(target),
        linkset=linkset_href(canonical),
        kinds=KINDS,
        today=queries.today(),
        **trace_messages.helpers(),
    )


def page(target: Target, canonical: str, key: tuple | None = None) -> Response:
    """Render the provenance page (and cache it under `key`), counting the scan."""
    lot = target.lot
    if target.unit is not None:
        scan = _count_unit(target) if request.method == "GET" else None
        body = _render(target, canonical, scan)
        count = scan.lot_scans if scan else lot.scan_count
        response = make_response(body.replace(SCANS, _number(count)))
        response.headers["Cache-Control"] = UNIT_CACHE
        return _decorate(response, canonical)
    body = _render(target, canonical, None)
    scans = 0
    if lot is not None:
        buffer: ScanBuffer | None = current_app.extensions["trace_scan_buffer"]
        scans = lot.scan_count + (buffer.pending(lot.id) if buffer else 0)
    etag = hashlib.sha256(body.encode("utf-8")).hexdigest()[:32]
    entry = CachedPage(body, etag, lot.id if lot else None, scans, expires=0.0)
    if key is not None:
        current_app.extensions["trace_page_cache"].put(key, entry)
    return _answer(entry, canonical, lot)


def _decorate(response: Response, canonical: str) -> Response:
    """Add what every resolver answer carries: Vary, the linkset Link header and CORS."""
    response.vary.update(("Accept", "Accept-Language", "Cookie"))
    response.headers["Link"] = f'<{linkset_href(canonical)}>; rel="linkset"; type="{LINKSET_TYPE}"'
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def json_record(target: Target, canonical: str) -> Response:
    """Return the provenance record as JSON (machines reading it are not counted as scans)."""
    p = provenance.load(db_session(), target, base_url(), queries.today())
    links = {"self": canonical, "product": shop_url(target)}
    scans = target.lot.scan_count if target.lot else None
    response = jsonify(provenance.record(p, links, scans))
    response.headers["Cache-Control"] = PAGE_CACHE
    return _decorate(response, canonical)


def epcis(target: Target, canonical: str) -> Response:
    """Return the lot's events as an EPCIS 2.0 document (JSON-LD)."""
    assert target.lot is not None
    document = trace.export_epcis(db_session(), target.lot, base_url())
    response = jsonify(document)
    response.mimetype = "application/ld+json"
    response.headers["Cache-Control"] = PAGE_CACHE
    return _decorate(response, canonical)


def _link(href: str, title: str, media: str = "text/html") -> list[dict[str, Any]]:
    return [{"href": href, "title": title, "type": media, "hreflang": ["vi", "en"]}]


def linkset(target: Target, canonical: str) -> Response:
    """Return the RFC 9264 linkset of every link type the target has."""
    name = target.product.name
    title = f"{name} · {target.lot.code}" if target.lot else name
    item: dict[str, Any] = {"anchor": canonical}
    item[VOC + "defaultLink"] = _link(canonical, title)
    item[VOC + "traceability"] = _link(canonical, title)
    shop = shop_url(target)
    if shop:
        item[VOC + "pip"] = _link(shop, name)
    item[VOC + "certificationInfo"] = _link(canonical + "#certificates", title)
    if target.lot is not None:
        item[VOC + "epcis"] = _link(canonical + "?linkType=gs1:epcis", title, "application/ld+json")
        item[VOC + "recallStatus"] = _link(canonical + "#status", title)
    response = jsonify({"linkset": [item]})
    response.mimetype = LINKSET_TYPE
    response.headers["Cache-Control"] = PAGE_CACHE
    return _decorate(response, canonical)
