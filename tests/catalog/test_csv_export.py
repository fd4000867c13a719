"""Writing a catalog CSV: Excel-friendly, formula-safe, and readable back by the import."""

from __future__ import annotations

import csv
import io

import pytest

from catalog.csv_export import catalog_rows, neutralise, write_csv
from catalog.csv_import import COLUMNS, read_catalog
from tests.factories import make_certificate, make_product, make_stall


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ("=cmd()", "'=cmd()"),
        ("+SUM(A1)", "'+SUM(A1)"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Chè = ngon", "Chè = ngon"),
        (250000, "250000"),
        (None, ""),
    ],
)
def test_cells_that_a_spreadsheet_would_run_are_quoted(cell, written):
    assert neutralise(cell) == written


def test_the_file_has_a_bom_the_columns_and_crlf_lines():
    data = write_csv([{"stall": "htx-che", "sku": "A1", "name": '=HYPERLINK("x")'}])
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert text.split("\r\n")[0] == ",".join(COLUMNS)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1][:3] == ["htx-che", "A1", '\'=HYPERLINK("x")']


def test_hostile_cells_come_back_intact_through_the_import():
    row = {
        "stall": "htx-che",
        "sku": "A1",
        "name": "=cmd()",
        "category": "Chè, trà",
        "price_vnd": 1000,
        "unit": "+SUM(A1)",
        "stock": 3,
        "province": "Hà Nội",
        "description": "@chú ý: -- hàng mới",
    }
    [back] = read_catalog(write_csv([row])).rows
    assert back.product.name == "=cmd()"
    assert back.product.unit == "+SUM(A1)"
    assert back.product.description == "@chú ý: -- hàng mới"


def test_a_stall_catalog_lists_its_products_with_stars_and_certifications(db_session):
    stall = make_stall(db_session, slug="htx-xuat")
    other = make_stall(db_session)
    product = make_product(db_session, stall, sku="B2", name="<script>alert(1)</script>")
    make_product(db_session, stall, sku="A1", gtin="8935049501237")
    make_product(db_session, other, sku="C3")
    make_certificate(db_session, stall, product, stars=4)
    make_certificate(db_session, stall, product, kind="vietgap", stars=None)
    make_certificate(db_session, stall, product, kind="organic", stars=None).status = "rejected"
    db_session.commit()
    rows = catalog_rows(db_session, stall.id, stall.slug)
    assert [r["sku"] for r in rows] == ["A1", "B2"]
    assert rows[0]["gtin"] == "8935049501237"
    assert rows[1]["name"] == "<script>alert(1)</script>"
    assert rows[1]["ocop_stars"] == 4
    assert rows[1]["certifications"] == "vietgap"  # the rejected one is left out
    assert rows[1]["province"] == "Thái Nguyên"
