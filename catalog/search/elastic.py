"""The Elasticsearch search backend, for markets that outgrow one machine.

Documents live in versioned indices (``<alias>-v<schema>-<timestamp>``) behind an alias;
every read and incremental write goes through the alias. `rebuild` fills a new index and
moves the alias in one ``update_aliases`` call (remove + add), so searches never see a
half-built index. An index template carries the settings and mappings for every versioned
index; an index of an older schema is `stale` until a rebuild replaces it.

Only features seen working on noida-db (the Elasticsearch 8.15 emulator CI uses) and on
real Elasticsearch are used; see `elastic_query`. Client note: the 9.x client only talks to
Elasticsearch 9 servers (and noida-db); pin ``elasticsearch<9`` for an 8.x cluster.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from elastic_transport import ConnectionError as TransportConnectionError
from elastic_transport import ConnectionTimeout, SerializationError, TransportError
from elasticsearch import ApiError, Elasticsearch, helpers

from catalog.search.analysis import query_words
from catalog.search.base import (
    FACETS,
    ProductDoc,
    SearchQuery,
    SearchResult,
    SearchUnavailable,
    Suggestion,
)
from catalog.search.elastic_mapping import MAPPINGS, SCHEMA_VERSION, document, index_settings
from catalog.search.elastic_query import FACET_AGGS, SORTS, search_query
from catalog.search.elastic_suggest import completions, correct

SUGGEST_BELOW = 3
_CHUNK = 500
_UNAVAILABLE_STATUS = {429, 500, 502, 503, 504}


class IndexMissing(SearchUnavailable):
    """The alias points nowhere; the backend recreates it on the next call."""


class ElasticsearchBackend:
    """Search over an Elasticsearch (or noida-db) cluster through alias `index`."""

    def __init__(
        self,
        url: str = "http://127.0.0.1:9200",
        index: str = "chophien-products",
        *,
        client: Elasticsearch | None = None,
        request_timeout: float = 3.0,
        bulk_timeout: float = 60.0,
        refresh: bool = True,
        replicas: int | None = None,
    ) -> None:
        self.alias = index
        self.refresh = refresh  # make writes searchable at once (the app indexes after commit)
        self.replicas = replicas
        self.bulk_timeout = bulk_timeout
        # Few, short retries: a shopper should see "temporarily unavailable" quickly.
        self.es = client or Elasticsearch(
            url, request_timeout=request_timeout, max_retries=1, retry_on_timeout=False
        )
        self._ready = False

    @contextlib.contextmanager
    def _guard(self) -> Iterator[None]:
        """Map client errors (see `_guard`) and forget the index if it vanished."""
        try:
            with _guard():
                yield
        except IndexMissing:
            self._ready = False
            raise

    # -- index management ----------------------------------------------------------------

    def _ensure(self) -> None:
        """Create the template, and the first index behind the alias, if missing."""
        if self._ready:
            return
        with self._guard():
            self.es.indices.put_index_template(
                name=self.alias,
                index_patterns=[f"{self.alias}-*"],
                template={"settings": self._settings(), "mappings": MAPPINGS},
                priority=200,
            )
            if not self.es.indices.exists_alias(name=self.alias):
                self._create(self._new_name(), alias=True)
        self._ready = True

    def _settings(self) -> dict[str, Any]:
        """Return this backend's index settings."""
        return index_settings(replicas=self.replicas)

    def _new_name(self) -> str:
        """Return a fresh versioned index name (it carries the layout's schema version)."""
        stamp = f"{time.strftime('%Y%m%d%H%M%S')}-{time.time_ns() % 10**9:09d}"
        return f"{self._prefix()}{stamp}"

    def _prefix(self) -> str:
        """Return the start of the names of indices with this code's layout."""
        return f"{self.alias}-v{SCHEMA_VERSION}-"

    def stale(self) -> bool:
        """Return whether the alias serves an index built for an older layout."""
        self._ensure()
        with self._guard():
            return any(not name.startswith(self._prefix()) for name in self._current())

    def _create(self, name: str, *, alias: bool) -> None:
        """Create index `name` (explicit settings too, in case an older template wins)."""
        self.es.indices.create(
            index=name,
            settings=self._settings(),
            mappings=MAPPINGS,
            aliases={self.alias: {}} if alias else None,
        )

    def _current(self) -> list[str]:
        """Return the indices the alias points to."""
        if not self.es.indices.exists_alias(name=self.alias):
            return []
        return list(self.es.indices.get_alias(name=self.alias).body)

    # -- writes --------------------------------------------------------------------------

    def index(self, docs: Iterable[ProductDoc]) -> None:
        """Add or replace these documents."""
        self._ensure()
        actions = (
            {"_op_type": "index", "_index": self.alias, "_id": str(d.id), "_source": document(d)}
            for d in docs
        )
        self._bulk(actions)

    def remove(self, ids: Iterable[int]) -> None:
        """Remove these product ids; unknown ids are ignored."""
        self._ensure()
        actions = ({"_op_type": "delete", "_index": self.alias, "_id": str(int(i))} for i in ids)
        self._bulk(actions)

    def _bulk(self, actions: Iterable[dict[str, Any]], target: str | None = None) -> int:
        """Send actions in chunks; return how many succeeded. Missing deletes are fine."""
        done = 0
        with self._guard():
            client = self.es.options(request_timeout=self.bulk_timeout)
            for ok, item in helpers.streaming_bulk(
                client,
                actions,
                chunk_size=_CHUNK,
                raise_on_error=False,
                refresh=self.refresh if target is None else False,
                max_retries=2,
            ):
                result = next(iter(item.values()))
                if not ok and result.get("status") != 404:
                    raise RuntimeError(f"Elasticsearch refused a document: {result}")
                done += 1
        return done

    def clear(self) -> None:
        """Remove every document."""
        self._ensure()
        with self._guard():
            self.es.delete_by_query(
                index=self.alias, query={"match_all": {}}, refresh=True, conflicts="proceed"
            )

    def rebuild(
        self, docs: Iterable[ProductDoc], progress: Callable[[int], None] | None = None
    ) -> None:
        """Fill a new index, then move the alias to it atomically and drop the old ones.

        Writes made through the alias while the rebuild runs land in the old index; the
        caller should replay them (the app's outbox does) after the rebuild.
        """
        self._ensure()
        name = self._new_name()
        with self._guard():
            self._create(name, alias=False)
            try:
                self.es.indices.put_settings(index=name, settings={"refresh_interval": "-1"})
                done = 0
                for batch in _chunks(docs, _CHUNK):
                    actions = [
                        {"_index": name, "_id": str(d.id), "_source": document(d)} for d in batch
                    ]
                    done += self._bulk(actions, target=name)
                    if progress is not None:
                        progress(done)
                self.es.indices.put_settings(index=name, settings={"refresh_interval": "1s"})
                self.es.indices.refresh(index=name)
                old = self._current()
                moves: list[dict[str, Any]] = [
                    {"remove": {"index": o, "alias": self.alias}} for o in old
                ]
                moves.append({"add": {"index": name, "alias": self.alias}})
                self.es.indices.update_aliases(actions=moves)
            except BaseException:
                with contextlib.suppress(Exception):
                    self.es.indices.delete(index=name)
                raise
            for o in old:
                with contextlib.suppress(ApiError):
                    self.es.indices.delete(index=o)

    def drop(self) -> None:
        """Delete the alias's indices and the template (for tests and uninstalling)."""
        with self._guard():
            for name in self._current():
                self.es.indices.delete(index=name)
            with contextlib.suppress(ApiError):
                self.es.indices.delete_index_template(name=self.alias)
        self._ready = False

    # -- reads ---------------------------------------------------------------------------

    def count(self) -> int:
        """Return the number of indexed documents."""
        self._ensure()
        with self._guard():
            return int(self.es.count(index=self.alias)["count"])

    def search(self, query: SearchQuery) -> SearchResult:
        """Return one page of matches; raise InvalidQuery or SearchUnavailable only."""
        query = query.validated()
        self._ensure()
        words = query_words(query.text)
        sort = SORTS["newest" if not words and query.sort == "relevance" else query.sort]
        with self._guard():
            response = self.es.search(
                index=self.alias,
                query=search_query(query, words),
                sort=sort,
                from_=query.offset,
                size=query.per_page,
                aggs=FACET_AGGS,
                track_total_hits=True,
                source=False,
            )
        total = int(response["hits"]["total"]["value"])
        ids = [int(hit["_id"]) for hit in response["hits"]["hits"]]
        facets = {name: _buckets(response["aggregations"][name]["buckets"]) for name in FACETS}
        suggestion = None
        if words and total < SUGGEST_BELOW:
            with self._guard():
                suggestion = correct(self.es, self.alias, query, words, total)
        return SearchResult(ids=ids, total=total, facets=facets, suggestion=suggestion)

    def suggest(self, text: str, limit: int = 8) -> list[Suggestion]:
        """Return up to `limit` completions: categories, stalls, then products."""
        if not isinstance(text, str) or limit < 1:
            return []
        words = query_words(text)
        if not words:
            return []
        self._ensure()
        with self._guard():
            return completions(self.es, self.alias, words, min(limit, 50))


def _buckets(buckets: list[dict[str, Any]]) -> list[tuple[str, int]]:
    """Return aggregation buckets as (value, count), by count then value."""
    pairs = [(str(b.get("key_as_string", b["key"])), int(b["doc_count"])) for b in buckets]
    pairs = [(value.removesuffix(".0"), count) for value, count in pairs]
    return sorted(pairs, key=lambda item: (-item[1], item[0]))


def _chunks(docs: Iterable[ProductDoc], size: int) -> Iterator[list[ProductDoc]]:
    """Yield lists of up to `size` documents."""
    batch: list[ProductDoc] = []
    for doc in docs:
        batch.append(doc)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


@contextlib.contextmanager
def _guard() -> Iterator[None]:
    """Turn an unreachable or overloaded cluster into SearchUnavailable."""
    try:
        yield
    except (TransportConnectionError, ConnectionTimeout) as exc:
        raise SearchUnavailable(f"Elasticsearch unreachable: {exc}") from exc
    except ApiError as exc:
        if exc.meta.status in _UNAVAILABLE_STATUS:
            raise SearchUnavailable(f"Elasticsearch unavailable: {exc}") from exc
        if exc.meta.status == 404 and "index_not_found" in str(exc.message):
            # The cluster lost the index (restarted without data): the next call recreates
            # it, and the app's reindex fills it.
            raise IndexMissing(f"Elasticsearch index missing: {exc}") from exc
        raise
    except (SerializationError, TransportError) as exc:
        raise SearchUnavailable(f"Elasticsearch failed: {exc}") from exc
