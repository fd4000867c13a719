"""Language choice: Vietnamese by default, English on request, the choice remembered."""

from __future__ import annotations

from functools import lru_cache

from babel import Locale
from flask import Blueprint, Flask, Response, current_app, redirect, request, session
from flask_babel import get_locale
from flask_login import current_user
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from marketplace.extensions import babel, db_session
from marketplace.security import safe_next

LANG_COOKIE = "lang"
bp = Blueprint("i18n", __name__)


def select_locale() -> Locale:
    """Pick the language: explicit choice, then the account's, then the browser's, then vi."""
    return _locale(_choose())


@lru_cache(maxsize=8)
def _locale(code: str) -> Locale:
    # Flask-Babel would parse the code on every request (a locale-data file lookup each time).
    return Locale.parse(code)


def _choose() -> str:
    languages = current_app.config["LANGUAGES"]
    chosen = request.args.get("lang") or request.cookies.get(LANG_COOKIE)
    if chosen in languages:
        return chosen
    if _may_be_logged_in() and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    header = request.headers.get("Accept-Language", "")
    return _browser_language(header, tuple(languages), current_app.config["BABEL_DEFAULT_LOCALE"])


@lru_cache(maxsize=256)
def _browser_language(header: str, languages: tuple[str, ...], default: str) -> str:
    # A pure function of the header, and browsers send few distinct ones: parse each once.
    return parse_accept_header(header, LanguageAccept).best_match(languages, default=default)


def _may_be_logged_in() -> bool:
    """Whether the request carries a login (session or remember cookie) worth loading."""
    # Loading the user of an anonymous visitor (session protection hashes the address and
    # agent) is a cost every scan of a label would pay for nothing.
    cookie = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    return "_user_id" in session or cookie in request.cookies


@bp.route("/lang/<code>")
def switch(code: str) -> Response:
    """Remember a language choice in a cookie (and on the account) and go back."""
    back = safe_next(request.args.get("next"))
    response = redirect(back)
    if code not in current_app.config["LANGUAGES"]:
        return response
    response.set_cookie(
        LANG_COOKIE,
        code,
        max_age=365 * 24 * 3600,
        httponly=True,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
    if current_user.is_authenticated:
        current_user.locale = code
        db_session().flush()
    return response


def current_language() -> str:
    """Return the language code of this request."""
    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])


def init_app(app: Flask) -> None:
    """Bind Flask-Babel and the switch route."""
    babel.init_app(app, locale_selector=select_locale)
    app.register_blueprint(bp)
    app.jinja_env.globals["current_language"] = current_language
