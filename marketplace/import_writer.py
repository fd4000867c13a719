"""Apply a checked catalog file: stalls, categories, farms, products, certificates and lots.

Everything the rows refer to is loaded once into dicts, so the work per row happens in memory and
the database sees one bulk statement per thousand rows. The inserts are plain Core statements (the
ORM's unit of work costs more than the database here), so the touched products are queued for the
search index explicitly.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from catalog.csv_import import Row
from catalog.models import Category, Certificate, CertificateKind, CertificateStatus, Product
from catalog.search.outbox import SearchOutbox
from catalog.search.text import fold, slugify
from marketplace.db import utcnow
from marketplace.import_lots import Plan, chunks, write_lots
from marketplace.stalls.models import Stall, StallKind, StallStatus
from marketplace.stalls.services import audit
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

    def write(self, rows: list[Row], new_stalls: dict[str, int]) -> ImportSummary:
        """Create stalls, categories and farms, then products, certificates and lots."""
        self.summary.rows = len(rows)
        for slug, province_code in sorted(new_stalls.items()):
            self._create_stall(slug, province_code)
        categories = {text: self._category(text) for text in sorted({r.category for r in rows})}
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
        for row in rows:
            stall = self.stalls[row.stall]
            farm = farms.get((stall.id, fold(row.farm))) if row.farm else None
            values = self._values(row, stall, categories[row.category], farm)
            key = (stall.id, values["sku"])
            counts = self.per_stall.setdefault(stall.id, Counter())
            old = existing.get(key)
            if old is None:
                creates.append({**values, "created_at": now, "updated_at": now})
                counts["created"] += 1
            else:
                ids[key] = old.id
                if any(getattr(old, name) != values[name] for name in PRODUCT_FIELDS):
                    changed = {name: values[name] for name in PRODUCT_FIELDS}
                    updates.append({"id": old.id, **changed, "updated_at": now})
                    self.touched.add(old.id)
                    counts["updated"] += 1
            plan.append((row, key, farm))
        table = Product.__table__
        returning = insert(table).returning(table.c.id, table.c.stall_id, table.c.sku)
        for chunk in chunks(creates):
            for product_id, stall_id, sku in self.session.execute(returning, chunk):
                ids[(stall_id, sku)] = product_id
                self.touched.add(product_id)
        for chunk in chunks(updates):
            self.session.execute(update(Product), chunk)
        self._certificates(plan, ids, stall_ids)
        write_lots(self.session, plan, ids, stall_ids, self.per_stall)
        for chunk in chunks([{"product_id": i, "queued_at": now} for i in sorted(self.touched)]):
            self.session.execute(insert(SearchOutbox.__table__), chunk)
        self._audit()
        return self.summary

    def _create_stall(self, slug: str, province_code: int) -> None:
        """Open an approved stall that a trusted file names but that does not exist yet."""
        kind = StallKind.COOPERATIVE if slug.startswith("htx-") else StallKind.HOUSEHOLD
        stall = Stall(
            slug=slug,
            name=stall_name(slug),
            kind=kind,
            status=StallStatus.APPROVED,
            province_code=province_code,
            reviewed_at=utcnow(),
            reviewed_by_id=self.actor.id if self.actor else None,
        )
        self.session.add(stall)
        self.session.flush()
        audit(self.session, stall, self.actor, "created_by_import", name=stall.name)
        self.stalls[slug] = stall
        self.summary.stalls_created.append(slug)

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

    def _farms(self, rows: list[Row], stall_ids: list[int]) -> dict[tuple[int, str], Farm]:
        """Return the farms the rows name by (stall id, folded name), creating missing ones."""
        farms = {
            (f.stall_id, fold(f.name)): f
            for f in self.session.scalars(select(Farm).where(Farm.stall_id.in_(stall_ids)))
        }
        for row in rows:
            if not row.farm:
                continue
            stall = self.stalls[row.stall]
            key = (stall.id, fold(row.farm))
            if key not in farms:
                kind = FarmKind.MEMBER if stall.kind == StallKind.COOPERATIVE else FarmKind.FARM
                farms[key] = Farm(
                    stall_id=stall.id, name=row.farm, kind=kind, province_code=row.province_code
                )
                self.session.add(farms[key])
                self.summary.farms_created += 1
        self.session.flush()
        return farms

    def _values(
        self, row: Row, stall: Stall, category: Category, farm: Farm | None
    ) -> dict[str, Any]:
        """Return the product's column values for a row (new products are published)."""
        assert row.product is not None  # rows with bad product fields never reach the writer
        values = dict(row.product.__dict__)
        values.update(
            stall_id=stall.id,
            category_id=category.id,
            province_code=row.province_code,
            farm_id=farm.id if farm else None,
        )
        return values

    def _certificates(
        self,
        plan: Plan,
        ids: dict[tuple[int, str], int],
        stall_ids: list[int],
    ) -> None:
        """Add the stars and certifications rows claim that their product does not have yet."""
        present: set[tuple[int, CertificateKind, int | None]] = set()
        pending: dict[tuple[int, CertificateKind, int | None], int] = {}
        for cert_id, product_id, kind, stars, status in self.session.execute(
            select(
                Certificate.id,
                Certificate.product_id,
                Certificate.kind,
                Certificate.stars,
                Certificate.status,
            ).where(Certificate.stall_id.in_(stall_ids), Certificate.product_id.is_not(None))
        ):
            key = (product_id, kind, stars)
            if status == CertificateStatus.VERIFIED or (
                status == CertificateStatus.PENDING and not self.trusted
            ):
                present.add(key)
            elif status == CertificateStatus.PENDING:
                pending[key] = cert_id  # a trusted file vouches for what a seller claimed
        now = utcnow()
        status = CertificateStatus.VERIFIED if self.trusted else CertificateStatus.PENDING
        reviewer = self.actor.id if self.actor and self.trusted else None
        new: list[dict[str, Any]] = []
        verify: list[dict[str, Any]] = []
        for row, key, _farm in plan:
            product_id = ids[key]
            wanted = [(kind, None) for kind in row.certifications]
            if row.ocop_stars:
                wanted.insert(0, (CertificateKind.OCOP, row.ocop_stars))
            for kind, stars in wanted:
                if (product_id, kind, stars) in present:
                    continue
                present.add((product_id, kind, stars))
                reviewed = {"reviewed_at": now, "reviewed_by_id": reviewer} if self.trusted else {}
                if (product_id, kind, stars) in pending:
                    cert_id = pending[(product_id, kind, stars)]
                    verify.append({"id": cert_id, "status": status, **reviewed})
                else:
                    new.append(
                        {"stall_id": key[0], "product_id": product_id, "kind": kind}
                        | {"stars": stars, "status": status, "created_at": now, **reviewed}
                    )
                self.per_stall[key[0]]["certificates"] += 1
                self.touched.add(product_id)
        for chunk in chunks(new):
            self.session.execute(insert(Certificate.__table__), chunk)
        for chunk in chunks(verify):
            self.session.execute(update(Certificate), chunk)

    def _audit(self) -> None:
        """Write one audit entry per stall that changed, and total the summary."""
        by_id = {stall.id: stall for stall in self.stalls.values()}
        for stall_id, counts in sorted(self.per_stall.items()):
            self.summary.products_created += counts["created"]
            self.summary.products_updated += counts["updated"]
            self.summary.certificates_created += counts["certificates"]
            self.summary.lots_created += counts["lots"]
            self.summary.lots_updated += counts["lots_updated"]
            if +counts:
                audit(self.session, by_id[stall_id], self.actor, "catalog_imported", **counts)
