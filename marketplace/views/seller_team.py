"""Seller pages for the people of a stall: member farms and households, and staff accounts."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from catalog import fields
from marketplace.extensions import db_session
from marketplace.stalls import dashboard as board
from marketplace.stalls import services as stalls
from marketplace.stalls.models import StaffRole
from marketplace.views.messages import field_error
from marketplace.views.seller import actor, bp, fill_regions, status_for
from marketplace.views.seller_common import staff_stall
from marketplace.views.seller_fields import show_error
from marketplace.views.seller_forms import MemberForm, StaffForm
from traceability.models import FarmKind


@bp.route("/<slug>/members", methods=["GET", "POST"])
def members(slug: str) -> Response | tuple[str, int]:
    """List the stall's member farms and households, and add one."""
    stall, role = staff_stall(slug, StaffRole.MANAGER)
    form = MemberForm()
    only_wards = fill_regions(form)
    if not only_wards and form.validate_on_submit():
        area = form.area_m2.data
        try:
            board.add_member(
                db_session(),
                actor(),
                stall,
                fields.text("name", form.name.data, max_length=160),
                FarmKind(form.kind.data),
                province_code=form.province_code.data,
                ward_code=form.ward_code.data,
                area_m2=fields.whole_number("area", area, maximum=10**9) if area else None,
                standard=(form.standard.data or "").strip(),
                representative=(form.representative.data or "").strip() or None,
                phone=form.phone.data or None,
                share_contact=bool(form.share_contact.data),
            )
        except fields.FieldError as exc:
            show_error(form, exc)
        else:
            flash(_("“%(name)s” was added.", name=form.name.data), "success")
            return redirect(url_for("seller.members", slug=slug))
    page = render_template(
        "seller/members.html",
        stall=stall,
        role=role,
        form=form,
        farms=board.farms_of(db_session(), stall),
    )
    return page, 200 if only_wards else status_for(form)


@bp.route("/<slug>/staff", methods=["GET", "POST"])
def staff(slug: str) -> Response | tuple[str, int]:
    """List who works in the stall and give an existing account a role (owners only)."""
    stall, role = staff_stall(slug, StaffRole.OWNER)
    form = StaffForm()
    if form.validate_on_submit():
        try:
            stalls.add_staff(
                db_session(), stall, actor(), form.email.data or "", StaffRole(form.role.data)
            )
        except fields.FieldError as exc:
            show_error(form, exc)
        else:
            flash(_("%(email)s now works in the stall.", email=form.email.data), "success")
            return redirect(url_for("seller.staff", slug=slug))
    people = board.staff_of(db_session(), stall)
    page = render_template(
        "seller/staff.html", stall=stall, role=role, form=form, people=people, me=actor()
    )
    return page, status_for(form)


@bp.route("/<slug>/staff/<int:user_id>/remove", methods=["POST"])
def staff_remove(slug: str, user_id: int) -> Response:
    """Take a person's role in the stall away (owners only; the last owner stays)."""
    stall, _role = staff_stall(slug, StaffRole.OWNER)
    if not any(user.id == user_id for user, _r in board.staff_of(db_session(), stall)):
        abort(404)
    try:
        stalls.remove_staff(db_session(), stall, actor(), user_id)
    except fields.FieldError as exc:
        flash(field_error(exc), "error")
        return redirect(url_for("seller.staff", slug=slug))
    flash(_("The person no longer works in the stall."), "success")
    if user_id == actor().id:
        return redirect(url_for("seller.index"))
    return redirect(url_for("seller.staff", slug=slug))
