"""`flask --app wsgi db backup` takes a consistent snapshot while the site writes; `db restore`
brings it back and the app works on it. PostgreSQL is refused with the way to do it instead."""

from __future__ import annotations

import sqlite3
import threading
from contextlib import closing
from pathlib import Path

from sqlalchemy import create_engine, text

from marketplace.app import create_app
from marketplace.extensions import get_database
from marketplace.users.models import Role
from tests.conftest import login
from tests.factories import make_product, make_stall, make_user

TABLES = ("mkt_users", "mkt_stalls", "catalog_products", "mkt_stall_audit")


def snapshot_of(path: Path) -> dict:
    """Return what a test compares between databases: counts and the products' stock."""
    with closing(sqlite3.connect(path)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
        stock = dict(conn.execute("SELECT sku, stock FROM catalog_products").fetchall())
    return {"counts": counts, "stock": stock}


def shop(app) -> None:
    """Open a stall with two products of 100 items each."""
    with get_database(app).new_session() as session:
        owner = make_user(session, email="chu@example.com", role=Role.SELLER)
        stall = make_stall(session, owner=owner, slug="htx-sao-luu")
        make_product(session, stall, sku="A", stock=100)
        make_product(session, stall, sku="B", stock=100)
        session.commit()


def test_backups_taken_while_the_site_writes_are_consistent(make_app, sqlite_market, tmp_path):
    _path, url = sqlite_market
    app = make_app(DATABASE_URL=url)
    shop(app)
    stop = threading.Event()
    moved = []

    def move_stock() -> None:
        # Each transaction moves one item from A to B: any snapshot must still hold 200.
        engine = create_engine(url, connect_args={"timeout": 30})
        while not stop.is_set():
            with engine.begin() as conn:
                conn.execute(text("UPDATE catalog_products SET stock = stock - 1 WHERE sku = 'A'"))
                conn.execute(text("UPDATE catalog_products SET stock = stock + 1 WHERE sku = 'B'"))
            moved.append(1)
        engine.dispose()

    writer = threading.Thread(target=move_stock)
    writer.start()
    runner = app.test_cli_runner()
    try:
        for n in range(5):
            out = tmp_path / f"backup-{n}.db"
            result = runner.invoke(args=["db", "backup", "--out", str(out)])
            assert result.exit_code == 0, result.output
            stock = snapshot_of(out)["stock"]
            assert stock["A"] + stock["B"] == 200, stock
    finally:
        stop.set()
        writer.join()
    assert len(moved) > 5  # the writer really ran during the backups


def test_a_restore_brings_the_data_back_and_the_app_works(make_app, sqlite_market, tmp_path):
    path, url = sqlite_market
    app = make_app(DATABASE_URL=url)
    shop(app)
    runner = app.test_cli_runner()
    backup = tmp_path / "saved.db"
    assert runner.invoke(args=["db", "backup", "--out", str(backup)]).exit_code == 0
    saved = snapshot_of(backup)
    with get_database(app).new_session() as session:  # then things go wrong
        session.execute(text("DELETE FROM catalog_products"))
        make_user(session, email="ke-la@example.com")
        session.commit()
    assert snapshot_of(Path(path)) != saved
    refused = runner.invoke(args=["db", "restore", str(backup)], input="n\n")
    assert refused.exit_code != 0 and snapshot_of(Path(path)) != saved
    result = runner.invoke(args=["db", "restore", str(backup), "--yes"])
    assert result.exit_code == 0, result.output
    assert snapshot_of(Path(path)) == saved
    # A freshly started app serves the restored market.
    fresh = make_app(DATABASE_URL=url)
    client = fresh.test_client()
    assert client.get("/gian-hang/htx-sao-luu").status_code == 200
    assert login(client, "chu@example.com").status_code == 302
    assert login(fresh.test_client(), "ke-la@example.com").status_code != 302


def test_backup_refuses_what_it_cannot_do_well(make_app, sqlite_market, tmp_path):
    path, url = sqlite_market
    runner = make_app(DATABASE_URL=url).test_cli_runner()
    onto_itself = runner.invoke(args=["db", "backup", "--out", path])
    assert onto_itself.exit_code != 0 and "another file" in onto_itself.output
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    not_ours = runner.invoke(args=["db", "restore", str(junk), "--yes"])
    assert not_ours.exit_code != 0 and "not a Chợ Phiên database" in not_ours.output
    assert snapshot_of(Path(path))["counts"]["mkt_users"] == 0  # untouched
    postgres = create_app(
        {"TESTING": True, "SECRET_KEY": "x", "INSTANCE_PATH": str(tmp_path / "pg"),
         "DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:1/none"}
    )  # fmt: skip
    for args in (["db", "backup", "--out", str(tmp_path / "x.db")], ["db", "restore", path]):
        result = postgres.test_cli_runner().invoke(args=args)
        assert result.exit_code != 0 and "pg_dump" in result.output, result.output
