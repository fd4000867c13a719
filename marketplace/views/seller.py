"""The seller area: my stalls, applying for a stall, its dashboard, profile and audit log.

Products, certificates and the team live in seller_products, seller_certificates and
seller_team, which add their routes to this same blueprint. Every route below /seller/<slug>/
starts with staff_stall(slug, minimum role); tests/marketplace/test_seller_authorization.py
walks the URL map to prove it.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from catalog import fields, regions
from catalog.images import UploadRejected, process_image
from catalog.search.text import slugify
from catalog.storage import save_image
from marketplace.extensions import db_session, login_manager
from marketplace.media import get_storage
from marketplace.stalls import dashboard as board
from marketplace.stalls import services as stalls
from marketplace.stalls.models import ROLE_RANK, StaffRole, StallStatus
from marketplace.users.models import User
from marketplace.views.messages import upload_error
from marketplace.views.seller_common import staff_stall
from marketplace.views.seller_fields import opts, show_error
from marketplace.views.seller_forms import ApplyForm, ProfileForm, StallFields

bp = Blueprint("seller", __name__, url_prefix="/seller")


@bp.before_request
def _log_in_first() -> Response | None:
    """Send anonymous visitors to the login page before any seller page."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None


@bp.context_processor
def _helpers() -> dict[str, Any]:
    """Let templates ask whether the user's role reaches a minimum."""

    def role_at_least(role: StaffRole | None, minimum: str) -> bool:
        return role is not None and ROLE_RANK[role] >= ROLE_RANK[StaffRole(minimum)]

    return {"role_at_least": role_at_least, "place_name": place_name}


def place_name(province_code: int | None, ward_code: int | None) -> str:
    """Return "ward, province" for stored codes (empty when neither is known)."""
    ward = regions.ward(ward_code) if ward_code else None
    province = regions.province(province_code) if province_code else None
    return ", ".join(r for r in (ward and ward.name, province and province.short_name) if r)


def actor() -> User:
    """Return the logged-in account itself (not flask-login's proxy)."""
    return current_user._get_current_object()


def status_for(form: FlaskForm) -> int:
    """Return 400 for a form sent back with errors (so nothing is committed), else 200."""
    return 400 if form.is_submitted() else 200


def fill_regions(form: FlaskForm) -> bool:
    """Fill the province and ward selects; True when the user only asked to see the wards.

    Without JavaScript the ward list cannot follow the province select, so the form has a
    "show wards" button that posts the form back with every typed value kept.
    """
    choose = _("Choose…")
    form.province_code.choices = opts([("", choose), *regions.province_choices()])
    province = form.province_code.data
    wards = regions.ward_choices(province) if province and regions.province(province) else []
    form.ward_code.choices = opts([("", choose), *wards])
    return request.method == "POST" and request.form.get("action") == "wards"


def profile_values(form: StallFields) -> dict[str, Any]:
    """Return the profile fields of a stall form as the services take them."""
    return {key: form[key].data for key in stalls.PROFILE_FIELDS}


@bp.route("/")
def index() -> str:
    """List the stalls the user works in, or invite a shopper to open one."""
    mine = stalls.stalls_of(db_session(), actor())
    return render_template("seller/index.html", stalls=mine)


@bp.route("/apply", methods=["GET", "POST"])
def apply() -> Response | tuple[str, int]:
    """Apply for a stall; it waits for an administrator's approval."""
    form = ApplyForm()
    if fill_regions(form):
        if not (form.slug.data or "").strip() and form.name.data:
            form.slug.data = slugify(form.name.data)
        return render_template("seller/apply.html", form=form), 200
    if form.validate_on_submit():
        slug = (form.slug.data or "").strip() or slugify(form.name.data or "")
        try:
            stall = stalls.apply_for_stall(db_session(), actor(), slug, **profile_values(form))
        except fields.FieldError as exc:
            form.slug.data = slug
            show_error(form, exc)
        else:
            flash(_("Thank you! Your application was sent and waits for approval."), "success")
            return redirect(url_for("seller.dashboard", slug=stall.slug))
    return render_template("seller/apply.html", form=form), status_for(form)


@bp.route("/<slug>/")
def dashboard(slug: str) -> str:
    """Show the stall's status, counts and the way to everything else."""
    stall, role = staff_stall(slug, StaffRole.STAFF)
    return render_template(
        "seller/dashboard.html",
        stall=stall,
        role=role,
        summary=board.summary(db_session(), stall),
        has_import="seller_import.upload" in current_app.view_functions,
        has_public_page="public.stall" in current_app.view_functions,
    )


@bp.route("/<slug>/profile", methods=["GET", "POST"])
def profile(slug: str) -> Response | tuple[str, int]:
    """Edit the stall's profile, logo and banner; a rejected stall applies again."""
    stall, role = staff_stall(slug, StaffRole.OWNER)
    form = ProfileForm(obj=stall)
    context = {"stall": stall, "role": role, "form": form}
    if fill_regions(form):
        return render_template("seller/profile.html", **context), 200
    if form.validate_on_submit():
        images = {}
        for which in ("logo", "banner"):
            upload = form[which].data
            if upload and upload.filename:
                try:
                    images[which] = process_image(upload.read())
                except UploadRejected as exc:
                    form[which].errors = [*form[which].errors, upload_error(exc.code)]
        if not form.errors:
            was_rejected = stall.status == StallStatus.REJECTED
            try:
                stalls.update_profile(db_session(), stall, actor(), **profile_values(form))
            except fields.FieldError as exc:
                show_error(form, exc)
            else:
                for which, image in images.items():
                    key = save_image(get_storage(), "stalls", image)
                    stalls.set_image(db_session(), stall, actor(), which, key)
                if was_rejected:
                    flash(_("Your stall was sent for review again."), "success")
                else:
                    flash(_("The stall profile was saved."), "success")
                return redirect(url_for("seller.dashboard", slug=stall.slug))
    return render_template("seller/profile.html", **context), status_for(form)


def action_labels() -> dict[str, str]:
    """Return the translated name of each audit action."""
    return {
        "applied": _("Applied for the stall"),
        "profile_updated": _("Changed the profile"),
        "logo_changed": _("Changed the logo"),
        "banner_changed": _("Changed the banner"),
        "status_changed": _("Stall status changed"),
        "staff_set": _("Gave a role"),
        "staff_removed": _("Removed a person"),
        "product_created": _("Added a product"),
        "product_updated": _("Changed a product"),
        "product_duplicated": _("Copied a product"),
        "product_status": _("Published or hid a product"),
        "stock_adjusted": _("Changed the stock"),
        "photo_added": _("Added a photo"),
        "photo_removed": _("Removed a photo"),
        "certificate_submitted": _("Submitted a certificate"),
        "certificate_reviewed": _("Certificate reviewed"),
        "farm_added": _("Added a member farm"),
    }


def _shown(value: Any) -> str:
    """Return a logged value as text, with a dash for nothing."""
    return "—" if value is None or value == "" else str(value)


def describe(detail: dict[str, Any]) -> list[str]:
    """Return the details of an audit entry as short "field: value" lines."""
    lines = []
    for key, value in sorted(detail.items()):
        if key == "changes" and isinstance(value, dict):
            for name, change in sorted(value.items()):
                old, new = [*change, None, None][:2] if isinstance(change, list) else [None, change]
                lines.append(f"{name}: {_shown(old)} → {_shown(new)}")
        elif value not in (None, ""):
            lines.append(f"{key}: {value}")
    return lines


@bp.route("/<slug>/audit")
def audit(slug: str) -> str:
    """Show who changed what in the stall, and when (owners and managers)."""
    stall, role = staff_stall(slug, StaffRole.MANAGER)
    entries = stalls.audit_log(db_session(), stall)
    return render_template(
        "seller/audit.html",
        stall=stall,
        role=role,
        entries=entries,
        labels=action_labels(),
        describe=describe,
    )


# The other seller modules register their routes on `bp` when imported.
from marketplace.views import seller_certificates, seller_products, seller_team  # noqa: E402, F401
