"""Rows the embedded backend stores for a product, and the small lookup tables it interns."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import dataclass

from catalog.search.analysis import doc_boost, field_forms
from catalog.search.base import ProductDoc

FacetKey = tuple[str, int, str, str]  # province, stars (0 = none), categories, certifications
LabelKey = tuple[str, str]  # slug, display name
SEPARATOR = "\x1f"


@dataclass(frozen=True, slots=True)
class DocRow:
    """One product prepared for insertion."""

    id: int
    fts: tuple[object, ...]
    attrs: tuple[int, int, int, int]  # price, in_stock, created (ms), boost
    facet: FacetKey
    category: LabelKey
    stall: LabelKey
    terms: tuple[str, ...]


def doc_row(doc: ProductDoc) -> DocRow:
    """Prepare `doc` for the index: its words in both forms, attributes and facet key."""
    columns: list[str] = []
    terms: list[str] = []
    # The province counts like the stall and farm names: "che thai nguyen" finds tea from
    # Thái Nguyên stalls whose names do not say where they are.
    texts = (doc.name, doc.category, doc.stall_name, doc.farm_name, doc.province, doc.description)
    for text in texts:
        folded, accented = field_forms(text or "")
        columns += [" ".join(folded), " ".join(accented)]
        terms += folded
    created = int(doc.created_at.timestamp() * 1000)  # Elasticsearch dates keep milliseconds
    facet = (
        doc.province or "",
        doc.ocop_stars or 0,
        SEPARATOR.join(dict.fromkeys(doc.category_slugs)),
        SEPARATOR.join(sorted(set(doc.certifications))),
    )
    first_slug = doc.category_slugs[0] if doc.category_slugs else ""
    return DocRow(
        id=int(doc.id),
        fts=(int(doc.id), *columns, doc.name),
        attrs=(
            int(doc.price_vnd),
            int(doc.in_stock),
            created,
            doc_boost(doc.in_stock, doc.ocop_stars),
        ),
        facet=facet,
        category=(first_slug, doc.category or ""),
        stall=(doc.stall_slug or "", doc.stall_name or ""),
        terms=tuple(terms),
    )


@dataclass(frozen=True, slots=True)
class Label:
    """A category or stall name that suggestions can complete."""

    id: int
    kind: str
    key: str
    label: str
    words: tuple[str, ...]  # folded


class Interner:
    """Caches of the facet-key and label tables; ids are stable, rows are never deleted."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        """Forget every cached row; the next refresh reloads them."""
        self.facets: dict[int, FacetKey] = {}
        # Each facet key's values as facet counting needs them, parsed once.
        self.facet_values: dict[int, tuple[str, str, tuple[str, ...], tuple[str, ...]]] = {}
        self._facet_ids: dict[FacetKey, int] = {}
        self.all_labels: dict[int, Label] = {}
        self._label_ids: dict[tuple[str, str, str], int] = {}
        self._top_facet = self._top_label = 0

    def facet_keys(self, conn: sqlite3.Connection, keys: Sequence[FacetKey]) -> list[int]:
        """Return the id of each facet key, adding new ones; call inside a transaction."""
        missing = {key for key in keys if key not in self._facet_ids}
        if missing:
            conn.executemany(
                "INSERT OR IGNORE INTO facet_keys(province, stars, cats, certs) VALUES (?,?,?,?)",
                sorted(missing),
            )
            self.refresh(conn)
        return [self._facet_ids[key] for key in keys]

    def labels(self, conn: sqlite3.Connection, kind: str, keys: Sequence[LabelKey]) -> list[int]:
        """Return the id of each label of `kind`, adding new ones; call inside a transaction."""
        missing = {(kind, *key) for key in keys if (kind, *key) not in self._label_ids}
        if missing:
            conn.executemany(
                "INSERT OR IGNORE INTO labels(kind, key, label) VALUES (?, ?, ?)", sorted(missing)
            )
            self.refresh(conn)
        return [self._label_ids[(kind, *key)] for key in keys]

    def refresh(self, conn: sqlite3.Connection) -> None:
        """Load rows added since the last look (by any process)."""
        with self._lock:
            top = self._top_facet
            for fid, province, stars, cats, certs in conn.execute(
                "SELECT id, province, stars, cats, certs FROM facet_keys WHERE id > ?", (top,)
            ):
                key = (province, stars, cats, certs)
                self.facets[fid] = key
                self.facet_values[fid] = (
                    province,
                    str(stars) if stars else "",
                    tuple(filter(None, cats.split(SEPARATOR))),
                    tuple(filter(None, certs.split(SEPARATOR))),
                )
                self._facet_ids[key] = fid
                self._top_facet = max(self._top_facet, fid)
            top = self._top_label
            for lid, kind, key, label in conn.execute(
                "SELECT id, kind, key, label FROM labels WHERE id > ?", (top,)
            ):
                words = tuple(field_forms(label)[0])
                self.all_labels[lid] = Label(lid, kind, key, label, words)
                self._label_ids[(kind, key, label)] = lid
                self._top_label = max(self._top_label, lid)


def json_ids(ids: Sequence[int]) -> str:
    """Return ids as a JSON array for `json_each`."""
    return json.dumps(list(ids))
