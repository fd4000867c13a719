"""Administrators: every order, card refunds, transfer receipts, commissions, payouts."""

from __future__ import annotations

import enum
from datetime import timedelta
from typing import TypeVar

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import StringField

from catalog import fields
from marketplace import catalog_display as display
from marketplace.auth import role_required
from marketplace.extensions import db_session
from marketplace.orders import notify, payment_flow, queries, refunds
from marketplace.orders import services as orders
from marketplace.orders import stall_settings as settings_service
from marketplace.orders.checkout import settings_for
from marketplace.orders.labels import order_error, order_labels
from marketplace.orders.models import Order, OrderStatus, PaymentMethod, PaymentState
from marketplace.orders.payout_csv import parse_month, percent, statement_csv
from marketplace.stalls import services as stalls
from marketplace.stalls.models import Stall
from marketplace.users.models import Role
from marketplace.views.checkout_forms import CommissionForm
from marketplace.views.orders import record_payment
from marketplace.views.public import page_number
from marketplace.views.seller_fields import rule, text_rule
from payments import services as payments
from payments.base import PaymentError
from payments.models import PaymentStatus

bp = Blueprint("admin_orders", __name__, url_prefix="/admin/orders")
E = TypeVar("E", bound=enum.Enum)
MAX_VND = 10_000_000_000  # above any order total the market can hold


def _order(reference: str) -> Order:
    order = queries.order_by_reference(db_session(), reference)
    if order is None:
        abort(404)
    return order


def _choice(enum_type: type[E], name: str) -> E | None:
    """Return the enum member a query-string filter names (None when absent or unknown)."""
    raw = request.args.get(name, "")
    return enum_type(raw) if raw in enum_type._value2member_map_ else None


class RefundForm(FlaskForm):
    """Money an administrator saw go back to the buyer outside the app (cash or transfer)."""

    amount_vnd = StringField(
        _l("Amount returned (đồng)"),
        validators=[rule(lambda v: fields.whole_number("amount", v, maximum=MAX_VND))],
        render_kw={"inputmode": "numeric"},
    )
    note = StringField(
        _l("How it went back (transfer reference, receipt…)"),
        validators=[text_rule(500, required=True)],
    )


@bp.route("/")
@role_required(Role.ADMIN)
def index() -> str:
    """List every stall's orders, filtered by status, payment or reference."""
    status = _choice(OrderStatus, "status")
    payment = _choice(PaymentState, "payment")
    text = request.args.get("q", "")[:40]
    late = request.args.get("late") == "1"
    page = queries.all_orders(
        db_session(), status, payment, text, page_number(), awaiting_refund=late
    )
    return render_template(
        "admin/orders.html",
        page=page,
        status=status,
        payment=payment,
        q=text,
        late=late,
        labels=order_labels(),
    )


@bp.route("/<reference>")
@role_required(Role.ADMIN)
def detail(reference: str) -> str:
    """Show an order with its payment and what an administrator may do with it."""
    order = _order(reference)
    checkout = order.checkout
    payment = payments.latest_payment(db_session(), checkout.id)
    refundable = (
        checkout.payment_method is PaymentMethod.STRIPE
        and order.payment_state is PaymentState.PAID
        and payment is not None
        and payment.status is PaymentStatus.SUCCEEDED
    )
    return render_template(
        "admin/orders_detail.html",
        order=order,
        checkout=checkout,
        stall=db_session().get(Stall, order.stall_id),
        payment=payment,
        refundable=refundable,
        may_confirm=payment_flow.may_confirm(db_session(), order, by_admin=True),
        may_record_late=refunds.may_record_late(db_session(), order, by_admin=True),
        refund_form=RefundForm(amount_vnd=str(order.total_vnd))
        if refunds.may_refund_by_hand(order)
        else None,
        address=display.location(checkout.province_code, checkout.ward_code),
        history=queries.history(db_session(), [order.id])[order.id],
        labels=order_labels(),
        form=FlaskForm(),
        percent=percent,
    )


@bp.route("/<reference>/refund", methods=["POST"])
@role_required(Role.ADMIN)
def refund(reference: str) -> Response:
    """Refund a paid card order through Stripe."""
    order = _order(reference)
    back = redirect(url_for("admin_orders.detail", reference=order.reference))
    if not FlaskForm().validate_on_submit():
        return back
    try:
        done = payment_flow.refund_order(db_session(), order, current_user.id, current_app.config)
    except (PaymentError, orders.OrderError) as exc:
        flash(order_error(exc.code), "error")
        return back
    if done:
        notify.refunded(db_session(), [order])
        flash(_("Order %(reference)s was refunded.", reference=order.reference), "success")
    else:
        flash(_("The refund was sent to Stripe and waits for its confirmation."), "info")
    return back


@bp.route("/<reference>/refund-by-hand", methods=["POST"])
@role_required(Role.ADMIN)
def refund_by_hand(reference: str) -> Response:
    """Record that a cash or transfer order's money went back to the buyer outside the app."""
    order = _order(reference)
    back = redirect(url_for("admin_orders.detail", reference=order.reference))
    form = RefundForm()
    if not form.validate_on_submit():
        problems = [str(e) for f in (form.amount_vnd, form.note) for e in f.errors]
        flash(" ".join(problems) or _("Please try again."), "error")
        return back
    amount = fields.whole_number("amount", form.amount_vnd.data, maximum=MAX_VND)
    try:
        refunds.refund_by_hand(
            db_session(), order, current_user.id, amount, form.note.data, current_app.config
        )
    except orders.OrderError as exc:
        flash(order_error(exc.code), "error")
        return back
    notify.refunded(db_session(), [order])
    flash(_("Order %(reference)s was refunded.", reference=order.reference), "success")
    return back


@bp.route("/<reference>/paid", methods=["POST"])
@role_required(Role.ADMIN)
def paid(reference: str) -> Response:
    """Confirm that a bank transfer (or cash) for the order arrived."""
    order = _order(reference)
    back = redirect(url_for("admin_orders.detail", reference=order.reference))
    if FlaskForm().validate_on_submit():
        record_payment(order, by_admin=True)
    return back


def _statement_args() -> tuple[Stall | None, tuple[int, int] | None]:
    """Read the stall and month of a payout statement from the query string."""
    stall = stalls.stall_by_slug(db_session(), request.args.get("stall", ""))
    try:
        month = parse_month(request.args.get("month", ""))
    except ValueError:
        month = None
    return stall, month


@bp.route("/payouts")
@role_required(Role.ADMIN)
def payouts() -> str:
    """Show a stall's payout statement for a month: orders, commission, amount owed."""
    stall, month = _statement_args()
    statement = None
    if stall is not None and month is not None:
        statement = orders.payout_statement(db_session(), stall.id, *month)
    all_stalls = db_session().scalars(select(Stall).order_by(Stall.name)).all()
    commission = CommissionForm()
    if stall is not None:
        commission.commission_bp.data = str(settings_for(db_session(), stall.id).commission_bp)
    return render_template(
        "admin/orders_payouts.html",
        stalls=all_stalls,
        stall=stall,
        month=request.args.get("month", ""),
        statement=statement,
        last_day=statement.end - timedelta(days=1) if statement else None,
        commission=commission,
        percent=percent,
    )


@bp.route("/payouts.csv")
@role_required(Role.ADMIN)
def payouts_csv() -> Response:
    """Download a payout statement as CSV."""
    stall, month = _statement_args()
    if stall is None or month is None:
        abort(404)
    statement = orders.payout_statement(db_session(), stall.id, *month)
    name = f"payout-{stall.slug}-{month[0]}-{month[1]:02d}.csv"
    return Response(
        statement_csv(statement, stall.name, stall.slug),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.route("/commission/<slug>", methods=["POST"])
@role_required(Role.ADMIN)
def commission(slug: str) -> Response:
    """Set the market's commission on a stall's future orders."""
    stall = stalls.stall_by_slug(db_session(), slug)
    if stall is None:
        abort(404)
    form = CommissionForm()
    back = redirect(
        url_for("admin_orders.payouts", stall=stall.slug, month=request.form.get("month", ""))
    )
    if not form.validate_on_submit():
        flash(
            " ".join(str(e) for e in form.commission_bp.errors) or _("Please try again."), "error"
        )
        return back
    bp_value = int(str(form.commission_bp.data).replace(".", "").strip())
    default_bp = int(current_app.config["ORDER_COMMISSION_BP"])
    settings_service.set_commission(db_session(), stall.id, bp_value, default_bp)
    stalls.audit(db_session(), stall, current_user, "commission_changed", commission_bp=bp_value)
    flash(
        _(
            "The commission of %(stall)s is now %(percent)s %%.",
            stall=stall.name,
            percent=percent(bp_value),
        ),
        "success",
    )
    return back
