"""Administrators check certificates against their scans, then verify or reject them."""

from __future__ import annotations

from pathlib import PurePosixPath

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from catalog.models import Certificate, CertificateStatus, Product
from marketplace import catalog_queries as queries
from marketplace.auth import role_required
from marketplace.extensions import db_session
from marketplace.media import get_storage
from marketplace.stalls import selling
from marketplace.stalls.models import Stall
from marketplace.users.models import Role
from marketplace.views.admin import ReviewForm, bp

# Scans are stored only as checked PDFs or re-encoded WebP pictures (catalog.storage).
DOCUMENT_TYPES = {".pdf": "application/pdf", ".webp": "image/webp"}
# The scan is shown on its own; it may load nothing and may not be framed by another site.
DOCUMENT_CSP = "default-src 'none'; img-src 'self'; object-src 'self'; frame-ancestors 'self'"


def _status_arg() -> CertificateStatus:
    """Return the ?status= filter (pending when absent or unknown)."""
    try:
        return CertificateStatus(request.args.get("status", "pending"))
    except ValueError:
        return CertificateStatus.PENDING


@bp.route("/certificates")
@role_required(Role.ADMIN)
def certificates() -> str:
    """List certificates in one status, oldest first, so none waits forever."""
    session = db_session()
    status = _status_arg()
    rows = session.execute(
        select(Certificate, Stall, Product.name)
        .join(Stall, Stall.id == Certificate.stall_id)
        .outerjoin(Product, Product.id == Certificate.product_id)
        .where(Certificate.status == status)
        .order_by(Certificate.created_at, Certificate.id)
        .limit(500)
    ).all()
    counts = dict(
        session.execute(select(Certificate.status, func.count()).group_by(Certificate.status)).all()
    )
    return render_template(
        "admin/certificates.html",
        rows=rows,
        status=status,
        statuses=list(CertificateStatus),
        counts=counts,
        today=queries.today(),
    )


def _load(certificate_id: int) -> tuple[Certificate, Stall, Product | None]:
    session = db_session()
    certificate = session.get(Certificate, certificate_id)
    if certificate is None:
        abort(404)
    stall = session.get(Stall, certificate.stall_id)
    product = session.get(Product, certificate.product_id) if certificate.product_id else None
    return certificate, stall, product


def _page(certificate_id: int, form: ReviewForm, status: int = 200) -> tuple[str, int]:
    certificate, stall, product = _load(certificate_id)
    page = render_template(
        "admin/certificate.html",
        certificate=certificate,
        stall=stall,
        product=product,
        form=form,
        today=queries.today(),
        document_type=_document_type(certificate.document_key),
    )
    return page, status


def _document_type(key: str | None) -> str | None:
    return DOCUMENT_TYPES.get(PurePosixPath(key).suffix.lower()) if key else None


@bp.route("/certificates/<int:certificate_id>")
@role_required(Role.ADMIN)
def certificate(certificate_id: int) -> tuple[str, int]:
    """Show a certificate's details, its holder and a link to the scan."""
    return _page(certificate_id, ReviewForm())


@bp.route("/certificates/<int:certificate_id>/document")
@role_required(Role.ADMIN)
def certificate_document(certificate_id: int) -> Response:
    """Show the scan of a certificate (a private file, never served on /media)."""
    certificate, _stall, _product = _load(certificate_id)
    mimetype = _document_type(certificate.document_key)
    if certificate.document_key is None or mimetype is None:
        abort(404)
    storage = get_storage()
    try:
        if not storage.exists(certificate.document_key):
            abort(404)
        path = storage.path(certificate.document_key)
    except ValueError:
        abort(404)
    suffix = PurePosixPath(certificate.document_key).suffix.lower()
    response = send_file(
        path,
        mimetype=mimetype,
        as_attachment=False,
        download_name=f"certificate-{certificate.id}{suffix}",
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = DOCUMENT_CSP
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


@bp.route("/certificates/<int:certificate_id>/review", methods=["POST"])
@role_required(Role.ADMIN)
def review_certificate(certificate_id: int) -> Response | tuple[str, int]:
    """Verify a certificate, or reject it with a note the seller will read."""
    certificate, stall, _product = _load(certificate_id)
    form = ReviewForm()
    action = request.form.get("action", "")
    if not form.validate() or action not in ("verify", "reject"):
        return _page(certificate_id, form, 400)
    note = (form.note.data or "").strip()
    if action == "reject" and not note:
        form.note.errors = [_("Please tell the seller why the certificate is rejected.")]
        return _page(certificate_id, form, 400)
    selling.review_certificate(
        db_session(), current_user, stall, certificate, verified=action == "verify", note=note
    )
    if action == "verify":
        flash(_("The certificate is verified; its badge is now shown to shoppers."), "success")
    else:
        flash(_("The certificate is rejected. The seller can read your note."), "success")
    return redirect(url_for("admin.certificates"))
