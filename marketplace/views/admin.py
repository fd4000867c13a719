"""Administrator pages."""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import func, select

from marketplace.auth import role_required
from marketplace.extensions import db_session
from marketplace.users.models import Role, User

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/")
@role_required(Role.ADMIN)
def dashboard() -> str:
    """Show the market's accounts by role."""
    counts = dict(
        db_session().execute(select(User.role, func.count()).group_by(User.role)).tuples().all()
    )
    return render_template("admin/dashboard.html", counts=counts, roles=list(Role))


@bp.route("/users")
@role_required(Role.ADMIN)
def users() -> str:
    """List the newest accounts."""
    rows = db_session().scalars(select(User).order_by(User.created_at.desc()).limit(200)).all()
    return render_template("admin/users.html", users=rows)
