"""Contract: how every backend matches and ranks Vietnamese text (issue 4, section 2)."""

from __future__ import annotations

import unicodedata
from dataclasses import replace

import pytest

from catalog.search import SearchBackend, SearchQuery, SearchResult
from tests.catalog.search.catalog_data import BY_ID


def search(backend: SearchBackend, text: str = "", **options: object) -> SearchResult:
    """Search the whole fixture catalog in one page."""
    return backend.search(SearchQuery(text=text, per_page=100, **options))  # type: ignore[arg-type]


def ids(backend: SearchBackend, text: str, **options: object) -> list[int]:
    """Return the ranked ids for `text`."""
    return search(backend, text, **options).ids


def before(ranked: list[int], first: int, second: int) -> bool:
    """Return whether both ids are present and `first` ranks above `second`."""
    return first in ranked and second in ranked and ranked.index(first) < ranked.index(second)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("buoi doan hung", [4]),
        ("mat ong rung", [6]),
        ("nuoc mam phu quoc", [11]),
        ("che tan cuong", [1]),
        ("sam ngoc linh", [19]),
        ("ca phe buon ma thuot", [9]),
    ],
)
def test_a_query_without_accents_finds_the_accented_product(
    loaded: SearchBackend, text: str, expected: list[int]
) -> None:
    assert ids(loaded, text)[: len(expected)] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Neither product's name, stall or farm says Hà Nội or Hà Tĩnh: only the province.
        ("lua ha noi", {21, 40}),
        ("keo ha tinh", {26}),
        ("KẸO HÀ TĨNH", {26}),
    ],
)
def test_a_query_naming_a_province_finds_that_provinces_products(
    loaded: SearchBackend, text: str, expected: set[int]
) -> None:
    assert set(ids(loaded, text)) == expected


def test_the_province_counts_like_the_stall_name(backend: SearchBackend) -> None:
    tea = BY_ID[38]  # "Trà shan tuyết cổ thụ"
    stall = {"stall_slug": "shan", "stall_name": "HTX Shan Tuyết"}
    backend.index(
        [
            replace(tea, id=101, province="Thái Nguyên", **stall),
            replace(tea, id=102, province="Phú Thọ", **stall),
            # The same words in the stall name score the same as in the province, so the
            # tie goes to the higher id (same creation time and boost).
            replace(tea, id=103, province="Lào Cai", stall_name="Chè Thái Nguyên"),
        ]
    )
    assert ids(backend, "tra thai nguyen") == [103, 101]
    assert ids(backend, "shan tuyet phu tho") == [102]
    assert search(backend, "thai nguyen").facets["province"] == [("Lào Cai", 1), ("Thái Nguyên", 1)]


def test_a_query_without_accents_matches_every_accent_variant(loaded: SearchBackend) -> None:
    # "che" is chè (tea), chế (processed) and the category "Chè, trà".
    found = ids(loaded, "che")
    assert {1, 3, 13, 38} <= set(found)
    # "mat" is mật (honey) and mát (cooling).
    assert {6, 7, 8, 25} <= set(ids(loaded, "mat"))


def test_a_query_with_accents_ranks_exact_accents_first(loaded: SearchBackend) -> None:
    tea = ids(loaded, "chè")
    assert before(tea, 1, 3)  # Chè Tân Cương before Mứt gừng chế biến
    honey = ids(loaded, "mật")
    for product in (6, 7, 8):
        assert before(honey, product, 25)  # mật ong before "mát gan"
    assert before(ids(loaded, "mát"), 25, 6)


def test_either_tone_placement_counts_as_the_same_accent(loaded: SearchBackend) -> None:
    # Old style "Hòa" and new style "Hoà" are one spelling; "Hóa" is another word.
    for text in ("hoà", "hòa"):
        ranked = ids(loaded, text)
        assert before(ranked, 23, 33)
        assert before(ranked, 37, 33)


def test_decomposed_input_is_normalised(loaded: SearchBackend) -> None:
    decomposed = unicodedata.normalize("NFD", "Bưởi Đoan Hùng")
    assert decomposed != "Bưởi Đoan Hùng"
    assert ids(loaded, decomposed)[:1] == [4]
    assert ids(loaded, unicodedata.normalize("NFD", "chè")) == ids(loaded, "chè")


@pytest.mark.parametrize("text", ["dong thap", "Đồng Tháp", "ĐỒNG THÁP", "đồng tháp", "DONG THAP"])
def test_d_with_stroke_folds_to_d(loaded: SearchBackend, text: str) -> None:
    ranked = ids(loaded, text)
    assert set(ranked[:3]) == {13, 14, 15}
    # Whatever the case and accents, the same products match (typo matches included:
    # "công … thác" is one edit from "dong thap" twice, so it follows).
    assert set(ranked) == set(ids(loaded, "dong thap"))


@pytest.mark.parametrize(
    ("text", "wanted"),
    [
        ("mật o", {6, 7, 8}),
        ("buoi doan h", {4}),
        ("ca ph", {9, 10}),
        ("gao st", {16}),
        ("sầu ri", {29}),
    ],
)
def test_the_last_word_is_a_prefix(loaded: SearchBackend, text: str, wanted: set[int]) -> None:
    # Words merely starting like the others ("cá", "phú") may match too, but rank lower.
    assert set(ids(loaded, text)[: len(wanted)]) == wanted


def test_only_the_last_word_is_a_prefix(loaded: SearchBackend) -> None:
    assert ids(loaded, "bu doan") == []
    assert ids(loaded, "doan bu") == [4]


@pytest.mark.parametrize(
    ("text", "wanted"),
    [
        ("buooi doan hung", 4),  # a letter added
        ("che thai nguen", 1),  # a letter dropped
        ("nuoc mam phu quac", 11),  # a letter changed
        ("tahi nguyen", 1),  # two neighbours swapped
        ("BƯỞI ĐOAN HÙGN", 4),  # swapped, typed in capitals with accents
    ],
)
def test_one_typo_in_a_word_of_four_letters_or_more_is_forgiven(
    loaded: SearchBackend, text: str, wanted: int
) -> None:
    assert wanted in ids(loaded, text)


@pytest.mark.parametrize("text", ["nguyxx", "thai ngyuxn", "buooii", "gungxx"])
def test_two_typos_are_not_forgiven(loaded: SearchBackend, text: str) -> None:
    assert ids(loaded, text) == []


@pytest.mark.parametrize("text", ["gso st25", "mtt ong", "xam tim"])
def test_short_words_get_no_typo_tolerance(loaded: SearchBackend, text: str) -> None:
    assert ids(loaded, text) == []
    assert ids(loaded, "gao st25") == [16]


def test_exact_matches_rank_above_typo_matches(loaded: SearchBackend) -> None:
    # "buoi" is one edit from "buon" (Buôn Ma Thuột), "muoi" (muối), "tuoi" (tươi): those
    # products match too, but after both pomelos.
    ranked = ids(loaded, "buoi")
    assert set(ranked[:2]) == {4, 5}
    assert {9, 35} <= set(ranked[2:])


def test_every_word_must_match(loaded: SearchBackend) -> None:
    assert ids(loaded, "mat ong ha giang") == [8]
    assert ids(loaded, "mat ong sam") == []


def test_name_ranks_above_description(loaded: SearchBackend) -> None:
    # Mứt gừng has ginger in its name; Kẹo lạc only in its description (and more stars).
    ranked = ids(loaded, "gừng")
    assert ranked[:2] == [3, 26]
    # Then the typo matches: rừng (6) and Hùng / Hưng (4, 7).
    assert set(ranked[2:]) == {4, 6, 7}


def test_stall_and_farm_rank_between_name_and_description(loaded: SearchBackend) -> None:
    # HTX Ea Tu sells 9 and 18; 27 only mentions Ea Tu in its description.
    ranked = ids(loaded, "ea tu")
    assert set(ranked) == {9, 18, 27}
    assert ranked[-1] == 27
    assert ids(loaded, "ruong ong cua") == [16]  # the farm's name


def test_name_ranks_above_category(loaded: SearchBackend) -> None:
    # "mật ong" is the name of 6, 7, 8 and only the category of nothing else here, but
    # "ong" alone also matches a stall (HTX Ong Mật) and a farm (Ruộng ông Cua).
    ranked = ids(loaded, "ong")
    assert set(ranked[:3]) == {6, 7, 8}
    assert ranked.index(16) > 2


def test_in_stock_products_rank_first_among_equals(loaded: SearchBackend) -> None:
    # 28 and 29 are both "Bánh pía"; 29 is newer but out of stock.
    assert ids(loaded, "banh pia") == [28, 29]
    assert ids(loaded, "banh pia", sort="newest") == [29, 28]


def test_verified_stars_rank_first_among_equals(loaded: SearchBackend) -> None:
    # 30 (5 stars) is older than 31 (no stars); both in stock, both "Bánh tráng".
    assert ids(loaded, "banh trang")[:2] == [30, 31]


def test_newer_products_rank_first_among_equals(loaded: SearchBackend) -> None:
    # All four match "Trái cây tươi" (their category); 23 and 4 have four stars, 24 and 5
    # three; within each pair the newer product leads.
    assert ids(loaded, "trai cay") == [23, 4, 24, 5]


def test_the_same_query_ranks_the_same_way_every_time(loaded: SearchBackend) -> None:
    first = ids(loaded, "tra")
    assert len(first) >= 5
    assert all(ids(loaded, "tra") == first for _ in range(3))


@pytest.mark.parametrize(
    "text", ["mat ong", "mật ong", "tra", "banh", "buoi", "dong thap", "che", "mật o", "u minh"]
)
def test_small_pages_rank_like_one_big_page(loaded: SearchBackend, text: str) -> None:
    # Backends may take shortcuts for the first pages (the embedded one does); the order
    # must not change.
    everything = ids(loaded, text)
    pages = []
    for page in range(1, 4):
        pages += loaded.search(SearchQuery(text=text, page=page, per_page=2)).ids
    assert pages == everything[:6]
