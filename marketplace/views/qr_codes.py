"""QR code images of trace links: /qr/png/{link path} and /qr/svg/{link path}.

The image is keyed by the link it encodes, so `qr_url` always shows exactly `trace_url`; only
canonical links of items that exist are drawn (this is not a QR generator for any text).
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, make_response, request

from marketplace.trace_links import QR_FORMATS
from traceability.qr import qr_png, qr_svg

from .resolver import locate, raw_target

bp = Blueprint("qr_codes", __name__)
CACHE = "public, max-age=86400"


@bp.route("/qr/<fmt>/01/<path:_rest>")
@bp.route("/qr/<fmt>/t/<path:_rest>")
def image(fmt: str, _rest: str) -> Response:
    """Return the QR code of a product, lot or unit link as PNG or SVG."""
    if fmt not in QR_FORMATS:
        abort(404)
    _target, url = locate(raw_target()[len(f"/qr/{fmt}") :])
    if fmt == "png":
        response = make_response(qr_png(url))
        response.mimetype = "image/png"
    else:
        response = make_response(qr_svg(url))
        response.mimetype = "image/svg+xml"
    response.headers["Cache-Control"] = CACHE
    response.add_etag()
    return response.make_conditional(request)
