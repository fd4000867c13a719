"""An in-memory copy of the embedded index's attribute table, kept in step by a change log.

Filtering, facet counting and sorting a match set of tens of thousands of products with SQL
costs a B-tree look-up per match and a sort; with the attributes in dictionaries they are a
few C-speed passes (`Counter`, `heapq`). Every write transaction appends the changed ids to
``changes`` (or RESET after a rebuild); each reader applies what it has not seen, inside its
own read transaction, so the copy matches the FTS snapshot it searches. Old log rows are
pruned; a reader that fell behind them reloads everything.

Each snapshot also keeps, once asked for, every product in newest-first and price order and
the number of products per facet key, so a listing without text (the home of the search
page) never sorts or counts the whole catalog; later snapshots update them in place of a
copy when few products changed.
"""

from __future__ import annotations

import bisect
import sqlite3
import threading
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace

SCHEMA = """
CREATE TABLE IF NOT EXISTS changes(seq INTEGER PRIMARY KEY AUTOINCREMENT, id INTEGER NOT NULL);
"""
RESET = -1  # logged id meaning "everything changed"
KEEP = 20_000  # log rows kept after pruning
PRUNE_ABOVE = 2 * KEEP
# created (ms, < 2**43) and id (< 10**12) packed into one int that sorts as (created, id).
ID_SPAN = 10**12
# A rank packs (boost, newest) into one int that sorts as that pair.
NEWEST_SPAN = 10**25
# Beyond this many changed products a snapshot rebuilds its orders instead of patching them.
PATCH_LIMIT = 2_000


def log_changes(conn: sqlite3.Connection, ids: Iterable[int]) -> None:
    """Record changed ids in the current write transaction, pruning old entries."""
    conn.executemany("INSERT INTO changes(id) VALUES (?)", ((i,) for i in ids))
    top = conn.execute("SELECT max(seq) FROM changes").fetchone()[0] or 0
    low = conn.execute("SELECT min(seq) FROM changes").fetchone()[0] or 0
    if top - low > PRUNE_ABOVE:
        conn.execute("DELETE FROM changes WHERE seq <= ?", (top - KEEP,))


@dataclass
class Order:
    """Products sorted by an order key (ascending), with their ids in the same positions."""

    keys: list[int]
    ids: list[int]

    def move(self, pid: int, old: int | None, new: int | None) -> None:
        """Move a product from key `old` to key `new` (None: absent)."""
        if old is not None:
            index = bisect.bisect_left(self.keys, old)
            if index < len(self.keys) and self.keys[index] == old:
                del self.keys[index]
                del self.ids[index]
        if new is not None:
            index = bisect.bisect_left(self.keys, new)
            self.keys.insert(index, new)
            self.ids.insert(index, pid)


@dataclass
class Orders:
    """Every product sorted three ways and counted per facet key."""

    newest: Order  # created * ID_SPAN + id
    cheap: Order  # price * NEWEST_SPAN + (NEWEST_SPAN - 1 - newest): price up, newest first
    dear: Order  # price * NEWEST_SPAN + newest: read backwards for price down, newest first
    per_fkey: Counter[int]


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Per-product attributes as of one change-log position; never mutated once built."""

    seq: int  # the last change-log entry applied
    fkey: dict[int, int]
    price: dict[int, int]
    boost: dict[int, int]
    newest: dict[int, int]  # larger is newer; ties broken by the larger id
    consistent: bool = True  # exactly the state the reader's transaction sees
    derived: dict[str, Orders] = field(default_factory=dict, compare=False)

    def keep(
        self, ids: Iterable[int], fkeys: set[int] | None, low: int | None, high: int | None
    ) -> list[int]:
        """Return the known ids among `ids` whose facet key and price pass the filters."""
        if fkeys is None:
            fkey = self.fkey
            result = [i for i in ids if i in fkey]
        else:
            get = self.fkey.get
            result = [i for i in ids if get(i, -1) in fkeys]
        if low is not None:
            result = [i for i in result if self.price[i] >= low]
        if high is not None:
            result = [i for i in result if self.price[i] <= high]
        return result

    def rank(self, pid: int) -> int:
        """Return the key ordering equally relevant products: boost, then newest."""
        return self.boost[pid] * NEWEST_SPAN + self.newest[pid]

    def orders(self) -> Orders:
        """Return the sorted orders and facet-key counts, building them on first use."""
        found = self.derived.get("orders")
        if found is None:
            found = self.derived["orders"] = _orders(self, self.fkey)
        return found

    def newest_first(self) -> Iterator[int]:
        """Yield every product id, newest first."""
        return reversed(self.orders().newest.ids)

    def by_price(self, descending: bool, low: int | None, high: int | None) -> list[int]:
        """Return the ids priced within [low, high], by price then newest first."""
        orders = self.orders()
        order = orders.dear if descending else orders.cheap
        start = 0 if low is None else bisect.bisect_left(order.keys, low * NEWEST_SPAN)
        end = (
            len(order.keys)
            if high is None
            else bisect.bisect_left(order.keys, (high + 1) * NEWEST_SPAN)
        )
        found = order.ids[start:end]
        if descending:
            found.reverse()
        return found


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
        latest = {row[0]: row for row in rows}  # an id logged twice: its last state counts
        for pid, fkey, price, created, boost in latest.values():
            if fkey is None:
                for table in (new.fkey, new.price, new.boost, new.newest):
                    table.pop(pid, None)
            else:
                _set(new, pid, fkey, price, created, boost)
        previous = old.derived.get("orders")
        if previous is not None and len(latest) <= PATCH_LIMIT:
            new.derived["orders"] = _patched(previous, old, new, latest)
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
    snap.newest[pid] = created * ID_SPAN + pid


def _keys(snap: Snapshot, pid: int) -> tuple[int, int, int]:
    """Return a product's newest, cheap-first and dear-first order keys."""
    newest, price = snap.newest[pid], snap.price[pid]
    return (
        newest,
        price * NEWEST_SPAN + (NEWEST_SPAN - 1 - newest),
        price * NEWEST_SPAN + newest,
    )


def _orders(snap: Snapshot, ids: Iterable[int]) -> Orders:
    """Sort and count every product of a snapshot."""
    keyed = [(_keys(snap, pid), pid) for pid in ids]

    def order(which: int) -> Order:
        pairs = sorted((keys[which], pid) for keys, pid in keyed)
        return Order([key for key, _ in pairs], [pid for _, pid in pairs])

    return Orders(order(0), order(1), order(2), Counter(snap.fkey.values()))


def _patched(orders: Orders, old: Snapshot, new: Snapshot, changed: dict[int, tuple]) -> Orders:
    """Return copies of `orders` with the changed products moved to their new places."""
    result = Orders(
        *(Order(list(o.keys), list(o.ids)) for o in (orders.newest, orders.cheap, orders.dear)),
        per_fkey=Counter(orders.per_fkey),
    )
    for pid in changed:
        before = _keys(old, pid) if pid in old.fkey else (None, None, None)
        after = _keys(new, pid) if pid in new.fkey else (None, None, None)
        orders_ = (result.newest, result.cheap, result.dear)
        for order, was, now in zip(orders_, before, after, strict=True):
            if was != now:
                order.move(pid, was, now)
        if pid in old.fkey:
            result.per_fkey[old.fkey[pid]] -= 1
        if pid in new.fkey:
            result.per_fkey[new.fkey[pid]] += 1
    result.per_fkey = +result.per_fkey  # drop keys no product uses any more
    return result
