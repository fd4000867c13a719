"""The seller's lot workflow on a phone: create, record, correct, recall, units, labels."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from tests.conftest import csrf_token, login, post_form
from tests.factories import make_lot, make_product, make_stall
from tests.traceability.web_world import EN, GTIN14, decode_label_pdf, tea_world
from traceability import services as trace
from traceability.models import Lot, LotStatus, TraceEvent, TraceUnit


@pytest.fixture
def world(db_session):
    return tea_world(db_session)


@pytest.fixture
def owner(app, world):
    client = app.test_client()
    assert login(client, world["owner"].email).status_code == 302
    return client


def lot_url(world, lot_id: int | None = None, tail: str = "") -> str:
    return f"/seller/{world['stall'].slug}/lots/{lot_id or world['lot'].id}{tail}"


def events_of(db_session, lot_id: int) -> list[TraceEvent]:
    db_session.expire_all()
    return trace.lot_events(db_session, lot_id)


def test_the_dashboard_leads_to_the_lots(owner, world):
    dashboard = owner.get(f"/seller/{world['stall'].slug}/").get_data(as_text=True)
    assert f'href="/seller/{world["stall"].slug}/lots"' in dashboard
    page = owner.get(f"/seller/{world['stall'].slug}/lots").get_data(as_text=True)
    assert "TC2025/07" in page and "LA-01" in page


def test_create_a_lot_in_a_few_taps(owner, world, db_session):
    slug = world["stall"].slug
    picker = owner.get(f"/seller/{slug}/lots/new").get_data(as_text=True)
    assert f"/seller/{slug}/lots/new?product={world['tea'].id}" in picker
    url = f"/seller/{slug}/lots/new?product={world['tea'].id}"
    form = owner.get(url).get_data(as_text=True)
    today = date.today()
    code = f"{today:%y%m%d}-1"
    assert f'value="{code}"' in form  # suggested
    assert f'value="{today.isoformat()}"' in form  # harvest defaults to today
    assert re.search(rf'<input checked[^>]*name="farms"[^>]*value="{world["farm"].id}"', form)
    response = post_form(
        owner,
        url,
        {
            "product_id": world["tea"].id,
            "code": code,
            "quantity": "50",
            "unit": "hộp",
            "harvest_date": today.isoformat(),
            "farms": [world["farm"].id],
        },
    )
    assert response.status_code == 302
    lot = db_session.scalar(select(Lot).where(Lot.code == code))
    assert lot.quantity == 50 and lot.harvest_date == today
    assert [f.id for f in lot.farms] == [world["farm"].id]
    assert response.headers["Location"] == lot_url(world, lot.id)
    again = post_form(owner, url, {"product_id": world["tea"].id, "code": code}, headers=EN)
    assert again.status_code == 400
    assert "already has a lot with this code" in again.get_data(as_text=True)


def test_record_events_with_today_as_the_default(owner, world, db_session):
    kinds = owner.get(lot_url(world, tail="/events/new"), headers=EN).get_data(as_text=True)
    assert "Fertiliser or pesticide" in kinds and "kind=harvest" in kinds
    url = lot_url(world, tail="/events/new?kind=input")
    form = owner.get(url).get_data(as_text=True)
    assert f'value="{date.today().isoformat()}"' in form
    data = {
        "event_date": date.today().isoformat(),
        "input_type": "pesticide",
        "product": "Thuốc sinh học Bt",
        "dose": "2,5",
        "dose_unit": "ml/bình",
    }
    refused = post_form(owner, url, data, headers=EN)
    assert refused.status_code == 400
    assert "pre-harvest interval" in refused.get_data(as_text=True)
    assert post_form(owner, url, {**data, "phi_days": "7"}).status_code == 302
    spray = events_of(db_session, world["lot"].id)[-1]
    assert spray.kind == "input" and spray.details["dose"] == 2.5
    assert spray.details["phi_days"] == 7 and spray.farm_id == world["farm"].id


def test_processing_takes_input_lots_of_the_same_stall(owner, world, db_session):
    other = make_stall(db_session)
    foreign = make_lot(db_session, make_product(db_session, other), code="FOREIGN")
    db_session.commit()
    url = lot_url(world, tail="/events/new?kind=processing")
    form = owner.get(url).get_data(as_text=True)
    assert f'value="{world["leaves"].id}"' in form and "FOREIGN" not in form
    base = {"event_date": date.today().isoformat(), "process_": "Sao chè"}
    missing = post_form(owner, url, {"event_date": base["event_date"]}, headers=EN)
    assert missing.status_code == 400
    assert 'id="process_-err">Please fill in this field.' in missing.get_data(as_text=True)
    forged = post_form(owner, url, {**base, "inputs": [foreign.id]})
    assert forged.status_code == 400
    ok = post_form(
        owner, url, {**base, "inputs": [world["leaves"].id], "input_description": "Chè mua ngoài"}
    )
    assert ok.status_code == 302
    event = events_of(db_session, world["lot"].id)[-1]
    assert event.details["inputs"] == [
        {"lot_id": world["leaves"].id},
        {"description": "Chè mua ngoài"},
    ]


def test_correct_an_event_without_editing_it(owner, world, db_session):
    harvest = world["harvest"]
    url = lot_url(world, tail=f"/events/{harvest.id}/correct")
    form = owner.get(url).get_data(as_text=True)
    assert 'value="300"' in form  # the current details are filled in
    response = post_form(
        owner,
        url,
        {
            "reason": "incorrect_data",
            "event_date": date.today().isoformat(),
            "quantity": "280",
            "unit": "kg",
            "correction_note": "Cân lại",
        },
    )
    assert response.status_code == 302
    events = events_of(db_session, world["lot"].id)
    assert events[0].details == {"quantity": 300, "unit": "kg"}  # untouched
    fix = events[-1]
    assert fix.corrects_event_id == harvest.id and fix.details["replacement"]["quantity"] == 280
    assert trace.verify_lot(db_session, world["lot"].id).ok
    again = post_form(owner, url, {"reason": "did_not_occur"}, headers=EN)
    assert again.status_code == 400
    assert "already corrected" in again.get_data(as_text=True)


def test_recall_a_lot_for_everyone_who_scans_it(owner, world, db_session, client):
    url = lot_url(world, tail="/recall")
    assert post_form(owner, url, {"reason": ""}).status_code == 400
    response = post_form(owner, url, {"reason": "Nghi nhiễm nấm mốc"})
    assert response.status_code == 302
    db_session.expire_all()
    assert db_session.get(Lot, world["lot"].id).status == LotStatus.RECALLED
    page = client.get(world["lot_path"], headers=EN).get_data(as_text=True)
    assert "This lot has been recalled" in page and "Nghi nhiễm nấm mốc" in page
    recall_event = events_of(db_session, world["lot"].id)[-1]
    correct = owner.get(lot_url(world, tail=f"/events/{recall_event.id}/correct"))
    assert correct.status_code == 302  # a recall cannot be corrected


def test_label_pdf_decodes_to_the_lots_page(owner, world, client):
    form = owner.get(lot_url(world, tail="/labels"), headers=EN).get_data(as_text=True)
    assert "Print at 100% (“actual size”)" in form
    response = owner.get(lot_url(world, tail="/labels.pdf?size=medium&what=lot&copies=3"))
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    decoded = decode_label_pdf(response.data, "medium", 3)
    url = f"http://market.test/01/{GTIN14}/10/TC2025%2F07"
    assert decoded == [url] * 3
    page = client.get(urlsplit(decoded[0]).path, headers=EN).get_data(as_text=True)
    for expected in ("Đồi chè Khuôn Gà", "Thái Nguyên", "TC2025/07", "OCOP-4-TN"):
        assert expected in page


def test_units_get_their_own_labels_and_first_scan(owner, world, db_session, client):
    lot_page = lot_url(world)
    response = post_form(owner, lot_url(world, tail="/units"), {"count": "3"}, form_url=lot_page)
    assert response.status_code == 302
    serials = db_session.scalars(select(TraceUnit.serial).order_by(TraceUnit.id)).all()
    assert len(serials) == 3
    pdf = owner.get(lot_url(world, tail="/labels.pdf?size=small&what=units")).data
    decoded = decode_label_pdf(pdf, "small", 3)
    assert decoded == [f"http://market.test{world['lot_path']}/21/{s}" for s in serials]
    first = client.get(urlsplit(decoded[0]).path, headers=EN).get_data(as_text=True)
    assert "This is the first scan of this code." in first
    assert "0 serial" not in owner.get(f"/seller/{world['stall'].slug}/lots").get_data(as_text=True)


@pytest.mark.parametrize(
    "query",
    ["size=huge", "copies=0", "copies=5000", "skip=99", "what=units"],
)
def test_bad_label_requests(owner, world, query):
    response = owner.get(lot_url(world, tail=f"/labels.pdf?{query}"))
    assert response.status_code in (302, 400)  # no units yet: back to the form


def test_unusual_scans_are_listed(owner, world, db_session, client):
    lot = db_session.get(Lot, world["lot"].id)
    lot.quantity = 2
    db_session.commit()
    for n in range(3):
        client.get(world["lot_path"], headers={"User-Agent": f"phone {n}"})
    page = owner.get(f"/seller/{world['stall'].slug}/lots", headers=EN).get_data(as_text=True)
    assert "Unusual scans" in page
    assert "scanned by 3 different people, more than the 2 packs" in page


def test_issuing_units_checks_the_number(owner, world, db_session):
    token = csrf_token(owner, lot_url(world))
    for count in ("abc", "0", "20000"):
        response = owner.post(
            lot_url(world, tail="/units"), data={"count": count, "csrf_token": token}
        )
        assert response.status_code == 302
    assert db_session.scalars(select(TraceUnit)).all() == []
