"""A release that changes what the index holds rebuilds an index of the older layout."""

from __future__ import annotations

import sqlite3
from contextlib import closing

from marketplace.app import create_app
from marketplace.extensions import get_database
from marketplace.search_service import get_search
from tests.factories import make_product, make_stall


def skus(client, query: str) -> list[str]:
    response = client.get("/api/v1/products", query_string={"q": query, "per_page": 100})
    assert response.status_code == 200, response.get_data(as_text=True)
    return [item["sku"] for item in response.get_json()["items"]]


def test_the_first_drain_after_an_upgrade_rebuilds_an_older_index(app, db_session):
    stall = make_stall(db_session, name="HTX Hoa Trung")  # in Thái Nguyên
    make_product(db_session, stall, sku="T1", name="Chè búp đặc biệt")
    db_session.commit()
    assert skus(app.test_client(), "che thai nguyen") == ["T1"]
    path = get_search(app).options["path"]
    # What an index written by the previous release looks like to this code.
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("UPDATE meta SET value = '1' WHERE key = 'schema'")

    keys = ("TESTING", "SECRET_KEY", "DATABASE_URL", "PUBLIC_BASE_URL", "RATELIMIT_STORAGE_URI")
    restarted = create_app(
        {**{key: app.config[key] for key in keys}, "INSTANCE_PATH": app.instance_path}
    )
    try:
        service = get_search(restarted)
        assert service.backend.stale() and service.backend.count() == 0
        client = restarted.test_client()
        client.get("/api/v1/products")  # the first request's teardown drains, which rebuilds
        assert not service.backend.stale()
        assert skus(client, "che thai nguyen") == ["T1"]
    finally:
        get_database(restarted).engine.dispose()
