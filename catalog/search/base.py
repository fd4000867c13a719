"""The search interface every backend implements: documents, queries, results, errors."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Literal, Protocol, runtime_checkable

Sort = Literal["relevance", "price_asc", "price_desc", "newest"]
SORTS: tuple[str, ...] = ("relevance", "price_asc", "price_desc", "newest")
FACETS: tuple[str, ...] = ("category", "province", "ocop_stars", "certification")

MAX_PER_PAGE = 100
# Elasticsearch refuses from + size beyond 10,000 (index.max_result_window); both backends
# share the limit so a deep page behaves the same everywhere.
MAX_WINDOW = 10_000
MAX_PRICE = 10**12
# Longer input is cut rather than refused: a pasted paragraph still finds something.
MAX_QUERY_CHARS = 200
MAX_QUERY_WORDS = 12
MAX_FILTER_CHARS = 100


class InvalidQuery(ValueError):
    """A query parameter is out of range; `field` and `code` say which and why."""

    def __init__(self, field: str, code: str, message: str = "") -> None:
        super().__init__(message or f"{field}: {code}")
        self.field = field
        self.code = code


class SearchUnavailable(RuntimeError):
    """The search server cannot be reached; the caller should say so and retry later."""


@dataclass(frozen=True, slots=True)
class ProductDoc:
    """What the index knows of one product: only active products of approved stalls."""

    id: int
    name: str
    description: str
    category: str  # display name of the product's own category
    # The product's own category slug first, then its ancestors', so that filtering by a
    # group also finds the products of its sub-categories.
    category_slugs: list[str]
    stall_slug: str
    stall_name: str
    farm_name: str
    province: str  # short name, e.g. "Phú Thọ"; "" when unknown
    price_vnd: int
    in_stock: bool
    ocop_stars: int | None  # verified certificates only
    certifications: list[str]
    created_at: datetime  # timezone-aware


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """What a shopper asks for; call `validated()` before trusting the numbers."""

    text: str = ""
    category: str | None = None  # category slug
    province: str | None = None  # province short name
    min_stars: int | None = None
    certification: str | None = None
    min_price: int | None = None
    max_price: int | None = None
    sort: str = "relevance"
    page: int = 1
    per_page: int = 24

    def validated(self) -> SearchQuery:
        """Return a copy with text cut to size, or raise InvalidQuery for a bad parameter."""
        _check_int("page", self.page, 1, MAX_WINDOW)
        _check_int("per_page", self.per_page, 1, MAX_PER_PAGE)
        if self.page * self.per_page > MAX_WINDOW:
            raise InvalidQuery("page", "too_deep", f"page * per_page must be <= {MAX_WINDOW}")
        if self.sort not in SORTS:
            raise InvalidQuery("sort", "unknown", f"sort must be one of {', '.join(SORTS)}")
        if self.min_stars is not None:
            _check_int("min_stars", self.min_stars, 1, 5)
        for name in ("min_price", "max_price"):
            value = getattr(self, name)
            if value is not None:
                _check_int(name, value, 0, MAX_PRICE)
        if (
            self.min_price is not None
            and self.max_price is not None
            and self.min_price > self.max_price
        ):
            raise InvalidQuery("max_price", "below_min", "max_price must be >= min_price")
        for name in ("category", "province", "certification"):
            value = getattr(self, name)
            if value is not None and not _is_short_text(value):
                raise InvalidQuery(name, "invalid", f"{name} must be a short text")
        if not isinstance(self.text, str):
            raise InvalidQuery("text", "invalid", "text must be a string")
        return replace(
            self,
            text=self.text[: MAX_QUERY_CHARS * 4],
            category=self.category or None,
            province=self.province or None,
            certification=self.certification or None,
        )

    @property
    def offset(self) -> int:
        """Index of the first result of this page."""
        return (self.page - 1) * self.per_page


def _is_short_text(value: object) -> bool:
    """Return whether `value` is printable text that fits a filter and encodes as UTF-8."""
    if not isinstance(value, str) or len(value) > MAX_FILTER_CHARS or not value.isprintable():
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates
        return False
    return True


def _check_int(name: str, value: object, low: int, high: int) -> None:
    """Raise InvalidQuery unless `value` is an int (not a bool) within [low, high]."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidQuery(name, "not_integer", f"{name} must be a whole number")
    if not low <= value <= high:
        raise InvalidQuery(name, "out_of_range", f"{name} must be between {low} and {high}")


@dataclass(frozen=True, slots=True)
class SearchResult:
    """One page of product ids in rank order, the total match count and facet counts."""

    ids: list[int]
    total: int
    # Keys: "category" (slugs), "province", "ocop_stars" ("3".."5"), "certification";
    # values are (value, count) sorted by count descending then value, counted over every
    # match with all filters applied.
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    suggestion: str | None = None  # "did you mean" text when (almost) nothing matched


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A search-box completion: a product (key = id), category (slug) or stall (slug)."""

    kind: Literal["product", "category", "stall"]
    label: str
    key: str


@runtime_checkable
class SearchBackend(Protocol):
    """A product index that both the embedded and the Elasticsearch backends implement."""

    def index(self, docs: Iterable[ProductDoc]) -> None:
        """Add or replace these documents."""
        ...

    def remove(self, ids: Iterable[int]) -> None:
        """Remove these product ids; unknown ids are ignored."""
        ...

    def search(self, query: SearchQuery) -> SearchResult:
        """Return one page of matches; raise InvalidQuery or SearchUnavailable only."""
        ...

    def suggest(self, text: str, limit: int = 8) -> list[Suggestion]:
        """Return up to `limit` completions of what the shopper is typing."""
        ...

    def clear(self) -> None:
        """Remove every document."""
        ...

    def stale(self) -> bool:
        """Return whether the index has an older document layout and needs a `rebuild`."""
        ...

    def count(self) -> int:
        """Return the number of indexed documents."""
        ...

    def rebuild(
        self, docs: Iterable[ProductDoc], progress: Callable[[int], None] | None = None
    ) -> None:
        """Replace the whole index with `docs`, serving the old one until the new is ready."""
        ...


def empty_facets() -> dict[str, list[tuple[str, int]]]:
    """Return the facet mapping with every key present and no values."""
    return {name: [] for name in FACETS}
