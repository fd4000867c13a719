"""Elasticsearch index settings, mappings and documents for the product index.

Text reaches Elasticsearch already split into words by `analysis.accent_text` (lower case,
NFC, tone marks on a canonical vowel), so a whitespace tokenizer sees exactly the words the
embedded backend sees. The analyzers then do what the embedded backend does in Python:

* ``vi_folded``: lowercase + asciifolding, after a ``mapping`` char filter for đ/Đ (and
  the look-alike ð/Ð), which Unicode decomposition and so asciifolding alone get wrong;
* ``vi_exact``: lowercase only, accents kept ("chè" is not "chế");
* ``vi_prefix``: ``vi_folded`` + edge n-grams (1-20) at index time only, for the
  half-typed last word; the query side uses ``vi_folded``.
"""

from __future__ import annotations

from typing import Any

from catalog.search.analysis import PREFIX_MAX_LENGTH, accent_text, doc_boost
from catalog.search.base import ProductDoc

SEPARATOR = "\x1f"
# Part of every versioned index's name; bump it when the mappings or documents change, so
# indices built before are reported stale and the app rebuilds them (alias swap, no downtime).
SCHEMA_VERSION = 2
# `province_text` is the province name as words, weighted like the stall and farm names;
# `province` stays a keyword for the filter and facet.
TEXT_FIELDS = ("name", "category", "stall", "farm", "province_text", "description")
GROUP_FIELDS = {
    "name": ("name",),
    "meta": ("category", "stall", "farm", "province_text"),
    "description": ("description",),
}

ANALYSIS: dict[str, Any] = {
    "char_filter": {
        "vi_d": {"type": "mapping", "mappings": ["đ=>d", "Đ=>D", "ð=>d", "Ð=>D"]},
    },
    "filter": {
        "vi_edge": {"type": "edge_ngram", "min_gram": 1, "max_gram": PREFIX_MAX_LENGTH},
    },
    "analyzer": {
        "vi_exact": {"type": "custom", "tokenizer": "whitespace", "filter": ["lowercase"]},
        "vi_folded": {
            "type": "custom",
            "tokenizer": "whitespace",
            "char_filter": ["vi_d"],
            "filter": ["lowercase", "asciifolding"],
        },
        "vi_prefix": {
            "type": "custom",
            "tokenizer": "whitespace",
            "char_filter": ["vi_d"],
            "filter": ["lowercase", "asciifolding", "vi_edge"],
        },
    },
}


def _text_field() -> dict[str, Any]:
    """Return the mapping of one searchable text field with its exact and prefix variants."""
    return {
        "type": "text",
        "analyzer": "vi_folded",
        "fields": {
            "exact": {"type": "text", "analyzer": "vi_exact"},
            "prefix": {"type": "text", "analyzer": "vi_prefix", "search_analyzer": "vi_folded"},
        },
    }


MAPPINGS: dict[str, Any] = {
    # Only mapped fields are indexed; `label` (the display name) rides along in _source.
    "dynamic": "false",
    "properties": {
        **{name: _text_field() for name in TEXT_FIELDS},
        # Every folded word of the product, for the "did you mean" term suggester.
        "all": {"type": "text", "analyzer": "vi_folded"},
        "id": {"type": "long"},
        "category_slugs": {"type": "keyword"},
        "category_key": {"type": "keyword"},
        "stall_key": {"type": "keyword"},
        "province": {"type": "keyword"},
        "certifications": {"type": "keyword"},
        "price": {"type": "long"},
        "in_stock": {"type": "boolean"},
        "stars": {"type": "integer"},
        "boost": {"type": "integer"},
        "created": {"type": "date", "format": "epoch_millis"},
    },
}


def index_settings(shards: int = 1, replicas: int | None = None) -> dict[str, Any]:
    """Return index settings: one shard keeps facet counts exact at marketplace sizes."""
    settings: dict[str, Any] = {"number_of_shards": shards, "analysis": ANALYSIS}
    if replicas is not None:
        settings["number_of_replicas"] = replicas
    return settings


def document(doc: ProductDoc) -> dict[str, Any]:
    """Return the _source Elasticsearch indexes for `doc`."""
    texts = {
        "name": accent_text(doc.name),
        "category": accent_text(doc.category or ""),
        "stall": accent_text(doc.stall_name or ""),
        "farm": accent_text(doc.farm_name or ""),
        "province_text": accent_text(doc.province or ""),
        "description": accent_text(doc.description or ""),
    }
    first_slug = doc.category_slugs[0] if doc.category_slugs else ""
    return {
        "id": int(doc.id),
        **texts,
        "all": " ".join(texts.values()),
        "category_slugs": list(dict.fromkeys(doc.category_slugs)),
        "category_key": first_slug + SEPARATOR + (doc.category or "") if first_slug else None,
        "stall_key": (
            doc.stall_slug + SEPARATOR + (doc.stall_name or "") if doc.stall_slug else None
        ),
        "province": doc.province or None,
        "certifications": sorted(set(doc.certifications)),
        "price": int(doc.price_vnd),
        "in_stock": bool(doc.in_stock),
        "stars": doc.ocop_stars or None,
        "boost": doc_boost(doc.in_stock, doc.ocop_stars),
        # Milliseconds, as the embedded backend stores them, so "newest" ties break alike.
        "created": int(doc.created_at.timestamp() * 1000),
        "label": doc.name,
    }
