"""Seller pages of one lot: record an event, correct one, print label sheets (PDF)."""

from __future__ import annotations

import re
from typing import Any

from flask import (
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from catalog import fields
from marketplace import catalog_queries as queries
from marketplace import trace_links, trace_seller
from marketplace.db import as_utc
from marketplace.extensions import db_session
from marketplace.formatting import VIETNAM
from marketplace.stalls import dashboard as board
from marketplace.stalls.models import StaffRole, Stall
from marketplace.views.seller import actor, status_for
from marketplace.views.seller_common import staff_stall
from marketplace.views.seller_lot_forms import event_details, event_form, form_data, label_sizes
from marketplace.views.seller_lots import bp, ocop_stars, show_error, stall_lot
from traceability import services as trace
from traceability.events import PRESETS, RECALL
from traceability.labels import SIZES, render_labels
from traceability.models import Farm, Lot, TraceEvent
from traceability.timeline import effective_details, effective_kind

MAX_LABELS = 2000  # per PDF: a bigger run is printed in batches


def _choices(stall: Stall, lot: Lot) -> tuple[list[Farm], list[tuple[int, str]]]:
    session = db_session()
    farms = board.farms_of(session, stall)
    return farms, trace_seller.lot_choices(session, stall, lot.id)


def _farm(farms: list[Farm], farm_id: int | None) -> Farm | None:
    return next((f for f in farms if f.id == farm_id), None)


def _day(form: Any) -> Any:
    return fields.day("event_time", form.event_date.data) or queries.today()


@bp.route("/<slug>/lots/<int:lot_id>/events/new", methods=["GET", "POST"])
def event_new(slug: str, lot_id: int) -> Response | tuple[str, int]:
    """Record an event: pick its kind, then fill in the date (today) and what it needs."""
    stall, role = staff_stall(slug, StaffRole.MANAGER)
    lot, product = stall_lot(stall, lot_id)
    kind = request.args.get("kind")
    page = {"stall": stall, "role": role, "lot": lot, "product": product, "kind": kind}
    if kind not in PRESETS:
        return render_template("seller/lot_event_kinds.html", presets=PRESETS, **page), 200
    farms, lots = _choices(stall, lot)
    default = lot.farms[0].id if len(lot.farms) == 1 else None
    data = {"event_date": queries.today().isoformat(), "farm_id": default}
    form = event_form(kind, [(f.id, f.name) for f in farms], lots, data=data)
    if form.validate_on_submit():
        try:
            trace.add_event(
                db_session(),
                lot,
                kind,
                event_time=_day(form),
                farm=_farm(farms, form.farm_id.data),
                actor_id=actor().id,
                details=event_details(form, kind),
            )
        except fields.FieldError as exc:
            show_error(form, exc)
        else:
            flash(_("The event was recorded."), "success")
            return redirect(url_for("seller_lots.lot", slug=slug, lot_id=lot.id) + "#journey")
    return render_template("seller/lot_event_form.html", form=form, **page), status_for(form)


def _event(lot: Lot, event_id: int) -> TraceEvent:
    event = db_session().get(TraceEvent, event_id)
    if event is None or event.lot_id != lot.id:
        abort(404)
    return event


@bp.route("/<slug>/lots/<int:lot_id>/events/<int:event_id>/correct", methods=["GET", "POST"])
def event_correct(slug: str, lot_id: int, event_id: int) -> Response | tuple[str, int]:
    """Correct an event: a new record declares the old one wrong (nothing is edited)."""
    stall, role = staff_stall(slug, StaffRole.MANAGER)
    lot, product = stall_lot(stall, lot_id)
    event = _event(lot, event_id)
    back = url_for("seller_lots.lot", slug=slug, lot_id=lot.id) + "#journey"
    if event.kind == RECALL:
        flash(_("A recall cannot be corrected."), "error")
        return redirect(back)
    kind = effective_kind(event)
    farms, lots = _choices(stall, lot)
    local_day = as_utc(event.event_time).astimezone(VIETNAM).date()
    data = {
        **form_data(kind, effective_details(event)),
        "event_date": local_day.isoformat(),
        "farm_id": event.farm_id,
        "reason": "incorrect_data",
    }
    farm_pairs = [(f.id, f.name) for f in farms]
    form = event_form(kind, farm_pairs, lots, correction=True, data=data)
    if form.validate_on_submit():
        wrong = form.reason.data == "incorrect_data"
        try:
            trace.correct_event(
                db_session(),
                lot,
                event.id,
                form.reason.data,
                actor().id,
                replacement=event_details(form, kind) if wrong else None,
                event_time=_day(form) if wrong else None,
                farm=_farm(farms, form.farm_id.data) if wrong else None,
                note=form.correction_note.data or "",
            )
        except fields.FieldError as exc:
            show_error(form, exc)
        else:
            flash(_("The correction was recorded; shoppers see both records."), "success")
            return redirect(back)
    page = {"stall": stall, "role": role, "lot": lot, "product": product, "kind": kind}
    return render_template(
        "seller/lot_event_form.html", form=form, event=event, **page
    ), status_for(form)


@bp.route("/<slug>/lots/<int:lot_id>/labels")
def labels(slug: str, lot_id: int) -> str:
    """Choose the label sheet: size, lot labels or one per serial code."""
    stall, role = staff_stall(slug, StaffRole.STAFF)
    lot, product = stall_lot(stall, lot_id)
    unit_count = trace_seller.unit_count(db_session(), lot)
    batches = [(n, min(n + MAX_LABELS, unit_count)) for n in range(0, unit_count, MAX_LABELS)]
    return render_template(
        "seller/lot_labels.html",
        stall=stall,
        role=role,
        lot=lot,
        product=product,
        sizes=label_sizes(),
        unit_count=unit_count,
        batches=batches,
    )


def _bounded(name: str, default: int, low: int, high: int) -> int:
    value = request.args.get(name, default, type=int)
    if value is None or not low <= value <= high:
        abort(400)
    return value


@bp.route("/<slug>/lots/<int:lot_id>/labels.pdf")
def labels_pdf(slug: str, lot_id: int) -> Response:
    """Return an A4 PDF of labels: QR code, product, lot, OCOP stars and the short link."""
    stall, _role = staff_stall(slug, StaffRole.STAFF)
    lot, product = stall_lot(stall, lot_id)
    size = request.args.get("size", "medium")
    if size not in SIZES:
        abort(400)
    per_page = SIZES[size].per_page
    units = request.args.get("what") == "units"
    copies = _bounded("copies", per_page, 1, MAX_LABELS)
    skip = _bounded("skip", 0, 0, per_page - 1)
    start = _bounded("start", 0, 0, 10**9)
    base = current_app.config["PUBLIC_BASE_URL"]
    sheet = trace_links.labels(
        db_session(), lot, product, base, ocop_stars(product), copies=copies, units=units
    )
    sheet = sheet[start : start + MAX_LABELS] if units else sheet
    if not sheet:
        flash(_("Issue serial codes first, then print their labels."), "error")
        return redirect(url_for("seller_lots.labels", slug=slug, lot_id=lot.id))
    pdf = render_labels(sheet, size, lot_caption=_("Lot"), skip=skip)
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", f"labels-{product.sku}-{lot.code}").strip("-")
    response = make_response(pdf)
    response.mimetype = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
