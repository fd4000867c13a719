"""Search-box completions and "did you mean" for the Elasticsearch backend.

Both follow the embedded backend's rules (see `fts5_read`): completions list matching
categories and stalls (most products first), then product names; "did you mean" replaces
words found nowhere in the index by the term suggester's closest frequent word.
"""

from __future__ import annotations

from dataclasses import replace

from elasticsearch import Elasticsearch

from catalog.search.analysis import QueryWord, did_you_mean, query_words
from catalog.search.base import SearchQuery, Suggestion
from catalog.search.elastic_mapping import SEPARATOR
from catalog.search.elastic_query import SORTS, completion, search_query, term_suggester

LABELS = (
    # kind, text field, keyword field holding "slug<SEPARATOR>name", most shown
    ("category", "category", "category_key", 2),
    ("stall", "stall", "stall_key", 2),
)


def completions(
    es: Elasticsearch, alias: str, words: list[QueryWord], limit: int
) -> list[Suggestion]:
    """Return up to `limit` completions of `words`: categories, stalls, then products."""
    result: list[Suggestion] = []
    for kind, field, key, cap in LABELS:
        size = min(cap, limit - len(result))
        if size <= 0:
            continue
        order = [{"_count": "desc"}, {"_key": "asc"}]
        response = es.search(
            index=alias,
            size=0,
            query=completion(field, words),
            aggs={"labels": {"terms": {"field": key, "size": size, "order": order}}},
        )
        for bucket in response["aggregations"]["labels"]["buckets"]:
            slug, _, label = str(bucket["key"]).partition(SEPARATOR)
            result.append(Suggestion(kind=kind, label=label, key=slug))  # type: ignore[arg-type]
    remaining = limit - len(result)
    if remaining > 0:
        response = es.search(
            index=alias,
            query=completion("name", words),
            sort=[{"boost": {"order": "desc"}}, *SORTS["newest"]],
            size=remaining,
            source=["label"],
        )
        for hit in response["hits"]["hits"]:
            result.append(Suggestion(kind="product", label=hit["_source"]["label"], key=hit["_id"]))
    return result


def correct(
    es: Elasticsearch, alias: str, query: SearchQuery, words: list[QueryWord], total: int
) -> str | None:
    """Return the query with unknown words corrected, if that finds more than `total`."""
    requests = term_suggester(words)
    if not requests:
        return None
    found = es.search(index=alias, size=0, suggest=requests)["suggest"]

    def options(i: int, _: QueryWord) -> list[tuple[str, int]]:
        entries = found.get(f"w{i}") or []
        return [(o["text"], int(o["freq"])) for o in (entries[0]["options"] if entries else [])]

    def count(text: str) -> int:
        matches = search_query(replace(query, text=text), query_words(text))
        return int(es.count(index=alias, query=matches)["count"])

    return did_you_mean(words, options, count, total)
