"""Reading a catalog CSV: file checks, and every row's problems with line and column."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from catalog import regions
from catalog.csv_import import COLUMNS, read_catalog, unquote
from catalog.fields import FieldError
from catalog.models import CertificateKind
from catalog.services import product_data
from tests.factories import CATALOG_HEADER, catalog_csv

GOOD = (
    'htx-che,TC-01,Chè búp Tân Cương,"Chè, trà",250.000,hộp 500g,40,4,Tỉnh Thái Nguyên,'
    "Chè ngon,VietGAP;hữu cơ,8935049501237,TC2510,Đồi chè Khuôn Gà,15/10/2025"
)


def codes(result) -> list[tuple[int, str, str]]:
    return [(i.line, i.column, i.code) for i in sorted(result.issues)]


def test_a_good_row_is_parsed_with_the_forms_rules():
    result = read_catalog(catalog_csv(GOOD))
    assert result.issues == []
    [row] = result.rows
    assert row.line == 2
    assert row.stall == "htx-che"
    assert row.category == "Chè, trà"
    assert row.product.sku == "TC-01"
    assert row.product.price_vnd == 250000  # thousand dots as people type them
    assert row.product.gtin == "08935049501237"
    assert row.province_code == regions.match_province("Thái Nguyên").code
    assert row.ocop_stars == 4
    assert row.certifications == (CertificateKind.VIETGAP, CertificateKind.ORGANIC)
    assert (row.lot, row.farm, row.harvest_date) == (
        "TC2510",
        "Đồi chè Khuôn Gà",
        date(2025, 10, 15),
    )


def test_every_bad_cell_of_every_row_is_reported_with_line_and_column():
    result = read_catalog(
        catalog_csv(
            GOOD,
            'htx-che,TC-02,Trà,"Chè, trà",mười nghìn,kg,-3,7,Atlantis,,ocop,8935049501234,,,',
            "htx-che,TC 03,,Chè,1000,,5,,Hà Nội,,VietGAP,,lô có dấu cách,,32/13/2025",
            "htx-che,TC-01,Trùng mã,Chè,1000,kg,5,,Hà Nội,,,,,,",
        )
    )
    assert codes(result) == [
        (3, "certifications", "unknown_certification"),
        (3, "gtin", "bad_check_digit"),
        (3, "ocop_stars", "too_large"),
        (3, "price_vnd", "not_a_number"),
        (3, "province", "unknown_province"),
        (3, "stock", "not_a_number"),
        (4, "harvest_date", "bad_date"),
        (4, "lot", "bad_lot"),
        (4, "name", "required"),
        (4, "sku", "bad_sku"),
        (4, "unit", "required"),
        (5, "sku", "duplicate_row"),
    ]
    bad_price = next(i for i in result.issues if i.column == "price_vnd")
    assert bad_price.value == "mười nghìn"
    assert str(bad_price).startswith("line 3, price_vnd:")


def test_stars_must_be_three_to_five():
    result = read_catalog(catalog_csv(GOOD.replace(",4,Tỉnh", ",2,Tỉnh")))
    assert codes(result) == [(2, "ocop_stars", "bad_stars")]


def test_line_numbers_are_physical_lines_even_with_multi_line_cells_and_blank_lines():
    multi = GOOD.replace("Chè ngon", '"Chè ngon,\nhái tay"')
    result = read_catalog(
        catalog_csv(multi, "", GOOD.replace("TC-01", "TC-02").replace("250.000", "x"))
    )
    assert codes(result) == [(5, "price_vnd", "not_a_number")]


def test_a_harvest_date_needs_a_lot():
    row = GOOD.replace("TC2510", "")
    assert codes(read_catalog(catalog_csv(row))) == [(2, "lot", "lot_required")]


def test_header_names_are_case_insensitive_and_in_any_order():
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([name.upper() for name in reversed(COLUMNS)])
    writer.writerow(list(reversed(next(csv.reader([GOOD])))))
    result = read_catalog(out.getvalue().encode())
    assert result.issues == []
    assert result.rows[0].product.name == "Chè búp Tân Cương"
    assert result.rows[0].harvest_date == date(2025, 10, 15)


def test_unknown_duplicate_and_missing_columns_are_errors_on_line_one():
    header = CATALOG_HEADER.replace("price_vnd", "gia").replace("unit", "name")
    result = read_catalog(catalog_csv(GOOD, header=header))
    assert codes(result) == [
        (1, "gia", "unknown_column"),
        (1, "name", "duplicate_column"),
        (1, "price_vnd", "missing_column"),
        (1, "unit", "missing_column"),
    ]
    assert result.rows == [] and not result.readable


def test_optional_columns_may_be_left_out():
    header = "stall,sku,name,category,price_vnd,unit,stock,province"
    result = read_catalog(catalog_csv("htx-che,A1,Chè,che-tra,1000,kg,1,Hà Nội", header=header))
    assert result.issues == []
    assert result.rows[0].certifications == ()


def test_a_bom_is_accepted_and_excel_semicolons_too():
    data = b"\xef\xbb\xbf" + catalog_csv(GOOD)
    assert read_catalog(data).issues == []
    semicolons = catalog_csv(
        'htx-che;A1;Chè;"Chè, trà";1000;kg;1;;Hà Nội;;"VietGAP;organic";;;;',
        header=CATALOG_HEADER.replace(",", ";"),
    )
    result = read_catalog(semicolons)
    assert result.issues == []
    assert result.rows[0].certifications == (CertificateKind.VIETGAP, CertificateKind.ORGANIC)


@pytest.mark.parametrize("encoding", ["latin-1", "cp1258", "utf-16"])
def test_other_encodings_are_refused_with_a_clear_message(encoding):
    text = GOOD.replace("Chè búp Tân Cương", "Cafe creme") if encoding == "latin-1" else GOOD
    data = catalog_csv(text.replace("Chè", "Cà phê brûlée"), encoding="utf-8")
    data = data.decode("utf-8").encode(encoding, errors="replace")
    result = read_catalog(data)
    assert [i.code for i in result.issues] == ["not_utf8"]
    assert "CSV UTF-8" in result.issues[0].message
    assert result.rows == []


def test_an_empty_file_and_a_header_only_file_are_refused():
    assert [i.code for i in read_catalog(b"").issues] == ["empty_file"]
    assert [i.code for i in read_catalog(b"\xef\xbb\xbf \r\n").issues] == ["empty_file"]
    header_only = read_catalog((CATALOG_HEADER + "\r\n").encode())
    assert [i.code for i in header_only.issues] == ["no_rows"]


def test_a_very_long_description_is_too_long():
    row = GOOD.replace("Chè ngon", "x" * 100_000)
    result = read_catalog(catalog_csv(row))
    assert codes(result) == [(2, "description", "too_long")]
    assert len(result.issues[0].value) <= 60


def test_size_and_row_limits():
    data = catalog_csv(*[GOOD.replace("TC-01", f"TC-{n}") for n in range(5)])
    assert [i.code for i in read_catalog(data, max_rows=4).issues] == ["too_many_rows"]
    assert read_catalog(data, max_rows=5).issues == []
    assert [i.code for i in read_catalog(data, max_bytes=100).issues] == ["file_too_large"]


def test_the_default_stall_fills_empty_stall_cells():
    result = read_catalog(catalog_csv(GOOD.replace("htx-che,", ",", 1)), default_stall="cua-toi")
    assert result.rows[0].stall == "cua-toi"
    result = read_catalog(catalog_csv(GOOD.replace("htx-che,", ",", 1)))
    assert codes(result) == [(2, "stall", "bad_slug")]


def test_certification_spellings_are_forgiving():
    row = GOOD.replace("VietGAP;hữu cơ", '"viet gap; GLOBALG.A.P., Hữu Cơ;organic"')
    assert read_catalog(catalog_csv(row)).rows[0].certifications == (
        CertificateKind.VIETGAP,
        CertificateKind.GLOBALGAP,
        CertificateKind.ORGANIC,
    )


def test_the_quote_before_a_formula_is_removed_only_there():
    assert unquote("'=cmd()") == "=cmd()"
    assert unquote("'+SUM(A1)") == "+SUM(A1)"
    assert unquote("'Tis") == "'Tis"
    assert unquote("'") == "'"


PRODUCT_CELLS = {
    "sku": "A1",
    "name": "Chè",
    "price_vnd": "1000",
    "unit": "kg",
    "stock": "1",
    "description": "",
    "gtin": "",
}
PROBES = [
    ("sku", "TC 01"),
    ("sku", "x" * 64),
    ("sku", "x" * 65),
    ("name", "  Che\u0300   bu\u0301p  "),  # decomposed accents, stray spaces
    ("name", "n" * 200),
    ("name", "n" * 201),
    ("name", " "),
    ("price_vnd", "250.000"),
    ("price_vnd", "1 000 ₫"),
    ("price_vnd", "-5"),
    ("price_vnd", "١٢"),  # Arabic-Indic digits
    ("price_vnd", "2000000001"),
    ("unit", "hộp 500g"),
    ("unit", "u" * 41),
    ("stock", "10.000.001"),
    ("stock", ""),
    ("description", "Dòng một\r\n\r\n\r\n\r\nDòng   hai  "),
    ("description", "d" * 20_001),
    ("gtin", "8935049501237"),
    ("gtin", "8935049501234"),
    ("gtin", "89350495"),
]


@pytest.mark.parametrize(("column", "value"), PROBES)
def test_product_cells_follow_the_product_forms_rules(column, value):
    cells = {**PRODUCT_CELLS, column: value}
    try:
        expected = product_data(**cells, category_id=0, province_code=0, status="active")
    except FieldError as exc:
        expected = (exc.field, exc.code)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["stall", "category", "province", *cells])
    writer.writerow(["htx-che", "che-tra", "Hà Nội", *cells.values()])
    result = read_catalog(out.getvalue().encode())
    if result.issues:
        [issue] = result.issues
        assert (issue.column, issue.code) == expected
        assert result.rows[0].product is None
    else:
        assert result.rows[0].product == expected


def test_a_bad_cell_repeated_on_many_lines_is_reported_on_each():
    rows = [GOOD.replace("TC-01", f"TC-{n}").replace("hộp 500g", "") for n in range(3)]
    rows.append(GOOD.replace("TC-01", "TC-9"))
    rows += [GOOD.replace("TC-01", f"TC-1{n}").replace(",4,Tỉnh", ",6,Tỉnh") for n in range(2)]
    result = read_catalog(catalog_csv(*rows))
    assert codes(result) == [
        (2, "unit", "required"),
        (3, "unit", "required"),
        (4, "unit", "required"),
        (6, "ocop_stars", "too_large"),
        (7, "ocop_stars", "too_large"),
    ]
    assert [row.product is None for row in result.rows] == [True, True, True, False, False, False]
    assert result.rows[3].product.unit == "hộp 500g"
