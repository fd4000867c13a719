"""Under load: pages come from a short-lived cache and lot scans are written in batches."""

from __future__ import annotations

import time
from contextlib import contextmanager

import pytest
from sqlalchemy import event, func, select, text

from marketplace.db import as_utc
from marketplace.extensions import get_database
from marketplace.trace_cache import PageCache, ScanBuffer
from tests.traceability.web_world import EN, tea_world
from traceability.models import Lot, TraceScan


@pytest.fixture
def world(db_session):
    return tea_world(db_session)


@pytest.fixture
def fast(app):
    """Turn on what production runs with: the page cache and the scan buffer."""
    cache = PageCache(60)
    buffer = ScanBuffer(get_database(app).new_session, 3600)  # flushed by the tests
    app.extensions.update(trace_page_cache=cache, trace_scan_buffer=buffer)
    yield cache, buffer
    buffer.flush()


@contextmanager
def statements(app):
    found: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        found.append(statement)

    engine = get_database(app).engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield found
    finally:
        event.remove(engine, "before_cursor_execute", record)


def lot_state(db_session, lot_id: int) -> tuple[int, int]:
    db_session.expire_all()
    logged = db_session.scalar(select(func.count()).select_from(TraceScan))
    return db_session.get(Lot, lot_id).scan_count, logged


def test_testing_apps_count_exactly_and_cache_nothing(app):
    assert app.extensions["trace_scan_buffer"] is None
    assert app.extensions["trace_page_cache"].get(("anything",)) is None


def test_a_cached_page_needs_no_query_and_still_counts(app, client, world, fast, db_session):
    _cache, buffer = fast
    first = client.get(world["lot_path"], headers=EN)
    assert first.status_code == 200 and "Scans of this lot: 1" in first.get_data(as_text=True)
    with statements(app) as sql:
        second = client.get(world["lot_path"], headers=EN)
        repeat = client.get(
            world["lot_path"], headers={**EN, "If-None-Match": first.headers["ETag"]}
        )
    assert sql == []  # neither the lookup nor the scan touched the database
    assert "Scans of this lot: 2" in second.get_data(as_text=True)
    assert repeat.status_code == 304
    assert lot_state(db_session, world["lot"].id) == (0, 0)  # queued, not yet written
    assert buffer.pending(world["lot"].id) == 3
    assert buffer.flush() == 3
    assert lot_state(db_session, world["lot"].id) == (3, 3)
    visitors = db_session.scalars(select(TraceScan.visitor)).all()
    assert all(len(v) == 16 for v in visitors)


def test_each_language_has_its_own_cached_page(client, world, fast):
    english = client.get(world["lot_path"], headers=EN).get_data(as_text=True)
    vietnamese = client.get(world["lot_path"]).get_data(as_text=True)
    assert '<html lang="en">' in english and '<html lang="vi">' in vietnamese


def test_changes_show_when_the_entry_expires(app, client, world, db_session):
    cache = PageCache(0.2)
    app.extensions["trace_page_cache"] = cache
    assert b"t-chain-ok" in client.get(world["lot_path"]).data
    db_session.execute(
        text("UPDATE trace_events SET details = :d WHERE id = :id"),
        {"d": '{"quantity": 1}', "id": world["harvest"].id},
    )
    db_session.commit()
    assert b"t-chain-ok" in client.get(world["lot_path"]).data  # still the cached page
    time.sleep(0.25)
    assert b"t-chain-broken" in client.get(world["lot_path"]).data


def test_other_answers_are_never_cached(client, world, fast):
    cache, _buffer = fast
    client.get(world["lot_path"], headers={"Accept": "application/json"})
    client.get(world["lot_path"] + "?linkType=all")
    client.get(world["lot_path"] + "?linkType=gs1:epcis")
    assert cache._pages == {}
    client.get(world["lot_path"])
    assert len(cache._pages) == 1


def test_a_batch_skips_lots_deleted_meanwhile(app, world, db_session):
    buffer = ScanBuffer(get_database(app).new_session, 3600)
    buffer.add(world["lot"].id, "a" * 16)
    buffer.add(world["leaves"].id, "b" * 16)
    db_session.execute(text("DELETE FROM trace_lots WHERE id = :id"), {"id": world["leaves"].id})
    db_session.commit()
    assert buffer.flush() == 2
    assert lot_state(db_session, world["lot"].id) == (1, 1)


def test_a_batch_writes_each_scan_as_queued(app, world, db_session):
    # PostgreSQL takes the batch through COPY, other databases through an INSERT.
    lot_id = world["lot"].id
    buffer = ScanBuffer(get_database(app).new_session, 3600)
    for visitor in ("c" * 16, "d" * 16, "c" * 16):
        buffer.add(lot_id, visitor)
    queued = [moment for _lot, moment, _visitor in buffer._queue]
    assert buffer.flush() == 3
    rows = db_session.execute(
        select(
            TraceScan.lot_id, TraceScan.unit_id, TraceScan.scanned_at, TraceScan.visitor
        ).order_by(TraceScan.id)
    ).all()
    assert [(r.lot_id, r.unit_id, r.visitor) for r in rows] == [
        (lot_id, None, "c" * 16),
        (lot_id, None, "d" * 16),
        (lot_id, None, "c" * 16),
    ]
    assert [as_utc(r.scanned_at) for r in rows] == queued
    assert lot_state(db_session, lot_id) == (3, 3)


def test_cache_is_bounded():
    cache = PageCache(60, size=2)
    from marketplace.trace_cache import CachedPage

    for n in range(3):
        cache.put(n, CachedPage(str(n), "e", None, 0, 0.0))
    assert cache.get(0) is None and cache.get(2).body == "2"
