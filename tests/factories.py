"""Plain factory functions for test data."""

from __future__ import annotations

import itertools
from typing import Any

from sqlalchemy.orm import Session

from marketplace.users import services as users
from marketplace.users.models import Role, User

PASSWORD = "mat-khau-an-toan"
_seq = itertools.count(1)


def make_user(session: Session, **overrides: Any) -> User:
    """Create an account (flushed, not committed)."""
    n = next(_seq)
    fields: dict[str, Any] = {
        "email": f"user{n}@example.com",
        "password": PASSWORD,
        "full_name": f"Người dùng {n}",
        "role": Role.SHOPPER,
    }
    fields.update(overrides)
    return users.create_user(session, **fields)
