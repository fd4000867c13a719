"""Check the rows of a catalog CSV, cell by cell: every problem with its line and column.

A catalog repeats its stalls, categories, units, prices, provinces, stars and certifications on
thousands of rows, so each distinct cell of those columns is checked once per file. Only valid
cells are remembered: a bad cell is reported on every line that has it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import Any

from catalog import fields, regions
from catalog.models import CertificateKind, ProductStatus
from catalog.search.text import tokens
from catalog.services import ProductData, clean_gtin

# Spreadsheets run a cell starting with one of these as a formula; the export prefixes a quote.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Folded, unspaced spellings of the certificate kinds a row may list (OCOP has its own column).
CERTIFICATION_ALIASES = {
    "vietgap": CertificateKind.VIETGAP,
    "globalgap": CertificateKind.GLOBALGAP,
    "organic": CertificateKind.ORGANIC,
    "huuco": CertificateKind.ORGANIC,
}
Rule = Callable[[Any], Any]
# The product form's rule for each product field (what `catalog.services.product_data`
# applies; a test keeps the two in agreement), and whether its cells repeat enough to remember.
PRODUCT_RULES: dict[str, tuple[Rule, bool]] = {
    "sku": (fields.sku, False),
    "name": (partial(fields.text, "name", max_length=200), False),
    "price_vnd": (fields.price_vnd, True),
    "unit": (partial(fields.text, "unit", max_length=40), True),
    "stock": (fields.stock, True),
    "description": (
        partial(fields.text, "description", max_length=20_000, required=False, multiline=True),
        False,
    ),
    "gtin": (clean_gtin, True),
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


def unquote(value: str) -> str:
    """Strip the quote that the export puts before a formula-like cell."""
    if len(value) > 1 and value[0] == "'" and value[1] in FORMULA_STARTS:
        return value[1:]
    return value


def excerpt(value: Any, limit: int = 60) -> str:
    """Return the start of a cell for an error report."""
    text = str(value or "")
    return text if len(text) <= limit else text[: limit - 1] + "…"


class RowChecker:
    """Check the rows of one file (its header gave `columns`); problems go to `issues`."""

    def __init__(
        self, columns: list[str | None], issues: list[Issue], default_stall: str | None
    ) -> None:
        self.columns = columns
        self.issues = issues
        self.default_stall = default_stall
        self.known: dict[str, dict[str | None, Any]] = {}

    def row(self, line: int, cells: list[str]) -> Row:
        """Check one row's cells."""
        width = len(self.columns)
        if len(cells) > width and any(c.strip() for c in cells[width:]):
            message = "the row has more cells than the header"
            self.issues.append(Issue(line, "", "extra_cells", message))
        raw = dict(zip(self.columns, cells, strict=False))
        if "'" in "".join(cells):
            raw = {name: unquote(cell) for name, cell in raw.items()}
        check = self.check
        stall_cell = raw.get("stall")
        if self.default_stall and not (stall_cell or "").strip():
            stall = self.default_stall
        else:
            stall = check(line, raw, "stall", fields.slug, stall_cell) or ""
        category = check(line, raw, "category", _category, raw.get("category"))
        row = Row(line=line, stall=stall, category=category or "", product=None)
        row.province_code = check(line, raw, "province", _province, raw.get("province", ""))
        self._product(line, raw, row)
        stars = raw.get("ocop_stars", "").strip()
        row.ocop_stars = check(line, raw, "ocop_stars", fields.stars, stars)
        certifications = raw.get("certifications")
        row.certifications = (
            check(line, raw, "certifications", _certifications, certifications) or ()
        )
        lot = raw.get("lot", "").strip()
        row.lot = check(line, raw, "lot", fields.lot_code, lot, remember=False) if lot else None
        row.farm = check(line, raw, "farm", _farm, raw.get("farm")) or None
        row.harvest_date = check(line, raw, "harvest_date", _harvest_date, raw.get("harvest_date"))
        if row.harvest_date and not lot:
            message = "a harvest date belongs to a lot; fill in the lot column"
            self.issues.append(Issue(line, "lot", "lot_required", message))
        return row

    def check(
        self,
        line: int,
        raw: dict[str | None, str],
        column: str,
        rule: Rule,
        value: str | None,
        *,
        remember: bool = True,
    ) -> Any:
        """Return `rule(value)`, or None having reported why the cell is wrong."""
        known = self.known.get(column)
        if known is None:
            known = self.known[column] = {}
        elif value in known:
            return known[value]
        try:
            result = rule(value)
        except fields.FieldError as exc:
            self.issues.append(Issue(line, column, exc.code, str(exc), excerpt(raw.get(column))))
            return None
        if remember:
            known[value] = result
        return result

    def _product(self, line: int, raw: dict[str | None, str], row: Row) -> None:
        """Check the product fields, each one (so every bad one is reported); set row.product."""
        values: dict[str, Any] = {}
        valid = True
        for name, (rule, repeats) in PRODUCT_RULES.items():
            before = len(self.issues)
            values[name] = self.check(line, raw, name, rule, raw.get(name, ""), remember=repeats)
            valid = valid and len(self.issues) == before
        row.sku = values["sku"] or ""
        if valid:
            row.product = ProductData(
                **values, category_id=0, province_code=0, status=ProductStatus.ACTIVE
            )


def _category(value: str | None) -> str:
    """Return a category cell's text (the importer finds or creates the category)."""
    return fields.text("category", value, max_length=120)


def _farm(value: str | None) -> str:
    """Return a farm cell's text ("" when empty)."""
    return fields.text("farm", value, max_length=160, required=False)


def _harvest_date(value: str | None) -> date | None:
    """Return a harvest date cell's date (None when empty)."""
    return fields.day("harvest_date", value)


def _province(value: str) -> int | None:
    """Return the province code a cell names, None when empty."""
    if not value.strip():
        return None
    region = regions.match_province(value)
    if region is None:
        raise fields.FieldError("province", "unknown_province", f"unknown province {value!r}")
    return region.code


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
