"""Index consistency: the outbox, its drain after commit, outages, `search sync|reindex|status`."""

from __future__ import annotations

import socket
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from catalog import services as catalog
from catalog.models import ProductStatus
from catalog.search import ProductDoc, SqliteBackend
from catalog.search.outbox import SearchOutbox
from marketplace.app import create_app
from marketplace.extensions import get_database
from marketplace.stalls.models import StallStatus
from tests.factories import make_certificate, make_product, make_stall, make_user
from tests.marketplace.search_market import build, indexed_doc

OLD_DOC = ProductDoc(
    id=999_999,
    name="Gạo cũ",
    description="",
    category="",
    category_slugs=[],
    stall_slug="x",
    stall_name="x",
    farm_name="",
    province="",
    price_vnd=1,
    in_stock=True,
    ocop_stars=None,
    certifications=[],
    created_at=datetime(2025, 1, 1, tzinfo=UTC),
)


def found(client, query: str = "") -> list[str]:
    response = client.get("/api/v1/products", query_string={"q": query, "per_page": 100})
    assert response.status_code == 200, response.get_data(as_text=True)
    return [item["sku"] for item in response.get_json()["items"]]


def queued(session) -> int:
    """Return how many distinct products wait in the outbox (with the rebuild marker)."""
    return session.scalar(select(func.count(func.distinct(SearchOutbox.product_id)))) or 0


def test_a_product_change_reaches_the_index_after_commit(client, db_session):
    stall = make_stall(db_session)
    product = make_product(db_session, stall, sku="A1", name="Mật ong hoa nhãn")
    assert found(client, "mat ong") == []  # not committed yet: not visible
    db_session.commit()
    assert found(client, "mat ong") == ["A1"]
    assert queued(db_session) == 0  # drained
    product.name = "Cà phê Buôn Ma Thuột"
    db_session.commit()
    assert found(client, "mat ong") == [] and found(client, "ca phe") == ["A1"]
    catalog.set_status(db_session, product, ProductStatus.HIDDEN)
    db_session.commit()
    assert found(client, "ca phe") == []


def test_a_rolled_back_change_queues_nothing(client, db_session):
    stall = make_stall(db_session)
    make_product(db_session, stall, sku="A1")
    db_session.rollback()
    assert queued(db_session) == 0 and found(client) == []


def test_only_active_products_of_approved_stalls_are_indexed(client, db_session):
    approved = make_stall(db_session)
    pending = make_stall(db_session, status=StallStatus.PENDING)
    make_product(db_session, approved, sku="OK", status="active")
    make_product(db_session, approved, sku="DRAFT", status="draft")
    make_product(db_session, pending, sku="WAIT", status="active")
    db_session.commit()
    assert found(client) == ["OK"]


def test_suspending_a_stall_removes_its_products(client, db_session, app):
    market = build(db_session)
    db_session.commit()
    assert len(found(client)) == 5
    market.stalls["tea"].status = StallStatus.SUSPENDED
    db_session.commit()
    assert sorted(found(client)) == ["BUOI-1", "MO-1", "MO-2"]
    assert indexed_doc(app, market.products["tea"].id) is None
    market.stalls["tea"].status = StallStatus.APPROVED
    market.stalls["honey"].name = "Tổ ong Sa Pa"
    db_session.commit()
    assert len(found(client)) == 5 and sorted(found(client, "sa pa")) == ["MO-1", "MO-2"]


def test_verifying_a_certificate_updates_the_stars_in_the_index(client, db_session):
    stall = make_stall(db_session)
    admin = make_user(db_session)
    product = make_product(db_session, stall, sku="S1")
    certificate = make_certificate(db_session, stall, product, stars=5)
    db_session.commit()
    assert client.get("/api/v1/products?min_stars=5").get_json()["total"] == 0
    catalog.review_certificate(db_session, certificate, admin.id, verified=True)
    db_session.commit()
    data = client.get("/api/v1/products?min_stars=5").get_json()
    assert [item["sku"] for item in data["items"]] == ["S1"]
    assert data["facets"]["ocop_stars"] == [{"value": 5, "count": 1}]


def test_stock_taken_by_a_bulk_update_follows_in_the_index(app, db_session):
    stall = make_stall(db_session)
    product = make_product(db_session, stall, stock=3)
    db_session.commit()
    assert indexed_doc(app, product.id)[0] == 1
    assert catalog.adjust_stock(db_session, product.id, -3) == 0  # UPDATE … WHERE id = …
    db_session.commit()
    assert indexed_doc(app, product.id)[0] == 0
    catalog.adjust_stock(db_session, product.id, 5)
    db_session.commit()
    assert indexed_doc(app, product.id)[0] == 1


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def down_app(database_url, tmp_path):
    """An app whose Elasticsearch is configured but not running."""
    app = create_app(
        {
            "TESTING": True,
            "RAISE_ERRORS": True,
            "SECRET_KEY": "test",
            "DATABASE_URL": database_url,
            "INSTANCE_PATH": str(tmp_path / "down"),
            "PUBLIC_BASE_URL": "http://market.test",
            "SEARCH_BACKEND": "elasticsearch",
            "ELASTICSEARCH_URL": f"http://127.0.0.1:{_closed_port()}",
        }
    )
    yield app
    get_database(app).engine.dispose()


def test_an_outage_shows_unavailable_keeps_the_queue_and_sync_catches_up(
    app, down_app, caplog, tmp_path
):
    with get_database(down_app).new_session() as session:
        build(session)
        session.commit()  # the drain fails: the rows stay
        assert queued(session) == 5
    assert "search index unavailable" in caplog.text
    client = down_app.test_client()
    page = client.get("/tim-kiem?q=mat+ong")
    assert page.status_code == 503
    text = page.get_data(as_text=True).lower()
    assert "site-header" in text and ("temporarily unavailable" in text or "tạm thời" in text)
    api = client.get("/api/v1/products?q=mat")
    assert api.status_code == 503 and api.headers["Retry-After"] == "30"
    assert client.get("/api/v1/suggest?q=mat").status_code == 503
    assert client.get("/").status_code == 200  # the rest of the market works
    runner = down_app.test_cli_runner()
    failed = runner.invoke(args=["search", "sync"])
    assert failed.exit_code != 0 and "unavailable" in failed.output
    assert runner.invoke(args=["search", "status"]).exit_code == 1
    # The search server is back (here: the embedded index): the queue catches up.
    service = down_app.extensions["search"]
    back = SqliteBackend(tmp_path / "back.db")
    back.index([OLD_DOC])  # it comes back with what it held before the outage
    service.kind, service.options, service._backend = "sqlite", {"path": back.path}, back
    result = runner.invoke(args=["search", "sync"])
    assert result.exit_code == 0, result.output
    assert "5 updated" in result.output
    assert sorted(found(client, "mat ong")) == ["MO-1", "MO-2"]
    with get_database(down_app).new_session() as session:
        assert queued(session) == 0


def test_reindex_rebuilds_the_index_and_status_reports_it(app, db_session, runner):
    build(db_session)
    db_session.commit()
    backend = app.extensions["search"].backend
    backend.clear()
    assert backend.count() == 0
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert "5 products indexed" in result.output and backend.count() == 5
    status = runner.invoke(args=["search", "status"])
    assert status.exit_code == 0
    assert "indexed: 5" in status.output and "queued updates: 0" in status.output
    backend.clear()
    assert "rebuilding" in runner.invoke(args=["search", "sync"]).output
    assert backend.count() == 5


def test_changes_made_while_a_reindex_runs_wait_for_it(app, db_session, runner):
    from marketplace import search_sync

    stall = make_stall(db_session)
    make_product(db_session, stall, sku="OLD")
    db_session.commit()
    service = app.extensions["search"]
    original = service.backend.rebuild

    def slow_rebuild(docs, progress=None):
        original(docs, progress)
        # A seller saves a product while the new index is being built.
        with get_database(app).new_session() as session:
            make_product(session, stall, sku="NEW")
            session.commit()
            assert queued(session) == 2  # the marker and the new product: not drained

    service.backend.rebuild = slow_rebuild
    done = service.reindex()
    assert done.indexed == 1
    assert sorted(found(app.test_client())) == ["NEW", "OLD"]
    with get_database(app).new_session() as session:
        assert queued(session) == 0 and search_sync.pending(session) == 0
