"""What every seller route shares: finding the stall the user works in, or refusing."""

from __future__ import annotations

from flask import abort
from flask_login import current_user

from marketplace.extensions import db_session
from marketplace.stalls import services as stalls
from marketplace.stalls.models import ROLE_RANK, StaffRole, Stall


def staff_stall(slug: str, minimum: StaffRole = StaffRole.STAFF) -> tuple[Stall, StaffRole]:
    """Return the stall and the user's role in it; 404 for outsiders, 403 below `minimum`."""
    if not current_user.is_authenticated:
        abort(401)
    stall = stalls.stall_by_slug(db_session(), slug)
    role = stalls.role_in(db_session(), current_user, stall) if stall else None
    if stall is None or role is None:
        # Outsiders learn nothing, not even that the stall exists.
        abort(404)
    if ROLE_RANK[role] < ROLE_RANK[minimum]:
        abort(403)
    return stall, role
