"""Jinja filters and globals shared by every template."""

from __future__ import annotations

from flask import Flask, request

from marketplace.formatting import format_date, format_datetime, format_vnd


def _path_with_query() -> str:
    """Return the current path and query, for 'come back here' links."""
    query = request.query_string.decode("latin-1")
    return request.path + (f"?{query}" if query else "")


def init_app(app: Flask) -> None:
    """Register the filters and globals."""
    app.jinja_env.filters["vnd"] = format_vnd
    app.jinja_env.filters["date_vn"] = format_date
    app.jinja_env.filters["datetime_vn"] = format_datetime
    app.jinja_env.globals["here"] = _path_with_query
    app.jinja_env.globals["market_name"] = "Chợ Phiên"
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
