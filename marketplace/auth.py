"""Login sessions and role checks."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from marketplace.extensions import db_session, login_manager
from marketplace.users.models import Role, User

F = TypeVar("F", bound=Callable[..., Any])


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """Load the account of a session cookie, refusing stale or disabled ones."""
    user_id, _, token = session_id.partition(":")
    if not user_id.isdigit() or not token:
        return None
    user = db_session().get(User, int(user_id))
    if user is None or not user.active or user.session_token != token:
        return None
    return user


def configure_login() -> None:
    """Set where anonymous visitors are sent and what they are told."""
    login_manager.login_view = "account.login"
    login_manager.login_message = _l("Please log in to continue.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"


def role_required(*roles: Role) -> Callable[[F], F]:
    """Let through only logged-in accounts with one of these roles (403 for the others)."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator
