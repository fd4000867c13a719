"""Product search: one interface (`base.SearchBackend`), an embedded and an Elasticsearch backend.

Pick one by name, as the app's ``SEARCH_BACKEND`` setting does::

    backend = make_backend("sqlite", path="instance/search.sqlite3")
    backend = make_backend("elasticsearch", url="http://127.0.0.1:9200", index="chophien-products")

This package imports nothing from the rest of the project, and nothing of Flask.
"""

from __future__ import annotations

from typing import Any

from catalog.search.base import (
    InvalidQuery,
    ProductDoc,
    SearchBackend,
    SearchQuery,
    SearchResult,
    SearchUnavailable,
    Suggestion,
)
from catalog.search.elastic import ElasticsearchBackend
from catalog.search.fts5 import SqliteBackend

BACKENDS: dict[str, type[Any]] = {
    "sqlite": SqliteBackend,
    "elasticsearch": ElasticsearchBackend,
}


def make_backend(kind: str, **options: Any) -> SearchBackend:
    """Return the backend registered as `kind` built with `options`; ValueError if unknown.

    Options: ``sqlite`` takes ``path`` (the index file); ``elasticsearch`` takes ``url``,
    ``index`` (the alias name), ``request_timeout``, ``refresh`` and ``replicas``.
    """
    try:
        factory = BACKENDS[kind]
    except KeyError:
        known = ", ".join(sorted(BACKENDS))
        raise ValueError(f"unknown search backend {kind!r}; use one of {known}") from None
    backend: SearchBackend = factory(**options)
    return backend


__all__ = [
    "BACKENDS",
    "ElasticsearchBackend",
    "InvalidQuery",
    "ProductDoc",
    "SearchBackend",
    "SearchQuery",
    "SearchResult",
    "SearchUnavailable",
    "SqliteBackend",
    "Suggestion",
    "make_backend",
]
