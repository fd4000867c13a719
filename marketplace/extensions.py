"""Flask extensions and the request-scoped database session."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from flask import Flask, Response, current_app, g, request
from flask.globals import request_ctx
from flask.sessions import SecureCookieSessionInterface
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from marketplace.db import make_engine, make_session_factory

babel = Babel()
csrf = CSRFProtect()
login_manager = LoginManager()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def limit_only_decorated_views(app: Flask) -> None:
    """Check rate limits in the views that carry them, not in a hook before every request.

    Flask-Limiter's before_request hook resolves limits for every request (about a quarter of
    the market's per-request overhead on a cached provenance page) although only the account
    views carry limits, and their decorators check those themselves. The hook is dropped only
    while nothing needs it (no default, application, meta or blueprint-wide limits); the
    after-request hook (failed-login deductions) and teardown then run only for a request
    whose view checked a limit. Call after the blueprints are registered.
    """
    manager = limiter.limit_manager
    if (
        manager.default_limits
        or manager.application_limits
        or manager._blueprint_limits  # limits on a whole blueprint are checked in the hook
        or limiter._meta_limits
    ):
        return
    before = app.before_request_funcs.setdefault(None, [])
    before[:] = [f for f in before if f != limiter._check_request_limit]
    for hooks in (app.after_request_funcs, app.teardown_request_funcs):
        hooks[None] = [_when_checked(f) if _is_limiter_hook(f) else f for f in hooks.get(None, [])]


def check_csrf_only_on_unsafe_methods(app: Flask) -> None:
    """Let Flask-WTF's CSRF hook look at the method first (GETs are never checked anyway).

    Its hook looks up the view's exemptions before the method on every request; the answer is
    the same, asked in the cheaper order.
    """
    before = app.before_request_funcs.get(None, [])
    for i, hook in enumerate(before):
        if hook.__module__ == "flask_wtf.csrf" and hook.__name__ == "csrf_protect":
            before[i] = _on_unsafe_methods(hook)


def _on_unsafe_methods(hook: Callable[[], Any]) -> Callable[[], Any]:
    def guarded() -> Any:
        if request.method in current_app.config["WTF_CSRF_METHODS"]:
            return hook()
        return None

    return guarded


def _is_limiter_hook(hook: Callable[..., Any]) -> bool:
    if isinstance(
        hook, partial
    ):  # the after-request hook is partial(Limiter.__inject_headers, limiter)
        return bool(hook.args) and hook.args[0] is limiter
    return getattr(hook, "__self__", None) is limiter


def _when_checked(hook: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Run a limiter hook only if this request checked a limit (it left its context)."""

    def guarded(value: Any) -> Any:
        if hasattr(request_ctx, "_limiter_request_context"):
            return hook(value)
        return value

    return guarded


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, cheaper for the anonymous visitor who has none.

    Flask builds a new serializer (and its key list) on every request, even one without a
    session cookie, and works out every cookie attribute before finding there is nothing to
    save. The serializer depends only on the secret keys, so it is built once per key.
    """

    _cached: tuple[tuple[Any, ...], URLSafeTimedSerializer | None] | None = None

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        """Return the serializer for the app's current secret keys."""
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        cached = self._cached
        if cached is None or cached[0] != keys:
            cached = self._cached = (keys, super().get_signing_serializer(app))
        return cached[1]

    def save_session(self, app: Flask, session: Any, response: Response) -> None:
        """Save as Flask does; an empty, unchanged session (most visitors') costs nothing."""
        if not session and not session.modified:
            if session.accessed:
                _vary_on_cookie(response)
            return
        super().save_session(app, session, response)


def _vary_on_cookie(response: Response) -> None:
    """Add Cookie to Vary, without parsing and rewriting a header that already has it."""
    vary = response.headers.get("Vary")
    if not vary:
        response.headers["Vary"] = "Cookie"
    elif "cookie" not in {name.strip().lower() for name in vary.split(",")}:
        response.vary.add("Cookie")


class Database:
    """Own the engine and give each request exactly one session and one commit."""

    engine: Engine
    factory: sessionmaker[Session]

    def init_app(self, app: Flask) -> None:
        """Create the engine and hook the commit/rollback around every request."""
        self.engine = make_engine(app.config["DATABASE_URL"], echo=app.config["SQL_ECHO"])
        self.factory = make_session_factory(self.engine)
        app.extensions["market_db"] = self
        app.after_request(_commit_after_request)
        app.teardown_appcontext(_close_session)

    def new_session(self) -> Session:
        """Open a session outside a request (CLI commands, background work)."""
        return self.factory()


def get_database(app: Flask | None = None) -> Database:
    """Return the Database of an app (default: the current one)."""
    return (app or current_app).extensions["market_db"]


def db_session() -> Session:
    """Return this request's (or app context's) session, opening it lazily."""
    if "db_session" not in g:
        g.db_session = get_database().factory()
    return g.db_session


def _commit_after_request(response: Response) -> Response:
    """Commit once when the request succeeded; roll back anything else."""
    session: Session | None = g.get("db_session")
    if session is None:
        return response
    if response.status_code < 400 and request.method != "OPTIONS":
        session.commit()
    else:
        session.rollback()
    return response


def _close_session(_exc: BaseException | None) -> None:
    """Roll back whatever was not committed and release the connection."""
    session: Session | None = g.pop("db_session", None)
    if session is not None:
        session.rollback()
        session.close()
