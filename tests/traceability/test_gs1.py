"""GS1 Digital Link parsing and building, checked against the shared vectors and biip."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date

import biip
import pytest

from tests.traceability.vectors import load_or_empty
from traceability.gs1 import (
    DigitalLink,
    InvalidDigitalLink,
    build_digital_link,
    parse_digital_link,
)

VECTORS = load_or_empty("gs1_digital_link.json")
_MISSING = [pytest.param(None, marks=pytest.mark.skip(reason="shared/vectors not found"))]
CASES = VECTORS["cases"] if VECTORS else _MISSING
GENERATE = VECTORS["generate_cases"] if VECTORS else _MISSING
QUALIFIER_AIS = {"01", "22", "10", "21"}


def _case_id(case) -> str:
    return case["uri"] if case else "missing"


def element_pairs(element_string: str) -> list[tuple[str, str]]:
    """Split a bracketed element string, e.g. (01)…(10)…, into (AI, value) pairs."""
    return re.findall(r"\((\d{2,4})\)([^(]*)", element_string)


def assert_same_elements(link: DigitalLink, expected: str) -> None:
    """Key and qualifiers must match in order; attribute order is not significant."""
    got, want = link.pairs(), element_pairs(expected)
    assert [p for p in got if p[0] in QUALIFIER_AIS] == [p for p in want if p[0] in QUALIFIER_AIS]
    assert Counter(got) == Counter(want)


def _check(uri: str, expectation: dict, *, lenient: bool) -> None:
    if expectation["valid"]:
        assert_same_elements(
            parse_digital_link(uri, lenient=lenient), expectation["element_string"]
        )
    else:
        with pytest.raises(InvalidDigitalLink):
            parse_digital_link(uri, lenient=lenient)


def test_the_vector_file_has_every_kind_of_case():
    if VECTORS is None:
        pytest.skip("shared/vectors not found")
    valid = [c for c in VECTORS["cases"] if c["valid"]]
    assert len(VECTORS["cases"]) >= 130 and len(valid) >= 55
    assert sum(1 for c in VECTORS["cases"] if c.get("lenient")) >= 11


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_strict_parser_matches_every_vector(case):
    _check(case["uri"], case, lenient=False)


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_lenient_parser_matches_every_vector(case):
    _check(case["uri"], case.get("lenient") or case, lenient=True)


def _build_from_element_string(element_string: str, stem: str | None) -> str:
    values: dict[str, str] = {}
    for ai, value in element_pairs(element_string):
        if values.setdefault(ai, value) != value:
            raise InvalidDigitalLink("duplicate_ai", f"({ai}) given twice with different values")
    qualifiers = {ai: values.pop(ai, None) for ai in ("01", "22", "10", "21")}
    return build_digital_link(
        stem,
        qualifiers["01"] or "",
        lot=qualifiers["10"],
        serial=qualifiers["21"],
        cpv=qualifiers["22"],
        attributes=values,
    )


@pytest.mark.parametrize("case", GENERATE, ids=lambda c: c["element_string"] if c else "missing")
def test_builder_matches_every_generation_vector(case):
    if case["expected_uri"] is None:
        with pytest.raises(InvalidDigitalLink):
            _build_from_element_string(case["element_string"], case["stem"])
    else:
        assert (
            _build_from_element_string(case["element_string"], case["stem"])
            == (case["expected_uri"])
        )


def test_builder_pads_short_gtins_sorts_attributes_and_formats_dates():
    uri = build_digital_link(
        "https://market.test/",
        "8934567890120",
        lot="LO-1",
        attributes={"17": date(2026, 3, 31), "11": date(2025, 9, 1), "15": "260300"},
    )
    assert uri == "https://market.test/01/08934567890120/10/LO-1?11=250901&15=260300&17=260331"
    link = parse_digital_link(uri)
    assert link.date("17") == date(2026, 3, 31)
    assert link.date("15") == date(2026, 3, 31)  # day 00 means the end of the month
    assert link.date("10") is None


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"gtin": "8934567890121"}, "gtin_bad_check_digit"),
        ({"gtin": "12345"}, "gtin_bad_length"),
        ({"gtin": "8934567890120", "lot": "LÔ1"}, "bad_character"),
        ({"gtin": "8934567890120", "lot": "A" * 21}, "bad_value"),
        ({"gtin": "8934567890120", "lot": ""}, "empty_value"),
        ({"gtin": "8934567890120", "serial": "has space"}, "bad_character"),
        ({"gtin": "8934567890120", "attributes": {"10": "X"}}, "not_attribute"),
        ({"gtin": "8934567890120", "attributes": {"8200": "http://x"}}, "not_attribute"),
        ({"gtin": "8934567890120", "attributes": {"89": "X"}}, "unknown_ai"),
        ({"gtin": "8934567890120", "attributes": {"17": "251301"}}, "bad_date"),
    ],
)
def test_builder_rejects_what_the_parser_would_reject(kwargs, code):
    with pytest.raises(InvalidDigitalLink) as caught:
        build_digital_link("https://market.test", **kwargs)
    assert caught.value.code == code


@pytest.mark.parametrize(
    ("uri", "code"),
    [
        ("https://a/01/12312312312334", "bad_check_digit"),
        ("https://a/01/12312312312333?10=ABC", "lot_in_query"),
        ("https://a/01/12312312312333/21/X/10/Y", "bad_sequence"),
        ("https://a/01/12312312312333?99=A&99=A", "duplicate_ai"),
        ("https://a/01/12312312312333?999=A", "unknown_ai"),
        ("https://a/01/12312312312333/10/A<B", "illegal_character"),
        ("ftp://a/01/12312312312333", "not_digital_link"),
        ("https://a/product/12312312312333", "no_key"),
        ("https://a/01/2112345678900", "bad_value"),
    ],
)
def test_parser_says_why_it_rejects(uri, code):
    with pytest.raises(InvalidDigitalLink) as caught:
        parse_digital_link(uri)
    assert caught.value.code == code


def test_parser_accepts_a_bare_path_and_keeps_non_ai_parameters():
    link = parse_digital_link("/01/08934567890120/10/L%2F25?linkType=gs1:epcis&17=261231&x")
    assert (link.gtin, link.lot, link.serial, link.stem) == ("08934567890120", "L/25", None, "")
    assert link.attributes == {"17": "261231"}
    assert link.params == {"linkType": "gs1:epcis", "x": ""}
    assert link.element_string == "(01)08934567890120(10)L/25(17)261231"


def test_lenient_mode_pads_but_still_checks_the_check_digit():
    assert parse_digital_link("https://a/01/8934567890120", lenient=True).gtin == "08934567890120"
    with pytest.raises(InvalidDigitalLink):
        parse_digital_link("https://a/01/8934567890121", lenient=True)


@pytest.mark.parametrize(
    ("lot", "serial", "attributes"),
    [
        ("LOT2025-07", None, {}),
        ("A/B+C%D", "x<y>z", {"17": "261231"}),
        ("12&34=5?", "SER_01", {"11": "250101", "13": "250102", "99": "!\"'()*,.:;"}),
        ("ABCDEFGHIJKLMNOPQRST", "ABCDEFGHIJKLMNOPQRST", {"3103": "000500"}),
    ],
)
def test_built_links_round_trip_and_biip_reads_the_same_elements(lot, serial, attributes):
    uri = build_digital_link("https://cho.example.vn", "8934567890120", lot, serial, attributes)
    link = parse_digital_link(uri)
    assert (link.gtin, link.lot, link.serial, link.attributes) == (
        "08934567890120",
        lot,
        serial,
        attributes,
    )
    # biip is an independent parser; it reports (rather than raises) a bad check digit.
    parsed = biip.parse(uri).gs1_digital_link_uri
    assert parsed is not None
    assert all(e.gtin_error is None for e in parsed.element_strings)
    assert Counter((e.ai.ai, e.value) for e in parsed.element_strings) == Counter(link.pairs())
