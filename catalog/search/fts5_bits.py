"""Sets of products as Python integers: bit p is set when the product at position p is in.

Intersection, union and counting are then single C loops over machine words
(``a & b``, ``a | b``, ``a & ~b``, ``int.bit_count``), whatever the number of products in
the sets, which is what makes facet counts and filters cheap on a large catalog.

A `Layout` gives each product its bit position: its own id while ids stay small (the
usual case: database ids count up from 1), else a dense number assigned on first sight, so
a stray huge id cannot make every set gigabytes long.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterable, Iterator
from itertools import repeat

# Above this id (and 16 ids per product) positions stop being the ids themselves.
IDENTITY_LIMIT = 1 << 22
_BINARY = bytes.maketrans(b"\x00\x01", b"01")
_WINDOW = 64  # bytes examined at a time when listing members


def from_positions(positions: Iterable[int], size_hint: int = 0) -> int:
    """Return the set with these bit positions (non-negative)."""
    found = positions if isinstance(positions, list) else list(positions)
    if not found:
        return 0
    top = max(found) + 1
    if len(found) * 24 < max(top, size_hint):
        # Few members: set bits in a packed buffer one by one.
        packed = bytearray((top + 7) >> 3)
        for p in found:
            packed[p >> 3] |= 1 << (p & 7)
        return int.from_bytes(packed, "little")
    # Many: one byte per position, set in C, read as a binary number (highest bit first).
    flags = bytearray(top)
    deque(map(flags.__setitem__, found, repeat(1)), maxlen=0)
    flags.reverse()
    return int(flags.translate(_BINARY), 2)


def members(bits: int) -> list[int]:
    """Return the positions in the set, ascending."""
    result: list[int] = []
    append = result.append
    data = bits.to_bytes((bits.bit_length() + 7) >> 3, "little")
    for start in range(0, len(data), _WINDOW):
        word = int.from_bytes(data[start : start + _WINDOW], "little")
        base = start << 3
        while word:
            low = word & -word
            append(base + low.bit_length() - 1)
            word ^= low
    return result


def members_descending(bits: int) -> Iterator[int]:
    """Yield the positions in the set, highest first (lazily: stop early for free)."""
    data = bits.to_bytes((bits.bit_length() + 7) >> 3, "little")
    start = (len(data) - 1) // _WINDOW * _WINDOW
    while start >= 0:
        word = int.from_bytes(data[start : start + _WINDOW], "little")
        base = start << 3
        while word:
            top = word.bit_length() - 1
            yield base + top
            word ^= 1 << top
        start -= _WINDOW


def patch(bits: int, clear: list[int], add: list[int]) -> int:
    """Return `bits` without the positions in `clear`, with those in `add`."""
    if clear:
        bits &= ~from_positions(clear)
    if add:
        bits |= from_positions(add)
    return bits


class Layout:
    """Bit positions of product ids: the ids themselves, or dense numbers for huge ids."""

    def __init__(self, ids: Iterable[int]) -> None:
        known = list(ids)
        self._lock = threading.Lock()
        self.limit = max(IDENTITY_LIMIT, 16 * len(known))
        self.identity = max(known, default=0) < self.limit
        self._position: dict[int, int] = {}
        self._ids: list[int] = []
        if not self.identity:
            self.assign(known)

    def fits(self, ids: Iterable[int]) -> bool:
        """Return whether these ids can be added without changing the kind of layout."""
        return not self.identity or all(i < self.limit for i in ids)

    def assign(self, ids: Iterable[int]) -> None:
        """Give positions to ids not seen before (no-op for an identity layout)."""
        if self.identity:
            return
        with self._lock:
            for pid in ids:
                if pid not in self._position:
                    self._position[pid] = len(self._ids)
                    self._ids.append(pid)

    def position(self, pid: int) -> int:
        """Return the bit position of a known id."""
        return pid if self.identity else self._position[pid]

    def positions(self, ids: Iterable[int]) -> list[int]:
        """Return the positions of these ids, skipping ids without one."""
        if self.identity:
            found = ids if isinstance(ids, list) else list(ids)
            # An id beyond the limit is one this layout never admitted (a product removed
            # since): skip it rather than make a set of millions of bits.
            if found and max(found) >= self.limit:
                found = [i for i in found if i < self.limit]
            return found
        get = self._position.get
        return [p for p in map(get, ids) if p is not None]

    def bits(self, ids: Iterable[int]) -> int:
        """Return the set of these ids."""
        return from_positions(self.positions(ids))

    def ids(self, positions: Iterable[int]) -> list[int]:
        """Return the ids at these positions."""
        if self.identity:
            return list(positions)
        table = self._ids
        return [table[p] for p in positions]

    def id_of(self, position: int) -> int:
        """Return the id at one position."""
        return position if self.identity else self._ids[position]
