"""Stall services: apply, review, staff and the audit log (flush, never commit)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog import fields, regions
from marketplace.db import utcnow
from marketplace.stalls.models import (
    ROLE_RANK,
    AuditEntry,
    StaffRole,
    Stall,
    StallKind,
    StallStaff,
    StallStatus,
)
from marketplace.users.models import Role, User

PROFILE_FIELDS = (
    "name",
    "kind",
    "province_code",
    "ward_code",
    "address_line",
    "phone",
    "registration_no",
    "description",
)


class StallError(fields.FieldError):
    """A stall rule was broken (the code is translated by the views)."""


def audit(
    session: Session, stall: Stall, actor: User | None, action: str, **detail: Any
) -> AuditEntry:
    """Record one change in a stall's audit log."""
    entry = AuditEntry(
        stall_id=stall.id, user_id=actor.id if actor else None, action=action, detail=detail
    )
    session.add(entry)
    session.flush()
    return entry


def check_profile(values: dict[str, Any]) -> dict[str, Any]:
    """Validate a stall's profile fields; raise StallError on the first bad one."""
    clean = {
        "name": fields.text("name", values.get("name"), max_length=120),
        "kind": StallKind(values.get("kind") or StallKind.HOUSEHOLD),
        "address_line": fields.text(
            "address_line", values.get("address_line"), max_length=200, required=False
        )
        or None,
        "phone": values.get("phone") or None,
        "registration_no": fields.text(
            "registration_no", values.get("registration_no"), max_length=40, required=False
        )
        or None,
        "description": fields.text(
            "description",
            values.get("description"),
            max_length=5000,
            required=False,
            multiline=True,
        ),
    }
    province = regions.province(int(values.get("province_code") or 0))
    if province is None:
        raise StallError("province_code", "unknown_province", "unknown province")
    clean["province_code"] = province.code
    ward_code = int(values.get("ward_code") or 0) or None
    if ward_code is not None:
        ward = regions.ward(ward_code)
        if ward is None or ward_code not in {w.code for w in regions.wards(province.code)}:
            raise StallError("ward_code", "unknown_ward", "the ward is not in that province")
    clean["ward_code"] = ward_code
    return clean


def stall_by_slug(session: Session, slug: str) -> Stall | None:
    """Return the stall with this slug."""
    return session.scalar(select(Stall).where(Stall.slug == slug))


def apply_for_stall(session: Session, owner: User, slug: str, **values: Any) -> Stall:
    """Open a stall application; the applicant becomes its owner and a seller."""
    slug = fields.slug(slug)
    if stall_by_slug(session, slug) is not None:
        raise StallError("slug", "slug_taken", "this address is taken")
    stall = Stall(slug=slug, status=StallStatus.PENDING, **check_profile(values))
    session.add(stall)
    session.flush()
    session.add(StallStaff(stall_id=stall.id, user_id=owner.id, role=StaffRole.OWNER))
    if owner.role == Role.SHOPPER:
        owner.role = Role.SELLER
    audit(session, stall, owner, "applied", name=stall.name)
    return stall


def update_profile(session: Session, stall: Stall, actor: User, **values: Any) -> dict[str, Any]:
    """Change a stall's profile; a rejected stall goes back to review."""
    clean = check_profile(values)
    changes = {}
    for name in PROFILE_FIELDS:
        old, new = getattr(stall, name), clean[name]
        if old != new:
            changes[name] = [str(old) if old is not None else None, str(new) if new else None]
            setattr(stall, name, new)
    if stall.status == StallStatus.REJECTED:
        stall.status = StallStatus.PENDING
        changes["status"] = ["rejected", "pending"]
    if changes:
        audit(session, stall, actor, "profile_updated", changes=changes)
    return changes


def set_image(session: Session, stall: Stall, actor: User, which: str, key: str) -> None:
    """Set the stall's logo or banner."""
    if which not in ("logo", "banner"):
        raise ValueError(which)
    setattr(stall, f"{which}_key", key)
    audit(session, stall, actor, f"{which}_changed")


def review(
    session: Session, stall: Stall, admin: User, status: StallStatus, note: str = ""
) -> None:
    """Approve, reject, suspend or reinstate a stall (data is never deleted)."""
    if status in (StallStatus.REJECTED, StallStatus.SUSPENDED) and not note.strip():
        raise StallError("note", "reason_required", "give the seller a reason")
    old = stall.status
    stall.status = status
    stall.review_note = note.strip() or None
    stall.reviewed_at = utcnow()
    stall.reviewed_by_id = admin.id
    audit(session, stall, admin, "status_changed", old=old.value, new=status.value, note=note)


def role_in(session: Session, user: User, stall: Stall) -> StaffRole | None:
    """Return the user's role in a stall, if any."""
    return session.scalar(
        select(StallStaff.role).where(
            StallStaff.stall_id == stall.id, StallStaff.user_id == user.id
        )
    )


def may(session: Session, user: User, stall: Stall, minimum: StaffRole) -> bool:
    """Return whether the user holds at least the given role in the stall."""
    role = role_in(session, user, stall)
    return role is not None and ROLE_RANK[role] >= ROLE_RANK[minimum]


def stalls_of(session: Session, user: User) -> list[tuple[Stall, StaffRole]]:
    """Return the stalls a user works in, with the role in each."""
    rows = session.execute(
        select(Stall, StallStaff.role)
        .join(StallStaff, StallStaff.stall_id == Stall.id)
        .where(StallStaff.user_id == user.id)
        .order_by(Stall.name)
    ).all()
    return [(stall, role) for stall, role in rows]


def add_staff(session: Session, stall: Stall, actor: User, email: str, role: StaffRole) -> None:
    """Give an existing account a role in the stall (only owners make owners)."""
    from marketplace.users.services import find_user

    user = find_user(session, email)
    if user is None:
        raise StallError("email", "no_such_account", "no account uses this email")
    if role == StaffRole.OWNER and not may(session, actor, stall, StaffRole.OWNER):
        raise StallError("role", "owner_only", "only an owner can add an owner")
    existing = session.scalar(
        select(StallStaff).where(StallStaff.stall_id == stall.id, StallStaff.user_id == user.id)
    )
    if existing is not None:
        owners = [s for s in stall.staff if s.role == StaffRole.OWNER]
        if existing.role == StaffRole.OWNER and role != StaffRole.OWNER and len(owners) <= 1:
            raise StallError("role", "last_owner", "a stall needs at least one owner")
        existing.role = role
    else:
        session.add(StallStaff(stall_id=stall.id, user_id=user.id, role=role))
    if user.role == Role.SHOPPER:
        user.role = Role.SELLER
    audit(session, stall, actor, "staff_set", email=user.email, role=role.value)


def remove_staff(session: Session, stall: Stall, actor: User, user_id: int) -> None:
    """Take a person's role away; the last owner cannot be removed."""
    member = session.scalar(
        select(StallStaff).where(StallStaff.stall_id == stall.id, StallStaff.user_id == user_id)
    )
    if member is None:
        return
    owners = [s for s in stall.staff if s.role == StaffRole.OWNER]
    if member.role == StaffRole.OWNER and len(owners) <= 1:
        raise StallError("user_id", "last_owner", "a stall needs at least one owner")
    if member.role == StaffRole.OWNER and not may(session, actor, stall, StaffRole.OWNER):
        raise StallError("role", "owner_only", "only an owner can remove an owner")
    stall.staff.remove(member)
    audit(session, stall, actor, "staff_removed", user_id=user_id)
    session.flush()


def audit_log(session: Session, stall: Stall, limit: int = 200) -> list[tuple[AuditEntry, str]]:
    """Return the newest audit entries with the actor's email (or 'system')."""
    rows = session.execute(
        select(AuditEntry, User.email)
        .outerjoin(User, User.id == AuditEntry.user_id)
        .where(AuditEntry.stall_id == stall.id)
        .order_by(AuditEntry.id.desc())
        .limit(limit)
    ).all()
    return [(entry, email or "system") for entry, email in rows]
