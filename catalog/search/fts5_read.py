"""Searching and suggesting over the embedded index (see `analysis` for the model).

SQL here is assembled from fixed fragments of this package (hence the S608 waivers); every
value, FTS5 expressions included, is a bound parameter.
"""

from __future__ import annotations

import heapq
import sqlite3
from collections import Counter
from dataclasses import replace

from catalog.search import fuzzy
from catalog.search.analysis import (
    ACCENT,
    GROUP_WEIGHTS,
    MAX_BOOST,
    QueryWord,
    did_you_mean,
    query_words,
)
from catalog.search.base import SearchQuery, SearchResult, Suggestion
from catalog.search.fts5_memory import Attributes, Snapshot
from catalog.search.fts5_query import (
    WordPlan,
    in_name_expression,
    match_expression,
    plan_words,
    quote,
)
from catalog.search.fts5_rows import SEPARATOR, Interner, Label, json_ids

SUGGEST_BELOW = 3  # offer "did you mean" when fewer results than this
MAX_CATEGORY_SUGGESTIONS = 2
MAX_STALL_SUGGESTIONS = 2

Facets = dict[str, list[tuple[str, int]]]


class Reader:
    """Read-only queries; each method runs inside the caller's read transaction."""

    def __init__(self, interner: Interner, attributes: Attributes) -> None:
        self.interner = interner
        self.attributes = attributes

    def search(self, conn: sqlite3.Connection, query: SearchQuery) -> SearchResult:
        """Return one page of results for a validated query."""
        self.interner.refresh(conn)
        snap = self.attributes.sync(conn)
        words = query_words(query.text)
        plans = plan_words(conn, words)
        matches = self._matches(conn, snap, query, plans)
        ids: list[int] = []
        if len(matches) > query.offset:
            ids = self._page(conn, snap, query, plans, matches)
        suggestion = None
        if words and len(matches) < SUGGEST_BELOW:
            suggestion = self._did_you_mean(conn, snap, query, words, len(matches))
        facets = self._facets(conn, snap, matches)
        return SearchResult(ids=ids, total=len(matches), facets=facets, suggestion=suggestion)

    def _matches(
        self, conn: sqlite3.Connection, snap: Snapshot, query: SearchQuery, plans: list[WordPlan]
    ) -> list[int]:
        """Return the ids matching the text and passing every filter, in no order."""
        fkeys = self.interner.matching_fkeys(
            query.category, query.province, query.min_stars, query.certification
        )
        if fkeys is not None and not fkeys:
            return []
        if plans:
            match = match_expression(plans)
            if match is None:
                return []
            found = _ids(conn, match)
        else:
            found = list(snap.fkey)
        return snap.keep(found, fkeys, query.min_price, query.max_price)

    def _facets(self, conn: sqlite3.Connection, snap: Snapshot, matches: list[int]) -> Facets:
        """Return facet counts over every match, by count then value."""
        per_key = Counter(map(snap.fkey.__getitem__, matches))
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

    def _page(
        self,
        conn: sqlite3.Connection,
        snap: Snapshot,
        query: SearchQuery,
        plans: list[WordPlan],
        matches: list[int],
    ) -> list[int]:
        """Return the ids of the requested page in rank order."""
        end = query.offset + query.per_page
        price, newest = snap.price, snap.newest
        if query.sort == "price_asc":
            top = heapq.nsmallest(end, matches, key=lambda i: (price[i], -newest[i]))
        elif query.sort == "price_desc":
            top = heapq.nlargest(end, matches, key=lambda i: (price[i], newest[i]))
        elif query.sort == "newest" or not plans:
            top = heapq.nlargest(end, matches, key=newest.__getitem__)
        else:
            top = self._relevant(conn, snap, plans, matches, end)
        return top[query.offset :]

    def _relevant(
        self,
        conn: sqlite3.Connection,
        snap: Snapshot,
        plans: list[WordPlan],
        matches: list[int],
        end: int,
    ) -> list[int]:
        """Return the `end` most relevant matches, best first."""
        boost, newest = snap.boost, snap.newest
        top = self._in_name_first(conn, snap, plans, matches, end)
        if top is not None:
            return top
        scores = self._scores(conn, plans, matches)
        return heapq.nlargest(end, matches, key=lambda i: (scores.get(i, 0) + boost[i], newest[i]))

    def _in_name_first(
        self,
        conn: sqlite3.Connection,
        snap: Snapshot,
        plans: list[WordPlan],
        matches: list[int],
        end: int,
    ) -> list[int] | None:
        """Rank from the products whose name has every word, if provably enough of them.

        Their scores differ only by the accents their names share with the query (and the
        boosts), so two or three look-ups rank them; the page is right when its last
        product outscores the best any other product could reach.
        """
        expression = in_name_expression(plans)
        if expression is None:
            return None
        in_name = set(_ids(conn, expression))
        leading = [i for i in matches if i in in_name]
        if len(leading) < end:
            return None
        accented = [
            set(_ids(conn, "{name_a}: " + quote(plan.word.accent) + f" AND ({expression})"))
            for plan in plans
            if plan.word.accent
        ]
        base = sum(plan.word.in_name_score(False) for plan in plans)
        bonus = GROUP_WEIGHTS["name"] * ACCENT
        boost, newest = snap.boost, snap.newest

        def score(pid: int) -> int:
            return base + bonus * sum(pid in names for names in accented) + boost[pid]

        top = heapq.nlargest(end, leading, key=lambda i: (score(i), newest[i]))
        best = sum(plan.word.best_score() for plan in plans)
        outside = max(best - p.word.best_score() + p.word.elsewhere_score() for p in plans)
        return top if score(top[-1]) > outside + MAX_BOOST else None

    def _scores(
        self, conn: sqlite3.Connection, plans: list[WordPlan], matches: list[int]
    ) -> Counter[int]:
        """Return each match's text score (the sum of its words' best group scores)."""
        wanted = set(matches)
        total: Counter[int] = Counter()
        for plan in plans:
            word: dict[int, int] = {}
            for group, group_weight in GROUP_WEIGHTS.items():
                kinds: Counter[int] = Counter()
                for weight, expr in plan.kinds(group):
                    # Each kind alone is cheaper for FTS5 than ANDed with the whole query;
                    # the set intersection and the repeated list (adding the weight) run
                    # at C speed.
                    kinds.update(list(wanted.intersection(_ids(conn, expr))) * weight)
                for pid, points in kinds.items():
                    value = group_weight * points
                    if value > word.get(pid, 0):
                        word[pid] = value
            total.update(word)
        return total

    def _did_you_mean(
        self,
        conn: sqlite3.Connection,
        snap: Snapshot,
        query: SearchQuery,
        words: list[QueryWord],
        total: int,
    ) -> str | None:
        """Return the query with unknown words replaced by close indexed words, if better."""

        def options(_: int, word: QueryWord) -> list[tuple[str, int]]:
            if len(word.folded) < 3 or _frequency(conn, word.folded):
                return []
            return [(t, _frequency(conn, t)) for t in fuzzy.candidates(conn, word.folded, 2)]

        def count(text: str) -> int:
            plans = plan_words(conn, query_words(text))
            return len(self._matches(conn, snap, replace(query, text=text), plans))

        return did_you_mean(words, options, count, total)

    def suggest(self, conn: sqlite3.Connection, text: str, limit: int) -> list[Suggestion]:
        """Return completions: matching categories, stalls, then product names."""
        words = query_words(text)
        if not words:
            return []
        self.interner.refresh(conn)
        result: list[Suggestion] = []
        for kind, column, cap in (
            ("category", "cat_label", MAX_CATEGORY_SUGGESTIONS),
            ("stall", "stall_label", MAX_STALL_SUGGESTIONS),
        ):
            labels = [
                label
                for label in self.interner.all_labels.values()
                if label.kind == kind and label.key and _label_matches(label, words)
            ]
            if not labels:
                continue
            counts = dict(
                conn.execute(
                    f"SELECT {column}, count(*) FROM docs WHERE {column} IN"  # noqa: S608
                    f" (SELECT value FROM json_each(?)) GROUP BY {column}",
                    (json_ids([label.id for label in labels]),),
                ).fetchall()
            )
            ranked = sorted(
                (label for label in labels if counts.get(label.id)),
                key=lambda label: (-counts[label.id], label.key + SEPARATOR + label.label),
            )
            for label in ranked[: min(cap, limit - len(result))]:
                result.append(Suggestion(kind=kind, label=label.label, key=label.key))  # type: ignore[arg-type]
        remaining = limit - len(result)
        if remaining > 0:
            parts = []
            for word in words:
                parts.append("{name_f}: " + quote(word.folded) + ("*" if word.prefix else ""))
            rows = conn.execute(
                "SELECT a.id FROM docs a WHERE a.id IN (SELECT rowid FROM fts WHERE fts MATCH ?)"
                " ORDER BY a.boost DESC, a.created DESC, a.id DESC LIMIT ?",
                (" AND ".join(parts), remaining),
            ).fetchall()
            ids = [row[0] for row in rows]
            names = dict(
                conn.execute(
                    "SELECT rowid, name FROM fts WHERE rowid IN (SELECT value FROM json_each(?))",
                    (json_ids(ids),),
                ).fetchall()
            )
            result += [Suggestion(kind="product", label=names[i], key=str(i)) for i in ids]
        return result


def _ids(conn: sqlite3.Connection, expression: str) -> list[int]:
    """Return the rowids matching an FTS5 expression (one string: faster than rows)."""
    row = conn.execute(
        "SELECT group_concat(rowid) FROM fts WHERE fts MATCH ?", (expression,)
    ).fetchone()
    return list(map(int, row[0].split(","))) if row and row[0] else []


def _label_matches(label: Label, words: list[QueryWord]) -> bool:
    """Return whether every query word is a word of `label` (the last may be a prefix)."""
    for word in words:
        if word.prefix:
            if not any(w.startswith(word.folded) for w in label.words):
                return False
        elif word.folded not in label.words:
            return False
    return True


def _frequency(conn: sqlite3.Connection, term: str) -> int:
    """Return how many indexed products contain `term`."""
    row = conn.execute("SELECT doc FROM fts_terms WHERE term = ?", (term,)).fetchone()
    return int(row[0]) if row else 0
