"""A stall's orders (list, detail, state changes, money received, packing slip) and its
delivery and payment settings. Every route starts with staff_stall(slug, minimum role)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from marketplace import catalog_display as display
from marketplace.extensions import db_session, login_manager
from marketplace.orders import notify, payment_flow, queries, refunds
from marketplace.orders import services as orders
from marketplace.orders import stall_settings as settings_service
from marketplace.orders.checkout import settings_for
from marketplace.orders.labels import order_error, order_labels
from marketplace.orders.models import Order, OrderStatus
from marketplace.orders.payout_csv import percent
from marketplace.stalls import services as stalls
from marketplace.stalls.models import StaffRole, Stall
from marketplace.views import seller as seller_area
from marketplace.views.checkout_forms import SettingsForm, ShipForm, amount
from marketplace.views.orders import record_payment
from marketplace.views.public import page_number
from marketplace.views.seller_common import staff_stall

bp = Blueprint("seller_orders", __name__, url_prefix="/seller")
# The stall menu macro needs the seller area's template helpers (role_at_least, place_name).
bp.context_processor(seller_area._helpers)


@bp.before_request
def _log_in_first() -> Response | None:
    """Send anonymous visitors to the login page before any seller page."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None


def _order(slug: str, reference: str) -> tuple[Stall, StaffRole, Order]:
    """Return the stall, the user's role and the stall's order; 404 for any other order."""
    stall, role = staff_stall(slug, StaffRole.STAFF)
    order = queries.stall_order(db_session(), stall.id, reference)
    if order is None:
        abort(404)
    return stall, role, order


@bp.route("/<slug>/orders")
def index(slug: str) -> str:
    """List the stall's orders, newest first, optionally of one status."""
    stall, role = staff_stall(slug, StaffRole.STAFF)
    raw = request.args.get("status", "")
    status = OrderStatus(raw) if raw in OrderStatus._value2member_map_ else None
    page = queries.stall_orders(db_session(), stall.id, status, page_number())
    return render_template(
        "seller/orders.html",
        stall=stall,
        role=role,
        page=page,
        status=status,
        counts=queries.status_counts(db_session(), stall.id),
        labels=order_labels(),
    )


def _detail_context(stall: Stall, order: Order) -> dict[str, Any]:
    checkout = order.checkout
    return {
        "stall": stall,
        "order": order,
        "checkout": checkout,
        "address": display.location(checkout.province_code, checkout.ward_code),
        "history": queries.history(db_session(), [order.id])[order.id],
        "next_states": sorted(orders.TRANSITIONS[order.status], key=list(OrderStatus).index),
        "may_confirm": payment_flow.may_confirm(db_session(), order, by_admin=False),
        "may_record_late": refunds.may_record_late(db_session(), order, by_admin=False),
        "labels": order_labels(),
    }


@bp.route("/<slug>/orders/<reference>")
def detail(slug: str, reference: str) -> str:
    """Show an order with the buttons for the changes it allows."""
    stall, role, order = _order(slug, reference)
    return render_template("seller/orders_detail.html", role=role, **_detail_context(stall, order))


@bp.route("/<slug>/orders/<reference>/slip")
def slip(slug: str, reference: str) -> str:
    """Show a printable packing slip."""
    stall, _role, order = _order(slug, reference)
    return render_template("seller/orders_slip.html", **_detail_context(stall, order))


@bp.route("/<slug>/orders/<reference>/status", methods=["POST"])
def move(slug: str, reference: str) -> Response:
    """Move the order to the state of the pressed button (with who and when)."""
    stall, _role, order = _order(slug, reference)
    back = redirect(url_for("seller_orders.detail", slug=stall.slug, reference=order.reference))
    form = ShipForm()
    raw = request.form.get("status", "")
    if not form.validate_on_submit() or raw not in OrderStatus._value2member_map_:
        flash(_("Please check the form and try again."), "error")
        return back
    new = OrderStatus(raw)
    note = (form.note.data or "").strip()
    try:
        if new is OrderStatus.CANCELLED:
            payment_flow.cancel(db_session(), order, current_user.id, current_app.config)
        else:
            orders.move(
                db_session(),
                order,
                new,
                current_user.id,
                form.carrier.data,
                form.tracking.data,
                note,
            )
    except orders.OrderError as exc:
        flash(order_error(exc.code), "error")
        return back
    notify.changed(db_session(), order, "status", note)
    label = order_labels()["status"][new.value]
    flash(
        _("Order %(reference)s is now: %(status)s.", reference=order.reference, status=label),
        "success",
    )
    return back


@bp.route("/<slug>/orders/<reference>/paid", methods=["POST"])
def paid(slug: str, reference: str) -> Response:
    """Record the money as received: cash on delivery, or a transfer into the stall's account."""
    stall, _role, order = _order(slug, reference)
    back = redirect(url_for("seller_orders.detail", slug=stall.slug, reference=order.reference))
    if ShipForm().validate_on_submit():
        record_payment(order, by_admin=False)
    return back


@bp.route("/<slug>/settings", methods=["GET", "POST"])
def settings(slug: str) -> Response | tuple[str, int]:
    """Set delivery options and fees, cash on delivery and the bank account for transfers."""
    stall, role = staff_stall(slug, StaffRole.OWNER)
    current = settings_for(db_session(), stall.id)
    form = SettingsForm(obj=current)
    form.bank_bin.data = form.bank_bin.data or ""  # no bank yet is the empty choice, not None
    if request.method == "GET":
        form.delivery_fee_vnd.data = str(current.delivery_fee_vnd)
        over = current.free_delivery_over_vnd
        form.free_delivery_over_vnd.data = str(over) if over is not None else ""
        form.province_fees.data = settings_service.format_province_fees(current.province_fees)
    context = {
        "stall": stall,
        "role": role,
        "form": form,
        "commission": percent(current.commission_bp),
    }
    if form.validate_on_submit():
        try:
            values = {key: form[key].data for key in settings_service.EDITABLE}
            values["delivery_fee_vnd"] = amount(form.delivery_fee_vnd.data)
            values["free_delivery_over_vnd"] = amount(form.free_delivery_over_vnd.data)
            values["province_fees"] = settings_service.parse_province_fees(form.province_fees.data)
            default_bp = int(current_app.config["ORDER_COMMISSION_BP"])
            _row, changes = settings_service.save(db_session(), stall.id, values, default_bp)
        except settings_service.SettingsError as exc:
            form[exc.field].errors = [*form[exc.field].errors, settings_error(exc)]
        else:
            if changes:
                stalls.audit(
                    db_session(), stall, current_user, "settings_changed", fields=sorted(changes)
                )
            flash(_("The delivery and payment settings were saved."), "success")
            return redirect(url_for("seller_orders.settings", slug=stall.slug))
    status = 400 if form.is_submitted() else 200
    return render_template("seller/settings.html", **context), status


def settings_error(exc: settings_service.SettingsError) -> str:
    """Return the message for a refused setting."""
    messages = {
        "required": _("Please fill in this field."),
        "bad_fee": _("Enter a fee in whole đồng, for example 30000."),
        "no_delivery": _("Offer pickup, delivery or both."),
        "unknown_province": _(
            "Line %(n)d: write a province and a fee, like “Hà Nội: 25000”.", n=exc.line
        ),
        "bank_incomplete": _("Give both the bank and the account number, or neither."),
        "unknown_bank": _("Choose a bank from the list."),
        "bad_account": _("An account number has 1–19 letters or digits, without spaces."),
    }
    if exc.code == "bad_fee" and exc.line:
        return _("Line %(n)d: the fee must be whole đồng, like 25000.", n=exc.line)
    return messages.get(exc.code, _("This value is not valid."))
