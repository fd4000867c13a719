"""The embedded search backend: SQLite FTS5 in its own index file.

The index file is independent of the main database (which may be PostgreSQL). Tables:

* ``fts`` (FTS5, ascii tokenizer on words pre-split by `analysis`, so FTS5 never splits
  or folds anything itself): folded and accent forms of name, category, stall, farm,
  province and description, plus the labels suggestions show;
* ``docs``: one narrow row per product for filters, sorting and facets; ``fkey`` points to
  ``facet_keys``, the distinct (province, stars, categories, certifications) tuples. Readers
  keep them in memory as bit sets (`fts5_memory`, `fts5_sets`);
* ``labels``: distinct category and stall names, for suggestions;
* ``vocab`` / ``deletes`` (see `fuzzy`): typo candidates.

Each thread has its own connection (WAL mode, so readers never wait for the writer);
writes in this process are serialised by a lock.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from pathlib import Path

from catalog.search import fts5_memory, fuzzy
from catalog.search.base import ProductDoc, SearchQuery, SearchResult, SearchUnavailable, Suggestion
from catalog.search.fts5_read import Reader
from catalog.search.fts5_rows import DocRow, Interner, doc_row
from catalog.search.fts5_schema import (
    DOC_TABLES,
    DROP_ALL,
    DROP_DOC_TABLES,
    SCHEMA,
    SCHEMA_VERSION,
    bump_text_version,
    delete_ids,
    has_table,
    run_script,
    unchanged_ids,
)

_BATCH = 1000
# OperationalError messages that mean the file cannot be used now, rather than a bug.
_UNAVAILABLE = ("locked", "busy", "unable to open", "readonly", "disk I/O", "disk is full")


class SqliteBackend:
    """Search over an SQLite FTS5 index file at `path` (":memory:" for a throwaway index)."""

    def __init__(self, path: str | Path, *, busy_timeout: float = 10.0) -> None:
        self.path = str(path)
        self.busy_timeout = busy_timeout
        self._local = threading.local()
        self._write_lock = threading.RLock()
        # One shared connection for an in-memory index: each connection would see its own.
        self._shared = self._connect() if self.path == ":memory:" else None
        self._interner = Interner()
        self._reader = Reader(self._interner)
        with self._transaction() as conn:
            outdated = False
            if has_table(conn, "meta"):
                row = conn.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
                outdated = row is None or row[0] != SCHEMA_VERSION
                if outdated:
                    # The index is derived data: an old layout is dropped, then reindexed.
                    run_script(conn, DROP_ALL)
            run_script(conn, SCHEMA + DOC_TABLES)
            conn.execute(
                "INSERT OR REPLACE INTO meta(key, value) VALUES ('schema', ?)", (SCHEMA_VERSION,)
            )
            if outdated:
                conn.execute("INSERT INTO meta(key, value) VALUES ('stale', '1')")

    # -- connections ---------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        """Open a connection in autocommit mode with the pragmas this index relies on."""
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(
            self.path,
            timeout=self.busy_timeout,
            isolation_level=None,
            check_same_thread=self.path != ":memory:",
        )
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.execute("PRAGMA cache_size = -32000")
        # Reads through the page cache of the OS instead of copying each page.
        conn.execute("PRAGMA mmap_size = 268435456")
        return conn

    def _conn(self) -> sqlite3.Connection:
        """Return this thread's connection."""
        if self._shared is not None:
            return self._shared
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._connect()
        return conn

    @contextlib.contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        """Yield a connection inside a read transaction, so all reads see one snapshot."""
        with self._guard(), self._maybe_locked():
            conn = self._conn()
            if conn.in_transaction:  # an in-memory index read during its own rebuild
                yield conn
                return
            conn.execute("BEGIN")
            try:
                yield conn
            finally:
                conn.execute("COMMIT")

    @contextlib.contextmanager
    def _transaction(self, conn: sqlite3.Connection | None = None) -> Iterator[sqlite3.Connection]:
        """Yield a connection inside a write transaction; commit, or roll back on error."""
        with self._guard(), self._write_lock:
            conn = conn or self._conn()
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                self._interner.reset()  # it may hold ids of rows just rolled back
                raise
            conn.execute("COMMIT")

    def _maybe_locked(self) -> contextlib.AbstractContextManager[object]:
        """Serialise readers too when every thread shares one connection."""
        return self._write_lock if self._shared is not None else contextlib.nullcontext()

    @contextlib.contextmanager
    def _guard(self) -> Iterator[None]:
        """Turn a busy or unreadable index file into SearchUnavailable."""
        try:
            yield
        except sqlite3.OperationalError as exc:
            message = str(exc)
            if any(sign in message for sign in _UNAVAILABLE):
                raise SearchUnavailable(f"search index unavailable: {message}") from exc
            raise

    # -- writes --------------------------------------------------------------------------

    def index(self, docs: Iterable[ProductDoc]) -> None:
        """Add or replace these documents."""
        iterator = iter(docs)
        while batch := [doc_row(doc) for doc in islice(iterator, _BATCH)]:
            with self._transaction() as conn:
                self._write(conn, batch, replace=True)

    def _write(self, conn: sqlite3.Connection, rows: list[DocRow], *, replace: bool) -> None:
        """Insert prepared rows, replacing older versions of them when `replace`.

        A product whose words did not change (a new price, stock or badge) keeps its FTS
        row: that saves the rewrite, and leaves the text version, and so the readers'
        caches of matching products, as they were.
        """
        ids = [row.id for row in rows]
        texts = rows
        if replace:
            same = unchanged_ids(conn, rows)
            texts = [row for row in rows if row.id not in same]
            delete_ids(conn, [row.id for row in texts], fts=True)
            delete_ids(conn, ids, fts=False)
        fkeys = self._interner.facet_keys(conn, [row.facet for row in rows])
        cat_labels = self._interner.labels(conn, "category", [row.category for row in rows])
        stall_labels = self._interner.labels(conn, "stall", [row.stall for row in rows])
        conn.executemany(
            "INSERT INTO fts(rowid, name_f, name_a, cat_f, cat_a, stall_f, stall_a, farm_f,"
            " farm_a, prov_f, prov_a, desc_f, desc_a, name)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (row.fts for row in texts),
        )
        conn.executemany(
            "INSERT INTO docs(id, fkey, cat_label, stall_label, price, in_stock, created, boost)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (row.id, fkey, cat, stall, *row.attrs)
                for row, fkey, cat, stall in zip(rows, fkeys, cat_labels, stall_labels, strict=True)
            ),
        )
        fuzzy.add_terms(conn, (term for row in texts for term in row.terms))
        if replace:  # a rebuild logs one reset and bumps the version once
            if texts:
                bump_text_version(conn)
            fts5_memory.log_changes(conn, ids)

    def remove(self, ids: Iterable[int]) -> None:
        """Remove these product ids; unknown ids are ignored."""
        wanted = [int(i) for i in ids]
        for start in range(0, len(wanted), _BATCH):
            with self._transaction() as conn:
                delete_ids(conn, wanted[start : start + _BATCH])
                fts5_memory.log_changes(conn, wanted[start : start + _BATCH])

    def clear(self) -> None:
        """Remove every document."""
        with self._transaction() as conn:
            run_script(conn, DROP_DOC_TABLES + DOC_TABLES)
            fts5_memory.log_changes(conn, [fts5_memory.RESET])
            bump_text_version(conn)

    def rebuild(
        self, docs: Iterable[ProductDoc], progress: Callable[[int], None] | None = None
    ) -> None:
        """Replace the index in one transaction on a private connection.

        Readers (other threads, other processes, and this thread's own connection) keep
        seeing the old index until the commit, so search never goes down during a reindex.
        Other writers wait for the commit.
        """
        private = self._shared or self._connect()
        try:
            with self._transaction(private) as conn:
                run_script(conn, DROP_DOC_TABLES + DOC_TABLES)
                conn.execute("DELETE FROM meta WHERE key = 'stale'")
                fts5_memory.log_changes(conn, [fts5_memory.RESET])
                bump_text_version(conn)
                done = 0
                iterator = iter(docs)
                while batch := [doc_row(doc) for doc in islice(iterator, _BATCH)]:
                    self._write(conn, batch, replace=False)
                    done += len(batch)
                    if progress is not None:
                        progress(done)
        finally:
            if private is not self._shared:
                private.close()

    # -- reads ---------------------------------------------------------------------------

    def count(self) -> int:
        """Return the number of indexed documents."""
        with self._reading() as conn:
            return int(conn.execute("SELECT count(*) FROM docs").fetchone()[0])

    def stale(self) -> bool:
        """Return whether an index of an older layout was dropped and awaits a rebuild."""
        with self._reading() as conn:
            return conn.execute("SELECT 1 FROM meta WHERE key = 'stale'").fetchone() is not None

    def search(self, query: SearchQuery) -> SearchResult:
        """Return one page of matches; raise InvalidQuery or SearchUnavailable only."""
        query = query.validated()
        with self._reading() as conn:
            return self._reader.search(conn, query)

    def suggest(self, text: str, limit: int = 8) -> list[Suggestion]:
        """Return up to `limit` completions: categories, stalls, then products."""
        if not isinstance(text, str) or limit < 1:
            return []
        with self._reading() as conn:
            return self._reader.suggest(conn, text, min(limit, 50))

    def clear_caches(self, *, postings: bool = True) -> None:
        """Forget cached answers and (unless told not to) matches, to measure cold queries."""
        self._reader.clear_caches(postings=postings)

    def close(self) -> None:
        """Close this thread's connection (others close when their threads end)."""
        conn = self._shared or getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
            self._shared = None
