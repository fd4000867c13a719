"""Applying for a stall and running its profile, as a new seller would on a phone."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from catalog import regions
from marketplace.media import get_storage
from marketplace.stalls.models import AuditEntry, StaffRole, Stall, StallStaff, StallStatus
from marketplace.users.models import Role, User
from marketplace.users.services import find_user
from tests.conftest import post_form
from tests.factories import jpeg_bytes, make_stall

THAI_NGUYEN = 19


def english(client) -> None:
    """Switch the client to English so messages can be checked before translation."""
    client.get("/lang/en")


def count(session, model) -> int:
    """Count the rows of a model (seen from outside the request)."""
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def own_stall(seller_client, db_session):
    """The logged-in seller's stall."""
    owner = find_user(db_session, "seller@example.com")
    stall = make_stall(db_session, owner=owner, slug="htx-che", name="HTX Chè Tân Cương")
    db_session.commit()
    english(seller_client)
    return stall


def apply_form(**overrides) -> dict:
    """Return a complete stall application."""
    ward = regions.wards(THAI_NGUYEN)[0]
    data = {
        "name": "HTX Chè Tân Cương",
        "slug": "",
        "kind": "cooperative",
        "province_code": str(THAI_NGUYEN),
        "ward_code": str(ward.code),
        "address_line": "Xóm Hồng Thái",
        "phone": "0912 345 678",
        "registration_no": "4601234567",
        "description": "Chè búp trồng trên đồi Tân Cương.",
        "action": "apply",
    }
    data.update(overrides)
    return data


def test_a_shopper_is_invited_to_apply(shopper_client):
    english(shopper_client)
    page = shopper_client.get("/seller/").get_data(as_text=True)
    assert "Sell your products at Chợ Phiên" in page
    assert 'href="/seller/apply"' in page


def test_new_user_registers_applies_with_a_ward_and_waits_for_approval(client, db_session):
    english(client)
    response = post_form(
        client,
        "/account/register",
        {
            "full_name": "Nguyễn Thị Lan",
            "email": "lan@example.com",
            "password": "mat-khau-an-toan",
            "confirm": "mat-khau-an-toan",
        },
    )
    assert response.status_code == 302

    # Step 1 without JavaScript: choose the province, the page comes back with its wards.
    step1 = post_form(
        client,
        "/seller/apply",
        {"name": "HTX Chè Tân Cương", "province_code": "19", "phone": "0912", "action": "wards"},
    )
    page = step1.get_data(as_text=True)
    assert step1.status_code == 200
    ward = regions.wards(THAI_NGUYEN)[0]
    assert f'<option value="{ward.code}">' in page
    assert 'value="htx-che-tan-cuong"' in page  # the web address suggested from the name
    assert 'value="0912"' in page  # what was typed is kept
    assert count(db_session, Stall) == 0

    response = post_form(client, "/seller/apply", apply_form(slug="htx-che-tan-cuong"))
    assert response.status_code == 302
    assert response.headers["Location"] == "/seller/htx-che-tan-cuong/"

    dashboard = client.get("/seller/htx-che-tan-cuong/").get_data(as_text=True)
    assert "Waiting for approval" in dashboard
    assert ward.name in dashboard
    stall = db_session.scalar(select(Stall).where(Stall.slug == "htx-che-tan-cuong"))
    assert stall.status == StallStatus.PENDING
    assert stall.ward_code == ward.code
    assert stall.phone == "0912345678"
    user = find_user(db_session, "lan@example.com")
    assert user.role == Role.SELLER
    assert db_session.scalar(select(StallStaff.role).where(StallStaff.user_id == user.id)) == (
        StaffRole.OWNER
    )
    entry = db_session.scalar(select(AuditEntry).where(AuditEntry.stall_id == stall.id))
    assert (entry.action, entry.user_id) == ("applied", user.id)

    # An administrator approves it (the admin pages are tested elsewhere).
    stall.status = StallStatus.APPROVED
    db_session.commit()
    assert "Approved" in client.get("/seller/").get_data(as_text=True)


def test_empty_web_address_is_made_from_the_name(seller_client, db_session):
    response = post_form(seller_client, "/seller/apply", apply_form(name="Mật ong Đồng Văn"))
    assert response.headers["Location"] == "/seller/mat-ong-dong-van/"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("phone", "12345", "Enter a Vietnamese phone number"),
        ("ward_code", str(regions.wards(1)[0].code), "Choose a ward or commune of the chosen"),
        ("ward_code", "", "Choose a ward or commune of the chosen"),
        ("province_code", "999", "Choose a province or city from the list."),
        ("slug", "Chè Ngon!", "Use 3–80 lower-case letters"),
        ("slug", "htx-che", "This web address is already taken"),
        ("name", "", "Please fill in this field."),
    ],
)
def test_a_bad_application_says_why_and_writes_nothing(
    own_stall, seller_client, db_session, field, value, message
):
    before = (count(db_session, Stall), count(db_session, AuditEntry))
    response = post_form(seller_client, "/seller/apply", apply_form(**{field: value}))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    assert "Xóm Hồng Thái" in page  # the rest of the form is kept
    assert (count(db_session, Stall), count(db_session, AuditEntry)) == before


def test_my_stalls_show_a_rejection_with_its_reason_and_a_way_to_apply_again(
    own_stall, seller_client, db_session
):
    stall = db_session.get(Stall, own_stall.id)
    stall.status = StallStatus.REJECTED
    stall.review_note = "Thiếu số đăng ký HTX"
    db_session.commit()
    page = seller_client.get("/seller/").get_data(as_text=True)
    assert "Rejected" in page
    assert "Thiếu số đăng ký HTX" in page
    assert 'href="/seller/htx-che/profile"' in page

    form = apply_form(registration_no="4601999999")
    response = post_form(seller_client, "/seller/htx-che/profile", form)
    assert response.status_code == 302
    db_session.expire_all()
    stall = db_session.get(Stall, own_stall.id)
    assert stall.status == StallStatus.PENDING
    assert stall.registration_no == "4601999999"
    entry = db_session.scalars(
        select(AuditEntry).where(AuditEntry.action == "profile_updated")
    ).one()
    assert entry.detail["changes"]["status"] == ["rejected", "pending"]


def test_a_suspended_stall_shows_the_reason(own_stall, seller_client, db_session):
    db_session.get(Stall, own_stall.id).status = StallStatus.SUSPENDED
    db_session.get(Stall, own_stall.id).review_note = "Tạm dừng để kiểm tra"
    db_session.commit()
    page = seller_client.get("/seller/htx-che/").get_data(as_text=True)
    assert "Suspended" in page and "Tạm dừng để kiểm tra" in page


def test_profile_wards_step_keeps_what_was_typed(own_stall, seller_client):
    response = post_form(
        seller_client,
        "/seller/htx-che/profile",
        apply_form(province_code="1", ward_code="", name="Tên mới", action="wards"),
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'value="Tên mới"' in page
    assert f'<option value="{regions.wards(1)[0].code}">' in page


def test_logo_and_banner_are_uploaded_as_clean_pictures(app, own_stall, seller_client, db_session):
    data = {
        **apply_form(),
        "logo": (io.BytesIO(jpeg_bytes(200, 200)), "logo.jpg"),
        "banner": (io.BytesIO(jpeg_bytes(900, 300)), "banner.png"),
    }
    response = post_form(
        seller_client, "/seller/htx-che/profile", data, content_type="multipart/form-data"
    )
    assert response.status_code == 302
    db_session.expire_all()
    stall = db_session.get(Stall, own_stall.id)
    assert stall.logo_key.startswith("stalls/") and stall.banner_key.startswith("stalls/")
    with app.app_context():
        assert get_storage().exists(f"{stall.logo_key}-thumb.webp")
    with seller_client.get(f"/media/{stall.banner_key}-medium.webp") as media:
        assert media.status_code == 200
    actions = set(db_session.scalars(select(AuditEntry.action)))
    assert {"logo_changed", "banner_changed"} <= actions


def test_a_text_file_named_like_a_photo_is_refused_and_the_form_kept(
    own_stall, seller_client, db_session
):
    data = {
        **apply_form(name="Tên đã sửa"),
        "logo": (io.BytesIO(b"just some text, not a picture"), "logo.jpg"),
    }
    response = post_form(
        seller_client, "/seller/htx-che/profile", data, content_type="multipart/form-data"
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "This file is not a photo" in page
    assert 'value="Tên đã sửa"' in page
    db_session.expire_all()
    stall = db_session.get(Stall, own_stall.id)
    assert stall.name == "HTX Chè Tân Cương" and stall.logo_key is None


def test_the_seller_pages_need_an_account(client, db_session):
    make_stall(db_session, slug="htx-che")
    db_session.commit()
    response = client.get("/seller/htx-che/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/login")
    assert count(db_session, User) == 1
