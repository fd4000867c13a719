"""Write a stall's catalog as CSV in the import's columns, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session, lazyload

from catalog import regions
from catalog.csv_import import COLUMNS, FORMULA_STARTS
from catalog.models import Certificate, CertificateKind, CertificateStatus, Product


def neutralise(value: object) -> str:
    """Return a cell as text, quoted so that a spreadsheet never runs it as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def write_csv(rows: Iterable[Mapping[str, object]]) -> bytes:
    """Return UTF-8 CSV bytes with a BOM (so Excel reads the accents) in the import's columns."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([neutralise(row.get(name)) for name in COLUMNS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def catalog_rows(session: Session, stall_id: int, stall_slug: str) -> list[dict[str, object]]:
    """Return a stall's products as rows of the catalog columns (lot and farm left empty)."""
    products = session.scalars(
        select(Product)
        .where(Product.stall_id == stall_id)
        .options(lazyload(Product.images))
        .order_by(Product.sku)
    ).all()
    stars: dict[int, int] = {}
    kinds: dict[int, set[str]] = defaultdict(set)
    # Pending certificates are exported too, so that importing the file back adds nothing.
    for product_id, kind, count in session.execute(
        select(Certificate.product_id, Certificate.kind, Certificate.stars).where(
            Certificate.stall_id == stall_id,
            Certificate.product_id.is_not(None),
            Certificate.status != CertificateStatus.REJECTED,
        )
    ):
        if kind == CertificateKind.OCOP:
            stars[product_id] = max(stars.get(product_id, 0), count or 0)
        else:
            kinds[product_id].add(kind.value)
    rows = []
    for product in products:
        province = regions.province(product.province_code)
        rows.append(
            {
                "stall": stall_slug,
                "sku": product.sku,
                "name": product.name,
                "category": product.category.name,
                "price_vnd": product.price_vnd,
                "unit": product.unit,
                "stock": product.stock,
                "ocop_stars": stars.get(product.id) or "",
                "province": province.short_name if province else "",
                "description": product.description,
                "certifications": ";".join(sorted(kinds[product.id])),
                # Shown as printed under an EAN-13 barcode (the stored form has 14 digits).
                "gtin": (product.gtin or "").removeprefix("0"),
                # Not columns: what the composing layer needs to fill in lot and farm.
                "product_id": product.id,
                "farm_id": product.farm_id,
            }
        )
    return rows
