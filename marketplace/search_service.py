"""The app's search: its backend (from config), outbox draining after commits, retries.

``SEARCH_BACKEND=sqlite`` keeps the index in ``SEARCH_INDEX_PATH`` (default
``instance/search.db``); ``elasticsearch`` uses ``ELASTICSEARCH_URL`` and the alias
``ELASTICSEARCH_INDEX`` (default ``chophien-products``).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app
from sqlalchemy.orm import Session

from catalog.search import (
    SearchBackend,
    SearchQuery,
    SearchResult,
    SearchUnavailable,
    Suggestion,
    make_backend,
)
from marketplace import search_outbox, search_sync
from marketplace.catalog_queries import today
from marketplace.extensions import get_database
from marketplace.search_sync import Drained

log = logging.getLogger(__name__)
DEFAULT_ALIAS = "chophien-products"
RETRY_SECONDS = 30.0


def backend_options(config: dict[str, Any], instance_path: str) -> tuple[str, dict[str, Any]]:
    """Return the backend kind and its options from the app's configuration."""
    kind = str(config.get("SEARCH_BACKEND") or "sqlite").strip().lower()
    if kind == "sqlite":
        path = config.get("SEARCH_INDEX_PATH") or f"{instance_path}/search.db"
        return kind, {"path": path}
    if kind == "elasticsearch":
        url = config.get("ELASTICSEARCH_URL") or "http://127.0.0.1:9200"
        alias = config.get("ELASTICSEARCH_INDEX") or DEFAULT_ALIAS
        return kind, {"url": url, "index": alias}
    raise ValueError(f"SEARCH_BACKEND must be sqlite or elasticsearch, not {kind!r}")


class SearchService:
    """One app's search backend and outbox drain."""

    def __init__(self, kind: str, options: dict[str, Any], factory: Callable[[], Session]) -> None:
        self.kind = kind
        self.options = options
        self.factory = factory
        self._backend: SearchBackend | None = None
        self._lock = threading.Lock()
        self._down = False
        # Drain once early in each process: a crash may have left rows behind.
        self._retry_at: float | None = 0.0
        # Whether this process has checked the index's layout (see `drain`).
        self._layout_checked = False

    @property
    def backend(self) -> SearchBackend:
        """Return the backend, opening it on first use (SearchUnavailable if it cannot be)."""
        if self._backend is None:
            with self._lock:
                if self._backend is None:
                    try:
                        self._backend = make_backend(self.kind, **self.options)
                    except (sqlite3.Error, OSError) as exc:
                        raise SearchUnavailable(f"search index cannot be opened: {exc}") from exc
        return self._backend

    def search(self, query: SearchQuery) -> SearchResult:
        """Run a query (InvalidQuery for bad parameters, SearchUnavailable when down)."""
        return self.backend.search(query)

    def suggest(self, text: str, limit: int = 8) -> list[Suggestion]:
        """Return search-box completions."""
        return self.backend.suggest(text, limit)

    def drain(self) -> Drained:
        """Apply every queued update now; raise SearchUnavailable if the index is down.

        The first drain of a process rebuilds an index of an older layout (a new release
        indexes more fields): until then it lacks what the new code searches.
        """
        if not self._layout_checked:
            if self.backend.stale():
                log.warning("search index has an older layout; rebuilding it")
                self.reindex()
            self._layout_checked = True
        done = search_sync.drain(self.factory, self.backend, today())  # type: ignore[arg-type]
        if self._down:
            log.info("search index reachable again; %s queued updates applied", done.total)
        self._down = False
        self._retry_at = time.monotonic() + RETRY_SECONDS if done.paused else None
        return done

    def drain_quietly(self) -> Drained | None:
        """Drain, logging (once per outage) instead of raising: updates stay queued."""
        try:
            return self.drain()
        except SearchUnavailable as exc:
            if not self._down:
                log.warning("search index unavailable, updates stay queued: %s", exc)
            self._down = True
        except Exception:  # a failed drain must never fail the request that committed
            log.exception("search outbox drain failed; updates stay queued")
        self._retry_at = time.monotonic() + RETRY_SECONDS
        return None

    def retry_if_due(self) -> None:
        """Drain if an earlier drain failed (or none ran yet) and the retry time has come."""
        if self._retry_at is not None and time.monotonic() >= self._retry_at:
            self._retry_at = time.monotonic() + RETRY_SECONDS
            self.drain_quietly()

    def reindex(self, progress: Callable[[int], None] | None = None) -> Drained:
        """Rebuild the whole index from the database."""
        return search_sync.reindex(self.factory, self.backend, today(), progress)  # type: ignore[arg-type]

    def describe(self) -> str:
        """Return where the index lives, for operators."""
        where = self.options.get("path") or self.options.get("url")
        alias = self.options.get("index")
        return f"{self.kind} at {where}" + (f" (alias {alias})" if alias else "")


def init_app(app: Flask) -> None:
    """Give the app its search service and drain the outbox after each commit."""
    if "search" in app.extensions:
        return
    database = get_database(app)
    kind, options = backend_options(app.config, app.instance_path)
    service = SearchService(kind, options, database.factory)
    app.extensions["search"] = service
    search_outbox.install(database.factory, lambda _session: service.drain_quietly())

    @app.teardown_request
    def _retry(_exc: BaseException | None) -> None:
        service.retry_if_due()


def get_search(app: Flask | None = None) -> SearchService:
    """Return an app's search service (default: the current app's)."""
    return (app or current_app).extensions["search"]
