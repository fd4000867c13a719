"""The Elasticsearch backend beyond the contract: aliases, templates, outages."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from elasticsearch import Elasticsearch

from catalog.search import ElasticsearchBackend, SearchQuery, SearchUnavailable, make_backend
from tests.catalog.search.catalog_data import CATALOG


@pytest.fixture
def elastic(noida_url: str) -> Iterator[ElasticsearchBackend]:
    """Return an empty Elasticsearch backend on the session's noida-db."""
    backend = make_backend("elasticsearch", url=noida_url, index="chophien-test-elastic")
    assert isinstance(backend, ElasticsearchBackend)
    backend.drop()
    yield backend
    backend.drop()


def test_documents_live_behind_an_alias_made_from_the_template(
    elastic: ElasticsearchBackend,
) -> None:
    elastic.index(CATALOG[:3])
    es: Elasticsearch = elastic.es
    (physical,) = es.indices.get_alias(name=elastic.alias).body
    assert physical.startswith(elastic.alias + "-")
    assert es.indices.exists_index_template(name=elastic.alias)
    analysis = es.indices.get_settings(index=physical)[physical]["settings"]["index"]["analysis"]
    assert "đ=>d" in analysis["char_filter"]["vi_d"]["mappings"]
    tokens = es.indices.analyze(index=physical, analyzer="vi_folded", text="Đồng Tháp")
    assert [t["token"] for t in tokens["tokens"]] == ["dong", "thap"]


def test_rebuild_swaps_the_alias_and_drops_the_old_index(elastic: ElasticsearchBackend) -> None:
    elastic.index(CATALOG[:10])
    es: Elasticsearch = elastic.es
    (before,) = es.indices.get_alias(name=elastic.alias).body
    during: list[list[str]] = []
    elastic.rebuild(
        CATALOG,
        progress=lambda done: during.append(list(es.indices.get_alias(name=elastic.alias).body)),
    )
    (after,) = es.indices.get_alias(name=elastic.alias).body
    assert after != before
    assert all(names == [before] for names in during)  # the alias moved only at the end
    assert not es.indices.exists(index=before)
    assert elastic.count() == len(CATALOG)


def _closed_port() -> int:
    """Return a loopback port with nothing listening."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_an_unreachable_cluster_raises_search_unavailable() -> None:
    backend = ElasticsearchBackend(
        f"http://127.0.0.1:{_closed_port()}", index="nowhere", request_timeout=0.5
    )
    for call in (
        lambda: backend.search(SearchQuery(text="mat ong")),
        lambda: backend.index(CATALOG[:1]),
        lambda: backend.remove([1]),
        lambda: backend.suggest("mat"),
        backend.count,
        backend.clear,
        lambda: backend.rebuild(CATALOG[:1]),
    ):
        with pytest.raises(SearchUnavailable):
            call()


def test_a_lost_index_is_recreated(elastic: ElasticsearchBackend) -> None:
    elastic.index(CATALOG[:3])
    for name in list(elastic.es.indices.get_alias(name=elastic.alias).body):
        elastic.es.indices.delete(index=name)
    with pytest.raises(SearchUnavailable):
        elastic.search(SearchQuery())
    assert elastic.search(SearchQuery()).total == 0
    elastic.index(CATALOG[:2])
    assert elastic.count() == 2


def test_an_index_of_an_older_layout_is_stale_until_rebuilt(elastic: ElasticsearchBackend) -> None:
    es: Elasticsearch = elastic.es
    assert not elastic.stale()
    (current,) = es.indices.get_alias(name=elastic.alias).body
    # An index the previous release made: its name carries no schema version.
    old = f"{elastic.alias}-20250101000000-000000001"
    es.indices.create(index=old)
    es.indices.update_aliases(
        actions=[
            {"remove": {"index": current, "alias": elastic.alias}},
            {"add": {"index": old, "alias": elastic.alias}},
        ]
    )
    es.indices.delete(index=current)
    assert elastic.stale()
    elastic.rebuild(CATALOG)
    assert not elastic.stale()
    assert not es.indices.exists(index=old)
    assert {4} == set(elastic.search(SearchQuery(text="buoi phu tho")).ids)
