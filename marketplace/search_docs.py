"""Build search documents from the database, in bulk (a fixed number of queries per batch).

Only active products of approved stalls become documents; every other id asked for is
reported as gone, so the caller removes it from the index.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Row, func, or_, select
from sqlalchemy.orm import Session

from catalog import regions
from catalog.models import (
    Category,
    Certificate,
    CertificateKind,
    CertificateStatus,
    Product,
    ProductStatus,
)
from catalog.search import ProductDoc
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
        rows = session.execute(
            select(Category.id, Category.slug, Category.name, Category.parent_id)
        )
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
    return int(session.scalar(select(func.count()).select_from(_select().subquery())) or 0)


def _select():
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
    badges = badges_of(session, rows, day)
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
            ocop_stars=badges.get(row.id, (None, []))[0],
            certifications=badges.get(row.id, (None, []))[1],
            created_at=as_utc(row.created_at),
        )
        for row in rows
    ]


def badges_of(
    session: Session, rows: Sequence[Row], day: date
) -> dict[int, tuple[int | None, list[str]]]:
    """Return (OCOP stars, certification kinds) shoppers see, per product row.

    The same rule as `catalog.services.badges_for` (verified, unexpired certificates of the
    product or its whole stall), read as plain rows: indexing a large import would spend
    most of its time building certificate objects. A test keeps the two in agreement.
    """
    ids = [row.id for row in rows]
    stall_ids = sorted({row.stall_id for row in rows})
    certificates = session.execute(
        select(
            Certificate.product_id, Certificate.stall_id, Certificate.kind, Certificate.stars
        ).where(
            Certificate.status == CertificateStatus.VERIFIED,
            or_(Certificate.valid_until.is_(None), Certificate.valid_until >= day),
            or_(
                Certificate.product_id.in_(ids),
                Certificate.product_id.is_(None) & Certificate.stall_id.in_(stall_ids),
            ),
        )
    ).all()
    own: dict[int, list[tuple[str, int | None]]] = defaultdict(list)
    stall_wide: dict[int, list[tuple[str, int | None]]] = defaultdict(list)
    for product_id, stall_id, kind, stars in certificates:
        entry = (CertificateKind(kind).value, stars)
        (stall_wide[stall_id] if product_id is None else own[product_id]).append(entry)
    result = {}
    for row in rows:
        valid = own.get(row.id, []) + stall_wide.get(row.stall_id, [])
        stars = max((s or 0 for kind, s in valid if kind == "ocop"), default=0)
        result[row.id] = (stars or None, sorted({kind for kind, _ in valid}))
    return result


def _farm_names(session: Session, ids: Iterable[int]) -> dict[int, str]:
    """Return the names of these farms."""
    wanted = sorted(ids)
    if not wanted:
        return {}
    rows = session.execute(select(Farm.id, Farm.name).where(Farm.id.in_(wanted)))
    return dict(rows.tuples().all())


def _province(code: int | None) -> str:
    """Return a province's short name, "" when unknown."""
    region = regions.province(code) if code else None
    return region.short_name if region else ""
