"""The embedded backend's bounded ranking equals scoring every match, on random catalogs.

The reference here scores each document straight from the model in `analysis` (no FTS5, no
levels), so a shortcut in `fts5_rank` that loses a winner fails these tests.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from catalog.search import ProductDoc, SearchQuery, SqliteBackend
from catalog.search.analysis import (
    ACCENT,
    EXACT,
    FUZZY,
    FUZZY_MAX_EXPANSIONS,
    GROUP_WEIGHTS,
    PREFIX,
    doc_boost,
    edit_distance,
    field_forms,
    query_words,
)
from catalog.search.text import fold

WORDS = [
    "mật",
    "ong",
    "mát",
    "mặt",
    "rừng",
    "chè",
    "chế",
    "trà",
    "bưởi",
    "buôi",
    "đoan",
    "hùng",
    "hưng",
    "lạng",
    "lang",
    "nắng",
    "năng",
    "dưới",
    "đồi",
    "đối",
    "cà",
    "phê",
    "phố",
    "gạo",
    "gáo",
    "tám",
    "thơm",
    "tôm",
    "nước",
    "mắm",
    "nam",
    "nấm",
    "hương",
    "rượu",
    "ngô",
    "nếp",
    "sâm",
    "bạc",
    "hà",
    "hạ",
    "hữu",
    "cơ",
    "cờ",
    "đặc",
    "biệt",
    "sạch",
    "sách",
]
T0 = datetime(2025, 1, 1, tzinfo=UTC)


def catalog(rng: random.Random, size: int) -> list[ProductDoc]:
    """Return random documents whose words collide in every way the model cares about."""

    def text(n: int) -> str:
        return " ".join(rng.choice(WORDS) for _ in range(n))

    return [
        ProductDoc(
            id=i,
            name=text(rng.randint(2, 4)),
            description=text(rng.randint(0, 8)),
            category=rng.choice(["Mật ong", "Chè, trà", "Trái cây tươi"]),
            category_slugs=["x"],
            stall_slug=f"s{i % 7}",
            stall_name=text(2),
            farm_name=text(1) if rng.random() < 0.3 else "",
            province=text(rng.randint(1, 2)) if rng.random() < 0.4 else "",
            price_vnd=1000 * rng.randint(1, 50),
            in_stock=rng.random() < 0.7,
            ocop_stars=rng.choice([None, None, 3, 4, 5]),
            certifications=[],
            created_at=T0 + timedelta(minutes=rng.randint(0, 50)),  # ties broken by id
        )
        for i in range(1, size + 1)
    ]


def reference(docs: list[ProductDoc], text: str) -> list[int]:
    """Rank the documents by scoring each one with the model, as plainly as possible."""
    groups = {d.id: _groups(d) for d in docs}
    vocab = {w for g in groups.values() for words, _ in g.values() for w in words if len(w) >= 3}
    plans = []
    for word in query_words(text):
        exact = word.folded in vocab or len(word.folded) < 3
        longer = any(w.startswith(word.folded) and w != word.folded for w in vocab) or (
            len(word.folded) + 1 < 3
        )
        close = sorted((edit_distance(word.folded, t, 1), t) for t in vocab)
        typos = [t for d, t in close if d <= 1][:FUZZY_MAX_EXPANSIONS]
        forms = {t for t in typos if t != word.folded} | ({word.folded} if exact else set())
        plans.append((word, exact, longer, forms))
    ranked = []
    for doc in docs:
        total = 0
        for word, exact, longer, forms in plans:
            best = 0
            for group, (words, accents) in groups[doc.id].items():
                points = 0
                if exact and word.folded in words:
                    points += EXACT
                if word.accent and exact and word.accent in accents:
                    points += ACCENT
                if (
                    word.prefix
                    and (longer or exact)
                    and any(w.startswith(word.folded) for w in words)
                ):
                    points += PREFIX
                if word.fuzzy and forms and forms & set(words):
                    points += FUZZY
                best = max(best, GROUP_WEIGHTS[group] * points)
            if best == 0:
                break
            total += best
        else:
            newest = int(doc.created_at.timestamp() * 1000) * 10**12 + doc.id
            ranked.append((total + doc_boost(doc.in_stock, doc.ocop_stars), newest, doc.id))
    return [pid for _, _, pid in sorted(ranked, reverse=True)]


def _groups(doc: ProductDoc) -> dict[str, tuple[list[str], list[str]]]:
    """Return each field group's folded words and accent forms."""
    meta = " ".join([doc.category, doc.stall_name, doc.farm_name, doc.province])
    return {
        "name": field_forms(doc.name),
        "meta": field_forms(meta),
        "description": field_forms(doc.description),
    }


def _queries(rng: random.Random, n: int) -> list[str]:
    """Return queries: accented or not, with typos and half-typed last words."""
    found = []
    for _ in range(n):
        words = [rng.choice(WORDS) for _ in range(rng.randint(1, 3))]
        if rng.random() < 0.5:
            words = [fold(w) for w in words]
        if rng.random() < 0.3:
            i = rng.randrange(len(words))
            w = words[i]
            if len(w) >= 4:
                at = rng.randrange(1, len(w))
                words[i] = w[:at] + w[at + 1 :] if rng.random() < 0.5 else w + w[-1]
        if rng.random() < 0.3:
            words[-1] = words[-1][: max(1, len(words[-1]) - 2)]
        found.append(" ".join(words))
    return found


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_bounded_ranking_equals_scoring_every_match(tmp_path, seed: int) -> None:
    rng = random.Random(seed)
    docs = catalog(rng, 900)
    backend = SqliteBackend(tmp_path / "rank.sqlite3")
    backend.index(docs)
    for text in _queries(rng, 40):
        expected = reference(docs, text)
        result = backend.search(SearchQuery(text=text, per_page=30))
        assert result.total == len(expected), text
        assert result.ids == expected[:30], text
        deeper = backend.search(SearchQuery(text=text, per_page=100, page=2))
        assert deeper.ids == expected[100:200], text
