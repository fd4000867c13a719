"""The application factory."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from marketplace import config as config_module
from marketplace import errors, i18n, security, templating
from marketplace.auth import configure_login
from marketplace.config import REPO_ROOT
from marketplace.extensions import (
    Database,
    SessionInterface,
    check_csrf_only_on_unsafe_methods,
    csrf,
    limit_only_decorated_views,
    limiter,
    login_manager,
)


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create and configure the Chợ Phiên application."""
    overrides = dict(test_config or {})
    instance_path = Path(
        overrides.pop("INSTANCE_PATH", "") or _env_instance() or REPO_ROOT / "instance"
    )
    app = Flask(
        __name__,
        instance_path=str(instance_path),
        template_folder=str(REPO_ROOT / "templates"),
    )
    app.config.from_mapping(config_module.load(instance_path, overrides))
    logging.basicConfig(level=logging.INFO)
    # Alembic announces every plugin it loads; that is noise on every start.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)

    if app.config["PROXY_FIX_X_FOR"]:
        hops = app.config["PROXY_FIX_X_FOR"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]

    app.session_interface = SessionInterface()
    Database().init_app(app)
    csrf.init_app(app)
    check_csrf_only_on_unsafe_methods(app)
    login_manager.init_app(app)
    configure_login()
    limiter.init_app(app)
    i18n.init_app(app)
    templating.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    _register_blueprints(app)
    limit_only_decorated_views(app)
    _register_cli(app)
    return app


def _env_instance() -> str | None:
    """Return INSTANCE_PATH from the environment, if set."""
    return os.environ.get("INSTANCE_PATH")


def _register_blueprints(app: Flask) -> None:
    """Attach every view blueprint."""
    from marketplace import media
    from marketplace.views import BLUEPRINTS

    app.register_blueprint(media.bp)
    app.jinja_env.globals["media_url"] = media.media_url
    for blueprint in BLUEPRINTS():
        app.register_blueprint(blueprint)


def _register_cli(app: Flask) -> None:
    """Attach the operational commands."""
    from marketplace import cli

    cli.init_app(app)
