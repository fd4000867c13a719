"""Read a catalog CSV: the file's shape and every row's own rules (no Flask, no database).

What needs the database (stalls, categories, existing products) is checked by the importer that
composes this module; it adds its issues to the same list, so the seller sees every problem at once.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from catalog import fields, regions
from catalog.models import CertificateKind, ProductStatus
from catalog.search.text import tokens
from catalog.services import ProductData, product_data

COLUMNS = (
    "stall",
    "sku",
    "name",
    "category",
    "price_vnd",
    "unit",
    "stock",
    "ocop_stars",
    "province",
    "description",
    "certifications",
    "gtin",
    "lot",
    "farm",
    "harvest_date",
)
REQUIRED_COLUMNS = ("stall", "sku", "name", "category", "price_vnd", "unit", "stock", "province")
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
# Spreadsheets run a cell starting with one of these as a formula; the export prefixes a quote.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Problems with the file as a whole: its rows are not worth checking against the database.
HEADER_CODES = frozenset({"unknown_column", "duplicate_column", "missing_column"})
FILE_CODES = HEADER_CODES | {"file_too_large", "not_utf8", "empty_file", "no_rows", "too_many_rows"}
NOT_UTF8 = "the file is not UTF-8 — save it as 'CSV UTF-8' in Excel"

# Folded, unspaced spellings of the certificate kinds a row may list (OCOP has its own column).
CERTIFICATION_ALIASES = {
    "vietgap": CertificateKind.VIETGAP,
    "globalgap": CertificateKind.GLOBALGAP,
    "organic": CertificateKind.ORGANIC,
    "huuco": CertificateKind.ORGANIC,
}
# A valid stand-in per product field, so one bad cell does not hide the next one's problem.
_STAND_INS = {
    "sku": "X",
    "name": "x",
    "price_vnd": "0",
    "unit": "x",
    "stock": "0",
    "description": "",
    "gtin": "",
}


@dataclass(frozen=True, order=True)
class Issue:
    """One problem: the physical line (header = 1, 0 = the whole file), the column, a code."""

    line: int
    column: str
    code: str
    message: str = field(compare=False)
    value: str = field(default="", compare=False)

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line else "file"
        return f"{where}, {self.column or '-'}: {self.message}"


@dataclass
class Row:
    """One product row; `product` is None when a product field was invalid."""

    line: int
    stall: str
    category: str
    product: ProductData | None
    sku: str = ""  # kept when another product field is bad, to find duplicates anyway
    province_code: int | None = None  # None: the stall's province
    ocop_stars: int | None = None
    certifications: tuple[CertificateKind, ...] = ()
    lot: str | None = None
    farm: str | None = None
    harvest_date: date | None = None


@dataclass
class CatalogFile:
    """What reading a file gave: the rows and every issue found so far."""

    rows: list[Row]
    issues: list[Issue]

    @property
    def readable(self) -> bool:
        """Return whether the rows are worth checking further (no file-level problem)."""
        return not any(issue.code in FILE_CODES for issue in self.issues)


def unquote(value: str) -> str:
    """Strip the quote that the export puts before a formula-like cell."""
    if len(value) > 1 and value[0] == "'" and value[1] in FORMULA_STARTS:
        return value[1:]
    return value


def excerpt(value: Any, limit: int = 60) -> str:
    """Return the start of a cell for an error report."""
    text = str(value or "")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def read_catalog(
    data: bytes,
    *,
    max_bytes: int = MAX_BYTES,
    max_rows: int | None = MAX_ROWS,
    default_stall: str | None = None,
) -> CatalogFile:
    """Decode and check a catalog CSV; an empty `stall` cell means `default_stall`."""
    issues: list[Issue] = []
    if len(data) > max_bytes:
        issues.append(Issue(0, "", "file_too_large", f"the file is larger than {max_bytes} bytes"))
        return CatalogFile([], issues)
    text = _decode(data, issues)
    if text is None:
        return CatalogFile([], issues)
    if not text.strip():
        return CatalogFile([], [Issue(0, "", "empty_file", "the file is empty")])
    first_line = text.split("\n", 1)[0]
    # Excel in Vietnamese (decimal comma) separates with semicolons.
    delimiter = ";" if ";" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    columns = _header(next(reader), issues)
    if columns is None:
        return CatalogFile([], issues)
    rows: list[Row] = []
    seen: dict[tuple[str, str], int] = {}
    start = reader.line_num + 1
    try:
        for cells in reader:
            line, start = start, reader.line_num + 1
            if not any(cell.strip() for cell in cells):
                continue  # blank lines and Excel's empty trailing rows
            if max_rows is not None and len(rows) >= max_rows:
                message = f"the file has more than {max_rows} products; split it"
                issues.append(Issue(0, "", "too_many_rows", message))
                break
            row = _row(line, columns, cells, issues, default_stall)
            rows.append(row)
            if row.sku and row.stall:
                key = (row.stall, row.sku)
                if key in seen:
                    message = f"stall {row.stall} has SKU {key[1]} on line {seen[key]} already"
                    issues.append(Issue(line, "sku", "duplicate_row", message, key[1]))
                else:
                    seen[key] = line
    except csv.Error as exc:
        issues.append(Issue(start, "", "bad_csv", f"the CSV cannot be read here: {exc}"))
    if not rows and not issues:
        issues.append(Issue(0, "", "no_rows", "the file has a header but no products"))
    return CatalogFile(rows, issues)


def _decode(data: bytes, issues: list[Issue]) -> str | None:
    """Return the text of UTF-8 bytes (with or without a BOM), or record why not."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode Text" is UTF-16
        issues.append(Issue(0, "", "not_utf8", NOT_UTF8))
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        issues.append(Issue(line, "", "not_utf8", NOT_UTF8))
        return None


def _header(cells: list[str], issues: list[Issue]) -> list[str | None] | None:
    """Return the column of each cell position (None: an ignored blank header cell)."""
    columns: list[str | None] = []
    problems = len(issues)
    for cell in cells:
        name = cell.strip().lower()
        if not name:
            columns.append(None)  # Excel keeps separators after the last column
        elif name not in COLUMNS:
            issues.append(Issue(1, cell.strip(), "unknown_column", f"unknown column {name!r}"))
        elif name in columns:
            issues.append(Issue(1, name, "duplicate_column", f"column {name!r} appears twice"))
        else:
            columns.append(name)
    for name in REQUIRED_COLUMNS:
        if name not in columns:
            issues.append(Issue(1, name, "missing_column", f"the column {name!r} is missing"))
    return None if len(issues) > problems else columns


def _row(
    line: int,
    columns: list[str | None],
    cells: list[str],
    issues: list[Issue],
    default_stall: str | None,
) -> Row:
    """Check one row's cells; problems go to `issues`."""
    if len(cells) > len(columns) and any(c.strip() for c in cells[len(columns) :]):
        issues.append(Issue(line, "", "extra_cells", "the row has more cells than the header"))
    raw = {name: unquote(cell) for name, cell in zip(columns, cells, strict=False) if name}

    def check(column: str, parse: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return parse(*args, **kwargs)
        except fields.FieldError as exc:
            issues.append(Issue(line, column, exc.code, str(exc), excerpt(raw.get(column))))
            return None

    stall = default_stall if not raw.get("stall", "").strip() and default_stall else None
    stall = stall or check("stall", fields.slug, raw.get("stall")) or ""
    category = check("category", fields.text, "category", raw.get("category"), max_length=120)
    province = check("province", _province, raw.get("province", ""))
    product = _product(line, raw, issues)
    row = Row(line=line, stall=stall, category=category or "", product=product)
    row.sku = product.sku if product else _valid_sku(raw.get("sku"))
    row.province_code = province
    row.ocop_stars = check("ocop_stars", fields.stars, raw.get("ocop_stars", "").strip())
    row.certifications = check("certifications", _certifications, raw.get("certifications")) or ()
    lot = raw.get("lot", "").strip()
    row.lot = check("lot", fields.lot_code, lot) if lot else None
    row.farm = (
        check("farm", fields.text, "farm", raw.get("farm"), max_length=160, required=False) or None
    )
    row.harvest_date = check("harvest_date", fields.day, "harvest_date", raw.get("harvest_date"))
    if row.harvest_date and not lot:
        message = "a harvest date belongs to a lot; fill in the lot column"
        issues.append(Issue(line, "lot", "lot_required", message))
    return row


def _product(line: int, raw: dict[str, str], issues: list[Issue]) -> ProductData | None:
    """Validate the product fields with the forms' own rules, reporting every bad one."""
    values = {name: raw.get(name, "") for name in _STAND_INS}
    valid = True
    for _attempt in range(len(_STAND_INS) + 1):
        try:
            data = product_data(
                **values, category_id=0, province_code=0, status=ProductStatus.ACTIVE
            )
        except fields.FieldError as exc:
            if exc.field not in _STAND_INS or values[exc.field] == _STAND_INS[exc.field]:
                raise  # a rule this reader does not know of; a programming error
            issues.append(Issue(line, exc.field, exc.code, str(exc), excerpt(raw.get(exc.field))))
            values[exc.field] = _STAND_INS[exc.field]
            valid = False
        else:
            return data if valid else None
    return None


def _valid_sku(value: str | None) -> str:
    """Return the SKU if it is valid (its problem, if any, is already reported), else ""."""
    try:
        return fields.sku(value)
    except fields.FieldError:
        return ""


@lru_cache(maxsize=4096)
def _province(value: str) -> int | None:
    """Return the province code a cell names, None when empty."""
    if not value.strip():
        return None
    region = regions.match_province(value)
    if region is None:
        raise fields.FieldError("province", "unknown_province", f"unknown province {value!r}")
    return region.code


@lru_cache(maxsize=4096)
def _certifications(value: str | None) -> tuple[CertificateKind, ...]:
    """Parse a ';'-separated list of certificate kinds, forgiving case, spaces and accents."""
    kinds: list[CertificateKind] = []
    for part in (value or "").replace(",", ";").split(";"):
        key = "".join(tokens(part))
        if not key:
            continue
        kind = CERTIFICATION_ALIASES.get(key)
        if kind is None:
            message = f"unknown certification {part.strip()!r}: use VietGAP, GlobalGAP or organic"
            raise fields.FieldError("certifications", "unknown_certification", message)
        if kind not in kinds:
            kinds.append(kind)
    return tuple(kinds)
