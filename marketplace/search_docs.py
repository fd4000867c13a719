"""Build search documents from the database, in bulk (a fixed number of queries per batch).

Only active products of approved stalls become documents; every other id asked for is
reported as gone, so the caller removes it from the index.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from catalog import regions
from catalog.models import Category, Product, ProductStatus
from catalog.search import ProductDoc
from catalog.services import badges_for
from marketplace.db import as_utc
from marketplace.stalls.models import Stall, StallStatus
from traceability.models import Farm

BATCH = 1000

_COLUMNS = (
    Product.id,
    Product.stall_id,
    Product.name,
    Product.description,
    Product.category_id,
    Product.farm_id,
    Product.province_code,
    Product.price_vnd,
    Product.stock,
    Product.created_at,
    Stall.slug.label("stall_slug"),
    Stall.name.label("stall_name"),
)


@dataclass(frozen=True, slots=True)
class Batch:
    """The documents of the indexable ids of a batch, and the ids to drop from the index."""

    docs: list[ProductDoc]
    gone: list[int]


class CategoryPaths:
    """Each category's display name and its slug followed by its ancestors' slugs."""

    def __init__(self, session: Session) -> None:
        rows = session.execute(select(Category.id, Category.slug, Category.name, Category.parent_id))
        self._rows = {cid: (slug, name, parent) for cid, slug, name, parent in rows}
        self._paths: dict[int, list[str]] = {}

    def name(self, category_id: int) -> str:
        """Return the category's display name ("" if unknown)."""
        row = self._rows.get(category_id)
        return row[1] if row else ""

    def slugs(self, category_id: int) -> list[str]:
        """Return the category's slug, then its parent's, up to the top group."""
        if category_id not in self._paths:
            path: list[str] = []
            current: int | None = category_id
            # A cycle cannot come from the app, but a hand-edited table must not hang us.
            while current is not None and current in self._rows and len(path) < 10:
                slug, _name, parent = self._rows[current]
                path.append(slug)
                current = parent
            self._paths[category_id] = path
        return self._paths[category_id]


def build(
    session: Session, ids: Sequence[int], day: date, categories: CategoryPaths | None = None
) -> Batch:
    """Return the documents of the public products among `ids`; the others are `gone`."""
    wanted = sorted(set(ids))
    if not wanted:
        return Batch([], [])
    rows = session.execute(_select().where(Product.id.in_(wanted))).all()
    docs = _docs(session, rows, day, categories or CategoryPaths(session))
    found = {doc.id for doc in docs}
    return Batch(docs, [i for i in wanted if i not in found])


def every_doc(session: Session, day: date, batch: int = BATCH) -> Iterator[ProductDoc]:
    """Yield every indexable product's document, by id, a batch of rows at a time."""
    categories = CategoryPaths(session)
    last = 0
    while True:
        rows = session.execute(_select().where(Product.id > last).limit(batch)).all()
        if not rows:
            return
        last = rows[-1].id
        yield from _docs(session, rows, day, categories)


def indexable_count(session: Session) -> int:
    """Return how many products the index should hold."""
    from sqlalchemy import func

    return int(session.scalar(select(func.count()).select_from(_select().subquery())) or 0)


def _select():  # noqa: ANN202 -- a Select of the columns above
    """Return the select of indexable product rows, by id."""
    return (
        select(*_COLUMNS)
        .join(Stall, Stall.id == Product.stall_id)
        .where(Product.status == ProductStatus.ACTIVE, Stall.status == StallStatus.APPROVED)
        .order_by(Product.id)
    )


def _docs(
    session: Session, rows: Sequence[Row], day: date, categories: CategoryPaths
) -> list[ProductDoc]:
    """Turn product rows into documents (badges and farms in one query each)."""
    if not rows:
        return []
    # badges_for reads only .id and .stall_id, which these rows have.
    badges = badges_for(session, rows, day)  # type: ignore[arg-type]
    farms = _farm_names(session, {row.farm_id for row in rows if row.farm_id})
    return [
        ProductDoc(
            id=row.id,
            name=row.name,
            description=row.description or "",
            category=categories.name(row.category_id),
            category_slugs=categories.slugs(row.category_id),
            stall_slug=row.stall_slug,
            stall_name=row.stall_name,
            farm_name=farms.get(row.farm_id, "") if row.farm_id else "",
            province=_province(row.province_code),
            price_vnd=row.price_vnd,
            in_stock=row.stock > 0,
            ocop_stars=badges[row.id].ocop_stars,
            certifications=list(badges[row.id].certifications),
            created_at=as_utc(row.created_at),
        )
        for row in rows
    ]


def _farm_names(session: Session, ids: Iterable[int]) -> dict[int, str]:
    """Return the names of these farms."""
    wanted = sorted(ids)
    if not wanted:
        return {}
    return dict(session.execute(select(Farm.id, Farm.name).where(Farm.id.in_(wanted))).tuples())


def _province(code: int | None) -> str:
    """Return a province's short name, "" when unknown."""
    region = regions.province(code) if code else None
    return region.short_name if region else ""
