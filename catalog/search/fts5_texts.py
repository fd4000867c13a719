"""Each product's indexed words in memory, to test candidates and patch caches without FTS5.

A query word's products come from FTS5 postings, which cost time in proportion to how many
products hold the word: a one-letter prefix such as "t*" lists nearly the whole catalog.
Once the other words have narrowed the matches to a few candidates, testing those
candidates' own words is cheaper and gives exactly the same answer: each product's folded
words are kept per field group (name; category, stall, farm and province; description),
plus its name's accent forms, as space-padded strings, and a term is in a group when
" term " (a prefix: " term") occurs in that group's string.

The copy follows the index through the change log: when the text version moves, the
products logged since are read again; a reader that fell far behind reloads everything.
The same re-read products patch the cached postings (`PostingCache.advance`), so a seller
editing one product does not throw away every cached term.
"""

from __future__ import annotations

import operator
import re
import sqlite3
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import compress, repeat

from catalog.search.fts5_bits import Layout, members
from catalog.search.fts5_memory import LOG_ENDS
from catalog.search.fts5_rows import json_ids

Row = tuple[str, str, str, str]  # name, meta, description (folded), name accent forms
Form = tuple[str, bool]
FIELDS = {"all": (0, 1, 2), "name": (0,), "meta": (1,), "description": (2,), "accent": (3,)}
PATCH_LIMIT = 5_000  # changed products beyond which a full reload is cheaper
_EMPTY: Row = ("", "", "", "")
_COLUMNS = (
    "SELECT rowid, ' ' || name_f || ' ', ' ' || cat_f || ' ' || stall_f || ' ' || farm_f"
    " || ' ' || prov_f || ' ', ' ' || desc_f || ' ', ' ' || name_a || ' ' FROM fts"
)
_SOME = (
    "SELECT rowid, ' ' || name_f || ' ', ' ' || cat_f || ' ' || stall_f || ' ' || farm_f"
    " || ' ' || prov_f || ' ', ' ' || desc_f || ' ', ' ' || name_a || ' ' FROM fts"
    " WHERE rowid IN (SELECT value FROM json_each(?))"
)


@dataclass(frozen=True, slots=True)
class Texts:
    """Products' words as of one change-log position and text version."""

    seq: int
    version: int
    rows: dict[int, Row]


class Matcher:
    """Tests whether a product's words in one field group hold any of some forms."""

    def __init__(self, group: str, forms: Sequence[Form]) -> None:
        self.fields = FIELDS[group]
        patterns = [f" {term}" if prefix else f" {term} " for term, prefix in forms]
        self.single = patterns[0] if len(patterns) == 1 else None
        self.regex = re.compile("|".join(map(re.escape, patterns))) if len(patterns) > 1 else None

    def select(self, rows: Mapping[int, Row], candidates: int, layout: Layout) -> int:
        """Return the candidates (a bit set) whose group holds one of the forms."""
        if self.single is None and self.regex is None:
            return 0
        ids = layout.ids(members(candidates))
        found: list[int] = []
        for field in self.fields:
            # One C-level pass per field: look up the rows, pick the field, test it.
            texts = map(operator.itemgetter(field), map(rows.get, ids, repeat(_EMPTY)))
            if self.single is not None:
                hits = map(operator.contains, texts, repeat(self.single))
            else:
                hits = map(self.regex.search, texts)  # type: ignore[union-attr]
            found += compress(ids, hits)
        return layout.bits(sorted(set(found)) if len(self.fields) > 1 else found)


def changed_since(conn: sqlite3.Connection, seq: int) -> tuple[int, set[int]] | None:
    """Return the log's top and the ids logged after `seq`, or None if that is unknowable."""
    top, low = conn.execute(LOG_ENDS).fetchone()
    if top is None or low is None or low > seq + 1 or top < seq:
        return None
    ids = {
        row[0]
        for row in conn.execute(
            "SELECT DISTINCT id FROM changes WHERE seq > ? AND seq <= ?", (seq, top)
        )
    }
    if len(ids) > PATCH_LIMIT or any(i < 0 for i in ids):
        return None
    return top, ids


def read_rows(conn: sqlite3.Connection, ids: Sequence[int]) -> dict[int, Row]:
    """Return the words of these products (absent ones are left out)."""
    found = conn.execute(_SOME, (json_ids(ids),))
    return {pid: (name, meta, desc, accent) for pid, name, meta, desc, accent in found}


class TextStore:
    """The latest `Texts`, brought up to date inside each reader's transaction."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.current: Texts | None = None

    def sync(self, conn: sqlite3.Connection, version: int) -> Texts:
        """Return the products' words as this read transaction sees them."""
        current = self.current
        if current is not None and current.version == version:
            return current
        with self._lock:
            current = self.current
            if current is None or current.version != version:
                current = self._advance(conn, current, version) or _load(conn, version)
                self.current = current
        return current

    def _advance(self, conn: sqlite3.Connection, old: Texts | None, version: int) -> Texts | None:
        """Return `old` with the products logged since re-read, or None to reload."""
        changed = changed_since(conn, old.seq) if old is not None else None
        if old is None or changed is None:
            return None
        top, ids = changed
        rows = dict(old.rows)
        for pid in ids:
            rows.pop(pid, None)
        rows.update(read_rows(conn, list(ids)))
        return Texts(top, version, rows)


def _load(conn: sqlite3.Connection, version: int) -> Texts:
    """Read every product's words."""
    top = conn.execute("SELECT max(seq) FROM changes").fetchone()[0] or 0
    rows = {
        pid: (name, meta, desc, accent) for pid, name, meta, desc, accent in conn.execute(_COLUMNS)
    }
    return Texts(top, version, rows)
