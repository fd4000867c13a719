"""Typo candidates for the embedded backend: a deletion-neighbourhood map kept in SQLite.

Every indexed word of 3+ letters is stored with each string made by deleting one of its
letters (SymSpell's trick). Two words are within one edit (insert, delete, substitute or
swap of neighbours) only if one equals the other or a deletion of it, or both share a
deletion, so a handful of indexed look-ups finds every candidate; `edit_distance` then
keeps the true ones. The map is in the index file, so every process and thread sees the
same words; words are never removed from it (a stale word only yields a candidate that
matches nothing).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable

from catalog.search.analysis import (
    FUZZY_MAX_EXPANSIONS,
    FUZZY_MAX_LENGTH,
    deletions,
    edit_distance,
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS vocab(term TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS deletes(
    key TEXT NOT NULL, term TEXT NOT NULL, PRIMARY KEY(key, term)) WITHOUT ROWID;
"""
MIN_LENGTH = 3  # a query word of 4+ letters is never within one edit of a shorter word
MAX_LENGTH = FUZZY_MAX_LENGTH + 1  # a fuzzy query word may lack one letter of these
_CHUNK = 500


def add_terms(conn: sqlite3.Connection, terms: Iterable[str]) -> None:
    """Record the words not yet known, with their deletions; call inside a transaction."""
    wanted = sorted({t for t in terms if len(t) >= MIN_LENGTH})
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        known = {
            row[0]
            for row in conn.execute(
                "SELECT term FROM vocab WHERE term IN (SELECT value FROM json_each(?))",
                (json.dumps(chunk),),
            )
        }
        new = [t for t in chunk if t not in known]
        if not new:
            continue
        conn.executemany("INSERT OR IGNORE INTO vocab(term) VALUES (?)", ((t,) for t in new))
        conn.executemany(
            "INSERT OR IGNORE INTO deletes(key, term) VALUES (?, ?)",
            ((key, t) for t in new if len(t) <= MAX_LENGTH for key in deletions(t) | {t}),
        )


def known(conn: sqlite3.Connection, term: str) -> bool:
    """Return whether `term` has been indexed (as a word of 3+ letters)."""
    return conn.execute("SELECT 1 FROM vocab WHERE term = ?", (term,)).fetchone() is not None


def has_longer(conn: sqlite3.Connection, prefix: str) -> bool:
    """Return whether some indexed word starts with `prefix` and is longer than it."""
    row = conn.execute(
        "SELECT 1 FROM vocab WHERE term > ? AND term < ? LIMIT 1", (prefix, prefix + "\U0010ffff")
    ).fetchone()
    # Words shorter than MIN_LENGTH are not in vocab, so say yes when unsure.
    return row is not None or len(prefix) + 1 < MIN_LENGTH


def candidates(conn: sqlite3.Connection, word: str, max_distance: int = 1) -> list[str]:
    """Return indexed words within `max_distance` edits of `word`, closest first.

    With max_distance 2 only the words reachable by deletions from `word` and one deletion
    from the indexed word are found: enough for "did you mean", not for matching.
    """
    keys = deletions(word) | {word}
    if max_distance > 1:
        keys |= {second for first in deletions(word) for second in deletions(first)}
    rows = conn.execute(
        "SELECT DISTINCT term FROM deletes WHERE key IN (SELECT value FROM json_each(?))",
        (json.dumps(sorted(keys)),),
    )
    scored = []
    for (term,) in rows:
        distance = edit_distance(word, term, max_distance)
        if distance <= max_distance:
            scored.append((distance, term))
    scored.sort()
    return [term for _, term in scored[:FUZZY_MAX_EXPANSIONS]]
