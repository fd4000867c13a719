"""Flask extensions and the request-scoped database session."""

from __future__ import annotations

from flask import Flask, Response, current_app, g, request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from marketplace.db import make_engine, make_session_factory

babel = Babel()
csrf = CSRFProtect()
login_manager = LoginManager()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


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
