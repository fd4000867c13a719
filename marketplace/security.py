"""Web safety: security headers and safe redirect targets."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, abort, request
from werkzeug.routing import IntegerConverter, Map

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def safe_next(target: str | None, fallback: str = "/") -> str:
    """Return target if it is a path on this site, else the fallback (no open redirects)."""
    if not target:
        return fallback
    target = target.strip()
    parts = urlsplit(target)
    if (
        not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
        or parts.scheme
        or parts.netloc
        or any(ord(ch) < 32 for ch in target)
    ):
        return fallback
    return target


SECURITY_HEADERS = tuple(
    (name.lower(), name, value)
    for name, value in (
        ("Content-Security-Policy", CSP),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "strict-origin-when-cross-origin"),
        ("X-Frame-Options", "DENY"),
        ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
    )
)


def _security_headers(response: Response) -> Response:
    """Add the headers every response should carry (a view's own value wins)."""
    headers = response.headers
    # One pass over the headers: Headers.setdefault raises and catches a KeyError per
    # missing name, half of this hook's cost on every request.
    present = {name.lower() for name, _value in headers.items()}
    for lower, name, value in SECURITY_HEADERS:
        if lower not in present:
            headers.add(name, value)
    return response


MAX_ROW_ID = 2**31 - 1  # PostgreSQL's integer; SQLite's is wider


def row_id(text: str) -> int:
    """Parse a database id from a query string (ValueError otherwise): `args.get(type=row_id)`."""
    if not (text.isascii() and text.isdigit()) or not 0 < int(text) <= MAX_ROW_ID:
        raise ValueError(f"not a row id: {text!r}")
    return int(text)


class RowId(IntegerConverter):
    """An <int:…> URL part that fits an integer column: anything larger is a 404.

    Werkzeug's own converter takes any number of digits; /admin/stalls/99999999999999999999
    then reached the database and failed there (SQLite: OverflowError; PostgreSQL: out of
    range for type integer), a 500 instead of "not found".
    """

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ROW_ID)
        super().__init__(url_map, *args, **kwargs)


def _refuse_nul() -> None:
    """Answer 400 when the path or a parameter holds a NUL character.

    No text a person types contains one, and PostgreSQL refuses it in any text value: a %00 in
    a search box or a slug would otherwise reach a query and fail there as a 500.
    """
    values = [request.path, *(v for _k, v in request.args.items(multi=True))]
    if request.method == "POST" and request.mimetype in FORM_TYPES:
        values += [v for _k, v in request.form.items(multi=True)]
    if any("\x00" in value for value in values):
        abort(400)


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def init_app(app: Flask) -> None:
    """Install the header hook, the NUL guard and the bounded <int:…> converter."""
    app.url_map.converters["int"] = RowId  # before any route is added
    app.before_request(_refuse_nul)
    app.after_request(_security_headers)
