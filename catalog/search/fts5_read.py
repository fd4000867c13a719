"""Searching over the embedded index (see `analysis` for the model, `fts5_rank` for ranking).

A search runs in the caller's read transaction: one FTS5 query finds the matches (cached per
text version), the in-memory attributes filter and count them, and only the products that
can reach the requested page are scored. A listing without text never touches FTS5: the
snapshot's precomputed orders and per-facet-key counts answer it.

SQL here is assembled from fixed fragments of this package; every value, FTS5 expressions
included, is a bound parameter.
"""

from __future__ import annotations

import heapq
import sqlite3
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from itertools import islice

from catalog.search import fuzzy
from catalog.search.analysis import QueryWord, did_you_mean, query_words
from catalog.search.base import MAX_PRICE, SearchQuery, SearchResult, Suggestion
from catalog.search.fts5_cache import IdSetCache, ResultCache
from catalog.search.fts5_memory import Attributes, Snapshot
from catalog.search.fts5_query import WordPlan, match_expression, plan_words
from catalog.search.fts5_rank import Ranker
from catalog.search.fts5_rows import Interner
from catalog.search.fts5_suggest import suggest

SUGGEST_BELOW = 3  # offer "did you mean" when fewer results than this

Facets = dict[str, list[tuple[str, int]]]


@dataclass(frozen=True, slots=True)
class Ranked:
    """A query's result as far as it was ranked: the first ids, the total, the facets."""

    ids: list[int]
    total: int
    facets: Facets
    suggestion: str | None

    def covers(self, end: int) -> bool:
        """Return whether the first `end` results are known."""
        return len(self.ids) >= min(end, self.total)


class Reader:
    """Read-only queries; each method runs inside the caller's read transaction."""

    def __init__(self, interner: Interner, attributes: Attributes) -> None:
        self.interner = interner
        self.attributes = attributes
        self.clear_caches()

    def clear_caches(self) -> None:
        """Forget cached matches, word plans and results (they are rebuilt on demand)."""
        self.id_sets = IdSetCache()
        self.results = ResultCache()
        self.plans = ResultCache(size=2048)

    def search(self, conn: sqlite3.Connection, query: SearchQuery) -> SearchResult:
        """Return one page of results for a validated query."""
        self.interner.refresh(conn)
        snap = self.attributes.sync(conn)
        version = text_version(conn)
        words = query_words(query.text)
        sort = query.sort if words or query.sort.startswith("price") else "newest"
        key = (
            tuple((w.folded, w.accent, w.last) for w in words),
            query.category,
            query.province,
            query.min_stars,
            query.certification,
            query.min_price,
            query.max_price,
            sort,
        )
        state = (snap.seq, version)
        end = query.offset + query.per_page
        ranked = self.results.get(state, key) if snap.consistent else None
        if ranked is None or not ranked.covers(end):
            ranked = self._rank(conn, snap, version, replace(query, sort=sort), words, end)
            if snap.consistent:
                self.results.put(state, key, ranked)
        return SearchResult(
            ids=ranked.ids[query.offset : end],
            total=ranked.total,
            facets=ranked.facets,
            suggestion=ranked.suggestion,
        )

    def suggest(self, conn: sqlite3.Connection, text: str, limit: int) -> list[Suggestion]:
        """Return completions: matching categories, stalls, then product names."""
        return suggest(conn, self.interner, text, limit)

    # -- ranking -------------------------------------------------------------------------

    def _rank(
        self,
        conn: sqlite3.Connection,
        snap: Snapshot,
        version: int,
        query: SearchQuery,
        words: list[QueryWord],
        end: int,
    ) -> Ranked:
        """Compute the first `end` results, the total and the facets of a query."""
        fkeys = self.interner.matching_fkeys(
            query.category, query.province, query.min_stars, query.certification
        )
        if fkeys is not None and not fkeys:
            return Ranked([], 0, self._facets(conn, {}), None)
        if not words:
            return self._listing(conn, snap, query, fkeys, end)
        plans = self._plans(conn, version, words)
        matches = self._matches(conn, snap, version, query, plans, fkeys)
        ids: list[int] = []
        if matches:
            ids = self._order(conn, snap, version, query.sort, plans, matches, end)
        suggestion = None
        if len(matches) < SUGGEST_BELOW:
            suggestion = self._did_you_mean(conn, snap, version, query, words, fkeys, matches)
        facets = self._facets(conn, Counter(map(snap.fkey.__getitem__, matches)))
        return Ranked(ids, len(matches), facets, suggestion)

    def _order(
        self,
        conn: sqlite3.Connection,
        snap: Snapshot,
        version: int,
        sort: str,
        plans: list[WordPlan],
        matches: list[int],
        end: int,
    ) -> list[int]:
        """Return the first `end` matches in the requested order."""
        price, newest = snap.price, snap.newest
        if sort == "price_asc":
            return heapq.nsmallest(end, matches, key=lambda i: (price[i], -newest[i]))
        if sort == "price_desc":
            return heapq.nlargest(end, matches, key=lambda i: (price[i], newest[i]))
        if sort == "newest":
            return heapq.nlargest(end, matches, key=newest.__getitem__)

        def sets(expression: str) -> frozenset[int]:
            return self._ids(conn, version, expression)

        return Ranker(conn, snap, plans, sets).top(matches, end)

    def _listing(
        self,
        conn: sqlite3.Connection,
        snap: Snapshot,
        query: SearchQuery,
        fkeys: set[int] | None,
        end: int,
    ) -> Ranked:
        """Rank every product passing the filters, from the snapshot's orders."""
        low, high = query.min_price, query.max_price
        fkey = snap.fkey
        by_price = query.sort.startswith("price")
        descending = query.sort == "price_desc"
        if low is None and high is None:
            everyone = snap.orders().per_fkey
            per_key: Mapping[int, int] = (
                everyone if fkeys is None else {k: everyone[k] for k in fkeys if k in everyone}
            )
            total = sum(per_key.values())
            stream: Iterable[int] = (
                snap.by_price(descending, None, None) if by_price else snap.newest_first()
            )
            unfiltered = True
        else:
            pool = snap.by_price(descending, low, high)
            if fkeys is not None:
                pool = [i for i in pool if fkey[i] in fkeys]
            per_key = Counter(map(fkey.__getitem__, pool))
            total = len(pool)
            unfiltered = False
            if by_price:
                stream = pool
            elif total > len(fkey) // 8:
                # Most products qualify: the newest ones fill a page sooner than sorting.
                price = snap.price
                lowest, highest = low or 0, MAX_PRICE if high is None else high
                stream = (i for i in snap.newest_first() if lowest <= price[i] <= highest)
                unfiltered = True
            else:
                stream = heapq.nlargest(end, pool, key=snap.newest.__getitem__)
        if fkeys is not None and unfiltered:
            stream = (i for i in stream if fkey[i] in fkeys)
        ids = list(islice(stream, end))
        return Ranked(ids, total, self._facets(conn, per_key), None)

    # -- matching ------------------------------------------------------------------------

    def _plans(self, conn: sqlite3.Connection, version: int, words: list[QueryWord]):
        """Return the words' plans (vocabulary look-ups), cached per text version."""
        key = tuple(words)
        found = self.plans.get(version, key)
        if found is None:
            found = plan_words(conn, words)
            self.plans.put(version, key, found)
        return found

    def _ids(self, conn: sqlite3.Connection, version: int, expression: str) -> frozenset[int]:
        """Return the rowids matching an FTS5 expression, cached per text version."""
        return self.id_sets.get(version, expression, lambda: frozenset(_ids(conn, expression)))

    def _matches(
        self,
        conn: sqlite3.Connection,
        snap: Snapshot,
        version: int,
        query: SearchQuery,
        plans: list[WordPlan],
        fkeys: set[int] | None,
    ) -> list[int]:
        """Return the ids matching the text and passing every filter, in no order."""
        match = match_expression(plans)
        if match is None:
            return []
        found = self._ids(conn, version, match)
        return snap.keep(found, fkeys, query.min_price, query.max_price)

    def _facets(self, conn: sqlite3.Connection, per_key: Mapping[int, int]) -> Facets:
        """Return facet counts from counts per facet key, by count then value."""
        values = self.interner.facet_values
        if any(fkey not in values for fkey in per_key):
            self.interner.refresh(conn)
        category: Counter[str] = Counter()
        province: Counter[str] = Counter()
        stars: Counter[str] = Counter()
        certification: Counter[str] = Counter()
        for fkey, n in per_key.items():
            where, star, cats, certs = values[fkey]
            province[where] += n
            stars[star] += n
            for slug in cats:
                category[slug] += n
            for cert in certs:
                certification[cert] += n
        del province[""], stars[""]
        counters = {
            "category": category,
            "province": province,
            "ocop_stars": stars,
            "certification": certification,
        }
        return {
            name: sorted(counter.items(), key=lambda item: (-item[1], item[0]))
            for name, counter in counters.items()
        }

    def _did_you_mean(
        self,
        conn: sqlite3.Connection,
        snap: Snapshot,
        version: int,
        query: SearchQuery,
        words: list[QueryWord],
        fkeys: set[int] | None,
        matches: list[int],
    ) -> str | None:
        """Return the query with unknown words replaced by close indexed words, if better."""

        def options(_: int, word: QueryWord) -> list[tuple[str, int]]:
            if len(word.folded) < 3 or _frequency(conn, word.folded):
                return []
            return [(t, _frequency(conn, t)) for t in fuzzy.candidates(conn, word.folded, 2)]

        def count(text: str) -> int:
            plans = self._plans(conn, version, query_words(text))
            return len(self._matches(conn, snap, version, query, plans, fkeys))

        return did_you_mean(words, options, count, len(matches))


def text_version(conn: sqlite3.Connection) -> int:
    """Return the index's text version (bumped when any product's words change)."""
    row = conn.execute("SELECT value FROM meta WHERE key = 'text_version'").fetchone()
    return int(row[0]) if row else 0


def _ids(conn: sqlite3.Connection, expression: str) -> Iterable[int]:
    """Return the rowids matching an FTS5 expression (one string: faster than rows)."""
    row = conn.execute(
        "SELECT group_concat(rowid) FROM fts WHERE fts MATCH ?", (expression,)
    ).fetchone()
    return map(int, row[0].split(",")) if row and row[0] else ()


def _frequency(conn: sqlite3.Connection, term: str) -> int:
    """Return how many indexed products contain `term`."""
    row = conn.execute("SELECT doc FROM fts_terms WHERE term = ?", (term,)).fetchone()
    return int(row[0]) if row else 0
