"""Concurrent writers on PostgreSQL: chains never fork and scan counts never get lost."""

from __future__ import annotations

import threading
from datetime import date

import pytest

from tests.conftest import PG_URL
from tests.factories import make_lot, make_product, make_stall
from traceability import services as trace
from traceability.models import Lot

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not PG_URL.startswith("postgresql"), reason="needs PostgreSQL"),
]


@pytest.fixture
def lot_id(db_session) -> int:
    lot = make_lot(db_session, make_product(db_session, make_stall(db_session)))
    db_session.commit()
    return lot.id


def _run(workers: list[threading.Thread]) -> None:
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
        assert not worker.is_alive()


def test_a_second_writer_waits_for_the_first_and_chains_after_it(app, lot_id):
    from marketplace.extensions import get_database

    database = get_database(app)
    done = threading.Event()
    with database.new_session() as first:
        trace.add_event(first, first.get(Lot, lot_id), "harvest", event_time=date(2025, 7, 1))

        def second_writer() -> None:
            with database.new_session() as second:
                trace.add_event(
                    second, second.get(Lot, lot_id), "harvest", event_time=date(2025, 7, 2)
                )
                second.commit()
            done.set()

        worker = threading.Thread(target=second_writer)
        worker.start()
        assert not done.wait(0.5), "the second writer did not wait for the lot's row lock"
        first.commit()
        worker.join(timeout=30)
    assert done.is_set()
    with database.new_session() as check:
        assert trace.verify_lot(check, lot_id) == trace.ChainReport(True, None, 2)


def test_many_concurrent_writers_leave_one_intact_chain(app, lot_id):
    from marketplace.extensions import get_database

    database = get_database(app)
    start = threading.Barrier(4)
    failures: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            start.wait()
            with database.new_session() as session:
                for i in range(5):
                    trace.add_event(
                        session,
                        session.get(Lot, lot_id),
                        "harvest",
                        event_time=date(2025, 7, 1),
                        details={"quantity": n * 10 + i},
                    )
                    session.commit()
        except BaseException as exc:  # surfaced below; a thread cannot fail the test itself
            failures.append(exc)

    _run([threading.Thread(target=writer, args=(n,)) for n in range(4)])
    assert failures == []
    with database.new_session() as check:
        assert trace.verify_lot(check, lot_id) == trace.ChainReport(True, None, 20)


def test_concurrent_scans_are_all_counted(app, lot_id):
    from marketplace.extensions import get_database

    database = get_database(app)
    start = threading.Barrier(4)

    def scanner(n: int) -> None:
        start.wait()
        with database.new_session() as session:
            lot = session.get(Lot, lot_id)
            for i in range(10):
                trace.record_scan(session, lot, None, f"{n:02d}{i:014d}")
                session.commit()

    _run([threading.Thread(target=scanner, args=(n,)) for n in range(4)])
    with database.new_session() as check:
        assert check.get(Lot, lot_id).scan_count == 40
