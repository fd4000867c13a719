"""Public pages: home, health check."""

from __future__ import annotations

import time

from flask import Blueprint, Response, current_app, jsonify, render_template
from sqlalchemy import text

from marketplace import catalog_display as display
from marketplace import catalog_queries as queries
from marketplace.extensions import db_session

bp = Blueprint("storefront", __name__)


# Choosing the home page's stalls and products sorts and counts the whole catalog (~200 ms a
# view at 100,000 products: docs/PERFORMANCE.md, "Load"). The choice is the same for everyone,
# so each process remembers the chosen ids for a minute; their rows are still read on every
# view, so a product hidden or a stall suspended meanwhile drops out at once.
HOME_CHOICE_SECONDS = 60.0


@bp.route("/")
def home() -> str:
    """Introduce the OCOP market with featured stalls and the newest products."""
    session = db_session()
    day = queries.today()
    memo = current_app.extensions.setdefault("home_choice", {})
    if memo.get("until", 0.0) > time.monotonic():
        stalls = queries.featured_stalls(session, among=memo["stalls"])
        products = queries.newest_products(session, day, among=memo["products"])
    else:
        stalls = queries.featured_stalls(session)
        products = queries.newest_products(session, day)
        memo.update(
            stalls=[stall.id for stall, _count in stalls],
            products=[card.product.id for card in products],
            until=time.monotonic() + HOME_CHOICE_SECONDS,
        )
    return render_template(
        "storefront/home.html",
        stalls=[(stall, count, display.location(stall.province_code)) for stall, count in stalls],
        products=products,
    )


@bp.route("/healthz")
def healthz() -> tuple[Response, int]:
    """Answer ok after touching the database."""
    try:
        db_session().execute(text("SELECT 1"))
    except Exception:  # any database failure means "not healthy", never a crash
        return jsonify({"status": "error", "database": "unreachable"}), 503
    return jsonify({"status": "ok"}), 200
