"""Preset event kinds: their EPCIS shape and the rules on what sellers type."""

from __future__ import annotations

import pytest

from tests.traceability.vectors import load_or_empty
from traceability.events import KINDS, PRESETS, EventError, clean_details

SCHEMA = load_or_empty("epcis", "EPCIS-JSON-Schema.json")


def test_presets_exclude_recall_which_has_its_own_flow():
    assert "recall" in KINDS and "recall" not in PRESETS
    assert {"harvest", "input", "processing", "packing", "shipping", "receiving"} <= set(PRESETS)


def test_kinds_map_to_the_epcis_shapes_of_the_domain():
    shape = {k.name: (k.event_type, k.action, k.biz_step, k.disposition) for k in KINDS.values()}
    assert shape["harvest"] == ("ObjectEvent", "ADD", "commissioning", "active")
    assert shape["processing"][0] == shape["packing"][0] == "TransformationEvent"
    assert shape["packing"][2] == "packing"
    assert shape["shipping"][1:3] == ("OBSERVE", "shipping")
    assert shape["receiving"][1:3] == ("OBSERVE", "receiving")
    assert shape["recall"][3] == "recalled"


def test_every_bizstep_and_disposition_is_in_the_cbv_lists_of_the_schema():
    if SCHEMA is None:
        pytest.skip("shared/vectors not found")
    steps = SCHEMA["definitions"]["bizStep"]["anyOf"][1]["enum"]
    dispositions = SCHEMA["definitions"]["disposition"]["anyOf"][1]["enum"]
    for kind in KINDS.values():
        assert kind.biz_step is None or kind.biz_step in steps, kind.name
        assert kind.disposition is None or kind.disposition in dispositions, kind.name


def test_details_are_normalised_and_numbers_parsed_the_vietnamese_way():
    details = clean_details(
        "input",
        {
            "input_type": "pesticide",
            "product": "  Thuốc  trừ sâu sinh học ",
            "dose": "2,5",
            "dose_unit": "ml/bình 16 l",
            "phi_days": "7",
            "note": "",
        },
    )
    assert details == {
        "input_type": "pesticide",
        "product": "Thuốc trừ sâu sinh học",
        "dose": 2.5,
        "dose_unit": "ml/bình 16 l",
        "phi_days": 7,
    }
    assert clean_details("harvest", {"quantity": "120"}) == {"quantity": 120}
    assert clean_details("harvest", None) == {}


@pytest.mark.parametrize(
    ("kind", "details", "field", "code"),
    [
        ("dance", {}, "kind", "unknown_kind"),
        ("harvest", {"colour": "red"}, "colour", "unknown_field"),
        (
            "input",
            {"input_type": "fertiliser", "product": "NPK", "dose": 1},
            "dose_unit",
            "required",
        ),
        (
            "input",
            {"input_type": "magic", "product": "X", "dose": 1, "dose_unit": "kg"},
            "input_type",
            "bad_choice",
        ),
        (
            "input",
            {"input_type": "pesticide", "product": "X", "dose": 1, "dose_unit": "ml"},
            "phi_days",
            "phi_required",
        ),
        (
            "input",
            {"input_type": "fertiliser", "product": "   ", "dose": 1, "dose_unit": "kg"},
            "product",
            "required",
        ),
        ("harvest", {"quantity": "nhiều"}, "quantity", "not_a_number"),
        ("harvest", {"quantity": -1}, "quantity", "out_of_range"),
        ("harvest", {"quantity": "nan"}, "quantity", "out_of_range"),
        ("packing", {"package": "hộp", "count": 2.5}, "count", "not_an_integer"),
        (
            "shipping",
            {"destination": "Hà Nội", "destination_uri": "javascript:alert(1)"},
            "destination_uri",
            "bad_uri",
        ),
        ("shipping", {"destination": "x" * 161}, "destination", "too_long"),
        ("processing", {"process": "Sao chè", "inputs": [{}]}, "inputs", "bad_inputs"),
        ("processing", {"process": "Sao chè", "inputs": "lot 5"}, "inputs", "bad_inputs"),
        ("recall", {}, "reason", "required"),
    ],
)
def test_bad_details_are_refused_with_a_field_and_code(kind, details, field, code):
    with pytest.raises(EventError) as caught:
        clean_details(kind, details)
    assert (caught.value.field, caught.value.code) == (field, code)


def test_transformation_inputs_keep_lot_ids_and_descriptions():
    details = clean_details(
        "processing",
        {
            "process": "Sao chè",
            "inputs": [
                {"lot_id": "12", "quantity": "50", "unit": "kg"},
                {"description": "Lá chè tươi mua của hộ bên cạnh", "quantity": 20},
            ],
        },
    )
    assert details["inputs"] == [
        {"lot_id": 12, "quantity": 50, "unit": "kg"},
        {"description": "Lá chè tươi mua của hộ bên cạnh", "quantity": 20},
    ]
