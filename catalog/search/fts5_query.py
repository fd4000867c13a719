"""FTS5 match expressions and SQL for the embedded backend's ranking model.

Every term in an expression is a word produced by `analysis`, double-quoted, so nothing a
shopper types is ever read as FTS5 syntax (operators, column filters, `*`, `^`, `NEAR`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from catalog.search import fuzzy
from catalog.search.analysis import (
    QueryWord,
)

FOLDED_COLUMNS = {"name": "name_f", "meta": "cat_f stall_f farm_f prov_f", "description": "desc_f"}
ALL_FOLDED = " ".join(FOLDED_COLUMNS.values())
# The column sets a word's products are looked up in: its folded form anywhere (to match),
# and per field group (to rank); "accent" is the name's accent forms.
COLUMNS = {**FOLDED_COLUMNS, "accent": "name_a", "all": ALL_FOLDED}
Form = tuple[str, bool]  # a folded term, and whether longer words starting with it count


def quote(term: str) -> str:
    """Return `term` as an FTS5 string, so it is only ever a word."""
    return '"' + term.replace('"', '""') + '"'


@dataclass(frozen=True, slots=True)
class WordPlan:
    """The FTS5 alternatives one query word matches, looked up in the vocabulary once."""

    word: QueryWord
    exact: bool  # the folded word itself is indexed
    longer: bool  # some indexed word extends it (prefix matches beyond the word itself)
    typos: tuple[str, ...]  # indexed words one edit away, the word itself excluded

    @property
    def matchable(self) -> bool:
        """Return whether some indexed word can match this one."""
        return self.exact or bool(self.typos) or (self.word.prefix and self.longer)

    def forms(self) -> list[Form]:
        """Return every form that makes this word match: itself, as a prefix, its typos."""
        # A word of 3+ letters that is not `exact` is in no document: no need to look it up.
        found: list[Form] = [(self.word.folded, False)] if self.exact else []
        if self.word.prefix and self.longer:
            found.append((self.word.folded, True))
        found.extend((t, False) for t in self.typos)
        return found


def expression(group: str, term: str, prefix: bool) -> str:
    """Return the FTS5 expression of one term (or prefix) in a column group."""
    return "{" + COLUMNS[group] + "}: " + quote(term) + ("*" if prefix else "")


def plan_words(conn: sqlite3.Connection, words: Sequence[QueryWord]) -> list[WordPlan]:
    """Look up each query word's indexed forms."""
    plans = []
    for word in words:
        typos: tuple[str, ...] = ()
        if word.fuzzy:
            typos = tuple(t for t in fuzzy.candidates(conn, word.folded) if t != word.folded)
        exact = len(word.folded) < fuzzy.MIN_LENGTH or fuzzy.known(conn, word.folded)
        longer = word.prefix and fuzzy.has_longer(conn, word.folded)
        plans.append(WordPlan(word, exact, longer, typos))
    return plans
