"""Administrator pages: the dashboard and accounts (stall and certificate reviews live in
admin_stalls and admin_certificates, on this same blueprint)."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import TextAreaField
from wtforms.validators import Length

from catalog.models import Certificate, CertificateStatus
from marketplace.auth import role_required
from marketplace.extensions import db_session
from marketplace.stalls.models import Stall, StallStatus
from marketplace.users.models import Role, User

bp = Blueprint("admin", __name__, url_prefix="/admin")


class ReviewForm(FlaskForm):
    """A verdict: the pressed button's `action`, and a note the seller will read."""

    note = TextAreaField(_l("Reason or note for the seller"), validators=[Length(max=2000)])


@bp.route("/")
@role_required(Role.ADMIN)
def dashboard() -> str:
    """Show what waits for review and the market's accounts by role."""
    session = db_session()
    counts = dict(session.execute(select(User.role, func.count()).group_by(User.role)).all())
    pending_stalls = session.scalar(
        select(func.count()).select_from(Stall).where(Stall.status == StallStatus.PENDING)
    )
    pending_certificates = session.scalar(
        select(func.count())
        .select_from(Certificate)
        .where(Certificate.status == CertificateStatus.PENDING)
    )
    return render_template(
        "admin/dashboard.html",
        counts=counts,
        roles=list(Role),
        pending_stalls=pending_stalls or 0,
        pending_certificates=pending_certificates or 0,
    )


@bp.route("/users")
@role_required(Role.ADMIN)
def users() -> str:
    """List the newest accounts."""
    rows = db_session().scalars(select(User).order_by(User.created_at.desc()).limit(200)).all()
    return render_template("admin/users.html", users=rows)


# The review screens add their routes to `bp`; imported last because they import it.
from marketplace.views import admin_certificates, admin_stalls  # noqa: E402, F401
