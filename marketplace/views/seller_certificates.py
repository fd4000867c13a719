"""Seller pages for certificates: OCOP stars and VietGAP/GlobalGAP/organic, with their scans.

A seller's certificate always waits for an administrator; scans are stored under private/
and only reach the stall's own managers through the download route here, never /media.
"""

from __future__ import annotations

import io
from datetime import date, datetime

from flask import abort, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from catalog import fields
from catalog.images import UploadRejected, check_document
from catalog.storage import save_document
from marketplace.extensions import db_session
from marketplace.formatting import VIETNAM
from marketplace.media import get_storage
from marketplace.stalls import dashboard as board
from marketplace.stalls import selling
from marketplace.stalls.models import StaffRole, Stall
from marketplace.views.messages import upload_error
from marketplace.views.seller import actor, bp, status_for
from marketplace.views.seller_common import staff_stall
from marketplace.views.seller_fields import opts, show_error
from marketplace.views.seller_forms import CertificateForm, OcopForm, StandardForm

DOCUMENT_PREFIX = "private/certificates"


def today() -> date:
    """Return today's date in Vietnam."""
    return datetime.now(VIETNAM).date()


def _with_products(form: CertificateForm, stall: Stall, whole_stall: bool) -> None:
    """Offer the stall's products (and, for standards, the whole stall) in the form."""
    first = _("The whole stall") if whole_stall else _("Choose…")
    form.product_id.choices = opts([("", first), *board.product_choices(db_session(), stall)])


def _submit(form: CertificateForm, stall: Stall, kind: str, stars: int | None) -> bool:
    """Check the dates and the scan, store it privately and record the certificate."""
    issued_on = fields.day("issued_on", form.issued_on.data)
    valid_until = fields.day("valid_until", form.valid_until.data)
    if kind == "ocop":
        if issued_on is None:
            form.issued_on.errors = [_("Please fill in this field.")]
        elif valid_until is None:
            valid_until = board.ocop_valid_until(issued_on)
    if issued_on and valid_until and valid_until < issued_on:
        form.valid_until.errors = [_("The end of validity must come after the date of issue.")]
    upload = form.document.data
    data = upload.read() if upload and upload.filename else b""
    document_kind = None
    if not data:
        form.document.errors = [_("Please attach a scan or photo of the certificate.")]
    else:
        try:
            document_kind = check_document(data)
        except UploadRejected as exc:
            form.document.errors = [upload_error(exc.code)]
    if form.errors or document_kind is None:
        return False
    try:
        key = save_document(get_storage(), DOCUMENT_PREFIX, data, document_kind)
    except UploadRejected as exc:
        form.document.errors = [upload_error(exc.code)]
        return False
    try:
        selling.submit_certificate(
            db_session(),
            actor(),
            stall,
            trusted=False,
            kind=kind,
            stars=stars,
            number=form.number.data,
            issuer=form.issuer.data,
            scope=(form.scope.data or "") if isinstance(form, StandardForm) else "",
            issued_on=issued_on,
            valid_until=valid_until,
            document_key=key,
            product_id=form.product_id.data,
        )
    except fields.FieldError as exc:
        show_error(form, exc)
        return False
    return True


@bp.route("/<slug>/certificates")
def certificates(slug: str) -> str:
    """List the stall's certificates with what an administrator decided."""
    stall, role = staff_stall(slug, StaffRole.MANAGER)
    rows = board.certificates_of(db_session(), stall)
    now = today()
    return render_template(
        "seller/certificates.html",
        stall=stall,
        role=role,
        rows=[(c, p, board.certificate_state(c, now)) for c, p in rows],
    )


@bp.route("/<slug>/certificates/ocop", methods=["GET", "POST"])
def certificate_ocop(slug: str) -> Response | tuple[str, int]:
    """Submit a product's OCOP star certificate for verification."""
    stall, role = staff_stall(slug, StaffRole.MANAGER)
    form = OcopForm()
    _with_products(form, stall, whole_stall=False)
    if form.validate_on_submit() and _submit(form, stall, "ocop", form.stars.data):
        flash(_("The certificate was sent. An administrator will check it soon."), "success")
        return redirect(url_for("seller.certificates", slug=slug))
    page = render_template(
        "seller/certificate_form.html", stall=stall, role=role, form=form, ocop=True
    )
    return page, status_for(form)


@bp.route("/<slug>/certificates/standard", methods=["GET", "POST"])
def certificate_standard(slug: str) -> Response | tuple[str, int]:
    """Submit a VietGAP, GlobalGAP or organic certificate for verification."""
    stall, role = staff_stall(slug, StaffRole.MANAGER)
    form = StandardForm()
    _with_products(form, stall, whole_stall=True)
    if form.validate_on_submit() and _submit(form, stall, form.kind.data or "", None):
        flash(_("The certificate was sent. An administrator will check it soon."), "success")
        return redirect(url_for("seller.certificates", slug=slug))
    page = render_template(
        "seller/certificate_form.html", stall=stall, role=role, form=form, ocop=False
    )
    return page, status_for(form)


@bp.route("/<slug>/certificates/<int:certificate_id>/document")
def certificate_document(slug: str, certificate_id: int) -> Response:
    """Download the stall's own certificate scan (never cached, never public)."""
    stall, _role = staff_stall(slug, StaffRole.MANAGER)
    certificate = board.stall_certificate(db_session(), stall, certificate_id)
    if certificate is None or not certificate.document_key:
        abort(404)
    key = certificate.document_key
    try:
        data = get_storage().open(key)
    except (FileNotFoundError, ValueError):
        abort(404)
    pdf = key.endswith(".pdf")
    response = send_file(
        io.BytesIO(data),
        mimetype="application/pdf" if pdf else "image/webp",
        as_attachment=True,
        download_name=f"certificate-{certificate.id}.{'pdf' if pdf else 'webp'}",
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response
