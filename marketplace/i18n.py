"""Language choice: Vietnamese by default, English on request, the choice remembered."""

from __future__ import annotations

from flask import Blueprint, Flask, Response, current_app, redirect, request
from flask_babel import get_locale
from flask_login import current_user

from marketplace.extensions import babel, db_session
from marketplace.security import safe_next

LANG_COOKIE = "lang"
bp = Blueprint("i18n", __name__)


def select_locale() -> str:
    """Pick the language: explicit choice, then the account's, then the browser's, then vi."""
    languages = current_app.config["LANGUAGES"]
    chosen = request.args.get("lang") or request.cookies.get(LANG_COOKIE)
    if chosen in languages:
        return chosen
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    return request.accept_languages.best_match(
        languages, default=current_app.config["BABEL_DEFAULT_LOCALE"]
    )


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
