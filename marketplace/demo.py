"""The demo market: accounts for each role (stalls and products join as the catalog grows)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.users import services as users
from marketplace.users.models import Role, User

DEMO_PASSWORD = "chophien-demo"  # noqa: S105 -- public by design, refused on HTTPS sites
DEMO_ACCOUNTS = (
    ("admin@chophien.example", "Quản trị Chợ Phiên", Role.ADMIN),
    ("nongdan@chophien.example", "HTX Chè Tân Cương", Role.SELLER),
    ("khach@chophien.example", "Nguyễn Thị Lan", Role.SHOPPER),
)


def is_empty(session: Session) -> bool:
    """Return whether the market has no accounts yet."""
    return session.scalar(select(User.id).limit(1)) is None


def load(session: Session) -> list[str]:
    """Create whatever demo data is missing; return what was created."""
    created = []
    for email, name, role in DEMO_ACCOUNTS:
        if users.find_user(session, email) is None:
            users.create_user(session, email, DEMO_PASSWORD, name, role=role)
            created.append(email)
    return created


def summary(created: list[str]) -> str:
    """Describe the demo logins for the console."""
    lines = [f"Demo logins (password: {DEMO_PASSWORD}):"]
    lines += [f"  {role.value:8} {email}" for email, _name, role in DEMO_ACCOUNTS]
    if not created:
        lines.append("(demo data already present; nothing added)")
    return "\n".join(lines)
