"""VietQR: the NAPAS 247 bank-transfer QR payload (EMVCo merchant-presented), built and parsed."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

NAPAS_GUID = "A000000727"
SERVICE_ACCOUNT = "QRIBFTTA"  # inter-bank fund transfer to an account number
SERVICE_CARD = "QRIBFTTC"  # ... to a card number
CURRENCY_VND = "704"
COUNTRY = "VN"
STATIC, DYNAMIC = "11", "12"
MAX_TEXT = 25  # 62/01 and 62/08 hold at most 25 characters

# NAPAS BINs of major Vietnamese banks (each checked against two public sources in the tests).
# Kept in the code, not read from data files: banks rename and merge, so update on purpose.
BANKS = {
    "970400": "SaigonBank",
    "970403": "Sacombank",
    "970405": "Agribank",
    "970407": "Techcombank",
    "970409": "BacABank",
    "970412": "PVcomBank",
    "970415": "VietinBank",
    "970416": "ACB",
    "970418": "BIDV",
    "970419": "NCB",
    "970422": "MBBank",
    "970423": "TPBank",
    "970425": "ABBank",
    "970426": "MSB",
    "970427": "VietABank",
    "970428": "NamABank",
    "970431": "Eximbank",
    "970432": "VPBank",
    "970436": "Vietcombank",
    "970437": "HDBank",
    "970440": "SeABank",
    "970441": "VIB",
    "970443": "SHB",
    "970448": "OCB",
    "970449": "LPBank",
    "970452": "KienLongBank",
    "970454": "VietCapitalBank",
}

_BIN = re.compile(r"\d{6}")
_ACCOUNT = re.compile(r"[0-9A-Za-z]{1,19}")
_AMOUNT = re.compile(r"[1-9]\d{0,12}")
_CRC = re.compile(r"[0-9A-Fa-f]{4}")


class InvalidVietQR(ValueError):
    """A payload whose checksum or structure is wrong."""


def bank_name(bin_code: str) -> str | None:
    """Return the short name of the bank with this NAPAS BIN, if it is a known one."""
    return BANKS.get(bin_code)


def crc16(data: bytes) -> int:
    """Return the CRC-16/CCITT-FALSE of data (poly 0x1021, init 0xFFFF)."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def tlv(tag: str, value: str) -> str:
    """Encode one data object: 2-digit id, 2-digit length in characters, value."""
    if len(value) > 99:
        raise ValueError(f"value of tag {tag} is longer than 99 characters")
    return f"{tag}{len(value):02d}{value}"


def parse_tlv(text: str, where: str = "root") -> list[tuple[str, str]]:
    """Split a string of data objects into (id, value) pairs, in order."""
    items: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        header = text[pos : pos + 4]
        if len(header) < 4 or not header.isdigit():
            raise InvalidVietQR(f"{where}: bad data object header at {pos}")
        length = int(header[2:])
        value = text[pos + 4 : pos + 4 + length]
        if len(value) != length:
            raise InvalidVietQR(f"{where}: data object {header[:2]} is truncated")
        items.append((header[:2], value))
        pos += 4 + length
    return items


def _unique(items: list[tuple[str, str]], where: str) -> dict[str, str]:
    found = dict(items)
    if len(found) != len(items):
        raise InvalidVietQR(f"{where}: repeated data object")
    return found


def fold_text(text: str) -> str:
    """Return text as plain ASCII letters, digits and single spaces (banks drop diacritics)."""
    text = text.replace("đ", "d").replace("Đ", "D")
    ascii_only = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    # Bank memo fields are inconsistent about punctuation, so keep only what all of them keep.
    return " ".join(re.sub(r"[^0-9A-Za-z]+", " ", ascii_only).split())


def _memo(text: str | None, what: str) -> str | None:
    if text is None:
        return None
    folded = fold_text(text)
    if not folded:
        return None
    # Never truncate: a cut reference would not match the order when the transfer arrives.
    if len(folded) > MAX_TEXT:
        raise ValueError(f"{what} is longer than {MAX_TEXT} characters once folded: {folded!r}")
    return folded


def build_payload(
    bin_code: str,
    account: str,
    amount_vnd: int | None = None,
    reference: str | None = None,
    *,
    bill_number: str | None = None,
    service: str = SERVICE_ACCOUNT,
    dynamic: bool | None = None,
) -> str:
    """Return the VietQR payload for a transfer to account at the bank with NAPAS BIN bin_code."""
    if not _BIN.fullmatch(bin_code):
        raise ValueError("the bank BIN must be 6 digits")
    if not _ACCOUNT.fullmatch(account):
        raise ValueError("the account must be 1-19 letters or digits")
    if service not in (SERVICE_ACCOUNT, SERVICE_CARD):
        raise ValueError("unknown VietQR service code")
    if amount_vnd is not None and (type(amount_vnd) is not int or amount_vnd <= 0):
        # bool is an int subclass and a float amount means đồng were computed wrongly upstream.
        raise ValueError("the amount must be a positive int of whole đồng")
    if amount_vnd is not None and not _AMOUNT.fullmatch(str(amount_vnd)):
        raise ValueError("the amount is too large for a VietQR code")
    purpose = _memo(reference, "the reference")
    bill = _memo(bill_number, "the bill number")
    if dynamic is None:
        dynamic = amount_vnd is not None
    beneficiary = tlv("00", bin_code) + tlv("01", account)
    merchant = tlv("00", NAPAS_GUID) + tlv("01", beneficiary) + tlv("02", service)
    parts = [tlv("00", "01"), tlv("01", DYNAMIC if dynamic else STATIC), tlv("38", merchant)]
    parts.append(tlv("53", CURRENCY_VND))
    if amount_vnd is not None:
        parts.append(tlv("54", str(amount_vnd)))
    parts.append(tlv("58", COUNTRY))
    extra = (tlv("01", bill) if bill else "") + (tlv("08", purpose) if purpose else "")
    if extra:
        parts.append(tlv("62", extra))
    body = "".join(parts) + "6304"
    return body + f"{crc16(body.encode('ascii')):04X}"


def parse_payload(text: str) -> dict[str, Any]:
    """Check a VietQR payload's CRC and structure and return its fields."""
    text = text.strip()
    if not text.isascii():
        raise InvalidVietQR("VietQR payloads are ASCII")
    if len(text) < 12 or text[-8:-4] != "6304" or not _CRC.fullmatch(text[-4:]):
        raise InvalidVietQR("missing CRC data object at the end")
    if crc16(text[:-4].encode("ascii")) != int(text[-4:], 16):
        raise InvalidVietQR("CRC mismatch")
    items = parse_tlv(text)
    order = [tag for tag, _ in items]
    root = _unique(items, "root")
    if order[0] != "00" or root["00"] != "01" or order[-1] != "63":
        raise InvalidVietQR("payload must start with 00=01 and end with 63")
    if root.get("01") not in (STATIC, DYNAMIC):
        raise InvalidVietQR("01 must be 11 (static) or 12 (dynamic)")
    if root.get("53") != CURRENCY_VND or root.get("58") != COUNTRY:
        raise InvalidVietQR("VietQR needs currency 704 (VND) and country VN")
    if "38" not in root:
        raise InvalidVietQR("38 (merchant account information) is missing")
    merchant = _unique(parse_tlv(root["38"], "38"), "38")
    if merchant.get("00") != NAPAS_GUID:
        raise InvalidVietQR("38/00 must be the NAPAS GUID A000000727")
    if merchant.get("02") not in (SERVICE_ACCOUNT, SERVICE_CARD):
        raise InvalidVietQR("38/02 must be QRIBFTTA or QRIBFTTC")
    beneficiary = _unique(parse_tlv(merchant.get("01", ""), "38/01"), "38/01")
    if set(beneficiary) != {"00", "01"}:
        raise InvalidVietQR("38/01 must hold exactly a BIN (00) and an account (01)")
    if not _BIN.fullmatch(beneficiary["00"]) or not _ACCOUNT.fullmatch(beneficiary["01"]):
        raise InvalidVietQR("38/01 holds a malformed BIN or account")
    amount = root.get("54")
    if amount is not None and not _AMOUNT.fullmatch(amount):
        raise InvalidVietQR("54 must be a whole number of đồng")
    additional = _unique(parse_tlv(root["62"], "62"), "62") if "62" in root else None
    if additional and any(len(value) > MAX_TEXT for value in additional.values()):
        raise InvalidVietQR("62 holds a value longer than 25 characters")
    return {
        "point_of_initiation": root["01"],
        "guid": merchant["00"],
        "bank_bin": beneficiary["00"],
        "account_or_card": beneficiary["01"],
        "service_code": merchant["02"],
        "currency": root["53"],
        "amount": amount,
        "amount_vnd": int(amount) if amount is not None else None,
        "country": root["58"],
        "additional_data": additional,
        "root_tag_order": order,
        "crc": text[-4:].upper(),
    }
