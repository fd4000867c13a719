"""Seller pages for lots: list, create, events, corrections, recall, units and labels.

Every route starts with staff_stall(slug, role): staff may look and print labels, managers
and owners record. Another stall's lot is 404 (lookups are limited to the stall).
tests/traceability/test_seller_lots_authorization.py walks the URL map to prove it.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from catalog import fields
from catalog.services import badges_for
from marketplace import catalog_queries as queries
from marketplace import trace_links, trace_seller
from marketplace.extensions import db_session, login_manager
from marketplace.security import row_id
from marketplace.stalls import dashboard as board
from marketplace.stalls.models import StaffRole, Stall
from marketplace.views.seller import actor, place_name, status_for
from marketplace.views.seller_common import staff_stall
from marketplace.views.seller_fields import opts
from marketplace.views.seller_lot_forms import LotForm, RecallForm, UnitsForm, form_name
from traceability import services as trace
from traceability.chain import verify_chain
from traceability.events import PRESETS
from traceability.models import Lot
from traceability.timeline import timeline

from . import trace_messages

bp = Blueprint("seller_lots", __name__, url_prefix="/seller")


@bp.before_request
def _log_in_first() -> Response | None:
    """Send anonymous visitors to the login page."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None


@bp.context_processor
def _helpers() -> dict[str, Any]:
    """Give the lot templates the trace labels and the seller-area helpers."""
    from marketplace.views.seller import _helpers as seller_helpers

    return {**seller_helpers(), **trace_messages.helpers(), "place_name": place_name}


def stall_lot(stall: Stall, lot_id: int) -> tuple[Lot, Any]:
    """Return the stall's lot and its product, or 404."""
    found = trace_seller.stall_lot(db_session(), stall, lot_id)
    if found is None:
        abort(404)
    return found


# Service field names that differ from the forms'.
ALIASES = {"event_time": "event_date", "farm": "farm_id", "product": "product_id"}


def show_error(form: Any, exc: fields.FieldError) -> None:
    """Attach a traceability error to its field, or to the form."""
    names = (exc.field, form_name(exc.field), ALIASES.get(exc.field, ""))
    target = next((form._fields[n] for n in names if n in form._fields), None)
    message = trace_messages.trace_error(exc)
    if target is None:
        form.form_errors.append(message)
    else:
        target.errors = [*target.errors, message]


@bp.route("/<slug>/lots")
def lots(slug: str) -> str:
    """List the stall's lots, with the scan counts that look like copied labels on top."""
    stall, role = staff_stall(slug, StaffRole.STAFF)
    session = db_session()
    product_id = request.args.get("product", type=row_id)
    anomalies = trace_seller.anomaly_rows(session, trace.scan_anomalies(session, stall.id))
    return render_template(
        "seller/lots.html",
        stall=stall,
        role=role,
        rows=trace_seller.stall_lots(session, stall, product_id),
        anomalies=anomalies,
        product_id=product_id,
        today=queries.today(),
    )


def _new_lot_form(stall: Stall) -> LotForm:
    session = db_session()
    product_id = request.args.get("product", type=row_id)
    product = board.stall_product(session, stall, product_id) if product_id else None
    data: dict[str, Any] = {"harvest_date": queries.today().isoformat()}
    if product is not None:
        data |= {
            "product_id": product.id,
            "code": trace_seller.suggest_code(session, product.id, queries.today()),
            "unit": product.unit,
            "farms": [product.farm_id] if product.farm_id else [],
        }
    form = LotForm(data=data)
    choices = [("", _("Choose…")), *board.product_choices(session, stall)]
    form.product_id.choices = opts(choices)
    form.farms.choices = [(f.id, f.name) for f in board.farms_of(session, stall)]
    return form


def _quantity(raw: str | None) -> int | None:
    text = (raw or "").strip().replace(".", "").replace(" ", "")
    if not text:
        return None
    if not (text.isascii() and text.isdigit()):  # "²".isdigit() is True, int("²") fails
        raise trace.TraceError("quantity", "not_an_integer", "quantity must be a whole number")
    return int(text)


@bp.route("/<slug>/lots/new", methods=["GET", "POST"])
def lot_new(slug: str) -> Response | tuple[str, int]:
    """Create a lot from a product: the code is suggested, harvest defaults to today."""
    stall, role = staff_stall(slug, StaffRole.MANAGER)
    session = db_session()
    form = _new_lot_form(stall)
    if form.validate_on_submit():
        product = board.stall_product(session, stall, form.product_id.data)
        farms = [f for f in board.farms_of(session, stall) if f.id in set(form.farms.data or [])]
        try:
            if product is None:
                raise trace.TraceError("product_id", "unknown_product", "not a product here")
            lot = trace.create_lot(
                session,
                product,
                form.code.data,
                farms=farms,
                quantity=_quantity(form.quantity.data),
                unit=form.unit.data or "",
                **{
                    name: fields.day(name, form[name].data)
                    for name in ("harvest_date", "production_date", "packing_date", "expiry_date")
                },
            )
        except fields.FieldError as exc:
            show_error(form, exc)
        else:
            flash(_("Lot %(code)s was created. Record its first event now.", code=lot.code))
            return redirect(url_for("seller_lots.lot", slug=slug, lot_id=lot.id))
    return render_template("seller/lot_form.html", stall=stall, role=role, form=form), status_for(
        form
    )


@bp.route("/<slug>/lots/<int:lot_id>")
def lot(slug: str, lot_id: int) -> str:
    """Show a lot: its record, events (with corrections), units and what to do next."""
    stall, role = staff_stall(slug, StaffRole.STAFF)
    session = db_session()
    found, product = stall_lot(stall, lot_id)
    events = trace.lot_events(session, found.id)
    base = current_app.config["PUBLIC_BASE_URL"]
    return render_template(
        "seller/lot.html",
        stall=stall,
        role=role,
        lot=found,
        product=product,
        entries=timeline(events),
        chain=verify_chain(events, found.chain_length, found.chain_head),
        units=trace_seller.lot_units(session, found),
        units_form=UnitsForm(),
        trace_url=trace_links.lot_trace_url(session, found, product.gtin, base),
        presets=PRESETS,
        today=queries.today(),
    )


@bp.route("/<slug>/lots/<int:lot_id>/recall", methods=["GET", "POST"])
def recall(slug: str, lot_id: int) -> Response | tuple[str, int]:
    """Recall a lot: everyone who scans it then sees the warning."""
    stall, role = staff_stall(slug, StaffRole.MANAGER)
    found, product = stall_lot(stall, lot_id)
    form = RecallForm()
    if form.validate_on_submit():
        try:
            trace.recall_lot(db_session(), found, form.reason.data, actor().id)
        except fields.FieldError as exc:
            show_error(form, exc)
        else:
            flash(_("Lot %(code)s is recalled; its page now says so.", code=found.code))
            return redirect(url_for("seller_lots.lot", slug=slug, lot_id=found.id))
    return render_template(
        "seller/lot_recall.html", stall=stall, role=role, lot=found, product=product, form=form
    ), status_for(form)


@bp.route("/<slug>/lots/<int:lot_id>/units", methods=["POST"])
def units(slug: str, lot_id: int) -> Response:
    """Issue serial codes for the units of a lot (high-value goods)."""
    stall, _role = staff_stall(slug, StaffRole.MANAGER)
    found, _product = stall_lot(stall, lot_id)
    form = UnitsForm()
    target = url_for("seller_lots.lot", slug=slug, lot_id=found.id) + "#units"
    if not form.validate_on_submit():
        abort(400)
    try:
        count = int((form.count.data or "").strip())
        made = trace.issue_units(db_session(), found, count)
    except ValueError:
        flash(_("Enter a whole number."), "error")
    except fields.FieldError as exc:
        flash(trace_messages.trace_error(exc), "error")
    else:
        flash(_("%(n)d serial codes were issued; print their labels.", n=len(made)), "success")
    return redirect(target)


def ocop_stars(product: Any) -> int | None:
    """Return the product's verified OCOP stars (for labels)."""
    return badges_for(db_session(), [product], queries.today())[product.id].ocop_stars


# Events, corrections and labels add their routes to this blueprint.
from marketplace.views import seller_lot_events  # noqa: E402, F401
