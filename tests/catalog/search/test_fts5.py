"""The embedded backend beyond the contract: its file, threads and other processes."""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import replace
from pathlib import Path

from catalog.search import SearchQuery, SqliteBackend, make_backend
from tests.catalog.search.catalog_data import BY_ID, CATALOG


def test_the_index_persists_in_its_file(tmp_path: Path) -> None:
    path = tmp_path / "instance" / "search.sqlite3"
    SqliteBackend(path).index(CATALOG)
    reopened = make_backend("sqlite", path=path)
    assert reopened.count() == len(CATALOG)
    assert reopened.search(SearchQuery(text="buoi doan hung")).ids[:1] == [4]


def test_writes_by_another_connection_are_seen(tmp_path: Path) -> None:
    # Two backends on one file stand for two worker processes.
    path = tmp_path / "search.sqlite3"
    reader, writer = SqliteBackend(path), SqliteBackend(path)
    writer.index(CATALOG[:10])
    assert reader.search(SearchQuery()).total == 10
    writer.remove([4])
    writer.index([CATALOG[20]])
    result = reader.search(SearchQuery(per_page=100))
    assert result.total == 10
    assert 4 not in result.ids and 21 in result.ids
    writer.rebuild(CATALOG[:3])
    assert reader.search(SearchQuery(per_page=100)).ids == [3, 2, 1]


def test_threads_search_while_another_indexes(tmp_path: Path) -> None:
    backend = SqliteBackend(tmp_path / "search.sqlite3")
    backend.index(CATALOG[:20])
    errors: list[BaseException] = []

    def search() -> None:
        try:
            for _ in range(30):
                result = backend.search(SearchQuery(text="mat ong", per_page=100))
                assert {6, 7, 8} <= set(result.ids)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=search) for _ in range(4)]
    for thread in threads:
        thread.start()
    for doc in CATALOG[20:]:
        backend.index([doc])
    for thread in threads:
        thread.join()
    assert errors == []
    assert backend.count() == len(CATALOG)


def test_an_in_memory_index_works(tmp_path: Path) -> None:
    backend = SqliteBackend(":memory:")
    backend.index(CATALOG)
    assert backend.search(SearchQuery(text="mật ong", per_page=3)).ids == [8, 6, 7]
    backend.rebuild([BY_ID[1]])
    assert backend.count() == 1


def test_an_index_of_an_older_layout_is_replaced(tmp_path: Path) -> None:
    path = tmp_path / "search.sqlite3"
    SqliteBackend(path).index(CATALOG[:5])
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE meta SET value = 'old' WHERE key = 'schema'")
    reopened = SqliteBackend(path)
    assert reopened.count() == 0  # rebuilt empty, and stale until the app reindexes
    assert reopened.stale() and SqliteBackend(path).stale()
    reopened.index(CATALOG[:2])
    assert reopened.stale()
    reopened.rebuild(CATALOG[:5])
    assert not reopened.stale() and not SqliteBackend(path).stale()
    assert reopened.search(SearchQuery(text="buoi phu tho")).ids == [4]


QUERIES = ["mat ong", "che thai nguyen", "t", "ba", "buoi doan h", "nuoc mam phu quac", "dong"]


def answers(backend: SqliteBackend) -> list[tuple[list[int], int, dict]]:
    """Return every query's full result, for comparing two indexes."""
    found = []
    for text in QUERIES:
        for sort in ("relevance", "newest", "price_asc"):
            result = backend.search(SearchQuery(text=text, sort=sort, per_page=100))
            found.append((result.ids, result.total, result.facets))
    return found


def copies(docs: list, times: int) -> list:
    """Return `times` copies of the documents under distinct ids (a catalog big enough for
    the index to cache term postings rather than test candidates one by one)."""
    return [replace(doc, id=doc.id + 100 * k) for k in range(times) for doc in docs]


def test_cached_matches_follow_text_changes(tmp_path: Path) -> None:
    backend = SqliteBackend(tmp_path / "search.sqlite3")
    backend.index(copies(CATALOG, 12))
    answers(backend)  # fills the caches
    changed = [
        replace(BY_ID[6], name="Trà móc câu đặc biệt", description="Búp non"),
        replace(BY_ID[1], province="Hà Nội", stall_name="Làng chè Bát Tràng"),
        replace(BY_ID[20], name="Mật ong bạc hà", category="Mật ong"),
    ]
    backend.index(changed)
    backend.remove([4, 104])
    expected = [doc for doc in copies(CATALOG, 12) if doc.id not in (1, 4, 6, 20, 104)]
    fresh = SqliteBackend(tmp_path / "fresh.sqlite3")
    fresh.index(expected + changed)
    assert answers(backend) == answers(fresh)
    assert 6 in backend.search(SearchQuery(text="tra moc cau")).ids


def test_ids_far_beyond_the_catalog_size_work(tmp_path: Path) -> None:
    big = 10**12
    backend = SqliteBackend(tmp_path / "search.sqlite3")
    backend.index([replace(doc, id=big + doc.id) for doc in CATALOG])
    small = SqliteBackend(tmp_path / "small.sqlite3")
    small.index(CATALOG)
    for text in QUERIES:
        result = backend.search(SearchQuery(text=text, per_page=100))
        assert [i - big for i in result.ids] == small.search(
            SearchQuery(text=text, per_page=100)
        ).ids
    backend.index([replace(BY_ID[3], id=5)])  # a small id joins the huge ones
    # Same words and creation time as product 3: the higher id ranks first.
    assert backend.search(SearchQuery(text="mut gung")).ids == [big + 3, 5, big + 26]
