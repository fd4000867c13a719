"""Public pages: a stall, a product, a category (only approved stalls and active products)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request, url_for

from catalog.services import badges_for
from marketplace import catalog_display as display
from marketplace import catalog_queries as queries
from marketplace.extensions import db_session
from traceability.models import Farm

bp = Blueprint("public", __name__)


def page_number() -> int:
    """Return the ?page= number asked for (1 when absent; 404 when nonsense)."""
    raw = request.args.get("page", "1")
    # isascii(): str.isdigit() also accepts "²" or "①", which int() refuses (a 500).
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= 10_000:
        abort(404)
    return int(raw)


def _absolute(path: str) -> str:
    """Return a path as an absolute URL on the market's public address."""
    return current_app.config["PUBLIC_BASE_URL"] + path


def _canonical(endpoint: str, page: int, **values: str) -> str:
    """Return the canonical URL of a listing page (page 1 without ?page=)."""
    return _absolute(url_for(endpoint, page=page if page > 1 else None, **values))


@bp.route("/gian-hang/<slug>")
def stall(slug: str) -> str:
    """Show a stall: banner, story, location, certificates and its products."""
    session = db_session()
    found = queries.public_stall(session, slug)
    if found is None:
        abort(404)
    page = page_number()
    day = queries.today()
    listing = queries.stall_products(session, found, page, day)
    if page > listing.pages:
        abort(404)
    return render_template(
        "public/stall.html",
        stall=found,
        listing=listing,
        location=display.location(found.province_code, found.ward_code),
        certificates=queries.stall_certificates(session, found),
        today=day,
        canonical=_canonical("public.stall", page, slug=found.slug),
    )


@bp.route("/gian-hang/<slug>/san-pham/<sku>")
def product(slug: str, sku: str) -> str:
    """Show a product with its photos, price, badges, grower and stall."""
    session = db_session()
    found = queries.public_product(session, slug, sku)
    if found is None:
        abort(404)
    stall, item = found
    day = queries.today()
    base_url = current_app.config["PUBLIC_BASE_URL"]
    obj = queries.product_objects(session, [item], base_url, day)[0]
    farm = session.get(Farm, item.farm_id) if item.farm_id else None
    return render_template(
        "public/product.html",
        stall=stall,
        product=item,
        badges=badges_for(session, [item], day)[item.id],
        certificates=queries.product_certificates(session, item),
        farm=farm,
        farm_province=display.province_short(farm.province_code) if farm else None,
        location=display.location(item.province_code),
        unit_price=display.unit_price(item.price_vnd, item.unit),
        today=day,
        json_ld=display.product_json_ld(obj, item, stall),
        canonical=obj["url"],
        og_image=obj["images"][0] if obj["images"] else None,
        # Computed with the JSON-LD above; the template's trace_link() would query it again.
        trace_url=obj["trace_url"],
    )


@bp.route("/danh-muc/<slug>")
def category(slug: str) -> str:
    """List the products of a category; a group lists its sub-categories' products too."""
    session = db_session()
    found = queries.category_with_children(session, slug)
    if found is None:
        abort(404)
    current, children = found
    page = page_number()
    listing = queries.category_products(
        session, [current.id, *(c.id for c in children)], page, queries.today()
    )
    if page > listing.pages:
        abort(404)
    return render_template(
        "public/category.html",
        category=current,
        children=children,
        listing=listing,
        canonical=_canonical("public.category", page, slug=current.slug),
    )
