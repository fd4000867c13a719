"""Products in key order as a few hundred bit sets of consecutive keys (newest, price).

A sorted list answers "the first 24 of these 30,000 matches by price" only by looking at
every match. Buckets of consecutive keys, each a bit set, answer it by intersecting the
matches with one bucket after another from the right end, sorting only the few matches in
the buckets reached. Ranges ("price 50,000 to 900,000") are the buckets inside plus the
matching members of the two edge buckets. A changed product moves between two buckets;
when the buckets grow lopsided (new products all land in the newest one), the owner
rebuilds the index.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from catalog.search.fts5_bits import Layout, from_positions, members, patch

MAX_BUCKETS = 256
MIN_BUCKET = 256  # products per bucket on small catalogs
DIRECT = 1024  # sort at most this many matches directly rather than walking buckets
LOPSIDED = 4  # rebuild once a bucket holds this many times its share

Change = tuple[int, int | None, int | None]  # position, old key, new key (None: absent)


@dataclass(frozen=True, slots=True)
class OrderedIndex:
    """Bit sets of products whose keys fall in [bounds[j], bounds[j + 1])."""

    bounds: list[int]
    buckets: list[int]
    counts: list[int]
    share: int  # products per bucket when built

    @classmethod
    def build(cls, keys: Mapping[int, int], layout: Layout) -> OrderedIndex:
        """Return the index of products by `keys` (product id -> key)."""
        items = sorted(keys.items(), key=lambda item: item[1])
        count = max(1, min(MAX_BUCKETS, len(items) // MIN_BUCKET))
        share = max(1, -(-len(items) // count))
        bounds: list[int] = []
        for start in range(0, len(items), share):
            key = items[start][1]
            if not bounds or key > bounds[-1]:
                bounds.append(key)  # equal keys always share a bucket
        if not bounds:
            bounds = [0]
        starts = [bisect.bisect_left(items, b, key=lambda item: item[1]) for b in bounds]
        starts.append(len(items))
        buckets, counts = [], []
        for j in range(len(bounds)):
            chunk = items[starts[j] : starts[j + 1]]
            buckets.append(from_positions(layout.positions(pid for pid, _ in chunk)))
            counts.append(len(chunk))
        return cls(bounds, buckets, counts, share)

    def bucket(self, key: int) -> int:
        """Return the bucket a key falls in (keys below the first bound go to the first)."""
        return max(0, bisect.bisect_right(self.bounds, key) - 1)

    @property
    def lopsided(self) -> bool:
        """Return whether some bucket holds far more than its share."""
        return max(self.counts, default=0) > LOPSIDED * self.share + 64

    def patched(self, changes: Sequence[Change]) -> OrderedIndex:
        """Return a copy with changed products moved to their new buckets."""
        clear: dict[int, list[int]] = defaultdict(list)
        add: dict[int, list[int]] = defaultdict(list)
        counts = list(self.counts)
        for position, old, new in changes:
            was = None if old is None else self.bucket(old)
            now = None if new is None else self.bucket(new)
            if was == now:
                continue
            if was is not None:
                clear[was].append(position)
                counts[was] -= 1
            if now is not None:
                add[now].append(position)
                counts[now] += 1
        buckets = list(self.buckets)
        for j in clear.keys() | add.keys():
            buckets[j] = patch(buckets[j], clear.get(j, []), add.get(j, []))
        return OrderedIndex(self.bounds, buckets, counts, self.share)

    def walk(
        self, chosen: int, layout: Layout, descending: bool, key: Callable[[int], object]
    ) -> Iterator[int]:
        """Yield the ids in `chosen` sorted by `key` (which must agree with the buckets)."""
        left = chosen.bit_count()
        if left <= DIRECT:
            ids = layout.ids(members(chosen))
            ids.sort(key=key, reverse=descending)
            yield from ids
            return
        order = range(len(self.buckets) - 1, -1, -1) if descending else range(len(self.buckets))
        for j in order:
            hit = chosen & self.buckets[j]
            if hit:
                ids = layout.ids(members(hit))
                ids.sort(key=key, reverse=descending)
                yield from ids
                left -= len(ids)
                if left <= 0:
                    return

    def between(self, low: int, high: int, keys: Mapping[int, int], layout: Layout) -> int:
        """Return the products whose key is within [low, high]."""
        if low > high:
            return 0
        first, last = self.bucket(low), self.bucket(high)
        inside = 0
        for j in range(first + 1, last):
            inside |= self.buckets[j]
        for j in {first, last}:
            ids = layout.ids(members(self.buckets[j]))
            inside |= layout.bits(i for i in ids if low <= keys[i] <= high)
        return inside
