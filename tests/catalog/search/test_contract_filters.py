"""Contract: filters, facets, sorting and paging, checked against the catalog in Python."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import pytest

from catalog.search import InvalidQuery, ProductDoc, SearchBackend, SearchQuery
from tests.catalog.search.catalog_data import CATALOG

Predicate = Callable[[ProductDoc], bool]

FILTERS: list[tuple[dict[str, object], Predicate]] = [
    ({"category": "mat-ong"}, lambda d: "mat-ong" in d.category_slugs),
    ({"category": "do-uong"}, lambda d: "do-uong" in d.category_slugs),  # a group
    ({"province": "Đồng Tháp"}, lambda d: d.province == "Đồng Tháp"),
    ({"min_stars": 4}, lambda d: (d.ocop_stars or 0) >= 4),
    ({"min_stars": 5}, lambda d: d.ocop_stars == 5),
    ({"certification": "vietgap"}, lambda d: "vietgap" in d.certifications),
    ({"min_price": 100_000}, lambda d: d.price_vnd >= 100_000),
    ({"max_price": 70_000}, lambda d: d.price_vnd <= 70_000),
    ({"min_price": 70_000, "max_price": 95_000}, lambda d: 70_000 <= d.price_vnd <= 95_000),
    (
        {"category": "thuc-pham", "min_stars": 4, "certification": "ocop"},
        lambda d: (
            "thuc-pham" in d.category_slugs
            and (d.ocop_stars or 0) >= 4
            and "ocop" in d.certifications
        ),
    ),
    ({"province": "Nowhere"}, lambda d: False),
]


def newest_first(docs: list[ProductDoc]) -> list[int]:
    """Return ids newest first, as every backend breaks ties."""
    return [d.id for d in sorted(docs, key=lambda d: (d.created_at, d.id), reverse=True)]


def expected_facets(docs: list[ProductDoc]) -> dict[str, list[tuple[str, int]]]:
    """Count facets the way the interface promises, straight from the documents."""
    counters: dict[str, Counter[str]] = {
        "category": Counter(slug for d in docs for slug in set(d.category_slugs)),
        "province": Counter(d.province for d in docs if d.province),
        "ocop_stars": Counter(str(d.ocop_stars) for d in docs if d.ocop_stars),
        "certification": Counter(c for d in docs for c in set(d.certifications)),
    }
    return {
        name: sorted(counter.items(), key=lambda item: (-item[1], item[0]))
        for name, counter in counters.items()
    }


@pytest.mark.parametrize(("options", "keep"), FILTERS)
def test_each_filter_keeps_exactly_the_matching_products(
    loaded: SearchBackend, options: dict[str, object], keep: Predicate
) -> None:
    wanted = [d for d in CATALOG if keep(d)]
    result = loaded.search(SearchQuery(per_page=100, **options))  # type: ignore[arg-type]
    assert result.total == len(wanted)
    assert result.ids == newest_first(wanted)  # no text: newest first
    assert result.facets == expected_facets(wanted)


def test_filters_apply_to_text_searches(loaded: SearchBackend) -> None:
    result = loaded.search(SearchQuery(text="mat ong", min_stars=4, per_page=100))
    assert result.ids == [8, 6]
    assert result.total == 2
    assert dict(result.facets["ocop_stars"]) == {"4": 1, "5": 1}


def test_facets_of_a_text_search_count_every_match(loaded: SearchBackend) -> None:
    result = loaded.search(SearchQuery(text="sen", per_page=1))
    matched = [d for d in CATALOG if d.id in {13, 14, 15, 40}]
    assert result.total == 4
    assert len(result.ids) == 1
    assert result.facets == expected_facets(matched)


def test_empty_query_lists_everything_newest_first(loaded: SearchBackend) -> None:
    result = loaded.search(SearchQuery(per_page=100))
    assert result.total == len(CATALOG)
    assert result.ids == newest_first(CATALOG)
    assert result.facets == expected_facets(CATALOG)
    assert result.suggestion is None


@pytest.mark.parametrize("text", ["", "banh"])
@pytest.mark.parametrize(
    ("sort", "key"),
    [
        ("price_asc", lambda d: (d.price_vnd, -d.created_at.timestamp(), -d.id)),
        ("price_desc", lambda d: (-d.price_vnd, -d.created_at.timestamp(), -d.id)),
        ("newest", lambda d: (-d.created_at.timestamp(), -d.id)),
    ],
)
def test_each_sort_orders_the_matches(
    loaded: SearchBackend, text: str, sort: str, key: Callable[[ProductDoc], tuple]
) -> None:
    matched = loaded.search(SearchQuery(text=text, per_page=100)).ids
    docs = [d for d in CATALOG if d.id in set(matched)]
    result = loaded.search(SearchQuery(text=text, sort=sort, per_page=100))
    assert result.ids == [d.id for d in sorted(docs, key=key)]


def test_equal_prices_put_the_newer_product_first(loaded: SearchBackend) -> None:
    # 13 and 24 cost 70,000 đồng; 24 is newer.
    ids = loaded.search(SearchQuery(max_price=70_000, sort="price_desc", per_page=100)).ids
    assert ids.index(24) == ids.index(13) - 1


def test_pages_partition_the_results(loaded: SearchBackend) -> None:
    everything = loaded.search(SearchQuery(text="tra", per_page=100))
    pages = []
    for page in range(1, 5):
        result = loaded.search(SearchQuery(text="tra", page=page, per_page=3))
        assert result.total == everything.total
        pages += result.ids
    assert pages == everything.ids[:12]
    beyond = loaded.search(SearchQuery(text="tra", page=50, per_page=100))
    assert beyond.ids == []
    assert beyond.total == everything.total


@pytest.mark.parametrize(
    ("options", "field", "code"),
    [
        ({"page": 0}, "page", "out_of_range"),
        ({"page": -1}, "page", "out_of_range"),
        ({"page": "2"}, "page", "not_integer"),
        ({"page": True}, "page", "not_integer"),
        ({"per_page": 0}, "per_page", "out_of_range"),
        ({"per_page": 101}, "per_page", "out_of_range"),
        ({"page": 101, "per_page": 100}, "page", "too_deep"),
        ({"page": 10_001}, "page", "out_of_range"),
        ({"sort": "cheapest"}, "sort", "unknown"),
        ({"sort": ""}, "sort", "unknown"),
        ({"min_price": -1}, "min_price", "out_of_range"),
        ({"max_price": 10**13}, "max_price", "out_of_range"),
        ({"min_price": 5, "max_price": 4}, "max_price", "below_min"),
        ({"min_price": 1.5}, "min_price", "not_integer"),
        ({"min_stars": 6}, "min_stars", "out_of_range"),
        ({"min_stars": 0}, "min_stars", "out_of_range"),
        ({"category": "x" * 101}, "category", "invalid"),
        ({"province": "\ud800"}, "province", "invalid"),
        ({"certification": "ocop\x00"}, "certification", "invalid"),
        ({"text": None}, "text", "invalid"),
    ],
)
def test_bad_parameters_raise_invalid_query(
    loaded: SearchBackend, options: dict[str, object], field: str, code: str
) -> None:
    with pytest.raises(InvalidQuery) as caught:
        loaded.search(SearchQuery(**options))  # type: ignore[arg-type]
    assert (caught.value.field, caught.value.code) == (field, code)
    assert isinstance(caught.value, ValueError)


def test_the_deepest_allowed_page_works(loaded: SearchBackend) -> None:
    result = loaded.search(SearchQuery(page=100, per_page=100))
    assert result.ids == []
    assert result.total == len(CATALOG)
