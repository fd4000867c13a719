"""Bit sets of one attribute snapshot: every product, each facet value, each boost, and
the newest and price orders, so filters and exact facet counts never loop over matches.

Facet counts are ``(matches & products_with_value).bit_count()`` per value (a few dozen
values); a filter is the intersection of its values' sets. Built once per snapshot (a few
passes over the catalog), then patched for the products a later snapshot changed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from catalog.search.base import FACETS, MAX_PRICE
from catalog.search.fts5_bits import Layout, patch
from catalog.search.fts5_order import OrderedIndex

FacetValues = Mapping[int, tuple[str, str, tuple[str, ...], tuple[str, ...]]]
Facets = dict[str, list[tuple[str, int]]]
ValueKey = tuple[str, object]  # ("province", "Phú Thọ"), ("stars", 4), ("category", slug), ...
_FACET_OF = {"province": "province", "stars": "ocop_stars", "category": "category"}


def value_keys(values: tuple[str, str, tuple[str, ...], tuple[str, ...]]) -> list[ValueKey]:
    """Return the facet values of one facet key, as filter keys."""
    province, stars, cats, certs = values
    keys: list[ValueKey] = [("province", province)] if province else []
    if stars:
        keys.append(("stars", int(stars)))
    keys += [("category", slug) for slug in cats]
    keys += [("certification", cert) for cert in certs]
    return keys


@dataclass(frozen=True, slots=True)
class Sets:
    """The bit sets of one snapshot, over `layout`'s positions."""

    layout: Layout
    alive: int
    values: dict[ValueKey, int]
    boosts: dict[int, int]
    newest: OrderedIndex
    price: OrderedIndex

    def filtered(
        self,
        price: Mapping[int, int],
        category: str | None,
        province: str | None,
        min_stars: int | None,
        certification: str | None,
        min_price: int | None,
        max_price: int | None,
    ) -> int:
        """Return the products passing every filter."""
        bits = self.alive
        get = self.values.get
        for key in (("category", category), ("province", province)):
            if key[1] is not None:
                bits &= get(key, 0)
        if certification is not None:
            bits &= get(("certification", certification), 0)
        if min_stars is not None:
            stars = 0
            for n in range(min_stars, 6):
                stars |= get(("stars", n), 0)
            bits &= stars
        if bits and (min_price is not None or max_price is not None):
            low = 0 if min_price is None else min_price
            high = MAX_PRICE if max_price is None else max_price
            bits &= self.price.between(low, high, price, self.layout)
        return bits

    def facets(self, matches: int) -> Facets:
        """Return the facet counts of `matches`, by count then value."""
        found: dict[str, list[tuple[str, int]]] = {name: [] for name in FACETS}
        if matches:
            for (kind, value), bits in self.values.items():
                count = (matches & bits).bit_count()
                if count:
                    found[_FACET_OF.get(kind, kind)].append((str(value), count))
        return {name: sorted(pairs, key=lambda p: (-p[1], p[0])) for name, pairs in found.items()}


def build(
    layout: Layout,
    fkey: Mapping[int, int],
    boost: Mapping[int, int],
    newest: Mapping[int, int],
    price: Mapping[int, int],
    facet_values: FacetValues,
) -> Sets:
    """Return the sets of a snapshot's attribute tables."""
    by_fkey: dict[int, list[int]] = defaultdict(list)
    for pid, key in fkey.items():
        by_fkey[key].append(pid)
    grouped: dict[ValueKey, list[int]] = defaultdict(list)
    for key, ids in by_fkey.items():
        for value in value_keys(facet_values[key]):
            grouped[value] += ids
    by_boost: dict[int, list[int]] = defaultdict(list)
    for pid, points in boost.items():
        by_boost[points].append(pid)
    return Sets(
        layout=layout,
        alive=layout.bits(fkey),
        values={value: layout.bits(ids) for value, ids in grouped.items()},
        boosts={points: layout.bits(ids) for points, ids in by_boost.items()},
        newest=OrderedIndex.build(newest, layout),
        price=OrderedIndex.build(price, layout),
    )


def patched(
    sets: Sets,
    before: Callable[[int], tuple[int, int, int, int] | None],
    after: Callable[[int], tuple[int, int, int, int] | None],
    changed: Iterable[int],
    facet_values: FacetValues,
) -> Sets | None:
    """Return `sets` updated for changed products, or None when a rebuild is better.

    `before` and `after` give a product's (fkey, boost, newest, price), or None if absent.
    """
    layout = sets.layout
    clear: dict[object, list[int]] = defaultdict(list)
    add: dict[object, list[int]] = defaultdict(list)
    moves: dict[str, list[tuple[int, int | None, int | None]]] = {"newest": [], "price": []}
    for pid in changed:
        old, new = before(pid), after(pid)
        if old == new:
            continue
        position = layout.position(pid)
        was = _labels(old, facet_values)
        now = _labels(new, facet_values)
        for label in was - now:
            clear[label].append(position)
        for label in now - was:
            add[label].append(position)
        moves["newest"].append((position, old and old[2], new and new[2]))
        moves["price"].append((position, old and old[3], new and new[3]))
    values, boosts = dict(sets.values), dict(sets.boosts)
    alive = sets.alive
    for label in clear.keys() | add.keys():
        drop, put = clear.get(label, []), add.get(label, [])
        if label == "alive":
            alive = patch(alive, drop, put)
        elif isinstance(label, tuple) and label[0] == "boost":
            boosts[label[1]] = patch(boosts.get(label[1], 0), drop, put)  # type: ignore[index]
        else:
            values[label] = patch(values.get(label, 0), drop, put)  # type: ignore[index]
    newest = sets.newest.patched(moves["newest"])
    price = sets.price.patched(moves["price"])
    if newest.lopsided or price.lopsided:
        return None
    return Sets(layout, alive, values, boosts, newest, price)


def _labels(attrs: tuple[int, int, int, int] | None, facet_values: FacetValues) -> set[object]:
    """Return the sets a product with these attributes belongs to."""
    if attrs is None:
        return set()
    fkey, points = attrs[0], attrs[1]
    return {"alive", ("boost", points), *value_keys(facet_values[fkey])}
