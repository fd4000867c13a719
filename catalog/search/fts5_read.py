"""Searching over the embedded index (see `analysis` for the model, `fts5_rank` for ranking).

A search runs in the caller's read transaction. Each query word's products come from
per-term bit sets (one FTS5 look-up per term and column group, cached per text version
and shared by every query using the term); filters and facets are bit-set operations on
the snapshot's sets (`fts5_sets`), and only the products that can reach the requested page
are sorted or scored. Nothing loops over every match in Python.

SQL here is assembled from fixed fragments of this package; every value, FTS5 expressions
included, is a bound parameter.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, replace
from itertools import islice

from catalog.search import fuzzy
from catalog.search.analysis import QueryWord, did_you_mean, query_words
from catalog.search.base import SearchQuery, SearchResult, Suggestion
from catalog.search.fts5_cache import PostingCache, ResultCache
from catalog.search.fts5_match import Lookup, advance
from catalog.search.fts5_memory import Attributes, Snapshot
from catalog.search.fts5_query import plan_words
from catalog.search.fts5_rank import Ranker
from catalog.search.fts5_rows import Interner
from catalog.search.fts5_sets import Facets, Sets
from catalog.search.fts5_suggest import suggest
from catalog.search.fts5_texts import TextStore

SUGGEST_BELOW = 3  # offer "did you mean" when fewer results than this


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

    def __init__(self, interner: Interner) -> None:
        self.interner = interner
        self.attributes = Attributes(lambda: interner.facet_values)
        # The in-memory copy of the products' words, like the attribute snapshot, is data
        # rather than a cache of answers: `clear_caches` keeps it.
        self.texts = TextStore()
        self.frequencies: dict[tuple[str, bool], int] = {}
        self.clear_caches()

    def clear_caches(self, *, postings: bool = True) -> None:
        """Forget cached results, word plans and (if `postings`) term postings."""
        if postings or not hasattr(self, "postings"):
            self.postings = PostingCache()
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
        try:
            sets = self.attributes.sets(snap)
        except KeyError:  # a facet key another process added after our refresh
            self.interner.refresh(conn)
            sets = self.attributes.sets(snap)
        allowed = sets.filtered(
            snap.price,
            query.category,
            query.province,
            query.min_stars,
            query.certification,
            query.min_price,
            query.max_price,
        )
        if not words:  # a listing: every product passing the filters
            ids = list(islice(_ordered(snap, sets, query.sort, allowed), end))
            return Ranked(ids, allowed.bit_count(), sets.facets(allowed), None)
        if not allowed:
            return Ranked([], 0, sets.facets(0), None)
        plans = self._plans(conn, version, words)
        advance(self.postings, conn, version, sets.layout)
        lookup = Lookup(
            conn,
            version,
            sets.layout,
            sets.alive.bit_count(),
            self.postings,
            self.texts,
            self.frequencies,
        )
        matches = lookup.matches(plans, allowed)
        ids: list[int] = []
        if matches and query.sort == "relevance":
            ids = Ranker(conn, snap, sets, plans, lookup.restrict).top(matches, end)
        elif matches:
            ids = list(islice(_ordered(snap, sets, query.sort, matches), end))
        total = matches.bit_count()
        suggestion = None
        if total < SUGGEST_BELOW:
            suggestion = self._did_you_mean(conn, lookup, allowed, words, total)
        return Ranked(ids, total, sets.facets(matches), suggestion)

    # -- matching ------------------------------------------------------------------------

    def _plans(self, conn: sqlite3.Connection, version: int, words: list[QueryWord]):
        """Return the words' plans (vocabulary look-ups), cached per text version."""
        key = tuple(words)
        found = self.plans.get(version, key)
        if found is None:
            found = plan_words(conn, words)
            self.plans.put(version, key, found)
        return found

    def _did_you_mean(
        self,
        conn: sqlite3.Connection,
        lookup: Lookup,
        allowed: int,
        words: list[QueryWord],
        total: int,
    ) -> str | None:
        """Return the query with unknown words replaced by close indexed words, if better."""

        def options(_: int, word: QueryWord) -> list[tuple[str, int]]:
            if len(word.folded) < 3 or _frequency(conn, word.folded):
                return []
            return [(t, _frequency(conn, t)) for t in fuzzy.candidates(conn, word.folded, 2)]

        def count(text: str) -> int:
            plans = self._plans(conn, lookup.version, query_words(text))
            return lookup.matches(plans, allowed).bit_count()

        return did_you_mean(words, options, count, total)


def _ordered(snap: Snapshot, sets: Sets, sort: str, chosen: int) -> Iterator[int]:
    """Yield the products in `chosen` by price or newest first (not by relevance)."""
    price, newest, layout = snap.price, snap.newest, sets.layout
    if sort == "price_asc":
        return sets.price.walk(chosen, layout, False, lambda i: (price[i], -newest[i]))
    if sort == "price_desc":
        return sets.price.walk(chosen, layout, True, lambda i: (price[i], newest[i]))
    return sets.newest.walk(chosen, layout, True, newest.__getitem__)


def text_version(conn: sqlite3.Connection) -> int:
    """Return the index's text version (bumped when any product's words change)."""
    row = conn.execute("SELECT value FROM meta WHERE key = 'text_version'").fetchone()
    return int(row[0]) if row else 0


def _frequency(conn: sqlite3.Connection, term: str) -> int:
    """Return how many indexed products contain `term`."""
    row = conn.execute("SELECT doc FROM fts_terms WHERE term = ?", (term,)).fetchone()
    return int(row[0]) if row else 0
