"""The embedded backend's in-memory orders and filters equal plain sorting, on a catalog
large enough for its bucketed orders, and still after products are added, changed and
removed (the sets are patched, or rebuilt when the buckets grow lopsided)."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from catalog.search import ProductDoc, SearchQuery, SqliteBackend

T0 = datetime(2025, 1, 1, tzinfo=UTC)
PROVINCES = ["Hà Nội", "Phú Thọ", "Huế", ""]


def make(rng: random.Random, pid: int) -> ProductDoc:
    """Return a random product; prices repeat and creation times do not follow ids."""
    return ProductDoc(
        id=pid,
        name=rng.choice(["Mật ong", "Chè búp", "Gạo tám"]) + f" {pid % 7}",
        description="",
        category="",
        category_slugs=[rng.choice(["a", "b"]), "top"],
        stall_slug="s",
        stall_name="",
        farm_name="",
        province=rng.choice(PROVINCES),
        price_vnd=1000 * rng.randint(1, 60),
        in_stock=rng.random() < 0.7,
        ocop_stars=rng.choice([None, 3, 4, 5]),
        certifications=rng.sample(["ocop", "vietgap"], rng.randint(0, 2)),
        created_at=T0 + timedelta(minutes=rng.randint(0, 5000)),
    )


def expected(docs: dict[int, ProductDoc], query: SearchQuery) -> list[int]:
    """Return the ids a listing should give, by plain filtering and sorting."""
    kept = [
        d
        for d in docs.values()
        if (query.province is None or d.province == query.province)
        and (query.category is None or query.category in d.category_slugs)
        and (query.min_stars is None or (d.ocop_stars or 0) >= query.min_stars)
        and (query.certification is None or query.certification in d.certifications)
        and (query.min_price is None or d.price_vnd >= query.min_price)
        and (query.max_price is None or d.price_vnd <= query.max_price)
    ]

    def newest(d: ProductDoc) -> tuple[datetime, int]:
        return d.created_at, d.id

    if query.sort == "price_asc":
        kept.sort(key=newest, reverse=True)
        kept.sort(key=lambda d: d.price_vnd)
    elif query.sort == "price_desc":
        kept.sort(key=lambda d: (d.price_vnd, newest(d)), reverse=True)
    else:
        kept.sort(key=newest, reverse=True)
    return [d.id for d in kept]


def check(backend: SqliteBackend, docs: dict[int, ProductDoc], rng: random.Random) -> None:
    """Compare random listings (filters, sorts, deep pages) with plain sorting."""
    for _ in range(25):
        low = rng.choice([None, 5000, 20_000])
        query = SearchQuery(
            sort=rng.choice(["newest", "price_asc", "price_desc"]),
            province=rng.choice([None, "Huế", "Hà Nội"]),
            category=rng.choice([None, None, "a", "top"]),
            min_stars=rng.choice([None, 4]),
            certification=rng.choice([None, "ocop"]),
            min_price=low,
            max_price=rng.choice([None, 40_000]),
            per_page=50,
            page=rng.choice([1, 2, 9]),
        )
        result = backend.search(query)
        wanted = expected(docs, query)
        assert result.total == len(wanted), query
        assert result.ids == wanted[query.offset : query.offset + 50], query
        provinces = dict(result.facets["province"])
        assert sum(provinces.values()) == sum(1 for i in wanted if docs[i].province), query


def test_listings_follow_plain_sorting_through_changes(tmp_path: Path) -> None:
    rng = random.Random(5)
    docs = {pid: make(rng, pid) for pid in range(1, 3001)}
    backend = SqliteBackend(tmp_path / "orders.sqlite3")
    backend.index(docs.values())
    check(backend, docs, rng)
    # A few changes patch the sets; then many new products make the newest bucket lopsided.
    changed = rng.sample(sorted(docs), 40)
    for pid in changed:
        docs[pid] = replace(docs[pid], price_vnd=1000 * rng.randint(1, 60), in_stock=False)
    backend.index([docs[pid] for pid in changed])
    gone = rng.sample(sorted(docs), 30)
    backend.remove(gone)
    for pid in gone:
        del docs[pid]
    check(backend, docs, rng)
    for start in range(3001, 5001, 400):
        newer = timedelta(days=9, minutes=start)  # all newer than the first 3,000
        batch = [
            replace(make(rng, pid), created_at=T0 + newer + timedelta(seconds=pid))
            for pid in range(start, start + 400)
        ]
        backend.index(batch)
        docs.update((doc.id, doc) for doc in batch)
        check(backend, docs, rng)
