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

FOLDED_COLUMNS = {"name": "name_f", "meta": "cat_f stall_f farm_f", "description": "desc_f"}
ALL_FOLDED = " ".join(FOLDED_COLUMNS.values())


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

    def alternatives(self) -> str:
        """Return the OR of every form that makes this word match, unfiltered by column."""
        forms = [quote(self.word.folded)]
        if self.word.prefix and self.longer:
            forms.append(quote(self.word.folded) + "*")
        forms.extend(quote(t) for t in self.typos)
        return "(" + " OR ".join(forms) + ")"


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


def match_expression(plans: Sequence[WordPlan]) -> str | None:
    """Return the FTS5 expression of every word matching somewhere, or None if none can."""
    parts = []
    for plan in plans:
        if not (plan.exact or plan.typos or (plan.word.prefix and plan.longer)):
            return None
        parts.append("{" + ALL_FOLDED + "}: " + plan.alternatives())
    return " AND ".join(parts)
