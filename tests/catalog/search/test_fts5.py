"""The embedded backend beyond the contract: its file, threads and other processes."""

from __future__ import annotations

import sqlite3
import threading
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
    assert reopened.count() == 0  # rebuilt empty; the app reindexes
    reopened.index(CATALOG[:2])
    assert reopened.search(SearchQuery()).total == 2
