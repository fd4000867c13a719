"""Caches of the embedded backend, each tied to the index version it was computed from.

* `IdSetCache`: the products matching an FTS5 expression, valid while no product's text
  changes (the index's ``text_version``; stock, price and status changes leave it alone, so
  a busy market keeps its cache). Bounded by the total number of ids held.
* `ResultCache`: finished rankings keyed by the query, valid for one change-log position, so
  paging through a result or a popular query costs a dictionary look-up.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any


class IdSetCache:
    """An LRU of expression -> ids, emptied when the text version changes."""

    def __init__(self, max_ids: int = 2_000_000) -> None:
        self.max_ids = max_ids
        self._lock = threading.Lock()
        self._version: object = None
        self._sets: OrderedDict[str, frozenset[int]] = OrderedDict()
        self._size = 0

    def get(self, version: object, key: str, compute: Callable[[], frozenset[int]]):
        """Return the cached ids of `key` for this version, computing them if needed."""
        with self._lock:
            if version != self._version:
                self._version, self._sets, self._size = version, OrderedDict(), 0
            found = self._sets.get(key)
            if found is not None:
                self._sets.move_to_end(key)
                return found
        found = compute()
        with self._lock:
            if version == self._version and key not in self._sets:
                self._sets[key] = found
                self._size += len(found)
                while self._size > self.max_ids and len(self._sets) > 1:
                    _, dropped = self._sets.popitem(last=False)
                    self._size -= len(dropped)
        return found


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
