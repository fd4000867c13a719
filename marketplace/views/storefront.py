"""Public pages: home, health check."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, render_template, request
from sqlalchemy import text

from marketplace.extensions import db_session

bp = Blueprint("storefront", __name__)


@bp.route("/")
def home() -> str:
    """Introduce the OCOP market."""
    return render_template("storefront/home.html")


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
