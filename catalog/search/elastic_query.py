"""Elasticsearch query DSL for the ranking model in `analysis`.

Every scoring clause is a ``constant_score`` with an integer boost, so Elasticsearch
computes exactly the numbers the embedded backend does (no BM25, whose statistics differ
between shards, indices and engines). Only query types seen working on both noida-db and
Elasticsearch 8 are used: bool, dis_max, constant_score, match (with fuzziness), term,
terms, range, terms aggregations and the term suggester.
"""

from __future__ import annotations

from typing import Any

from catalog.search.analysis import (
    ACCENT,
    EXACT,
    FUZZY,
    FUZZY_MAX_EXPANSIONS,
    GROUP_WEIGHTS,
    IN_STOCK_BOOST,
    PREFIX,
    QueryWord,
)
from catalog.search.base import SearchQuery
from catalog.search.elastic_mapping import GROUP_FIELDS

Query = dict[str, Any]
FACET_AGGS: dict[str, Any] = {
    "category": {"terms": {"field": "category_slugs", "size": 1000}},
    "province": {"terms": {"field": "province", "size": 200}},
    "ocop_stars": {"terms": {"field": "stars", "size": 10}},
    "certification": {"terms": {"field": "certifications", "size": 100}},
}
TIE_BREAK = [{"created": {"order": "desc"}}, {"id": {"order": "desc"}}]
SORTS: dict[str, list[Any]] = {
    "relevance": [{"_score": {"order": "desc"}}, *TIE_BREAK],
    "newest": TIE_BREAK,
    "price_asc": [{"price": {"order": "asc"}}, *TIE_BREAK],
    "price_desc": [{"price": {"order": "desc"}}, *TIE_BREAK],
}


def constant(query: Query, boost: int) -> Query:
    """Return `query` as a yes/no clause worth exactly `boost`."""
    return {"constant_score": {"filter": query, "boost": boost}}


def any_field(fields: tuple[str, ...], clause: Any) -> Query:
    """Return a query true when `clause(field)` is true for any of `fields`."""
    if len(fields) == 1:
        return clause(fields[0])
    return {"bool": {"should": [clause(f) for f in fields], "minimum_should_match": 1}}


def word_query(word: QueryWord) -> Query:
    """Return the query scoring one word: the best field group's sum of matching kinds."""
    groups = []
    for group, weight in GROUP_WEIGHTS.items():
        fields = GROUP_FIELDS[group]
        kinds = [
            (EXACT, lambda f: {"match": {f: {"query": word.folded}}}),
        ]
        if word.accent:
            kinds.append((ACCENT, lambda f: {"match": {f + ".exact": {"query": word.accent}}}))
        if word.prefix:
            kinds.append((PREFIX, lambda f: {"match": {f + ".prefix": {"query": word.folded}}}))
        if word.fuzzy:
            kinds.append(
                (
                    FUZZY,
                    lambda f: {
                        "match": {
                            f: {
                                "query": word.folded,
                                "fuzziness": 1,
                                "prefix_length": 0,
                                "max_expansions": FUZZY_MAX_EXPANSIONS,
                                "fuzzy_transpositions": True,
                            }
                        }
                    },
                )
            )
        clauses = [constant(any_field(fields, make), weight * kind) for kind, make in kinds]
        groups.append({"bool": {"should": clauses, "minimum_should_match": 1}})
    return {"dis_max": {"queries": groups, "tie_breaker": 0}}


def filters(query: SearchQuery) -> list[Query]:
    """Return filter clauses for the query's filters."""
    result: list[Query] = []
    if query.category is not None:
        result.append({"term": {"category_slugs": query.category}})
    if query.province is not None:
        result.append({"term": {"province": query.province}})
    if query.min_stars is not None:
        result.append({"range": {"stars": {"gte": query.min_stars}}})
    if query.certification is not None:
        result.append({"term": {"certifications": query.certification}})
    price: dict[str, int] = {}
    if query.min_price is not None:
        price["gte"] = query.min_price
    if query.max_price is not None:
        price["lte"] = query.max_price
    if price:
        result.append({"range": {"price": price}})
    return result


def boosts() -> list[Query]:
    """Return optional clauses adding the in-stock and verified-stars boosts."""
    stars = [constant({"range": {"stars": {"gte": n}}}, 1) for n in (3, 4, 5)]
    return [constant({"term": {"in_stock": True}}, IN_STOCK_BOOST), *stars]


def search_query(query: SearchQuery, words: list[QueryWord]) -> Query:
    """Return the query of a search: every word must match, filters apply, boosts add."""
    if not words:
        return {"bool": {"filter": filters(query)}}
    return {
        "bool": {
            "must": [word_query(word) for word in words],
            "should": boosts(),
            "filter": filters(query),
        }
    }


def completion(field: str, words: list[QueryWord]) -> Query:
    """Return a query for products whose `field` has every word (the last as a prefix)."""
    return {"bool": {"filter": [_completion(field, word) for word in words]}}


def _completion(field: str, word: QueryWord) -> Query:
    """Return the clause for one word of a completion."""
    if word.prefix:
        return {"match": {field + ".prefix": {"query": word.folded}}}
    return {"match": {field: {"query": word.folded}}}


def term_suggester(words: list[QueryWord]) -> dict[str, Any]:
    """Return term-suggester requests for the words "did you mean" may correct."""
    return {
        f"w{i}": {
            "text": word.folded,
            "term": {
                "field": "all",
                "suggest_mode": "missing",
                "max_edits": 2,
                "min_word_length": 3,
                "prefix_length": 0,
                "size": 20,
                "string_distance": "damerau_levenshtein",
            },
        }
        for i, word in enumerate(words)
        if len(word.folded) >= 3
    }
