"""Search-box completions for the embedded backend: categories, stalls, then products."""

from __future__ import annotations

import sqlite3

from catalog.search.analysis import QueryWord, query_words
from catalog.search.base import Suggestion
from catalog.search.fts5_query import quote
from catalog.search.fts5_rows import SEPARATOR, Interner, Label, json_ids

MAX_CATEGORY_SUGGESTIONS = 2
MAX_STALL_SUGGESTIONS = 2


def suggest(
    conn: sqlite3.Connection, interner: Interner, text: str, limit: int
) -> list[Suggestion]:
    """Return completions: matching categories, stalls, then product names."""
    words = query_words(text)
    if not words:
        return []
    interner.refresh(conn)
    result: list[Suggestion] = []
    for kind, column, cap in (
        ("category", "cat_label", MAX_CATEGORY_SUGGESTIONS),
        ("stall", "stall_label", MAX_STALL_SUGGESTIONS),
    ):
        labels = [
            label
            for label in interner.all_labels.values()
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


def _label_matches(label: Label, words: list[QueryWord]) -> bool:
    """Return whether every query word is a word of `label` (the last may be a prefix)."""
    for word in words:
        if word.prefix:
            if not any(w.startswith(word.folded) for w in label.words):
                return False
        elif word.folded not in label.words:
            return False
    return True
