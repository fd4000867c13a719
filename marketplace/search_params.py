"""Turn request parameters into a SearchQuery, with a clear message for each bad value.

Shared by the search page and the JSON API; no Flask here, only a mapping of strings.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from catalog import regions
from catalog.search import InvalidQuery, SearchQuery
from catalog.search.base import MAX_FILTER_CHARS, MAX_QUERY_CHARS, SORTS

PARAMETERS = (
    "q",
    "category",
    "province",
    "min_stars",
    "certification",
    "min_price",
    "max_price",
    "sort",
    "page",
    "per_page",
)
FILTERS = ("category", "province", "min_stars", "certification", "min_price", "max_price")
CERTIFICATIONS = ("ocop", "vietgap", "globalgap", "organic")
DEFAULT_PER_PAGE = 24
# Prices may be written with thousands separators: "150.000", "150,000", "150 000".
_PRICE = re.compile(r"[0-9]{1,3}(?:[., ][0-9]{3})+|[0-9]+")
_INTEGER = re.compile(r"[0-9]{1,6}")


def parse(args: Mapping[str, str], per_page: int = DEFAULT_PER_PAGE) -> SearchQuery:
    """Return the validated query these parameters ask for, or raise InvalidQuery."""
    query = SearchQuery(
        text=args.get("q", "")[: MAX_QUERY_CHARS * 4],
        category=_text(args, "category"),
        province=_province(args.get("province", "")),
        min_stars=_integer(args, "min_stars"),
        certification=_certification(args.get("certification", "")),
        min_price=_price(args, "min_price"),
        max_price=_price(args, "max_price"),
        sort=_sort(args.get("sort", "")),
        page=_default(_integer(args, "page"), 1),
        per_page=_default(_integer(args, "per_page"), per_page),
    )
    return query.validated()


def _default(value: int | None, default: int) -> int:
    """Return `value`, or `default` when it was not given (0 stays 0, to be refused)."""
    return default if value is None else value


def _text(args: Mapping[str, str], name: str) -> str | None:
    """Return a short filter text, None when absent."""
    value = args.get(name, "").strip()
    if not value:
        return None
    if len(value) > MAX_FILTER_CHARS or not value.isprintable():
        raise InvalidQuery(name, "invalid", f"{name} must be a short text")
    return value


def _integer(args: Mapping[str, str], name: str) -> int | None:
    """Return a whole number parameter, None when absent (range checks come later)."""
    value = args.get(name, "").strip()
    if not value:
        return None
    if not _INTEGER.fullmatch(value):
        raise InvalidQuery(name, "not_integer", f"{name} must be a whole number")
    return int(value)


def _price(args: Mapping[str, str], name: str) -> int | None:
    """Return a price in whole đồng, None when absent."""
    value = args.get(name, "").strip().removesuffix("₫").removesuffix("đ").strip()
    if not value:
        return None
    if len(value) > 20 or not _PRICE.fullmatch(value):
        raise InvalidQuery(name, "not_integer", f"{name} must be a whole number of đồng")
    return int(re.sub(r"[^0-9]", "", value))


def _province(value: str) -> str | None:
    """Return the short name of a province given by short name, full name or code."""
    value = value.strip()
    if not value:
        return None
    region = None
    if _INTEGER.fullmatch(value) and len(value) <= 3:
        region = regions.province(int(value))
    elif len(value) <= MAX_FILTER_CHARS and value.isprintable():
        region = regions.match_province(value)
    if region is None:
        raise InvalidQuery("province", "unknown", "province must name one of the 34 provinces")
    return region.short_name


def _certification(value: str) -> str | None:
    """Return a certification kind, None when absent."""
    value = value.strip().lower()
    if not value:
        return None
    if value not in CERTIFICATIONS:
        raise InvalidQuery(
            "certification", "unknown", f"certification must be one of {', '.join(CERTIFICATIONS)}"
        )
    return value


def _sort(value: str) -> str:
    """Return a known sort order (relevance when absent)."""
    value = value.strip()
    if not value:
        return "relevance"
    if value not in SORTS:
        raise InvalidQuery("sort", "unknown", f"sort must be one of {', '.join(SORTS)}")
    return value


def active_filters(query: SearchQuery) -> dict[str, str]:
    """Return the filters a query applies, as URL parameter strings."""
    found = {}
    for name in FILTERS:
        value = getattr(query, name)
        if value is not None:
            found[name] = str(value)
    return found
