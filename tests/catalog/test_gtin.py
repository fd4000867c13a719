"""GS1 GTIN check digits, lengths and padding."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from catalog.gtin import InvalidGTIN, check_digit, is_valid_gtin, normalise_gtin

REPO_ROOT = Path(__file__).resolve().parents[2]
DIGITAL_LINK_VECTORS = REPO_ROOT.parent / "shared" / "vectors" / "gs1_digital_link.json"


@pytest.mark.parametrize(
    ("raw", "gtin14"),
    [
        ("4006381333931", "04006381333931"),  # EAN-13 (Stabilo pen)
        ("036000291452", "00036000291452"),  # UPC-A
        ("96385074", "00000096385074"),  # GTIN-8
        ("00614141123452", "00614141123452"),  # GS1's own example GTIN-14
        ("8936045123454", "08936045123454"),  # Vietnamese 893 prefix, check digit by hand
        ("8935049500018", "08935049500018"),
        ("8931234567897", "08931234567897"),
        ("18936045123451", "18936045123451"),  # GTIN-14 with packaging indicator 1
    ],
)
def test_valid_gtins_are_padded_to_14_digits(raw, gtin14):
    assert normalise_gtin(raw) == gtin14
    assert is_valid_gtin(raw)
    assert normalise_gtin(gtin14) == gtin14  # idempotent


@pytest.mark.parametrize(
    ("data", "digit"),
    [
        ("400638133393", 1),
        ("03600029145", 2),
        ("9638507", 4),
        ("893604512345", 4),
        ("893504950001", 8),
        ("0061414112345", 2),
    ],
)
def test_check_digit(data, digit):
    assert check_digit(data) == digit


def test_check_digit_is_unchanged_by_left_zero_padding():
    assert check_digit("893604512345") == check_digit("0893604512345")


def test_check_digit_refuses_non_digits():
    with pytest.raises(InvalidGTIN) as caught:
        check_digit("89360451234x")
    assert caught.value.code == "not_digits"


@pytest.mark.parametrize(
    "raw", ["893 6045 12345 4", "893-6045-12345-4", " 8936045123454 ", "893\u20116045123454"]
)
def test_spaces_and_dashes_are_tolerated(raw):
    assert normalise_gtin(raw) == "08936045123454"


def test_wrong_check_digit_names_the_expected_one():
    with pytest.raises(InvalidGTIN) as caught:
        normalise_gtin("8935049500011")
    error = caught.value
    assert isinstance(error, ValueError)
    assert error.code == "bad_check_digit"
    assert error.expected_check_digit == 8
    assert "expected 8" in str(error)
    assert not is_valid_gtin("8935049500011")


@pytest.mark.parametrize(
    "raw",
    [
        "012345678906",  # digital-link.js's bad UPC-A case (good one ends in 5)
        "12345678",  # GTIN-8 whose check digit should be 0
        "00012345678908",
        "8936045123455",
    ],
)
def test_wrong_check_digits_are_rejected(raw):
    with pytest.raises(InvalidGTIN) as caught:
        normalise_gtin(raw)
    assert caught.value.code == "bad_check_digit"


@pytest.mark.parametrize("last", "023456789")
def test_every_other_check_digit_is_rejected(last):
    assert not is_valid_gtin("400638133393" + last)


@pytest.mark.parametrize(
    "raw",
    [
        "89360451234A4",
        "893604512345x",
        "GTIN8936045123454",
        "8936045123454.0",
        "８９３６０４５１２３４５４",
    ],
)
def test_letters_and_other_characters_are_rejected(raw):
    with pytest.raises(InvalidGTIN) as caught:
        normalise_gtin(raw)
    assert caught.value.code == "not_digits"
    assert not is_valid_gtin(raw)


@pytest.mark.parametrize(
    "raw",
    ["", "   ", "-", "1", "1234567", "123456789", "12345678901", "123456789012345", "0" * 18],
)
def test_wrong_lengths_are_rejected(raw):
    with pytest.raises(InvalidGTIN) as caught:
        normalise_gtin(raw)
    assert caught.value.code == "bad_length"
    assert not is_valid_gtin(raw)


def _digital_link_cases() -> list[dict]:
    if not DIGITAL_LINK_VECTORS.is_file():
        pytest.skip(f"shared test vectors not found at {DIGITAL_LINK_VECTORS}")
    return json.loads(DIGITAL_LINK_VECTORS.read_text(encoding="utf-8"))["cases"]


def _path_gtin(uri: str) -> str:
    """Return the GTIN segment of a Digital Link URI; the rightmost /01/ is the key."""
    return re.findall(r"/01/([^/?#]*)", uri)[-1]


def _element_gtin(element_string: str) -> str:
    return re.match(r"\(01\)(\d{14})", element_string).group(1)


def test_gtins_the_digital_link_vectors_accept_are_valid():
    cases = _digital_link_cases()
    accepted = [_element_gtin(c["element_string"]) for c in cases if c["valid"]]
    assert accepted
    for gtin in accepted:
        assert normalise_gtin(gtin) == gtin


def test_zero_suppressed_gtins_pad_as_the_lenient_vectors_say():
    cases = [c for c in _digital_link_cases() if c.get("lenient", {}).get("valid")]
    assert cases
    for case in cases:
        expected = _element_gtin(case["lenient"]["element_string"])
        assert normalise_gtin(_path_gtin(case["uri"])) == expected, case["uri"]


@pytest.mark.parametrize(
    ("reference_error", "code"),
    [
        ("AI (01): The numeric check digit is incorrect.", "bad_check_digit"),
        ("AI (01): A non-digit character was found where a digit is expected.", "not_digits"),
    ],
)
def test_gtins_the_digital_link_vectors_reject_are_invalid(reference_error, code):
    cases = [c for c in _digital_link_cases() if c.get("reference_error") == reference_error]
    assert cases
    for case in cases:
        with pytest.raises(InvalidGTIN) as caught:
            normalise_gtin(_path_gtin(case["uri"]))
        assert caught.value.code == code, case["uri"]
