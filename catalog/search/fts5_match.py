"""Which products hold a query word: cached postings, FTS5, or the candidates' own words.

Reading a term's postings from FTS5 costs time in proportion to the products holding it
(a one-letter prefix lists most of the catalog); testing a candidate's stored words costs
about the same per candidate. So a word is looked up in the cheapest way that gives the
same answer: a cached bit set if there is one, else a test of the candidates when the
other words have left few of them, else FTS5 (cached for the next query).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from catalog.search.fts5_bits import Layout
from catalog.search.fts5_cache import PostingCache
from catalog.search.fts5_query import Form, WordPlan, expression
from catalog.search.fts5_texts import Matcher, TextStore, changed_since, read_rows

# Test the candidates' words only when a form's products outnumber them this many times:
# a test costs about as much per candidate as reading a posting does per product, but a
# read posting also serves every later query with the term.
TEST_COST = 20
SMALL = 256  # this few candidates are always tested
ESTIMATES = 8  # most forms whose product counts one decision asks FTS5 for
BROAD = 2  # prefixes this short hold about half the catalog: not worth counting
PATCH_BELOW = 500  # more changed products than this empty the posting cache instead


def advance(cache: PostingCache, conn: sqlite3.Connection, version: int, layout: Layout) -> None:
    """Bring the posting cache to this transaction's text version, patching if it can.

    The products logged since the cache's position are re-read, and each cached set
    loses them and regains those whose new words still hold its term.
    """
    key = (version, layout)
    old = cache.version
    if old == key:
        return
    if old is not None and old[1] is layout and version < old[0]:
        return  # an older transaction: it reads around the cache
    patched = None
    changed = changed_since(conn, cache.seq) if old is not None and old[1] is layout else None
    if changed is not None and len(changed[1]) <= PATCH_BELOW:
        top, ids = changed
        rows = read_rows(conn, sorted(ids))
        moved = layout.bits(ids)
        patched = {
            name: (bits & ~moved) | Matcher(name[0], [name[1:]]).select(rows, moved, layout)  # type: ignore[index]
            for name, bits in cache.items()
        }
    else:
        top = conn.execute("SELECT max(seq) FROM changes").fetchone()[0] or 0
    cache.reset(key, top, patched)


class Lookup:
    """Answers one query's "which of these candidates hold this word?" questions."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        version: int,
        layout: Layout,
        catalog: int,
        postings: PostingCache,
        texts: TextStore,
        frequencies: dict[Form, int],
    ) -> None:
        self.conn = conn
        self.version = version
        self.layout = layout
        self.key = (version, layout)
        self.catalog = catalog
        self.postings = postings
        self.texts = texts
        # How many products hold a form: only to choose between testing and reading, so
        # counts from older versions of the index are good enough.
        self.frequencies = frequencies

    def restrict(self, candidates: int, group: str, forms: Sequence[Form]) -> int:
        """Return the candidates holding any of `forms` in a column group."""
        if not candidates:
            return 0
        # "t"* includes "t": the exact form adds nothing to the union.
        wanted = [f for f in forms if f[1] or (f[0], True) not in forms]
        found = 0
        missing: list[Form] = []
        for term, prefix in wanted:
            bits = self.postings.peek(self.key, (group, term, prefix))
            if bits is None:
                missing.append((term, prefix))
            else:
                found |= bits
        found &= candidates
        rest = candidates & ~found if missing else 0
        if not rest:
            return found
        count = rest.bit_count()
        if count <= SMALL or TEST_COST * count < self._holding(missing):
            texts = self.texts.sync(self.conn, self.version)
            return found | Matcher(group, missing).select(texts.rows, rest, self.layout)
        for term, prefix in missing:
            found |= rest & self.postings.get(
                self.key, (group, term, prefix), lambda f=(term, prefix): self._fetch(group, f)
            )
        return found

    def matches(self, plans: Sequence[WordPlan], allowed: int) -> int:
        """Return the products among `allowed` matching every word."""
        if not all(plan.matchable for plan in plans):
            return 0

        def cost(plan: WordPlan) -> tuple[bool, bool, int, int]:
            # Words already cached first, then the likely narrow ones (no short form, few
            # forms, long), so broad words meet few candidates and get tested.
            forms = plan.forms()
            unknown = any(self.postings.peek(self.key, ("all", *f)) is None for f in forms)
            broad = any(len(term) <= 2 for term, _ in forms)
            return (unknown, broad, len(forms), -len(plan.word.folded))

        found = allowed
        for plan in sorted(plans, key=cost):
            found = self.restrict(found, "all", plan.forms())
            if not found:
                break
        return found

    def _holding(self, forms: Sequence[Form]) -> int:
        """Return about how many products hold any of `forms` (an upper bound)."""
        total = asked = 0
        for form in forms:
            known = self.frequencies.get(form)
            if known is None:
                term, prefix = form
                if prefix and len(term) <= BROAD:
                    known = self.catalog // 2
                elif asked < ESTIMATES:
                    asked += 1
                    known = self._count(form)
                    if len(self.frequencies) > 100_000:
                        self.frequencies.clear()
                    self.frequencies[form] = known
                else:
                    continue  # unknown: counts as rare, so the postings are read
            total += known
        return total

    def _count(self, form: Form) -> int:
        """Return how many products hold a form anywhere (FTS5 counts; no ids cross)."""
        term, prefix = form
        if prefix:
            sql, arg = "SELECT count(*) FROM fts WHERE fts MATCH ?", expression("all", *form)
        else:
            sql, arg = "SELECT doc FROM fts_terms WHERE term = ?", term
        row = self.conn.execute(sql, (arg,)).fetchone()
        return int(row[0]) if row else 0

    def _fetch(self, group: str, form: Form) -> int:
        """Return the products holding a form in a column group, from FTS5."""
        row = self.conn.execute(
            "SELECT group_concat(rowid) FROM fts WHERE fts MATCH ?", (expression(group, *form),)
        ).fetchone()
        found = self.layout.bits(map(int, row[0].split(","))) if row and row[0] else 0
        if group == "all":
            self.frequencies[form] = found.bit_count()
        return found
