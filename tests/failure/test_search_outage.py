"""Elasticsearch goes down, the market keeps selling, changes queue up; it comes back, nothing lost.

A real noida-db server (the Elasticsearch emulator CI uses) is stopped in the middle of the test
and started again on the same port and data folder.
"""

from __future__ import annotations

import uuid

from catalog.models import Product, ProductStatus
from marketplace import search_sync
from marketplace.extensions import get_database
from marketplace.users.models import Role
from tests.conftest import csrf_token, login
from tests.factories import make_product, make_stall, make_user


def found(client, text: str) -> set[str]:
    """Return the SKUs the search API finds for a text."""
    response = client.get("/api/v1/products", query_string={"q": text, "per_page": 50})
    assert response.status_code == 200, response.get_data(as_text=True)
    return {item["sku"] for item in response.get_json()["items"]}


def queued(app) -> int:
    """Return how many product updates wait in the outbox."""
    with get_database(app).new_session() as session:
        return search_sync.pending(session)


def test_an_outage_loses_no_change(make_app, noida):
    index = f"chophien-outage-{uuid.uuid4().hex[:8]}"
    app = make_app(SEARCH_BACKEND="elasticsearch", ELASTICSEARCH_URL=noida.url,
                   ELASTICSEARCH_INDEX=index)  # fmt: skip
    runner, client = app.test_cli_runner(), app.test_client()
    with get_database(app).new_session() as session:
        owner = make_user(session, email="chu@example.com", role=Role.SELLER)
        stall = make_stall(session, owner=owner, slug="htx-doi-che")
        make_product(session, stall, sku="MAT-1", name="Mật ong bạc hà")
        hide_me = make_product(session, stall, sku="CHE-9", name="Chè shan tuyết")
        session.commit()
        slug, hide_id, stall_id = stall.slug, hide_me.id, stall.id
    assert runner.invoke(args=["search", "sync"]).exit_code == 0
    assert found(client, "mat ong") == {"MAT-1"}
    assert found(client, "shan tuyet") == {"CHE-9"}

    noida.stop()
    # The shop goes on: a seller hides a product over HTTP, another product is added.
    seller = app.test_client()
    assert login(seller, "chu@example.com").status_code == 302
    token = csrf_token(seller, f"/seller/{slug}/products")
    hidden = seller.post(f"/seller/{slug}/products/{hide_id}/status",
                         data={"status": "hidden", "csrf_token": token})  # fmt: skip
    assert hidden.status_code == 302
    with get_database(app).new_session() as session:
        make_product(session, session.get(type(stall), stall_id), sku="BUOI-1", name="Bưởi Diễn")
        session.get(Product, hide_id)  # the hide above is committed, not lost
        assert session.get(Product, hide_id).status == ProductStatus.HIDDEN
        session.commit()
    # Search says it is down, in words, and the changes wait in the outbox.
    page = client.get("/tim-kiem?q=buoi&lang=en")
    assert page.status_code == 503
    assert "Search is temporarily unavailable" in page.get_data(as_text=True)
    assert client.get("/api/v1/products?q=buoi").status_code == 503
    assert queued(app) >= 2
    sync = runner.invoke(args=["search", "sync"])
    assert sync.exit_code != 0 and "stay queued" in sync.output
    assert queued(app) >= 2

    noida.start()
    sync = runner.invoke(args=["search", "sync"])
    assert sync.exit_code == 0, sync.output
    assert queued(app) == 0
    assert found(client, "buoi dien") == {"BUOI-1"}
    assert found(client, "shan tuyet") == set()
    assert found(client, "mat ong") == {"MAT-1"}
