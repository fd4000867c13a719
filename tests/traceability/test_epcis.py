"""EPCIS 2.0 export validates against GS1's JSON Schema, with strict format checking."""

from __future__ import annotations

import json
from datetime import date

import pytest
from jsonschema import Draft7Validator

from tests.factories import make_farm, make_lot, make_product, make_stall
from tests.traceability.vectors import VECTORS, load_json
from traceability import services as trace
from traceability.epcis import EPCIS_CONTEXT, event_id

BASE = "https://market.test"
EXAMPLES = VECTORS / "epcis" / "examples"


@pytest.fixture(scope="module")
def validator() -> Draft7Validator:
    schema = load_json("epcis", "EPCIS-JSON-Schema.json")
    return Draft7Validator(schema, format_checker=Draft7Validator.FORMAT_CHECKER)


def errors(validator: Draft7Validator, document: dict) -> list[str]:
    """Return every schema error as text (empty when the document is valid)."""
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]


def _examples(kind: str) -> list:
    found = sorted((EXAMPLES / kind).glob("*.json")) if EXAMPLES.exists() else []
    return found or [pytest.param(None, marks=pytest.mark.skip(reason="shared/vectors missing"))]


@pytest.mark.parametrize("path", _examples("valid"), ids=lambda p: getattr(p, "name", "none"))
def test_the_validator_accepts_gs1s_valid_examples(validator, path):
    assert errors(validator, json.loads(path.read_text(encoding="utf-8"))) == []


@pytest.mark.parametrize("path", _examples("invalid"), ids=lambda p: getattr(p, "name", "none"))
def test_the_validator_rejects_the_invalid_examples(validator, path):
    # Among them a bare-word bizStep and a malformed eventTime: only format checking
    # with a `uri` checker (rfc3986-validator) catches those.
    assert errors(validator, json.loads(path.read_text(encoding="utf-8")))


@pytest.fixture
def story(db_session):
    """A tea lot with every kind of event, a correction, a retraction and a recall."""
    stall = make_stall(db_session)
    farm = make_farm(db_session, stall, latitude=21.59, longitude=105.77)
    leaves = make_lot(db_session, make_product(db_session, stall), code="LA-0701", farms=[farm])
    tea = make_lot(
        db_session,
        make_product(db_session, stall, gtin="8934567890120"),
        code="TC2025/07",
        farms=[farm],
        harvest_date=date(2025, 7, 1),
        expiry_date=date(2026, 7, 1),
    )
    add = trace.add_event
    add(
        db_session,
        leaves,
        "harvest",
        event_time=date(2025, 7, 1),
        details={"quantity": 300, "unit": "kg"},
    )
    events = {
        "harvest": add(
            db_session,
            tea,
            "harvest",
            event_time=date(2025, 7, 1),
            details={"quantity": 120, "unit": "kg"},
        ),
        "input": add(
            db_session,
            tea,
            "input",
            event_time=date(2025, 6, 20),
            details={
                "input_type": "pesticide",
                "product": "Thuốc sinh học Bt",
                "dose": 2.5,
                "dose_unit": "ml/bình 16 l",
                "phi_days": 7,
            },
        ),
        "processing": add(
            db_session,
            tea,
            "processing",
            event_time=date(2025, 7, 2),
            details={
                "process": "Sao chè",
                "inputs": [
                    {"lot_id": leaves.id, "quantity": 300, "unit": "kg"},
                    {"description": "Lá mua ngoài"},
                ],
                "quantity": 60,
                "unit": "kg",
            },
        ),
        "packing": add(
            db_session,
            tea,
            "packing",
            event_time=date(2025, 7, 3),
            details={"package": "hộp 500 g", "count": 120},
        ),
        "shipping": add(
            db_session,
            tea,
            "shipping",
            event_time=date(2025, 7, 4),
            details={
                "destination": "Cửa hàng Hà Nội",
                "destination_uri": "https://shop.example.vn/kho",
                "carrier": "Bưu điện",
                "quantity": 40,
                "unit": "hộp",
            },
        ),
        "receiving": add(
            db_session,
            tea,
            "receiving",
            event_time=date(2025, 7, 5),
            details={"source": "Kho HTX", "source_uri": "https://htx.example.vn/kho"},
        ),
        "inspection": add(
            db_session,
            tea,
            "inspection",
            event_time=date(2025, 7, 6),
            details={"result": "Đạt, không phát hiện dư lượng"},
        ),
    }
    events["fix"] = trace.correct_event(
        db_session,
        tea,
        events["harvest"].id,
        "incorrect_data",
        None,
        replacement={"quantity": 110, "unit": "kg"},
    )
    events["gone"] = trace.correct_event(
        db_session, tea, events["inspection"].id, "did_not_occur", None
    )
    events["recall"] = trace.recall_lot(db_session, tea, "Thu hồi tự nguyện", None)
    db_session.commit()
    return {"tea": tea, "leaves": leaves, "farm": farm, **events}


def test_the_export_of_every_event_kind_validates(db_session, validator, story):
    document = trace.export_epcis(db_session, story["tea"], BASE)
    assert errors(validator, document) == []
    assert document["@context"][0] == EPCIS_CONTEXT
    assert document["schemaVersion"] == "2.0" and document["type"] == "EPCISDocument"
    kinds = [e["cp:kind"] for e in document["epcisBody"]["eventList"]]
    # The bare "did not occur" declaration is not an event of its own.
    assert kinds == [
        "harvest",
        "input",
        "processing",
        "packing",
        "shipping",
        "receiving",
        "inspection",
        "harvest",
        "recall",
    ]
    ids = [e["eventID"] for e in document["epcisBody"]["eventList"]]
    assert len(set(ids)) == len(ids)


def test_the_export_names_lots_farms_and_corrections(db_session, story):
    document = trace.export_epcis(db_session, story["tea"], BASE)
    by_id = {e["eventID"]: e for e in document["epcisBody"]["eventList"]}
    tea_uri = f"{BASE}/01/08934567890120/10/TC2025%2F07"
    harvest = by_id[event_id(story["harvest"])]
    assert harvest["quantityList"] == [{"epcClass": tea_uri, "quantity": 120, "uom": "KGM"}]
    assert harvest["readPoint"] == {"id": f"{BASE}/farm/{story['farm'].id}"}
    assert harvest["ilmd"]["cbvmda:lotNumber"] == "TC2025/07"
    assert harvest["errorDeclaration"]["reason"] == "incorrect_data"
    assert harvest["errorDeclaration"]["correctiveEventIDs"] == [event_id(story["fix"])]
    fix = by_id[event_id(story["fix"])]
    assert fix["cp:details"] == {"quantity": 110, "unit": "kg"}
    assert fix["cp:corrects"] == event_id(story["harvest"])
    inspection = by_id[event_id(story["inspection"])]
    assert inspection["errorDeclaration"]["reason"] == "did_not_occur"
    assert "correctiveEventIDs" not in inspection["errorDeclaration"]
    processing = by_id[event_id(story["processing"])]
    leaves_uri = processing["inputQuantityList"][0]["epcClass"]
    assert leaves_uri.startswith(f"{BASE}/t/")  # no GTIN: the opaque short link, no fake GTIN
    assert processing["outputQuantityList"][0]["epcClass"] == tea_uri
    spray = by_id[event_id(story["input"])]
    assert spray["cp:details"]["phi_days"] == 7 and spray["bizStep"] == "other"
    shipping = by_id[event_id(story["shipping"])]
    assert shipping["destinationList"][0]["destination"] == "https://shop.example.vn/kho"
    assert "uom" not in shipping["quantityList"][0]  # 40 boxes: a count
    assert by_id[event_id(story["recall"])]["disposition"] == "recalled"
    text = json.dumps(document)
    assert "21.59" not in text and "105.77" not in text  # farm coordinates stay private


def test_the_input_lots_own_export_validates(db_session, validator, story):
    assert errors(validator, trace.export_epcis(db_session, story["leaves"], BASE)) == []
