"""flask trace verify (tampering is found, and shown on the page) and flask trace labels."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest
from sqlalchemy import text

from tests.factories import make_lot, make_product
from tests.traceability.web_world import EN, GTIN14, decode_label_pdf, tea_world
from traceability import services as trace


@pytest.fixture
def world(db_session):
    return tea_world(db_session)


def run(runner, *args: str):
    result = runner.invoke(args=["trace", *args])
    return result, result.output + (result.stderr if result.stderr_bytes else "")


def test_verify_passes_on_intact_chains(runner, world):
    result, output = run(runner, "verify")
    assert result.exit_code == 0, output
    assert "2 lots checked, 0 broken" in output


def test_tampering_in_the_database_is_reported_and_shown(runner, world, db_session, client):
    harvest = world["harvest"]
    forged = json.dumps({"quantity": 3000, "unit": "kg"})
    db_session.execute(
        text("UPDATE trace_events SET details = :d WHERE id = :id"),
        {"d": forged, "id": harvest.id},
    )
    db_session.commit()
    result, output = run(runner, "verify")
    assert result.exit_code == 1
    assert "BROKEN lot TC2025/07" in output and "htx-che-tan-cuong/TC-500" in output
    assert "event #1" in output and "1 broken" in output
    page = client.get(world["lot_path"], headers=EN).get_data(as_text=True)
    assert 'class="t-chain t-chain-broken"' in page and "Record broken" in page
    record = client.get(world["lot_path"], headers={"Accept": "application/json"}).get_json()
    assert record["chain"]["intact"] is False


def test_deleting_the_newest_event_is_noticed(runner, world, db_session, client):
    db_session.execute(
        text("DELETE FROM trace_events WHERE lot_id = :lot AND seq = 3"),
        {"lot": world["lot"].id},
    )
    db_session.commit()
    result, output = run(runner, "verify")
    assert result.exit_code == 1 and "TC2025/07" in output
    assert b"t-chain-broken" in client.get(world["lot_path"]).data


def test_labels_command_writes_a_sheet_whose_codes_open_the_page(runner, world, tmp_path, client):
    out = tmp_path / "labels.pdf"
    slug = world["stall"].slug
    result, output = run(
        runner,
        "labels",
        "--stall",
        slug,
        "--lot",
        "TC2025/07",
        "--out",
        str(out),
        "--size",
        "large",
        "--copies",
        "3",
    )
    assert result.exit_code == 0, output
    assert "3 labels on 1 page(s)" in output
    decoded = decode_label_pdf(out.read_bytes(), "large", 3)
    assert decoded == [f"http://market.test/01/{GTIN14}/10/TC2025%2F07"] * 3
    page = client.get(urlsplit(decoded[0]).path, headers=EN).get_data(as_text=True)
    for expected in ("Đồi chè Khuôn Gà", "Thái Nguyên", "TC2025/07", "OCOP-4-TN"):
        assert expected in page


def test_labels_for_units(runner, world, db_session, tmp_path):
    lot = world["lot"]
    units = trace.issue_units(db_session, db_session.merge(lot), 2)
    db_session.commit()
    out = tmp_path / "units.pdf"
    result, output = run(
        runner,
        "labels",
        "--stall",
        world["stall"].slug,
        "--lot",
        "TC2025/07",
        "--out",
        str(out),
        "--units",
        "--size",
        "small",
    )
    assert result.exit_code == 0, output
    expected = [f"http://market.test{world['lot_path']}/21/{u.serial}" for u in units]
    assert decode_label_pdf(out.read_bytes(), "small", 2) == expected


def test_labels_command_explains_what_is_wrong(runner, world, db_session, tmp_path):
    out = str(tmp_path / "x.pdf")
    slug = world["stall"].slug
    cases = [
        (["--stall", "no-such-stall", "--lot", "TC2025/07"], "no stall"),
        (["--stall", slug, "--lot", "NOPE"], "has no lot"),
        (["--stall", slug, "--lot", "LA-01", "--units"], "no serial codes"),
    ]
    make_lot(db_session, make_product(db_session, world["stall"], sku="TC-2"), code="TC2025/07")
    db_session.commit()
    cases.append((["--stall", slug, "--lot", "TC2025/07"], "add --product SKU"))
    for args, message in cases:
        result, output = run(runner, "labels", *args, "--out", out)
        assert result.exit_code != 0 and message in output, output
    result, output = run(
        runner, "labels", "--stall", slug, "--lot", "TC2025/07", "--product", "TC-2", "--out", out
    )
    assert result.exit_code == 0, output
