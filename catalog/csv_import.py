"""Read a catalog CSV: the file's shape, then each row's own rules (`csv_rows`; no Flask, no DB).

What needs the database (stalls, categories, existing products) is checked by the importer that
composes this module; it adds its issues to the same list, so the seller sees every problem at once.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from catalog.csv_rows import FORMULA_STARTS, Issue, Row, RowChecker, unquote

__all__ = [
    "COLUMNS",
    "FORMULA_STARTS",
    "CatalogFile",
    "Issue",
    "Row",
    "read_catalog",
    "unquote",
]

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
# Problems with the file as a whole: its rows are not worth checking against the database.
HEADER_CODES = frozenset({"unknown_column", "duplicate_column", "missing_column"})
FILE_CODES = HEADER_CODES | {"file_too_large", "not_utf8", "empty_file", "no_rows", "too_many_rows"}
NOT_UTF8 = "the file is not UTF-8 — save it as 'CSV UTF-8' in Excel"


@dataclass
class CatalogFile:
    """What reading a file gave: the rows and every issue found so far."""

    rows: list[Row]
    issues: list[Issue]

    @property
    def readable(self) -> bool:
        """Return whether the rows are worth checking further (no file-level problem)."""
        return not any(issue.code in FILE_CODES for issue in self.issues)


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
    check = RowChecker(columns, issues, default_stall)
    start = reader.line_num + 1
    try:
        for cells in reader:
            line, start = start, reader.line_num + 1
            if not "".join(cells).strip():
                continue  # blank lines and Excel's empty trailing rows
            if max_rows is not None and len(rows) >= max_rows:
                message = f"the file has more than {max_rows} products; split it"
                issues.append(Issue(0, "", "too_many_rows", message))
                break
            row = check.row(line, cells)
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
