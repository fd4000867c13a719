"""Friendly error pages (HTML) and JSON errors (API)."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger(__name__)


def _wants_json() -> bool:
    """Return True for API paths and clients that ask for JSON only."""
    return request.path.startswith("/api/") or (request.accept_mimetypes.best == "application/json")


def _messages() -> dict[int, tuple[str, str]]:
    """Return the title and explanation shown for each status."""
    return {
        400: (_("Bad request"), _("Something in the request was not right. Please try again.")),
        401: (_("Please log in"), _("You need to log in to see this page.")),
        403: (_("Not allowed"), _("Your account is not allowed to open this page.")),
        404: (_("Page not found"), _("We could not find this page. It may have been moved.")),
        405: (_("Not allowed"), _("This action is not possible here.")),
        413: (_("File too large"), _("The file you sent is too large.")),
        429: (
            _("Too many attempts"),
            _("Too many attempts in a short time. Please wait a few minutes and try again."),
        ),
        500: (
            _("Something went wrong"),
            _("An error happened on our side. Nothing you entered was saved; please try again."),
        ),
    }


def render_error(status: int, detail: str | None = None) -> tuple[Response | str, int]:
    """Render an error as JSON or as a friendly page."""
    title, text = _messages().get(status, (_("Error"), _("Something went wrong.")))
    if _wants_json():
        return jsonify({"error": {"status": status, "message": detail or text}}), status
    return render_template(
        "errors/error.html", status=status, title=title, text=detail or text
    ), status


def init_app(app: Flask) -> None:
    """Install the handlers."""

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError) -> tuple[Response | str, int]:
        return render_error(
            400, _("The form expired or was sent from elsewhere. Please reload the page and retry.")
        )

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> tuple[Response | str, int] | HTTPException:
        if exc.code is None or exc.code < 400:
            return exc
        if isinstance(exc, InternalServerError):
            log.error("internal error", exc_info=exc.original_exception)
        return render_error(exc.code)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> tuple[Response | str, int]:
        if app.config.get("RAISE_ERRORS"):
            raise exc
        log.exception("unhandled error on %s %s", request.method, request.path)
        return render_error(500)
