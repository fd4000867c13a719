"""Stored files: the storage backend of the app and the public media route."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, send_file, url_for

from catalog.storage import LocalStorage, make_storage

bp = Blueprint("media", __name__)
PRIVATE_PREFIX = "private/"


def get_storage() -> LocalStorage:
    """Return the app's file storage (created on first use)."""
    storage = current_app.extensions.get("market_storage")
    if storage is None:
        storage = make_storage("local", current_app.config["UPLOAD_DIR"])
        current_app.extensions["market_storage"] = storage
    return storage


def media_url(key: str | None, variant: str = "medium") -> str | None:
    """Return the URL of an image variant stored under a base key."""
    if not key:
        return None
    return url_for("media.serve", key=f"{key}-{variant}.webp")


@bp.route("/media/<path:key>")
def serve(key: str) -> Response:
    """Serve a public file (product photos, logos, banners); private files never."""
    if key.startswith(PRIVATE_PREFIX):
        abort(404)
    storage = get_storage()
    try:
        if not storage.exists(key):
            abort(404)
        path = storage.path(key)
    except ValueError:
        abort(404)
    response = send_file(path, mimetype="image/webp", max_age=30 * 24 * 3600, conditional=True)
    response.headers["Cache-Control"] = "public, max-age=2592000, immutable"
    return response
