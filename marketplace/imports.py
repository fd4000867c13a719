"""Import a catalog CSV into stalls, and export one: shared by the CLI and the seller upload.

The whole file is checked before anything is written (marketplace.import_writer then applies
it); the caller commits once.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.categories import category_lookup
from catalog.csv_export import catalog_rows, write_csv
from catalog.csv_import import MAX_BYTES, MAX_ROWS, Issue, Row, read_catalog
from catalog.models import Product
from marketplace.import_writer import ImportSummary, Writer, find_category, stall_name
from marketplace.stalls.models import Stall
from marketplace.users.models import User
from traceability.models import Farm, Lot

__all__ = ["ImportRejected", "ImportSummary", "export_stall", "import_catalog", "stall_name"]


class ImportRejected(Exception):
    """The file has problems; nothing was written. `issues` lists every one, in line order."""

    def __init__(self, issues: list[Issue]) -> None:
        super().__init__(f"{len(issues)} problem(s) in the file")
        self.issues = sorted(issues)


def import_catalog(
    session: Session,
    data: bytes,
    *,
    actor: User | None = None,
    stall: Stall | None = None,
    trusted: bool = False,
    max_bytes: int = MAX_BYTES,
    max_rows: int | None = MAX_ROWS,
) -> ImportSummary:
    """Check a whole CSV and apply it, or raise ImportRejected having written nothing.

    `stall` restricts the rows to that stall (a seller's upload). `trusted` (administrators)
    creates missing stalls and categories and counts stars and certifications as verified.
    """
    parsed = read_catalog(
        data, max_bytes=max_bytes, max_rows=max_rows, default_stall=stall.slug if stall else None
    )
    issues = list(parsed.issues)
    if not parsed.readable:
        raise ImportRejected(issues)
    rows = parsed.rows
    stalls = _find_stalls(session, rows, issues, stall, trusted)
    lookup = category_lookup(session)
    known = {text: find_category(lookup, text) for text in {row.category for row in rows}}
    for row in rows:
        if row.category and known[row.category] is None and not trusted:
            message = f"unknown category {row.category!r}"
            issues.append(Issue(row.line, "category", "unknown_category", message, row.category))
    new_stalls = _provinces(rows, stalls, issues, creating=trusted and stall is None)
    if issues:
        raise ImportRejected(issues)
    return Writer(session, actor, trusted, stalls, lookup).write(rows, new_stalls)


def export_stall(session: Session, stall: Stall) -> bytes:
    """Return a stall's catalog as CSV bytes that the import reads back unchanged."""
    rows = catalog_rows(session, stall.id, stall.slug)
    farms = dict(session.execute(select(Farm.id, Farm.name).where(Farm.stall_id == stall.id)).all())
    latest = {
        product_id: (code, harvest)
        for product_id, code, harvest in session.execute(
            select(Lot.product_id, Lot.code, Lot.harvest_date)
            .join(Product, Product.id == Lot.product_id)
            .where(Product.stall_id == stall.id)
            .order_by(Lot.id)
        )
    }
    for row in rows:
        row["farm"] = farms.get(row["farm_id"], "")  # type: ignore[arg-type]
        code, harvest = latest.get(row["product_id"], ("", None))  # type: ignore[arg-type]
        row["lot"] = code
        row["harvest_date"] = harvest.strftime("%d/%m/%Y") if harvest else ""
    return write_csv(rows)


def _find_stalls(
    session: Session, rows: list[Row], issues: list[Issue], only: Stall | None, trusted: bool
) -> dict[str, Stall]:
    """Return the existing stalls the rows name; report rows naming stalls they may not."""
    if only is not None:
        for row in rows:
            if row.stall and row.stall != only.slug:
                message = f"this upload may only list products of the stall {only.slug}"
                issues.append(Issue(row.line, "stall", "other_stall", message, row.stall))
        return {only.slug: only}
    slugs = sorted({row.stall for row in rows if row.stall})
    found = {s.slug: s for s in session.scalars(select(Stall).where(Stall.slug.in_(slugs)))}
    if not trusted:
        for row in rows:
            if row.stall and row.stall not in found:
                message = f"no stall has the address {row.stall!r}"
                issues.append(Issue(row.line, "stall", "unknown_stall", message, row.stall))
    return found


def _provinces(
    rows: list[Row], stalls: dict[str, Stall], issues: list[Issue], creating: bool
) -> dict[str, int]:
    """Fill rows' empty provinces from their stall; return the province of each new stall."""
    new: dict[str, int] = {}
    for row in rows:
        if creating and row.stall and row.stall not in stalls and row.province_code:
            new.setdefault(row.stall, row.province_code)
    for row in rows:
        if row.province_code is None and row.stall:
            stall = stalls.get(row.stall)
            row.province_code = stall.province_code if stall else new.get(row.stall)
            # A row of a stall that may not be created already has its stall reported.
            if row.province_code is None and creating:
                message = "the province is needed for a new stall"
                issues.append(Issue(row.line, "province", "required", message))
    return new
