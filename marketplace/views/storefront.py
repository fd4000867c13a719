"""Public pages: home, health check."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, render_template, request
from sqlalchemy import text

from marketplace import catalog_display as display
from marketplace import catalog_queries as queries
from marketplace.extensions import db_session

bp = Blueprint("storefront", __name__)


@bp.route("/")
def home() -> str:
    """Introduce the OCOP market with featured stalls and the newest products."""
    session = db_session()
    return render_template(
        "storefront/home.html",
        stalls=[
            (stall, count, display.location(stall.province_code))
            for stall, count in queries.featured_stalls(session)
        ],
        products=queries.newest_products(session, queries.today()),
    )


@bp.route("/healthz")
def healthz() -> tuple[Response, int]:
    """Answer ok after touching the database."""
    try:
        db_session().execute(text("SELECT 1"))
    except Exception:  # any database failure means "not healthy", never a crash
        return jsonify({"status": "error", "database": "unreachable"}), 503
    return jsonify({"status": "ok"}), 200


@bp.route("/search")
def search() -> str:
    """Search the catalog (the market has no products listed yet)."""
    query = request.args.get("q", "")[:200]
    return render_template("storefront/search.html", query=query)


@bp.route("/cart")
def cart() -> str:
    """Show the shopping cart."""
    return render_template("storefront/cart.html")
