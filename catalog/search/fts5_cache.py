"""Caches of the embedded backend, each tied to the index version it was computed from.

* `PostingCache`: the products holding a term in a column group, as a bit set, for one
  text version (stock, price and status changes leave it alone). When some products' words
  change, the cache is patched for them rather than emptied (`fts5_match.advance`), so a
  busy market keeps it warm. Queries share terms, so a new query mostly combines sets
  already here. Bounded by the sets' total size.
* `ResultCache`: finished rankings keyed by the query, valid for one change-log position, so
  paging through a result or a popular query costs a dictionary look-up.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any


class PostingCache:
    """An LRU of key -> bit set for one index version, moved to newer versions by `advance`.

    A reader whose transaction sees another version than the cache's neither reads nor
    fills it (it computes what it needs), so readers of old and new versions never
    overwrite each other's sets.
    """

    def __init__(self, max_bytes: int = 96 * 2**20) -> None:
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self.version: Any = None
        self.seq = 0  # the change-log position the sets are valid at
        self._sets: OrderedDict[Hashable, int] = OrderedDict()
        self._size = 0

    def items(self) -> list[tuple[Hashable, int]]:
        """Return every cached (key, set)."""
        with self._lock:
            return list(self._sets.items())

    def reset(self, version: object, seq: int, sets: dict[Hashable, int] | None = None) -> None:
        """Start over at a new version, with `sets` (valid there) or nothing."""
        with self._lock:
            self.version, self.seq = version, seq
            self._sets = OrderedDict(sets or {})
            self._size = sum(map(_bytes, self._sets.values()))

    def peek(self, version: object, key: Hashable) -> int | None:
        """Return the cached set of `key` for this version, or None."""
        with self._lock:
            if version != self.version:
                return None
            found = self._sets.get(key)
            if found is not None:
                self._sets.move_to_end(key)
            return found

    def get(self, version: object, key: Hashable, compute: Callable[[], int]) -> int:
        """Return the cached set of `key` for this version, computing it if needed."""
        found = self.peek(version, key)
        if found is not None:
            return found
        found = compute()
        with self._lock:
            if version == self.version and key not in self._sets:
                self._sets[key] = found
                self._size += _bytes(found)
                while self._size > self.max_bytes and len(self._sets) > 1:
                    _, dropped = self._sets.popitem(last=False)
                    self._size -= _bytes(dropped)
        return found


def _bytes(bits: int) -> int:
    """Return the memory a bit set takes, roughly."""
    return 64 + (bits.bit_length() >> 3)


class ResultCache:
    """An LRU of query -> finished result parts for one index state."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._lock = threading.Lock()
        self._state: object = None
        self._items: OrderedDict[Hashable, Any] = OrderedDict()

    def get(self, state: object, key: Hashable) -> Any:
        """Return what was stored for `key` in this index state, or None."""
        with self._lock:
            if state != self._state:
                return None
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, state: object, key: Hashable, value: Any) -> None:
        """Remember a result for this index state (forgetting other states' results)."""
        with self._lock:
            if state != self._state:
                self._state, self._items = state, OrderedDict()
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
