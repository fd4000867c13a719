"""Account pages: register, log in/out, change and reset a password."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user

from marketplace.extensions import db_session, limiter
from marketplace.mail import send_mail
from marketplace.security import safe_next
from marketplace.users import services as users
from marketplace.users.models import Role
from marketplace.views.account_forms import (
    ChangePasswordForm,
    ForgotForm,
    LoginForm,
    RegisterForm,
    ResetForm,
)
from marketplace.views.cart import CART_KEY, merge_guest_cart

bp = Blueprint("account", __name__, url_prefix="/account")


def account_error(code: str) -> str:
    """Translate a service error code into a message for the user."""
    messages = {
        "invalid_email": _("This email address is not valid."),
        "email_taken": _(
            "An account with this email already exists. Log in or reset the password."
        ),
        "password_too_short": _("The password is too short."),
        "wrong_password": _("The current password is not correct."),
        "reset_invalid": _("This reset link is not valid. Ask for a new one."),
        "reset_used": _("This reset link was already used. Ask for a new one if needed."),
        "reset_expired": _("This reset link has expired. Ask for a new one."),
    }
    return messages.get(code, _("Something went wrong."))


def _account_key() -> str:
    """Rate-limit key for the account being tried (the submitted email)."""
    return "acct:" + (request.form.get("email") or "").strip().lower()[:254]


def _login_failed(response: Response) -> bool:
    """Count an attempt against the limits only when it did not log in."""
    return response.status_code != 302


def _start_session(user: users.User, remember: bool) -> None:
    """Log in with a fresh session (no fixation); a guest's cart joins the account's cart."""
    guest_cart = session.get(CART_KEY)  # read before the session is cleared
    session.clear()
    login_user(user, remember=remember)
    merge_guest_cart(user, guest_cart)


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"], key_func=get_remote_address)
def register() -> Response | str:
    """Open an account and log in."""
    form = RegisterForm()
    if form.validate_on_submit():
        role = Role.SELLER if form.wants_to_sell.data else Role.SHOPPER
        try:
            user = users.create_user(
                db_session(),
                form.email.data or "",
                form.password.data or "",
                form.full_name.data or "",
                role=role,
                phone=form.phone.data or None,
            )
        except users.AccountError as exc:
            form.email.errors.append(account_error(str(exc)))
        else:
            _start_session(user, remember=False)
            flash(_("Welcome to Chợ Phiên, %(name)s!", name=user.full_name), "success")
            return redirect(url_for("storefront.home"))
    return render_template("account/register.html", form=form)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_ADDRESS"],
    methods=["POST"],
    key_func=get_remote_address,
    deduct_when=_login_failed,
)
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_ACCOUNT"],
    methods=["POST"],
    key_func=_account_key,
    deduct_when=_login_failed,
)
def login() -> Response | str:
    """Log in with email and password."""
    form = LoginForm()
    target = safe_next(request.args.get("next"))
    if form.validate_on_submit():
        user = users.authenticate(db_session(), form.email.data or "", form.password.data or "")
        if user is not None:
            _start_session(user, remember=bool(form.remember.data))
            return redirect(target)
        form.password.errors.append(_("Wrong email or password."))
    status = 200 if request.method == "GET" else 400 if form.errors else 200
    return render_template("account/login.html", form=form, next=target), status


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    """Log out (POST with CSRF, so a link elsewhere cannot log you out)."""
    if current_user.is_authenticated:
        # Session cookies are signed, not stored: a copy taken before logging out (a shared
        # computer, a stolen cookie) would stay valid. A new token makes every copy useless,
        # at the price of logging the account out on its other devices too.
        users.end_sessions(db_session(), current_user._get_current_object())
    logout_user()
    session.clear()
    flash(_("You are logged out."), "info")
    return redirect(url_for("storefront.home"))


@bp.route("/")
@login_required
def profile() -> str:
    """Show the account."""
    return render_template("account/profile.html")


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password() -> Response | str:
    """Change the password; other devices are logged out."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            users.change_password(
                db_session(), current_user, form.current.data or "", form.password.data or ""
            )
        except users.AccountError as exc:
            form.current.errors.append(account_error(str(exc)))
        else:
            # The session token changed: log in again on this device only.
            login_user(current_user._get_current_object())
            flash(_("Your password was changed."), "success")
            return redirect(url_for("account.profile"))
    return render_template("account/password.html", form=form)


@bp.route("/forgot", methods=["GET", "POST"])
@limiter.limit("5 per hour", methods=["POST"], key_func=get_remote_address)
def forgot() -> Response | str:
    """Mail a reset link; say the same whether or not the account exists."""
    form = ForgotForm()
    if form.validate_on_submit():
        user = users.find_user(db_session(), form.email.data or "")
        if user is not None and user.active:
            token = users.issue_reset_token(
                db_session(), user, current_app.config["PASSWORD_RESET_MAX_AGE"]
            )
            link = current_app.config["PUBLIC_BASE_URL"] + url_for("account.reset", token=token)
            send_mail(
                current_app.config,
                user.email,
                _("Reset your Chợ Phiên password"),
                render_template("account/reset_mail.txt", user=user, link=link),
            )
        flash(_("If an account uses this email, we have sent it a reset link."), "info")
        return redirect(url_for("account.login"))
    return render_template("account/forgot.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset(token: str) -> Response | tuple[str, int] | str:
    """Choose a new password with a mailed token (single use, expiring)."""
    try:
        users.check_reset_token(db_session(), token)
    except users.AccountError as exc:
        return render_template("account/reset_invalid.html", message=account_error(str(exc))), 400
    form = ResetForm()
    if form.validate_on_submit():
        users.reset_password(db_session(), token, form.password.data or "")
        flash(_("Your password was reset. You can log in now."), "success")
        return redirect(url_for("account.login"))
    return render_template("account/reset.html", form=form)
