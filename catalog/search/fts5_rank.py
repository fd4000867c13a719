"""Relevance ranking for the embedded backend that scores only the products that can win.

Scoring every match (see `analysis` for the model) costs a dozen FTS look-ups per query word
and set work proportional to every match. Instead, each word splits the matches into levels
with an upper bound on the word's score: its accent form in the name, the word itself in the
name, another form in the name, and elsewhere (category, stall, farm or description; split
further only when a page needs it). Levels are bit sets (see `fts5_bits`), split with the
words' cached postings or the candidates' stored words (`fts5_match`). A product scores at
most the sum of its levels' bounds, so level combinations are visited from the highest bound
down, and inside one combination products come by boost, then newest first (the snapshot's
bit sets per boost and its newest-order buckets): the page is final as soon as its last
product beats the bound of everything not yet scored. Exact scores come from the products'
stored words, not from more FTS queries.

The order is exactly the full model's (a test compares them on random catalogs).
"""

from __future__ import annotations

import heapq
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence

from catalog.search.analysis import ACCENT, EXACT, FUZZY, GROUP_WEIGHTS, MAX_BOOST, PREFIX
from catalog.search.fts5_bits import members
from catalog.search.fts5_memory import Snapshot
from catalog.search.fts5_query import Form, WordPlan
from catalog.search.fts5_rows import json_ids
from catalog.search.fts5_sets import Sets

# restrict(candidates, group, forms): the candidates whose `group` holds one of `forms`.
Restrict = Callable[[int, str, Sequence[Form]], int]
SCORE_ALL_BELOW = 200  # fewer matches than this: score them all, no levels needed
_BATCH = 48
_NAME, _META, _DESC = (GROUP_WEIGHTS[g] for g in ("name", "meta", "description"))
Level = tuple[int, int, bool]  # bound, products (bit set), "elsewhere" (not split yet)
Test = tuple[int, list[tuple[str, Sequence[Form]]]]  # bound, (group, forms) all required


class Ranker:
    """Rank the matches of one query inside the caller's read transaction."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        snap: Snapshot,
        sets: Sets,
        plans: Sequence[WordPlan],
        restrict: Restrict,
    ) -> None:
        self.conn = conn
        self.snap = snap
        self.sets = sets
        self.plans = list(plans)
        self.restrict = restrict
        self.forms = [_Forms(plan) for plan in plans]
        self.scored = 0  # bit set of the products scored so far

    def top(self, matches: int, end: int) -> list[int]:
        """Return the `end` most relevant matches, best first."""
        snap = self.snap
        if matches.bit_count() <= max(SCORE_ALL_BELOW, end):
            ids = self.sets.layout.ids(members(matches))
            scores = self.scores(ids)
            key = {i: (scores[i] + snap.boost[i], snap.newest[i]) for i in ids}
            return heapq.nlargest(end, ids, key=key.__getitem__)
        heap: list[tuple[int, int, int]] = []  # (score + boost, newest, id), worst first
        levels = [self._name_levels(plan, matches) for plan in self.plans]
        finished = False
        while not finished:
            finished = True
            for bound, chosen, coarse in _combinations(levels):
                if len(heap) >= end and bound + MAX_BOOST < heap[0][0]:
                    break
                if coarse is not None:
                    # This word's "elsewhere" level may hold a winner: split it, start again.
                    levels[coarse] = self._split(self.plans[coarse], levels[coarse])
                    finished = False
                    break
                self._visit(chosen, bound, end, heap)
        return [pid for _, _, pid in sorted(heap, reverse=True)]

    # -- levels --------------------------------------------------------------------------

    def _name_levels(self, plan: WordPlan, matches: int) -> list[Level]:
        """Split the matches by how the word appears in the name; the rest is "elsewhere"."""
        exact, inexact, accent, top = _points(plan)
        folded: list[Form] = [(plan.word.folded, False)]
        tests: list[Test] = []
        if accent > exact:
            tests.append((_NAME * accent, [("accent", [(plan.word.accent or "", False)])]))
        if plan.exact:
            tests.append((_NAME * exact, [("name", folded)]))
        if inexact:
            # Another form in the name: the word itself in category, stall or farm could
            # still outscore it, so those products get their own, higher bound.
            in_name = ("name", plan.forms())
            if plan.exact:
                tests.append((max(_NAME * inexact, _META * top), [in_name, ("meta", folded)]))
            tests.append((max(_NAME * inexact, _DESC * top), [in_name]))
        return self._partition(matches, tests, (_META * top, True))

    def _split(self, plan: WordPlan, levels: list[Level]) -> list[Level]:
        """Split a word's "elsewhere" level into category/stall/farm and description levels."""
        _exact, inexact, _accent, top = _points(plan)
        folded: list[Form] = [(plan.word.folded, False)]
        tests: list[Test] = []
        if plan.exact:
            tests.append((_META * top, [("meta", folded)]))
        if inexact:
            tests.append((max(_META * inexact, _DESC * top), [("meta", plan.forms())]))
        if plan.exact:
            tests.append((_DESC * top, [("description", folded)]))
        rest = next(level[1] for level in levels if level[2])
        kept = [level for level in levels if not level[2]]
        split = self._partition(rest, tests, (_DESC * inexact, False))
        return sorted(kept + split, key=lambda level: -level[0])

    def _partition(self, matches: int, tests: list[Test], last: tuple[int, bool]) -> list[Level]:
        """Put each product in the first level whose requirements it all meets, or the last."""
        levels: list[Level] = []
        left = matches
        for bound, requirements in tests:
            found = left
            for group, forms in requirements:
                found = self.restrict(found, group, forms)
            if found:
                levels.append((bound, found, False))
                left &= ~found
        if left:
            levels.append((last[0], left, last[1]))
        return sorted(levels, key=lambda level: -level[0])

    # -- scoring -------------------------------------------------------------------------

    def _visit(self, chosen: int, bound: int, end: int, heap: list) -> None:
        """Score the products of one combination that can still enter the top `end`.

        Products come by boost, then newest first, so the first that cannot beat the
        page's last product ends its boost (and, if it is the boost's first, the visit).
        """
        snap, sets = self.snap, self.sets
        fresh = chosen & ~self.scored if self.scored else chosen
        newest = snap.newest
        for points in sorted(sets.boosts, reverse=True):
            group = fresh & sets.boosts[points]
            if not group:
                continue
            batch: list[int] = []
            first = True
            hopeless = False
            for pid in sets.newest.walk(group, sets.layout, True, newest.__getitem__):
                if len(heap) >= end and (bound + points, newest[pid]) < heap[0][:2]:
                    hopeless = first
                    break
                first = False
                batch.append(pid)
                if len(batch) >= _BATCH:
                    self._push(batch, end, heap)
                    batch = []
            if batch:
                self._push(batch, end, heap)
            if hopeless:
                return

    def _push(self, ids: list[int], end: int, heap: list) -> None:
        """Score products exactly and keep the best `end` in the heap."""
        snap = self.snap
        self.scored |= self.sets.layout.bits(ids)
        for pid, score in self.scores(ids).items():
            item = (score + snap.boost[pid], snap.newest[pid], pid)
            if len(heap) < end:
                heapq.heappush(heap, item)
            elif item > heap[0]:
                heapq.heapreplace(heap, item)

    def scores(self, ids: Sequence[int]) -> dict[int, int]:
        """Return the text score of each product, from its stored words."""
        rows = self.conn.execute(
            "SELECT rowid, ' ' || name_f || ' ', ' ' || name_a || ' ',"
            " ' ' || cat_f || ' ' || stall_f || ' ' || farm_f || ' ' || prov_f || ' ',"
            " ' ' || cat_a || ' ' || stall_a || ' ' || farm_a || ' ' || prov_a || ' ',"
            " ' ' || desc_f || ' ', ' ' || desc_a || ' ' FROM fts"
            " WHERE rowid IN (SELECT value FROM json_each(?))",
            (json_ids(ids),),
        ).fetchall()
        result = {}
        for pid, name, name_a, meta, meta_a, desc, desc_a in rows:
            groups = ((_NAME, name, name_a), (_META, meta, meta_a), (_DESC, desc, desc_a))
            result[pid] = sum(form.score(groups) for form in self.forms)
        return result


class _Forms:
    """What one query word's kinds look for in space-padded text, and their points."""

    def __init__(self, plan: WordPlan) -> None:
        word = plan.word
        self.exact = f" {word.folded} " if plan.exact else None
        self.accent = f" {word.accent} " if word.accent and plan.exact else None
        self.prefix = f" {word.folded}" if word.prefix and (plan.longer or plan.exact) else None
        typos = [*plan.typos, *([word.folded] if plan.exact else [])]
        self.fuzzy = [f" {t} " for t in typos] if word.fuzzy else []

    def score(self, groups: Iterable[tuple[int, str, str]]) -> int:
        """Return the word's score: its best group's weight times the kinds found there."""
        best = 0
        for weight, folded, accented in groups:
            points = 0
            if self.exact is not None and self.exact in folded:
                points += EXACT
            if self.accent is not None and self.accent in accented:
                points += ACCENT
            if self.prefix is not None and self.prefix in folded:
                points += PREFIX
            if self.fuzzy and any(t in folded for t in self.fuzzy):
                points += FUZZY
            if weight * points > best:
                best = weight * points
        return best


def _points(plan: WordPlan) -> tuple[int, int, int, int]:
    """Return a word's kind points found as such, in another form only, with accents, at best."""
    word = plan.word
    exact = 0
    if plan.exact:
        exact = EXACT + (PREFIX if word.prefix else 0) + (FUZZY if word.fuzzy else 0)
    inexact = (PREFIX if word.prefix and plan.longer else 0) + (
        FUZZY if word.fuzzy and plan.typos else 0
    )
    accent = exact + (ACCENT if word.accent and plan.exact else 0)
    return exact, inexact, accent, max(accent, inexact)


def _combinations(levels: list[list[Level]]) -> Iterator[tuple[int, int, int | None]]:
    """Yield (bound, products, word with a coarse level or None), best bound first."""
    if any(not word_levels for word_levels in levels):
        return
    start = (0,) * len(levels)
    queue = [(-sum(lv[0][0] for lv in levels), start)]
    seen = {start}
    while queue:
        negative, choice = heapq.heappop(queue)
        chosen = [levels[w][i] for w, i in enumerate(choice)]
        found = chosen[0][1]
        for level in chosen[1:]:
            found &= level[1]
        if found:
            coarse = next((w for w, level in enumerate(chosen) if level[2]), None)
            yield -negative, found, coarse
        for w, i in enumerate(choice):
            if i + 1 < len(levels[w]):
                nxt = (*choice[:w], i + 1, *choice[w + 1 :])
                if nxt not in seen:
                    seen.add(nxt)
                    bound = -negative - levels[w][i][0] + levels[w][i + 1][0]
                    heapq.heappush(queue, (-bound, nxt))
