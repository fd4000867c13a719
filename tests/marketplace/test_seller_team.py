"""Members, staff and the audit log of a cooperative's stall."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from catalog import regions
from marketplace.stalls.models import AuditEntry, StaffRole, StallStaff
from marketplace.users.services import find_user
from tests.conftest import login, post_form
from tests.factories import add_person, make_stall, make_user
from traceability.models import Farm, FarmKind

LAO_CAI = 15


@pytest.fixture
def coop(seller_client, db_session):
    """The logged-in seller owns a cooperative's stall."""
    owner = find_user(db_session, "seller@example.com")
    stall = make_stall(db_session, owner=owner, slug="htx-san-tuyet", kind="cooperative")
    db_session.commit()
    seller_client.get("/lang/en")
    return stall


def member_form(**overrides) -> dict:
    """Return a complete member form."""
    data = {
        "name": "Hộ ông Giàng A Páo",
        "kind": "member",
        "province_code": str(LAO_CAI),
        "ward_code": str(regions.wards(LAO_CAI)[0].code),
        "area_m2": "12.000",
        "standard": "VietGAP",
        "representative": "Giàng A Páo",
        "phone": "+84 912 345 678",
        "action": "add",
    }
    data.update(overrides)
    return data


def people(session, stall) -> dict[str, StaffRole]:
    """Return {email: role} of the stall's staff."""
    from marketplace.users.models import User

    session.expire_all()
    rows = session.execute(
        select(User.email, StallStaff.role)
        .join(StallStaff, StallStaff.user_id == User.id)
        .where(StallStaff.stall_id == stall.id)
    ).all()
    return dict(rows)


def test_add_a_member_whose_contact_stays_private(coop, seller_client, db_session):
    response = post_form(seller_client, "/seller/htx-san-tuyet/members", member_form())
    assert response.status_code == 302
    farm = db_session.scalars(select(Farm)).one()
    assert farm.kind == FarmKind.MEMBER
    assert farm.area_m2 == 12000
    assert farm.ward_code == regions.wards(LAO_CAI)[0].code
    assert farm.phone == "0912345678"
    assert farm.share_contact is False
    entry = db_session.scalars(select(AuditEntry).where(AuditEntry.action == "farm_added")).one()
    assert entry.user_id == find_user(db_session, "seller@example.com").id
    page = seller_client.get("/seller/htx-san-tuyet/members").get_data(as_text=True)
    assert "Hộ ông Giàng A Páo" in page and "Private" in page
    product_page = seller_client.get("/seller/htx-san-tuyet/products/new").get_data(as_text=True)
    assert f'<option value="{farm.id}">Hộ ông Giàng A Páo</option>' in product_page


def test_sharing_the_contact_is_an_explicit_choice(coop, seller_client, db_session):
    post_form(seller_client, "/seller/htx-san-tuyet/members", member_form(share_contact="y"))
    assert db_session.scalars(select(Farm)).one().share_contact is True


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"phone": "12345"}, "Enter a Vietnamese phone number"),
        ({"ward_code": str(regions.wards(1)[0].code)}, "Choose a ward or commune of the chosen"),
        ({"area_m2": "nhiều"}, "Enter a whole number"),
        ({"name": ""}, "Please fill in this field."),
    ],
)
def test_a_bad_member_is_explained_and_not_added(
    coop, seller_client, db_session, overrides, message
):
    response = post_form(seller_client, "/seller/htx-san-tuyet/members", member_form(**overrides))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db_session.scalar(select(func.count()).select_from(Farm)) == 0


def test_a_member_name_is_used_once(coop, seller_client, db_session):
    post_form(seller_client, "/seller/htx-san-tuyet/members", member_form())
    again = post_form(seller_client, "/seller/htx-san-tuyet/members", member_form())
    assert again.status_code == 400
    assert "already has a farm or member with this name" in again.get_data(as_text=True)
    assert db_session.scalar(select(func.count()).select_from(Farm)) == 1


def test_member_wards_load_without_javascript(coop, seller_client):
    response = post_form(
        seller_client,
        "/seller/htx-san-tuyet/members",
        member_form(province_code="1", ward_code="", action="wards"),
    )
    assert response.status_code == 200
    assert f'<option value="{regions.wards(1)[0].code}">' in response.get_data(as_text=True)


def test_owner_adds_changes_and_removes_staff(coop, seller_client, db_session):
    helper = make_user(db_session, email="helper@example.com")
    db_session.commit()
    url = "/seller/htx-san-tuyet/staff"
    response = post_form(seller_client, url, {"email": "Helper@Example.com", "role": "manager"})
    assert response.status_code == 302
    assert people(db_session, coop)["helper@example.com"] == StaffRole.MANAGER
    post_form(seller_client, url, {"email": "helper@example.com", "role": "staff"})
    assert people(db_session, coop)["helper@example.com"] == StaffRole.STAFF

    remove = f"{url}/{helper.id}/remove"
    assert post_form(seller_client, remove, {}, form_url=url).status_code == 302
    assert "helper@example.com" not in people(db_session, coop)
    actions = db_session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions[-3:] == ["staff_set", "staff_set", "staff_removed"]


@pytest.mark.parametrize(
    ("email", "role", "message"),
    [
        ("nobody@example.com", "staff", "No account uses this email."),
        ("seller@example.com", "manager", "A stall needs at least one owner."),
        ("", "staff", "Please fill in this field."),
        ("helper@example.com", "boss", "Choose an option from the list."),
    ],
)
def test_staff_errors_are_explained(coop, seller_client, db_session, email, role, message):
    make_user(db_session, email="helper@example.com")
    db_session.commit()
    before = people(db_session, coop)
    response = post_form(
        seller_client, "/seller/htx-san-tuyet/staff", {"email": email, "role": role}
    )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert people(db_session, coop) == before


def test_the_last_owner_cannot_be_removed(coop, seller_client, db_session):
    me = find_user(db_session, "seller@example.com")
    url = "/seller/htx-san-tuyet/staff"
    response = post_form(seller_client, f"{url}/{me.id}/remove", {}, form_url=url)
    assert response.status_code == 302
    assert "A stall needs at least one owner." in seller_client.get(url).get_data(as_text=True)
    assert people(db_session, coop)["seller@example.com"] == StaffRole.OWNER


def test_managers_cannot_manage_people_but_read_the_audit_log(app, coop, db_session):
    manager = add_person(db_session, coop, "manager")
    db_session.commit()
    client = app.test_client()
    login(client, manager.email)
    assert client.get("/seller/htx-san-tuyet/staff").status_code == 403
    assert client.get("/seller/htx-san-tuyet/audit").status_code == 200
    page = client.get("/seller/htx-san-tuyet/").get_data(as_text=True)
    assert "/seller/htx-san-tuyet/staff" not in page  # no link to what they cannot open


def test_audit_log_shows_who_did_what_and_when(app, coop, seller_client, db_session):
    post_form(seller_client, "/seller/htx-san-tuyet/members", member_form())
    page = seller_client.get("/seller/htx-san-tuyet/audit").get_data(as_text=True)
    assert "Added a member farm" in page and "Applied for the stall" in page
    assert "seller@example.com" in page
    assert "name: Hộ ông Giàng A Páo" in page
    entry = db_session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    with app.app_context():
        from marketplace.formatting import format_datetime

        assert format_datetime(entry.created_at) in page
