"""Account services: register, authenticate, change and reset passwords (flush, never commit)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketplace.db import as_utc, utcnow
from marketplace.users.models import PasswordReset, Role, User

MIN_PASSWORD_LENGTH = 8
_hasher = PasswordHasher()


class AccountError(ValueError):
    """An account operation failed; the message is safe to show the user."""


def normalise_email(raw: str) -> str:
    """Return the canonical lower-case form of an email address, or raise AccountError."""
    try:
        return validate_email(raw.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise AccountError("invalid_email") from exc


def hash_password(password: str) -> str:
    """Hash a password with argon2id."""
    return _hasher.hash(password)


def check_password_strength(password: str) -> None:
    """Raise AccountError when a password is too weak to accept."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError("password_too_short")


def find_user(session: Session, email: str) -> User | None:
    """Return the account with this email, if any."""
    try:
        email = normalise_email(email)
    except AccountError:
        return None
    return session.scalar(select(User).where(func.lower(User.email) == email))


def create_user(
    session: Session,
    email: str,
    password: str,
    full_name: str,
    role: Role = Role.SHOPPER,
    phone: str | None = None,
) -> User:
    """Create an account, refusing a taken email or a weak password."""
    email = normalise_email(email)
    check_password_strength(password)
    if find_user(session, email) is not None:
        raise AccountError("email_taken")
    user = User(
        email=email,
        password_hash=hash_password(password),
        full_name=full_name.strip() or email,
        phone=phone,
        role=role,
        session_token=secrets.token_hex(16),
    )
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, email: str, password: str) -> User | None:
    """Return the active account whose password matches, else None."""
    user = find_user(session, email)
    if user is None or not user.active:
        # Spend the same effort as a real check so timing does not reveal accounts.
        _hasher.hash(password)
        return None
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    session.flush()
    return user


def end_sessions(session: Session, user: User) -> None:
    """End every session of the account: login cookies carry the token, so copies die too."""
    user.session_token = secrets.token_hex(16)
    session.flush()


def set_password(session: Session, user: User, new_password: str) -> None:
    """Replace a password and end every other session of the account."""
    check_password_strength(new_password)
    user.password_hash = hash_password(new_password)
    end_sessions(session, user)


def change_password(session: Session, user: User, current: str, new_password: str) -> None:
    """Change a password after checking the current one."""
    try:
        _hasher.verify(user.password_hash, current)
    except (VerificationError, InvalidHashError) as exc:
        raise AccountError("wrong_password") from exc
    set_password(session, user, new_password)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_reset_token(session: Session, user: User, max_age_seconds: int) -> str:
    """Create a single-use reset token and return it (only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    session.add(
        PasswordReset(
            user_id=user.id,
            token_hash=_token_hash(token),
            expires_at=utcnow() + timedelta(seconds=max_age_seconds),
        )
    )
    session.flush()
    return token


def _usable_reset(session: Session, token: str) -> PasswordReset:
    reset = session.scalar(
        select(PasswordReset).where(PasswordReset.token_hash == _token_hash(token))
    )
    if reset is None:
        raise AccountError("reset_invalid")
    if reset.used_at is not None:
        raise AccountError("reset_used")
    if as_utc(reset.expires_at) <= utcnow():
        raise AccountError("reset_expired")
    return reset


def check_reset_token(session: Session, token: str) -> User:
    """Return the account a reset token belongs to, or raise AccountError."""
    reset = _usable_reset(session, token)
    return session.get_one(User, reset.user_id)


def reset_password(session: Session, token: str, new_password: str) -> User:
    """Set a new password with a reset token and spend every open token of the account."""
    reset = _usable_reset(session, token)
    user = session.get_one(User, reset.user_id)
    set_password(session, user, new_password)
    now = utcnow()
    for other in session.scalars(
        select(PasswordReset).where(
            PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None)
        )
    ):
        other.used_at = now
    session.flush()
    return user
