"""Seller pages to load a catalog from a spreadsheet (CSV) and to download it again."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired

from catalog import regions
from catalog.csv_export import write_csv
from catalog.csv_import import COLUMNS, Issue
from catalog.fields import FieldError
from marketplace.extensions import db_session, login_manager
from marketplace.imports import ImportRejected, ImportSummary, export_stall, import_catalog
from marketplace.stalls import dashboard as board
from marketplace.stalls.models import StaffRole, Stall
from marketplace.views import seller
from marketplace.views.messages import field_error
from marketplace.views.seller_common import staff_stall

bp = Blueprint("seller_import", __name__, url_prefix="/seller")
# The seller's own pages share the stall menu, whose macro asks these helpers.
bp.context_processor(seller._helpers)

MAX_MB = 5
MAX_ROWS = 20_000
# Past this many problems the page would only get slower to read; the count is still shown.
SHOWN_ISSUES = 1000


class ImportForm(FlaskForm):
    """The spreadsheet to import."""

    file = FileField(
        _l("Spreadsheet file (CSV)"),
        validators=[FileRequired(_l("Choose a CSV file to import."))],
        render_kw={"accept": ".csv,text/csv"},
    )


@bp.before_request
def _log_in_first() -> Response | None:
    """Send anonymous visitors to the login page first."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None


def issue_message(issue: Issue) -> str:
    """Return an import problem in the user's language."""
    messages = {
        "not_utf8": _(
            "The file is not UTF-8. In Excel choose “Save as” and the type “CSV UTF-8”, "
            "then upload that file."
        ),
        "file_too_large": _(
            "The file is larger than %(mb)d MB. Split it into smaller files.", mb=MAX_MB
        ),
        "too_many_rows": _(
            "The file has more than %(rows)d products. Split it into smaller files.",
            rows=MAX_ROWS,
        ),
        "empty_file": _("The file is empty."),
        "no_rows": _("The file has a header row but no products."),
        "bad_csv": _("This line cannot be read; check its quotation marks."),
        "unknown_column": _("Unknown column. Use the columns of the template."),
        "duplicate_column": _("This column appears twice in the header row."),
        "missing_column": _("This column is missing from the header row."),
        "extra_cells": _("This row has more cells than the header row."),
        "duplicate_row": _("This product code (SKU) is already used on an earlier line."),
        "other_stall": _("This row is for another stall; you can only import your own products."),
        "unknown_stall": _("No stall has this address."),
        "unknown_category": _("Unknown category. Use a category from the list below."),
        "unknown_province": _("Unknown province or city. Write its name, e.g. “Phú Thọ”."),
        "unknown_certification": _(
            "Unknown certification. Write VietGAP, GlobalGAP or organic, separated by “;”."
        ),
        "lot_required": _("A harvest date needs a lot code in the “lot” column."),
    }
    if issue.code in messages:
        return messages[issue.code]
    return field_error(FieldError(issue.column, issue.code, issue.message))


def summary_message(summary: ImportSummary) -> str:
    """Describe a finished import."""
    return _(
        "Import finished: %(created)d products added and %(updated)d updated; "
        "%(certificates)d certificates wait for review; %(lots)d lots added.",
        created=summary.products_created,
        updated=summary.products_updated,
        certificates=summary.certificates_created,
        lots=summary.lots_created,
    )


@bp.route("/<slug>/import", methods=["GET", "POST"])
def upload(slug: str) -> Response | tuple[str, int]:
    """Check a CSV file and add or update its products; nothing changes if a row is wrong."""
    stall, role = staff_stall(slug, StaffRole.MANAGER)
    form = ImportForm()
    issues: list[Issue] = []
    status = 200
    if form.validate_on_submit():
        data = form.file.data.read(MAX_MB * 1024 * 1024 + 1)
        try:
            summary = import_catalog(
                db_session(),
                data,
                actor=seller.actor(),
                stall=stall,
                max_bytes=MAX_MB * 1024 * 1024,
                max_rows=MAX_ROWS,
            )
        except ImportRejected as exc:
            issues, status = exc.issues, 422
        else:
            flash(summary_message(summary), "success")
            return redirect(url_for(".upload", slug=stall.slug))
    elif form.is_submitted():
        status = 400
    return render_template(
        "seller/import.html",
        stall=stall,
        role=role,
        form=form,
        columns=COLUMNS,
        issues=[(issue, issue_message(issue)) for issue in issues[:SHOWN_ISSUES]],
        issue_count=len(issues),
        categories=board.category_tree(db_session()),
        max_mb=MAX_MB,
        max_rows=MAX_ROWS,
    ), status


@bp.route("/<slug>/import/template.csv")
def template(slug: str) -> Response:
    """Download an example file with the right columns and one product."""
    stall, _role = staff_stall(slug, StaffRole.MANAGER)
    return _csv(_example(stall), f"{stall.slug}-mau.csv")


@bp.route("/<slug>/export.csv")
def export(slug: str) -> Response:
    """Download the stall's catalog in the import's columns."""
    stall, _role = staff_stall(slug, StaffRole.MANAGER)
    return _csv(export_stall(db_session(), stall), f"{stall.slug}.csv")


def _csv(data: bytes, filename: str) -> Response:
    """Return CSV bytes as a download."""
    response = Response(data, mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _example(stall: Stall) -> bytes:
    """Return a one-product example file for the stall."""
    province = regions.province(stall.province_code)
    row = {
        "stall": stall.slug,
        "sku": "VD-001",
        "name": "Chè búp Tân Cương loại đặc biệt",
        "category": "Chè, trà",
        "price_vnd": 250000,
        "unit": "hộp 500g",
        "stock": 20,
        "ocop_stars": 4,
        "province": province.short_name if province else "",
        "description": "Chè búp hái một tôm hai lá, sao thủ công.",
        "certifications": "VietGAP",
        "lot": "L2025-10",
        "harvest_date": "15/10/2025",
    }
    return write_csv([row])
