"""An in-memory copy of the embedded index's attribute table, kept in step by a change log.

Filtering, facet counting and sorting a match set of tens of thousands of products with SQL
costs a B-tree look-up per match and a sort; in memory, as bit sets (`fts5_sets`), they are
a few C passes over machine words. Every write transaction appends the changed ids to
``changes`` (or RESET after a rebuild); each reader applies what it has not seen, inside its
own read transaction, so the copy matches the FTS snapshot it searches. Old log rows are
pruned; a reader that fell behind them reloads everything. A new snapshot patches the sets
of the one before for the products that changed, instead of building them again.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from catalog.search import fts5_sets
from catalog.search.fts5_bits import Layout
from catalog.search.fts5_sets import FacetValues, Sets

SCHEMA = """
CREATE TABLE IF NOT EXISTS changes(seq INTEGER PRIMARY KEY AUTOINCREMENT, id INTEGER NOT NULL);
"""
# Two subqueries: SQLite answers a lone min() or max() from the index, but scans the whole
# log for both in one select (milliseconds per search once the log is long).
LOG_ENDS = "SELECT (SELECT max(seq) FROM changes), (SELECT min(seq) FROM changes)"
RESET = -1  # logged id meaning "everything changed"
KEEP = 20_000  # log rows kept after pruning
PRUNE_ABOVE = 2 * KEEP
# created (ms, < 2**43) and id (< 10**12) packed into one int that sorts as (created, id).
ID_SPAN = 10**12
# Beyond this many changed products a snapshot builds its sets again instead of patching.
PATCH_LIMIT = 2_000


def log_changes(conn: sqlite3.Connection, ids: Iterable[int]) -> None:
    """Record changed ids in the current write transaction, pruning old entries."""
    conn.executemany("INSERT INTO changes(id) VALUES (?)", ((i,) for i in ids))
    top = conn.execute("SELECT max(seq) FROM changes").fetchone()[0] or 0
    low = conn.execute("SELECT min(seq) FROM changes").fetchone()[0] or 0
    if top - low > PRUNE_ABOVE:
        conn.execute("DELETE FROM changes WHERE seq <= ?", (top - KEEP,))


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Per-product attributes as of one change-log position; never mutated once built."""

    seq: int  # the last change-log entry applied
    layout: Layout
    fkey: dict[int, int]
    price: dict[int, int]
    boost: dict[int, int]
    newest: dict[int, int]  # larger is newer; ties broken by the larger id
    consistent: bool = True  # exactly the state the reader's transaction sees
    derived: dict[str, Sets] = field(default_factory=dict, compare=False)

    def attrs(self, pid: int) -> tuple[int, int, int, int] | None:
        """Return a product's (facet key, boost, newest, price), or None if absent."""
        fkey = self.fkey.get(pid)
        if fkey is None:
            return None
        return fkey, self.boost[pid], self.newest[pid], self.price[pid]


class Attributes:
    """The latest snapshot; readers take `current` once, writers' changes make a new one."""

    def __init__(self, facet_values: Callable[[], FacetValues]) -> None:
        self._lock = threading.Lock()
        self.facet_values = facet_values
        self.current = Snapshot(-1, Layout(()), {}, {}, {}, {})

    def sets(self, snap: Snapshot) -> Sets:
        """Return a snapshot's bit sets, building them on first use."""
        found = snap.derived.get("sets")
        if found is None:
            found = snap.derived["sets"] = fts5_sets.build(
                snap.layout, snap.fkey, snap.boost, snap.newest, snap.price, self.facet_values()
            )
        return found

    def sync(self, conn: sqlite3.Connection) -> Snapshot:
        """Return a snapshot matching this read transaction, updating the shared one."""
        top, low = conn.execute(LOG_ENDS).fetchone()
        top = top or 0
        current = self.current
        if current.seq == top:
            return current
        with self._lock:
            current = self.current
            if current.seq < top:
                behind = current.seq < 0 or (low is not None and low > current.seq + 1)
                fresh = None if behind else self._apply(conn, current, top)
                self.current = current = fresh or self._load(conn, top)
        # Another thread may already hold a newer snapshot than this transaction sees; it
        # still works (ids deleted since are skipped) but must not be assumed consistent.
        return current if current.seq == top else replace(current, consistent=False)

    def _apply(self, conn: sqlite3.Connection, old: Snapshot, top: int) -> Snapshot | None:
        """Return a copy of `old` with the logged changes up to `top`, or None to reload."""
        rows = conn.execute(
            "SELECT c.id, d.fkey, d.price, d.created, d.boost FROM changes c"
            " LEFT JOIN docs d ON d.id = c.id WHERE c.seq > ? AND c.seq <= ? ORDER BY c.seq",
            (old.seq, top),
        ).fetchall()
        if any(row[0] == RESET for row in rows):
            return None
        latest = {row[0]: row for row in rows}  # an id logged twice: its last state counts
        added = [pid for pid, fkey, *_ in latest.values() if fkey is not None]
        if not old.layout.fits(added):
            return None
        old.layout.assign(added)
        new = Snapshot(
            top, old.layout, dict(old.fkey), dict(old.price), dict(old.boost), dict(old.newest)
        )
        for pid, fkey, price, created, boost in latest.values():
            if fkey is None:
                for table in (new.fkey, new.price, new.boost, new.newest):
                    table.pop(pid, None)
            else:
                _set(new, pid, fkey, price, created, boost)
        previous = old.derived.get("sets")
        if previous is not None and len(latest) <= PATCH_LIMIT:
            try:
                sets = fts5_sets.patched(
                    previous, old.attrs, new.attrs, latest, self.facet_values()
                )
            except KeyError:  # a facet key not loaded yet: build the sets when asked
                sets = None
            if sets is not None:
                new.derived["sets"] = sets
        return new

    def _load(self, conn: sqlite3.Connection, top: int) -> Snapshot:
        """Return a snapshot of every product's attributes (with a new layout)."""
        rows = conn.execute("SELECT id, fkey, price, created, boost FROM docs").fetchall()
        new = Snapshot(top, Layout(row[0] for row in rows), {}, {}, {}, {})
        for row in rows:
            _set(new, *row)
        return new


def _set(snap: Snapshot, pid: int, fkey: int, price: int, created: int, boost: int) -> None:
    """Store one product's attributes in a snapshot being built."""
    snap.fkey[pid] = fkey
    snap.price[pid] = price
    snap.boost[pid] = boost
    snap.newest[pid] = created * ID_SPAN + pid
