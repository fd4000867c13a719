"""An in-memory copy of the embedded index's attribute table, kept in step by a change log.

Filtering, facet counting and sorting a match set of tens of thousands of products with SQL
costs a B-tree look-up per match and a sort; with the attributes in dictionaries they are a
few C-speed passes (`Counter`, `heapq`). Every write transaction appends the changed ids to
``changes`` (or RESET after a rebuild); each reader applies what it has not seen, inside its
own read transaction, so the copy matches the FTS snapshot it searches. Old log rows are
pruned; a reader that fell behind them reloads everything.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import dataclass, replace

SCHEMA = """
CREATE TABLE IF NOT EXISTS changes(seq INTEGER PRIMARY KEY AUTOINCREMENT, id INTEGER NOT NULL);
"""
RESET = -1  # logged id meaning "everything changed"
KEEP = 20_000  # log rows kept after pruning
PRUNE_ABOVE = 2 * KEEP
# created (ms, < 2**43) and id (< 10**12) packed into one int that sorts as (created, id).
_ID_SPAN = 10**12


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
    fkey: dict[int, int]
    price: dict[int, int]
    boost: dict[int, int]
    newest: dict[int, int]  # larger is newer; ties broken by the larger id
    consistent: bool = True  # exactly the state the reader's transaction sees

    def keep(
        self, ids: list[int], fkeys: set[int] | None, low: int | None, high: int | None
    ) -> list[int]:
        """Return the known ids among `ids` whose facet key and price pass the filters."""
        if fkeys is None:
            result = ids if self.consistent else [i for i in ids if i in self.fkey]
        else:
            result = [i for i in ids if self.fkey.get(i, -1) in fkeys]
        if low is not None:
            result = [i for i in result if self.price[i] >= low]
        if high is not None:
            result = [i for i in result if self.price[i] <= high]
        return result


class Attributes:
    """The latest snapshot; readers take `current` once, writers' changes make a new one."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.current = Snapshot(-1, {}, {}, {}, {})

    def sync(self, conn: sqlite3.Connection) -> Snapshot:
        """Return a snapshot matching this read transaction, updating the shared one."""
        top, low = conn.execute("SELECT max(seq), min(seq) FROM changes").fetchone()
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
        new = Snapshot(top, dict(old.fkey), dict(old.price), dict(old.boost), dict(old.newest))
        for pid, fkey, price, created, boost in rows:
            if fkey is None:
                for table in (new.fkey, new.price, new.boost, new.newest):
                    table.pop(pid, None)
            else:
                _set(new, pid, fkey, price, created, boost)
        return new

    def _load(self, conn: sqlite3.Connection, top: int) -> Snapshot:
        """Return a snapshot of every product's attributes."""
        new = Snapshot(top, {}, {}, {}, {})
        for row in conn.execute("SELECT id, fkey, price, created, boost FROM docs"):
            _set(new, *row)
        return new


def _set(snap: Snapshot, pid: int, fkey: int, price: int, created: int, boost: int) -> None:
    """Store one product's attributes in a snapshot being built."""
    snap.fkey[pid] = fkey
    snap.price[pid] = price
    snap.boost[pid] = boost
    snap.newest[pid] = created * _ID_SPAN + pid
