"""Administrators review stalls: approve, reject, suspend, reinstate (nothing is deleted)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from catalog.models import Certificate, Product
from marketplace import catalog_display as display
from marketplace import catalog_queries as queries
from marketplace.auth import role_required
from marketplace.extensions import db_session
from marketplace.stalls import services as stalls
from marketplace.stalls.models import Stall, StallStaff, StallStatus
from marketplace.users.models import Role, User
from marketplace.views.admin import ReviewForm, bp
from marketplace.views.messages import field_error

# action -> (the status it sets, the statuses it may be taken from)
ACTIONS: dict[str, tuple[StallStatus, frozenset[StallStatus]]] = {
    "approve": (StallStatus.APPROVED, frozenset({StallStatus.PENDING, StallStatus.REJECTED})),
    "reject": (StallStatus.REJECTED, frozenset({StallStatus.PENDING})),
    "suspend": (StallStatus.SUSPENDED, frozenset({StallStatus.APPROVED})),
    "reinstate": (StallStatus.APPROVED, frozenset({StallStatus.SUSPENDED})),
}


def _done_message(action: str) -> str:
    return {
        "approve": _("The stall is approved and now visible to shoppers."),
        "reject": _("The stall is rejected. The seller can read your reason and apply again."),
        "suspend": _("The stall is suspended: hidden from shoppers, its data kept."),
        "reinstate": _("The stall is reinstated and visible to shoppers again."),
    }[action]


def _button_label(action: str) -> str:
    return {
        "approve": _("Approve"),
        "reject": _("Reject"),
        "suspend": _("Suspend"),
        "reinstate": _("Reinstate"),
    }[action]


def _status_arg() -> StallStatus:
    """Return the ?status= filter (pending when absent or unknown)."""
    try:
        return StallStatus(request.args.get("status", "pending"))
    except ValueError:
        return StallStatus.PENDING


@bp.route("/stalls", endpoint="stalls")
@role_required(Role.ADMIN)
def stall_list() -> str:
    """List the stalls in one status, oldest application first."""
    session = db_session()
    status = _status_arg()
    rows = session.scalars(
        select(Stall).where(Stall.status == status).order_by(Stall.created_at, Stall.id).limit(500)
    ).all()
    counts = dict(session.execute(select(Stall.status, func.count()).group_by(Stall.status)).all())
    return render_template(
        "admin/stalls.html",
        stalls=rows,
        status=status,
        statuses=list(StallStatus),
        counts=counts,
        province=display.province_short,
    )


def _load(stall_id: int) -> Stall:
    stall = db_session().get(Stall, stall_id)
    if stall is None:
        abort(404)
    return stall


def _review_page(stall: Stall, form: ReviewForm, status: int = 200) -> tuple[str, int]:
    """Render everything an administrator needs to judge a stall."""
    session = db_session()
    staff = session.execute(
        select(StallStaff.role, User.email, User.full_name)
        .join(User, User.id == StallStaff.user_id)
        .where(StallStaff.stall_id == stall.id)
        .order_by(StallStaff.id)
    ).all()
    products = dict(
        session.execute(
            select(Product.status, func.count())
            .where(Product.stall_id == stall.id)
            .group_by(Product.status)
        ).all()
    )
    certificates = session.execute(
        select(Certificate, Product.name)
        .outerjoin(Product, Product.id == Certificate.product_id)
        .where(Certificate.stall_id == stall.id)
        .order_by(Certificate.id.desc())
    ).all()
    page = render_template(
        "admin/stall.html",
        stall=stall,
        form=form,
        location=display.location(stall.province_code, stall.ward_code),
        staff=staff,
        products=products,
        product_total=sum(products.values()),
        certificates=certificates,
        audit=stalls.audit_log(session, stall),
        actions=[
            (name, _button_label(name))
            for name, (_target, sources) in ACTIONS.items()
            if stall.status in sources
        ],
        today=queries.today(),
    )
    return page, status


@bp.route("/stalls/<int:stall_id>")
@role_required(Role.ADMIN)
def stall(stall_id: int) -> tuple[str, int]:
    """Show a stall's profile, people, products, certificates and history."""
    return _review_page(_load(stall_id), ReviewForm())


@bp.route("/stalls/<int:stall_id>/review", methods=["POST"])
@role_required(Role.ADMIN)
def review_stall(stall_id: int) -> Response | tuple[str, int]:
    """Approve, reject (with a reason), suspend (with a reason) or reinstate a stall."""
    stall = _load(stall_id)
    form = ReviewForm()
    action = request.form.get("action", "")
    if not form.validate() or action not in ACTIONS:
        return _review_page(stall, form, 400)
    target, sources = ACTIONS[action]
    if stall.status not in sources:
        flash(_("This action is not possible for a stall in this state."), "error")
        return redirect(url_for("admin.stall", stall_id=stall.id))
    try:
        stalls.review(db_session(), stall, current_user, target, form.note.data or "")
    except stalls.StallError as exc:
        form.note.errors = [field_error(exc)]
        return _review_page(stall, form, 400)
    flash(_done_message(action), "success")
    return redirect(url_for("admin.stall", stall_id=stall.id))
