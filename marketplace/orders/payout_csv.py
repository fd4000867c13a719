"""Payout statements as CSV (formula-safe, UTF-8 with BOM) and the month they cover."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

from catalog.csv_export import neutralise
from marketplace.formatting import format_date
from marketplace.orders.services import Statement

COLUMNS = (
    "order",
    "placed_on",
    "paid_on",
    "goods_vnd",
    "shipping_vnd",
    "total_vnd",
    "commission_percent",
    "commission_vnd",
    "owed_vnd",
)
_MONTH = re.compile(r"(\d{4})-(\d{2})")


def parse_month(text: str) -> tuple[int, int]:
    """Read "2026-11" as (2026, 11); ValueError for anything else."""
    match = _MONTH.fullmatch((text or "").strip())
    if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 2000:
        raise ValueError("a month is written like 2026-11")
    return int(match.group(1)), int(match.group(2))


def percent(basis_points: int) -> str:
    """Write basis points as a percentage: 500 → "5", 250 → "2.5"."""
    whole, rest = divmod(basis_points, 100)
    return f"{whole}.{rest:02d}".rstrip("0").rstrip(".")


def statement_csv(statement: Statement, stall_name: str, stall_slug: str) -> bytes:
    """Return a statement's orders and totals as CSV bytes a spreadsheet opens safely."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    last_day = statement.end - timedelta(days=1)
    period = (
        "stall",
        stall_name,
        stall_slug,
        "from",
        statement.start.isoformat(),
        "to",
        last_day.isoformat(),
    )
    writer.writerow([neutralise(value) for value in period])
    writer.writerow(COLUMNS)
    for order in statement.orders:
        row = (
            order.reference,
            format_date(order.created_at),
            format_date(order.paid_at),
            order.subtotal_vnd,
            order.shipping_fee_vnd,
            order.total_vnd,
            percent(order.commission_bp),
            order.commission_vnd,
            order.total_vnd - order.commission_vnd,
        )
        # References and amounts are ours, but no cell may ever run as a formula.
        writer.writerow([neutralise(value) for value in row])
    writer.writerow(
        [
            "total",
            "",
            "",
            statement.goods_vnd,
            statement.shipping_vnd,
            statement.goods_vnd + statement.shipping_vnd,
            "",
            statement.commission_vnd,
            statement.owed_vnd,
        ]
    )
    return ("\ufeff" + out.getvalue()).encode("utf-8")
