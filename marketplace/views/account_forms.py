"""Account forms (Flask-WTF: every form carries a CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from marketplace.users.services import MIN_PASSWORD_LENGTH
from marketplace.validation import phone_validator

_required = DataRequired(message=_l("Please fill in this field."))


def _password_length() -> Length:
    return Length(
        min=MIN_PASSWORD_LENGTH,
        max=256,
        message=_l("Use at least %(n)d characters.", n=MIN_PASSWORD_LENGTH),
    )


def _repeat(field: str) -> EqualTo:
    return EqualTo(field, message=_l("The two passwords do not match."))


class RegisterForm(FlaskForm):
    """Open an account."""

    full_name = StringField(_l("Full name"), validators=[_required, Length(max=120)])
    email = EmailField(_l("Email"), validators=[_required, Length(max=254)])
    phone = StringField(_l("Phone number (optional)"), validators=[Optional(), phone_validator])
    password = PasswordField(_l("Password"), validators=[_required, _password_length()])
    confirm = PasswordField(_l("Repeat the password"), validators=[_required, _repeat("password")])
    wants_to_sell = BooleanField(_l("I want to sell my products (open a stall)"))


class LoginForm(FlaskForm):
    """Log in."""

    email = EmailField(_l("Email"), validators=[_required, Length(max=254)])
    password = PasswordField(_l("Password"), validators=[_required, Length(max=256)])
    remember = BooleanField(_l("Remember me on this device"))


class ChangePasswordForm(FlaskForm):
    """Change a password knowing the current one."""

    current = PasswordField(_l("Current password"), validators=[_required, Length(max=256)])
    password = PasswordField(_l("New password"), validators=[_required, _password_length()])
    confirm = PasswordField(
        _l("Repeat the new password"), validators=[_required, _repeat("password")]
    )


class ForgotForm(FlaskForm):
    """Ask for a reset link."""

    email = EmailField(_l("Email"), validators=[_required, Length(max=254)])


class ResetForm(FlaskForm):
    """Choose a new password with a reset link."""

    password = PasswordField(_l("New password"), validators=[_required, _password_length()])
    confirm = PasswordField(
        _l("Repeat the new password"), validators=[_required, _repeat("password")]
    )
