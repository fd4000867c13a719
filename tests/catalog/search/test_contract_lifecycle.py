"""Contract: writes, rebuilds, suggestions and hostile input, on every backend."""

from __future__ import annotations

from dataclasses import replace

import pytest

from catalog.search import InvalidQuery, SearchBackend, SearchQuery, Suggestion
from tests.catalog.search.catalog_data import BY_ID, CATALOG, ROWS, make_doc


def found(backend: SearchBackend, text: str) -> list[int]:
    """Return the ids matching `text`."""
    return backend.search(SearchQuery(text=text, per_page=100)).ids


def test_an_empty_index_finds_nothing(backend: SearchBackend) -> None:
    assert backend.count() == 0
    assert not backend.stale()  # a new index has the current layout
    result = backend.search(SearchQuery(text="mat ong"))
    assert (result.ids, result.total, result.suggestion) == ([], 0, None)
    assert result.facets == {"category": [], "province": [], "ocop_stars": [], "certification": []}
    assert backend.search(SearchQuery()).ids == []
    assert backend.suggest("mat") == []


def test_index_is_an_upsert(backend: SearchBackend) -> None:
    backend.index(CATALOG[:10])
    assert backend.count() == 10
    renamed = replace(BY_ID[4], name="Bưởi Diễn", price_vnd=99_000, province="Hà Nội")
    backend.index([renamed])
    assert backend.count() == 10
    assert found(backend, "doan hung") == []
    assert found(backend, "buoi dien") == [4]
    result = backend.search(SearchQuery(province="Hà Nội"))
    assert result.ids == [4]
    assert dict(result.facets["province"]) == {"Hà Nội": 1}


def test_remove_deletes_and_ignores_unknown_ids(backend: SearchBackend) -> None:
    backend.index(CATALOG)
    backend.remove([6, 7, 999_999])
    assert backend.count() == len(CATALOG) - 2
    assert found(backend, "mat ong") == [8]
    backend.remove([])
    assert backend.count() == len(CATALOG) - 2


def test_a_new_word_is_found_with_a_typo_after_indexing(backend: SearchBackend) -> None:
    backend.index(CATALOG[:5])
    assert found(backend, "sam lihn") == []
    backend.index([make_doc(ROWS[18])])  # Sâm Ngọc Linh
    assert found(backend, "sam lihn") == [19]


def test_clear_empties_the_index(backend: SearchBackend) -> None:
    backend.index(CATALOG)
    backend.clear()
    assert backend.count() == 0
    assert found(backend, "mat ong") == []
    backend.index(CATALOG[:3])
    assert backend.count() == 3


def test_rebuild_replaces_everything_and_keeps_serving(backend: SearchBackend) -> None:
    backend.index(CATALOG[:20])
    seen: list[tuple[int, list[int]]] = []

    def progress(done: int) -> None:
        # Mid-rebuild, searches still see the complete old index.
        seen.append((done, found(backend, "mat ong")))

    new = [make_doc(row) for row in ROWS[5:]]
    backend.rebuild(iter(new), progress=progress)
    assert seen
    assert seen[-1][0] == len(new)
    assert all(ids == [8, 6, 7] for _, ids in seen)
    assert backend.count() == len(new)
    assert found(backend, "che tan cuong") == []  # product 1 is gone
    assert found(backend, "shan tuyet") == [38]


def test_rebuild_of_nothing_empties_the_index(backend: SearchBackend) -> None:
    backend.index(CATALOG[:5])
    backend.rebuild([])
    assert backend.count() == 0


def test_suggest_completes_categories_stalls_and_products(loaded: SearchBackend) -> None:
    suggestions = loaded.suggest("mật o")
    assert suggestions[0] == Suggestion("category", "Mật ong", "mat-ong")
    stalls = [s for s in suggestions if s.kind == "stall"]
    assert stalls == [
        Suggestion("stall", "HTX Mật Ong Bạc Hà", "bac-ha"),
        Suggestion("stall", "HTX Ong Mật U Minh", "ong-u-minh"),
    ]
    products = [s for s in suggestions if s.kind == "product"]
    assert [s.key for s in products] == ["8", "6", "7"]
    assert products[0].label == "Mật ong bạc hà Hà Giang"
    assert len(suggestions) <= 8


def test_suggest_respects_the_limit_and_ignores_junk(loaded: SearchBackend) -> None:
    assert len(loaded.suggest("t", limit=3)) == 3
    assert loaded.suggest("") == []
    assert loaded.suggest("🍯 ***") == []
    assert loaded.suggest("xyzq") == []
    assert loaded.suggest("sen", limit=0) == []
    assert [s.key for s in loaded.suggest("htx sen") if s.kind == "stall"] == ["sen-dong-thap"]


def test_did_you_mean_offers_a_correction_when_nothing_matches(loaded: SearchBackend) -> None:
    result = loaded.search(SearchQuery(text="nuoccc mam"))
    assert result.total == 0
    assert result.suggestion == "nuoc mam"
    # Both fish sauces, and the pepper in the "Gia vị, nước mắm" category.
    assert loaded.search(SearchQuery(text=result.suggestion)).total == 3
    assert loaded.search(SearchQuery(text="bui doan hung")).suggestion == "buoi doan hung"


def test_no_correction_when_results_are_plentiful_or_nothing_is_close(
    loaded: SearchBackend,
) -> None:
    assert loaded.search(SearchQuery(text="mat ong")).suggestion is None
    assert loaded.search(SearchQuery(text="qwxzv")).suggestion is None


HOSTILE = [
    '"',
    '""',
    "'",
    'chè"',
    "AND",
    "OR",
    "NOT",
    "mat AND ong",
    "mat OR",
    "NOT mat",
    "NEAR(mat ong)",
    "NEAR(",
    "*",
    "mat*",
    "^mat",
    "-mat",
    "mat -ong",
    ":",
    "name:x",
    "name_f:mat",
    "{name_f}: mat",
    "(mat",
    ")",
    "\\",
    "a" * 5000,
    "mật ong " * 700,
    "🍵🍯",
    "mật 🍯 ong",
    "\x00",
    "mat\x00ong",
    "\x1b[31m",
    "\u200b",
    "\ufeff",
    "\ud800",
    "\U0010ffff",
    "'; DROP TABLE docs; --",
    "1' OR '1'='1",
    "%",
    "_",
    "<script>alert(1)</script>",
    "İstanbul ß ﬁ",
    "中文 العربية १२३",
    "𝔪𝔞𝔱",
    "a-b_c.d/e",
    "{}",
    "[]",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_never_breaks_search(loaded: SearchBackend, text: str) -> None:
    for sort in ("relevance", "price_asc", "newest"):
        result = loaded.search(SearchQuery(text=text, sort=sort))
        assert result.total >= len(result.ids)
    assert isinstance(loaded.suggest(text), list)


def test_hostile_filters_are_refused_or_find_nothing(loaded: SearchBackend) -> None:
    for value in ("' OR 1=1 --", "*", '"', "mat-ong OR 1"):
        result = loaded.search(SearchQuery(category=value, province=value))
        assert result.ids == []
    with pytest.raises(InvalidQuery):
        loaded.search(SearchQuery(certification="\x00"))
