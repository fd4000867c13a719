"""The provenance page a QR code opens: content, privacy, warnings, caching and scan counts."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from marketplace.config import REPO_ROOT
from tests.traceability.web_world import EN, FARM_PHONE, tea_world
from traceability import services as trace
from traceability.models import Lot, TraceScan, TraceUnit

MAX_BYTES = 30 * 1024


@pytest.fixture
def world(db_session):
    return tea_world(db_session)


def page(client, world, **headers):
    response = client.get(world["lot_path"], headers={**EN, **headers})
    assert response.status_code == 200, response.status_code
    return response, response.get_data(as_text=True)


def scans(db_session, lot_id: int) -> int:
    db_session.expire_all()
    return db_session.get(Lot, lot_id).scan_count


def test_the_page_shows_origin_lot_certificates_and_a_way_to_buy(client, world):
    _, text = page(client, world)
    assert "Chè búp Tân Cương" in text
    assert "Đồi chè Khuôn Gà" in text
    assert world["ward"].name in text and "Thái Nguyên" in text
    assert "TC2025/07" in text
    assert "OCOP-4-TN" in text and "VG-0042" in text and "OCOP 4 stars" in text
    assert "GG-OLD" not in text and "ORG-PENDING" not in text  # expired, pending
    assert "HTX Chè Tân Cương" in text
    assert 'href="http://market.test/gian-hang/htx-che-tan-cuong/san-pham/TC-500"' in text
    assert 'class="t-chain t-chain-ok"' in text
    assert "Scans of this lot: 1" in text
    assert [m for m in ("Harvest", "Processing", "Packing") if m in text] == [
        "Harvest",
        "Processing",
        "Packing",
    ]


def test_the_page_is_light_and_needs_no_script(client, world):
    response, text = page(client, world)
    assert len(response.data) <= MAX_BYTES
    assert "<script" not in text and "style=" not in text and "<style" not in text
    stylesheet = re.search(r'<link rel="stylesheet" href="([^"]+)"', text)[1]
    with client.get(stylesheet) as css:
        assert css.status_code == 200 and len(css.data) < 8 * 1024
    assert all('loading="lazy"' in img for img in re.findall(r"<img[^>]*>", text))


def test_farmers_personal_data_needs_their_consent(client, world, db_session):
    _, text = page(client, world)
    assert FARM_PHONE not in text and "Nguyễn Văn Ấm" not in text
    assert "21.59" not in text and "105.77" not in text
    json_text = client.get(world["lot_path"], headers={"Accept": "application/json"}).data
    assert FARM_PHONE.encode() not in json_text and b"21.59" not in json_text
    farm = world["farm"]
    farm.share_contact = True
    farm.share_location = True
    db_session.commit()
    _, text = page(client, world)
    assert FARM_PHONE in text and "Nguyễn Văn Ấm" in text and "21.591234" in text


def test_vietnamese_by_default_english_on_request(client, world):
    assert b'<html lang="vi">' in client.get(world["lot_path"]).data
    assert b'<html lang="en">' in client.get(world["lot_path"], headers=EN).data
    assert b'<html lang="en">' in client.get(world["lot_path"] + "?lang=en").data
    switch = client.get(f"/lang/en?next={world['lot_path'].replace('%', '%25')}")
    assert switch.headers["Location"] == world["lot_path"]
    assert b'<html lang="en">' in client.get(world["lot_path"]).data  # remembered


def test_a_repeat_scan_is_304_and_still_counted(client, world, db_session):
    lot_id = world["lot"].id
    first, _ = page(client, world)
    etag = first.headers["ETag"]
    assert etag.startswith('W/"')
    assert first.headers["Cache-Control"] == "private, max-age=0, must-revalidate"
    assert scans(db_session, lot_id) == 1
    repeat = client.get(world["lot_path"], headers={**EN, "If-None-Match": etag})
    assert repeat.status_code == 304 and repeat.data == b""
    assert repeat.headers["ETag"] == etag
    assert scans(db_session, lot_id) == 2  # counted before answering 304
    # The count on the page changes with every scan, the validator does not.
    third, text = page(client, world)
    assert third.headers["ETag"] == etag and "Scans of this lot: 3" in text
    # New facts make a new page.
    trace.add_event(
        db_session,
        db_session.get(Lot, lot_id),
        "inspection",
        event_time=date.today(),
        details={"result": "Đạt"},
    )
    db_session.commit()
    changed = client.get(world["lot_path"], headers={**EN, "If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert client.head(world["lot_path"]).status_code == 200
    assert scans(db_session, lot_id) == 4  # HEAD is not a scan


def test_scans_keep_no_ip_address(client, world, db_session):
    client.get(world["lot_path"], environ_base={"REMOTE_ADDR": "203.113.152.7"})
    visitors = db_session.scalars(select(TraceScan.visitor)).all()
    assert len(visitors) == 1 and re.fullmatch(r"[0-9a-f]{16}", visitors[0])
    assert "203.113" not in visitors[0]


def test_a_recall_shows_in_red_at_the_top(client, world, db_session):
    lot = db_session.get(Lot, world["lot"].id)
    trace.recall_lot(db_session, lot, "Phát hiện dư lượng thuốc", None)
    db_session.commit()
    _, text = page(client, world)
    main = text.split('<main id="main">', 1)[1]
    assert main.lstrip().startswith('<section id="status" class="t-alert" role="alert">')
    assert "This lot has been recalled" in main and "Phát hiện dư lượng thuốc" in main
    assert main.index("t-alert") < main.index("<h1>")
    css = (REPO_ROOT / "marketplace/static/css/trace.css").read_text()
    assert re.search(r"\.t-alert\{background:#b3261e;color:#fff", css)
    vietnamese = client.get(world["lot_path"]).get_data(as_text=True)
    assert "t-alert" in vietnamese  # everyone sees it, in every language


def test_an_expired_lot_is_flagged(client, world, db_session):
    lot = db_session.get(Lot, world["lot"].id)
    lot.expiry_date = date.today() - timedelta(days=1)
    db_session.commit()
    _, text = page(client, world)
    assert "This lot has expired" in text and 'id="status" class="t-alert"' in text


def test_a_correction_is_shown_with_the_record_it_replaces(client, world, db_session):
    lot = db_session.get(Lot, world["lot"].id)
    trace.correct_event(
        db_session,
        lot,
        world["harvest"].id,
        "incorrect_data",
        None,
        replacement={"quantity": 280, "unit": "kg"},
    )
    db_session.commit()
    _, text = page(client, world)
    assert "The seller corrected this entry later." in text
    assert "Corrected record: it replaces the entry of" in text
    assert "280 kg" in text and "300 kg" in text  # nothing is hidden
    assert 'class="t-chain t-chain-ok"' in text


def test_a_unit_says_when_it_was_first_scanned(client, world, db_session):
    lot = db_session.get(Lot, world["lot"].id)
    serial = trace.issue_units(db_session, lot, 1)[0].serial
    db_session.commit()
    path = f"{world['lot_path']}/21/{serial}"
    first = client.get(path, headers=EN)
    assert first.status_code == 200
    assert "This is the first scan of this code." in first.get_data(as_text=True)
    assert first.headers["Cache-Control"] == "no-store"
    second = client.get(path, headers=EN).get_data(as_text=True)
    today = date.today().strftime("%d/%m/%Y")
    assert f"first scanned on {today} and has been scanned 2 times" in second
    assert "t-unit t-warn" in second and 'name="robots" content="noindex"' in second
    db_session.expire_all()
    unit = db_session.scalar(select(TraceUnit))
    assert unit.scan_count == 2 and unit.first_scanned_at is not None
    assert db_session.scalar(select(func.count()).select_from(TraceScan)) == 2


def test_hidden_products_and_suspended_stalls_keep_their_pages(client, world, db_session):
    from catalog.models import ProductStatus
    from marketplace.stalls.models import StallStatus

    world["tea"].status = ProductStatus.HIDDEN
    db_session.commit()
    _, text = page(client, world)
    assert "Not on sale at the moment." in text and "san-pham/TC-500" not in text
    world["stall"].status = StallStatus.SUSPENDED
    db_session.commit()
    _, text = page(client, world)
    assert "The market has suspended this seller" in text
