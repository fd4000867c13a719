"""A stall's delivery, payment and bank settings, and the market's commission (flush only)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from catalog import regions
from marketplace.orders.models import StallSettings
from payments.vietqr import BANKS

MAX_FEE_VND = 10_000_000
MAX_COMMISSION_BP = 5_000  # 50 %: anything above is a typing mistake
_ACCOUNT = re.compile(r"[0-9A-Za-z]{1,19}")
EDITABLE = (
    "pickup_enabled",
    "pickup_address",
    "delivery_enabled",
    "delivery_fee_vnd",
    "province_fees",
    "free_delivery_over_vnd",
    "cod_enabled",
    "bank_bin",
    "bank_account",
    "bank_account_name",
)


class SettingsError(ValueError):
    """A setting was refused; `field` says which, `code` why, `line` where in a fee list."""

    def __init__(self, field: str, code: str, line: int = 0) -> None:
        super().__init__(code)
        self.field = field
        self.code = code
        self.line = line


def ensure(session: Session, stall_ids: Iterable[int], commission_bp: int) -> None:
    """Create the settings rows stalls lack, so their orders carry the market's default rate."""
    wanted = set(stall_ids)
    have = set(
        session.scalars(select(StallSettings.stall_id).where(StallSettings.stall_id.in_(wanted)))
    )
    for stall_id in sorted(wanted - have):
        try:
            with session.begin_nested():
                session.add(StallSettings(stall_id=stall_id, commission_bp=commission_bp))
        except IntegrityError:
            pass  # a concurrent checkout created it first: theirs is as good


def stored(session: Session, stall_id: int) -> StallSettings | None:
    """Return a stall's saved settings row, if it ever saved one."""
    return session.scalar(select(StallSettings).where(StallSettings.stall_id == stall_id))


def parse_province_fees(text: str) -> dict[str, int]:
    """Read lines like "Hà Nội: 25000" into {"<province code>": fee}."""
    fees: dict[str, int] = {}
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        name, sep, amount = line.rpartition(":")
        province = regions.match_province(name.strip()) if sep else None
        if province is None:
            raise SettingsError("province_fees", "unknown_province", number)
        digits = amount.strip().replace(".", "").replace(",", "").replace(" ", "")
        if not (digits.isascii() and digits.isdigit()) or int(digits) > MAX_FEE_VND:
            raise SettingsError("province_fees", "bad_fee", number)
        fees[str(province.code)] = int(digits)
    return fees


def format_province_fees(fees: dict[str, Any] | None) -> str:
    """Write {"<province code>": fee} back as the lines the form shows."""
    lines = []
    for code, fee in sorted((fees or {}).items(), key=lambda item: int(item[0])):
        province = regions.province(int(code))
        if province is not None:
            lines.append(f"{province.short_name}: {int(fee)}")
    return "\n".join(lines)


def _fee(field: str, value: Any, required: bool = True) -> int | None:
    if value in (None, ""):
        if required:
            raise SettingsError(field, "required")
        return None
    if type(value) is not int or not 0 <= value <= MAX_FEE_VND:
        raise SettingsError(field, "bad_fee")
    return value


def check(values: dict[str, Any]) -> dict[str, Any]:
    """Validate the seller-editable settings and return them clean."""
    clean = {key: values.get(key) for key in EDITABLE}
    if not (clean["pickup_enabled"] or clean["delivery_enabled"]):
        raise SettingsError("delivery_enabled", "no_delivery")
    clean["pickup_address"] = (clean["pickup_address"] or "").strip()[:200]
    clean["delivery_fee_vnd"] = _fee("delivery_fee_vnd", clean["delivery_fee_vnd"])
    clean["free_delivery_over_vnd"] = _fee(
        "free_delivery_over_vnd", clean["free_delivery_over_vnd"], required=False
    )
    clean["province_fees"] = dict(clean["province_fees"] or {})
    bank = [(clean[k] or "").strip() for k in ("bank_bin", "bank_account", "bank_account_name")]
    if any(bank[:2]) and not all(bank[:2]):
        raise SettingsError("bank_account" if bank[0] else "bank_bin", "bank_incomplete")
    if bank[0] and bank[0] not in BANKS:
        raise SettingsError("bank_bin", "unknown_bank")
    if bank[1] and not _ACCOUNT.fullmatch(bank[1]):
        raise SettingsError("bank_account", "bad_account")
    clean["bank_bin"], clean["bank_account"] = bank[0] or None, bank[1] or None
    clean["bank_account_name"] = bank[2][:70] or None
    return clean


def save(
    session: Session, stall_id: int, values: dict[str, Any], commission_bp: int
) -> tuple[StallSettings, dict[str, list[Any]]]:
    """Validate and store a stall's settings; return them and what changed (old, new)."""
    clean = check(values)
    row = stored(session, stall_id)
    if row is None:
        row = StallSettings(stall_id=stall_id, commission_bp=commission_bp)
        session.add(row)
    changes = {}
    for key, value in clean.items():
        old = getattr(row, key, None)
        if old != value:
            changes[key] = [old, value]
            setattr(row, key, value)
    session.flush()
    return row, changes


def set_commission(
    session: Session, stall_id: int, commission_bp: int, default_bp: int
) -> StallSettings:
    """Set the market's commission on a stall's future orders."""
    if type(commission_bp) is not int or not 0 <= commission_bp <= MAX_COMMISSION_BP:
        raise SettingsError("commission_bp", "bad_commission")
    row = stored(session, stall_id)
    if row is None:
        row = StallSettings(stall_id=stall_id, commission_bp=default_bp)
        session.add(row)
    row.commission_bp = commission_bp
    session.flush()
    return row
