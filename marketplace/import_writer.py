"""Apply a checked catalog file: stalls, categories, farms, products, certificates and lots.

Everything the rows refer to is loaded once into dicts, so the work per row happens in memory and
the database sees one bulk statement per thousand rows (`import_bulk`), not the ORM's unit of
work per product; so the touched products are queued for the search index explicitly.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, insert, literal, select, update
from sqlalchemy.orm import Session

from catalog.csv_import import Row
from catalog.models import Category, Product
from catalog.search.outbox import SearchOutbox
from catalog.search.text import fold, slugify
from marketplace.db import utcnow
from marketplace.import_bulk import CHUNK, chunks, insert_rows
from marketplace.import_certificates import write_certificates
from marketplace.import_lots import Plan, write_lots
from marketplace.stalls.models import AuditEntry, Stall, StallKind, StallStatus
from marketplace.users.models import User
from traceability.models import Farm, FarmKind

PRODUCT_FIELDS = (
    "name",
    "category_id",
    "description",
    "price_vnd",
    "unit",
    "stock",
    "gtin",
    "province_code",
    "farm_id",
)
# Ids per `IN (…)` list: well under the 999 variables older SQLite builds allow.
ID_BATCH = 500


@dataclass
class ImportSummary:
    """What an import changed."""

    rows: int = 0
    products_created: int = 0
    products_updated: int = 0
    stalls_created: list[str] = field(default_factory=list)
    categories_created: int = 0
    farms_created: int = 0
    lots_created: int = 0
    lots_updated: int = 0
    certificates_created: int = 0

    def __str__(self) -> str:
        return (
            f"{self.rows} rows: {self.products_created} products created, "
            f"{self.products_updated} updated; {len(self.stalls_created)} stalls, "
            f"{self.categories_created} categories, {self.farms_created} farms, "
            f"{self.lots_created} lots created ({self.lots_updated} updated), "
            f"{self.certificates_created} certificates"
        )


def stall_name(slug: str) -> str:
    """Return a readable name made from a slug ("htx-che-tan-cuong" -> "HTX Che Tan Cuong")."""
    words = [w.upper() if w in ("htx", "tht", "tnhh") else w.capitalize() for w in slug.split("-")]
    return " ".join(words)[:120]


def find_category(lookup: dict[str, Category], text: str) -> Category | None:
    """Return the category a cell names by name, slug or "Parent > Child"; None if unknown."""
    name = text.rpartition(">")[2]
    for key in (text, name, slugify(text), slugify(name)):
        category = lookup.get(fold(key)) if key.strip() else None
        if category is not None:
            return category
    return None


class Writer:
    """Apply checked rows: everything the rows refer to is loaded once, up front."""

    def __init__(
        self,
        session: Session,
        actor: User | None,
        trusted: bool,
        stalls: dict[str, Stall],
        lookup: dict[str, Category],
    ) -> None:
        self.session = session
        self.actor = actor
        self.trusted = trusted
        self.stalls = stalls
        self.lookup = lookup
        self.summary = ImportSummary()
        self.per_stall: dict[int, Counter[str]] = {}
        self.touched: set[int] = set()
        self.folded: dict[str, str] = {}

    def write(self, rows: list[Row], new_stalls: dict[str, int]) -> ImportSummary:
        """Create stalls, categories and farms, then products, certificates and lots."""
        self.summary.rows = len(rows)
        self._create_stalls(new_stalls)
        categories = {text: self._category(text).id for text in sorted({r.category for r in rows})}
        stall_ids = [s.id for s in self.stalls.values()]
        farms = self._farms(rows, stall_ids)
        columns = [getattr(Product, name) for name in PRODUCT_FIELDS]
        existing = {
            (r.stall_id, r.sku): r
            for r in self.session.execute(
                select(Product.id, Product.stall_id, Product.sku, *columns).where(
                    Product.stall_id.in_(stall_ids)
                )
            )
        }
        now = utcnow()
        ids: dict[tuple[int, str], int] = {}
        creates: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        plan: Plan = []
        stall_id_of = {slug: stall.id for slug, stall in self.stalls.items()}
        for row in rows:
            assert row.product is not None  # rows with bad product fields never reach here
            stall_id = stall_id_of[row.stall]
            farm_id = farms[(stall_id, self._fold(row.farm))] if row.farm else None
            # The file's ProductData says new products are published.
            values = row.product.__dict__ | {
                "stall_id": stall_id,
                "category_id": categories[row.category],
                "province_code": row.province_code,
                "farm_id": farm_id,
            }
            key = (stall_id, values["sku"])
            counts = self.per_stall.setdefault(stall_id, Counter())
            old = existing.get(key)
            if old is None:
                values["created_at"] = values["updated_at"] = now
                creates.append(values)
                counts["created"] += 1
            else:
                ids[key] = old.id
                if any(getattr(old, name) != values[name] for name in PRODUCT_FIELDS):
                    changed = {name: values[name] for name in PRODUCT_FIELDS}
                    updates.append({"id": old.id, **changed, "updated_at": now})
                    self.touched.add(old.id)
                    counts["updated"] += 1
            plan.append((row, key, farm_id))
        insert_rows(self.session, Product.__table__, creates)
        if creates:
            new = {(values["stall_id"], values["sku"]) for values in creates}
            # A plain Core read: 100,000 rows through the ORM's result layer cost 2-3× as much.
            for product_id, stall_id, sku in self.session.connection().execute(
                select(Product.id, Product.stall_id, Product.sku).where(
                    Product.stall_id.in_(sorted({key[0] for key in new}))
                )
            ):
                if (stall_id, sku) in new:
                    ids[(stall_id, sku)] = product_id
                    self.touched.add(product_id)
        for chunk in chunks(updates):
            self.session.execute(update(Product), chunk)
        reviewer = self.actor.id if self.actor and self.trusted else None
        self.touched |= write_certificates(
            self.session,
            plan,
            ids,
            stall_ids,
            self.per_stall,
            trusted=self.trusted,
            reviewer=reviewer,
        )
        write_lots(self.session, plan, ids, stall_ids, self.per_stall)
        self._queue(now)
        self._audit()
        return self.summary

    def _queue(self, now: datetime) -> None:
        """Queue the touched products for the search index, in the import's transaction.

        INSERT … SELECT by id: the outbox rows need no parameters of their own (a third of the
        cost of writing them row by row), and an outbox insert marks the session for draining.
        """
        touched = sorted(self.touched)
        for start in range(0, len(touched), ID_BATCH):
            chosen = select(Product.id, literal(now, DateTime(timezone=True))).where(
                Product.id.in_(touched[start : start + ID_BATCH])
            )
            self.session.execute(
                insert(SearchOutbox).from_select(["product_id", "queued_at"], chosen)
            )

    def _create_stalls(self, new_stalls: dict[str, int]) -> None:
        """Open the approved stalls that a trusted file names but that do not exist yet."""
        created = [
            Stall(
                slug=slug,
                name=stall_name(slug),
                kind=StallKind.COOPERATIVE if slug.startswith("htx-") else StallKind.HOUSEHOLD,
                status=StallStatus.APPROVED,
                province_code=province_code,
                reviewed_at=utcnow(),
                reviewed_by_id=self.actor.id if self.actor else None,
            )
            for slug, province_code in sorted(new_stalls.items())
        ]
        self.session.add_all(created)
        self.session.flush()  # one batched INSERT for all of them
        for stall in created:
            self.stalls[stall.slug] = stall
            self.summary.stalls_created.append(stall.slug)
        self._log((stall.id, "created_by_import", {"name": stall.name}) for stall in created)

    def _category(self, text: str) -> Category:
        """Return the category a cell names, creating it (trusted files only)."""
        category = find_category(self.lookup, text)
        if category is not None:
            return category
        parent_text, _, name = text.rpartition(">")
        parent = self._category(parent_text.strip()) if parent_text.strip() else None
        base = slugify(name, max_length=72) or "danh-muc"
        slug, n = base, 1
        while fold(slug) in self.lookup:
            n += 1
            slug = f"{base}-{n}"
        category = Category(
            slug=slug, name=name.strip()[:120], parent_id=parent.id if parent else None, position=99
        )
        self.session.add(category)
        self.session.flush()
        for key in (slug, name, text):
            self.lookup[fold(key)] = category
        self.summary.categories_created += 1
        return category

    def _farms(self, rows: list[Row], stall_ids: list[int]) -> dict[tuple[int, str], int]:
        """Return farm ids by (stall id, folded name) for the rows' farms, creating missing ones."""
        farms = {
            (stall_id, self._fold(name)): farm_id
            for farm_id, stall_id, name in self.session.execute(
                select(Farm.id, Farm.stall_id, Farm.name).where(Farm.stall_id.in_(stall_ids))
            )
        }
        new: dict[tuple[int, str], dict[str, Any]] = {}
        for row in rows:
            if not row.farm:
                continue
            stall = self.stalls[row.stall]
            key = (stall.id, self._fold(row.farm))
            if key not in farms and key not in new:
                kind = FarmKind.MEMBER if stall.kind == StallKind.COOPERATIVE else FarmKind.FARM
                new[key] = {"stall_id": stall.id, "name": row.farm, "kind": kind}
                new[key]["province_code"] = row.province_code
        table = Farm.__table__
        returning = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        keys = list(new)
        for start in range(0, len(keys), CHUNK):
            batch = keys[start : start + CHUNK]
            created = self.session.execute(returning, [new[key] for key in batch]).scalars()
            farms.update(zip(batch, created, strict=True))
        self.summary.farms_created += len(new)
        return farms

    def _fold(self, name: str) -> str:
        """Return a farm name folded (the same few names recur on thousands of rows)."""
        folded = self.folded.get(name)
        if folded is None:
            folded = self.folded[name] = fold(name)
        return folded

    def _audit(self) -> None:
        """Write one audit entry per stall that changed, and total the summary."""
        for counts in self.per_stall.values():
            self.summary.products_created += counts["created"]
            self.summary.products_updated += counts["updated"]
            self.summary.certificates_created += counts["certificates"]
            self.summary.lots_created += counts["lots"]
            self.summary.lots_updated += counts["lots_updated"]
        self._log(
            (stall_id, "catalog_imported", dict(counts))
            for stall_id, counts in sorted(self.per_stall.items())
            if +counts
        )

    def _log(self, entries: Iterable[tuple[int, str, dict[str, Any]]]) -> None:
        """Write audit entries in bulk (what `stalls.services.audit` writes one at a time)."""
        user_id = self.actor.id if self.actor else None
        now = utcnow()
        rows = [
            {"stall_id": stall_id, "user_id": user_id, "action": action}
            | {"detail": detail, "created_at": now}
            for stall_id, action, detail in entries
        ]
        insert_rows(self.session, AuditEntry.__table__, rows)
