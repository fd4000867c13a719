"""VietQR payloads against the shared vectors, plus the VietQR transfer provider."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
import qrcode

from marketplace.config import REPO_ROOT
from payments.base import PaymentError, PaymentRequest, WebhookRejected, make_provider
from payments.models import Payment, PaymentStatus
from payments.vietqr import (
    BANKS,
    InvalidVietQR,
    bank_name,
    build_payload,
    crc16,
    fold_text,
    parse_payload,
)
from payments.vietqr_provider import VietQRTransfer

VECTORS_PATH = REPO_ROOT.parent / "shared" / "vectors" / "vietqr.json"
VECTORS = json.loads(VECTORS_PATH.read_text("utf-8")) if VECTORS_PATH.is_file() else {}
EXAMPLES = VECTORS.get("examples", [])
NEGATIVES = VECTORS.get("negative_examples", [])
USUAL_ORDER = ["00", "01", "38", "53", "54", "58", "62", "63"]
IN_USUAL_ORDER = [
    e
    for e in EXAMPLES
    if e["decoded"]["root_tag_order"]
    == [t for t in USUAL_ORDER if t in e["decoded"]["root_tag_order"]]
]


def test_the_shared_vectors_are_there():
    assert len(EXAMPLES) >= 10 and len(NEGATIVES) >= 4, f"missing {VECTORS_PATH}"


def test_crc_matches_the_ccitt_false_check_value():
    assert crc16(b"123456789") == 0x29B1
    worked = VECTORS["crc"]["worked_example"]
    assert f"{crc16(worked['crc_input'].encode()):04X}" == worked["crc"]


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e["crc"])
def test_example_crc_recomputes(example):
    assert example["crc_input"].endswith("6304")
    assert f"{crc16(example['crc_input'].encode('ascii')):04X}" == example["crc"]


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e["crc"])
def test_example_parses_to_its_decoded_fields(example):
    expected = dict(example["decoded"])
    # The vectors write "12 (dynamic)"; the parser returns the raw code.
    expected["point_of_initiation"] = expected["point_of_initiation"].split()[0]
    parsed = parse_payload(example["payload"])
    assert {key: parsed[key] for key in expected} == expected
    assert parsed["crc"] == example["crc"]
    amount = expected["amount"]
    assert parsed["amount_vnd"] == (int(amount) if amount else None)


@pytest.mark.parametrize("example", IN_USUAL_ORDER, ids=lambda e: e["crc"])
def test_example_in_usual_order_is_rebuilt_exactly(example):
    decoded = example["decoded"]
    extra = decoded["additional_data"] or {}
    payload = build_payload(
        decoded["bank_bin"],
        decoded["account_or_card"],
        int(decoded["amount"]) if decoded["amount"] else None,
        extra.get("08"),
        bill_number=extra.get("01"),
        service=decoded["service_code"],
        dynamic=decoded["point_of_initiation"].startswith("12"),
    )
    assert payload == example["payload"]


def test_all_but_the_two_out_of_order_examples_are_rebuilt():
    # The README says two examples deliberately put tags out of order; the rest must be built.
    assert len(IN_USUAL_ORDER) == len(EXAMPLES) - 2


@pytest.mark.parametrize("negative", NEGATIVES, ids=lambda e: e["computed_crc"])
def test_negative_example_is_rejected(negative):
    with pytest.raises(InvalidVietQR) as caught:
        parse_payload(negative["payload"])
    if negative["crc_valid"]:
        assert "CRC" not in str(caught.value)  # rejected for its structure, as documented
    else:
        assert "CRC" in str(caught.value)


@pytest.mark.parametrize(
    "payload",
    [
        "",
        "6304ABCD",
        "00020101021138540010A00000072701240006970422011001234567890208QRIBFTTA53037045802VN",
        "not a payload at all 6304ZZZZ",
    ],
)
def test_garbage_is_rejected(payload):
    with pytest.raises(InvalidVietQR):
        parse_payload(payload)


def test_changing_the_amount_breaks_the_crc():
    payload = build_payload("970436", "1017595600", 250_000, "CP000123")
    tampered = payload.replace("5406250000", "5406950000")
    assert tampered != payload
    with pytest.raises(InvalidVietQR, match="CRC"):
        parse_payload(tampered)


def test_every_shipped_bin_names_the_bank_the_vectors_name():
    banks = {bank["bin"]: bank["short_name"] for bank in VECTORS["bank_bins"]["banks"]}
    assert {code: banks.get(code) for code in BANKS} == BANKS
    for code in VECTORS["bank_bins"]["requested_check"]:
        assert bank_name(code) == banks[code]
    assert bank_name("999999") is None


def test_a_vietnamese_reference_is_folded_and_round_trips():
    payload = build_payload("970436", "1017595600", 250_000, "Đơn hàng CP-7F3K2")
    parsed = parse_payload(payload)
    assert payload.isascii()
    assert parsed["additional_data"] == {"08": "Don hang CP 7F3K2"}
    assert parsed["amount_vnd"] == 250_000
    assert parsed["point_of_initiation"] == "12"
    assert parsed["bank_bin"] == "970436" and parsed["account_or_card"] == "1017595600"


def test_folding_keeps_letters_digits_and_single_spaces():
    assert (
        fold_text("Thanh toán đơn hàng ĐH-042 (Chè Thái)") == "Thanh toan don hang DH 042 Che Thai"
    )


def test_a_reference_too_long_once_folded_is_refused_not_truncated():
    with pytest.raises(ValueError, match="25"):
        build_payload("970436", "1017595600", 250_000, "Thanh toán đơn hàng số CP-123456")


@pytest.mark.parametrize("amount", [0, -5, 1.5, 250000.0, True, "250000", 10**13])
def test_the_amount_must_be_a_positive_whole_number_of_dong(amount):
    with pytest.raises(ValueError):
        build_payload("970436", "1017595600", amount, "CP1")


@pytest.mark.parametrize(
    ("bin_code", "account"),
    [("97043", "1"), ("970436", ""), ("970436", "12-34"), ("970436", "1" * 20)],
)
def test_malformed_bank_details_are_refused(bin_code, account):
    with pytest.raises(ValueError):
        build_payload(bin_code, account, 1000)


def test_a_static_payload_has_no_amount():
    parsed = parse_payload(build_payload("970422", "0123456789"))
    assert parsed["point_of_initiation"] == "11"
    assert parsed["amount"] is None and parsed["additional_data"] is None


def test_the_qr_image_decodes_back_to_the_same_payload():
    payload = build_payload("970415", "113366668888", 1_250_000, "CP000042")
    image = qrcode.make(payload, box_size=8, border=4).get_image().convert("L")
    pixels = np.array(image, dtype=np.uint8)
    decoded, _points, _ = cv2.QRCodeDetector().detectAndDecode(pixels)
    assert decoded == payload
    assert parse_payload(decoded)["amount_vnd"] == 1_250_000


# --- the provider -------------------------------------------------------------------------


def _request(**overrides):
    fields = {"checkout_id": 7, "reference": "CP-7F3K2", "amount_vnd": 385_000}
    fields.update(overrides)
    return PaymentRequest(**fields)


def test_start_shows_the_exact_amount_and_reference_for_the_market_account():
    provider = make_provider(
        "vietqr",
        {
            "VIETQR_BANK_BIN": "970436",
            "VIETQR_ACCOUNT": "1017595600",
            "VIETQR_ACCOUNT_NAME": "HTX CHE TAN CUONG",
        },
    )
    result = provider.start(_request())
    assert result.status is PaymentStatus.PENDING and result.provider == "vietqr"
    display = result.display
    parsed = parse_payload(display["payload"])
    assert parsed["amount_vnd"] == display["amount_vnd"] == 385_000
    assert parsed["additional_data"] == {"08": "CP 7F3K2"} and display["reference"] == "CP 7F3K2"
    assert (display["bank_name"], display["account"]) == ("Vietcombank", "1017595600")
    assert display["account_name"] == "HTX CHE TAN CUONG"


def test_a_stall_account_in_the_request_replaces_the_market_account():
    provider = VietQRTransfer("970436", "1017595600")
    result = provider.start(_request(metadata={"vietqr_bin": "970422", "vietqr_account": "0099"}))
    parsed = parse_payload(result.display["payload"])
    assert (parsed["bank_bin"], parsed["account_or_card"]) == ("970422", "0099")
    assert result.display["bank_name"] == "MBBank"


def test_without_a_bank_account_vietqr_is_unavailable():
    with pytest.raises(PaymentError) as caught:
        VietQRTransfer.from_config({}).start(_request())
    assert caught.value.code == "unavailable"


def test_nobody_can_report_a_transfer_by_webhook():
    with pytest.raises(WebhookRejected):
        VietQRTransfer("970436", "1").handle_webhook(b"{}", {})


def test_a_refund_by_hand_refunds_a_received_transfer():
    payment = Payment(
        provider="vietqr", amount_vnd=385_000, status=PaymentStatus.SUCCEEDED, details={}
    )
    result = VietQRTransfer("970436", "1").refund(payment)
    assert result.status is PaymentStatus.REFUNDED and result.amount_vnd == 385_000
