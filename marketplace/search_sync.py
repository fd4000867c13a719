"""Bring the search index in step with the database: drain the outbox, rebuild everything.

Draining takes a batch of outbox rows, builds their documents and writes them to the index
in one database transaction that deletes those rows: if the index cannot be written the
transaction rolls back and the rows wait for the next drain, so an outage loses nothing.
Drains are serialised (a PostgreSQL advisory lock; SQLite's single writer), so a drain always
reads products at least as new as any earlier drain wrote, and a slow drain can never
overwrite a newer document with an older one.

A full rebuild puts a marker row (product id -1) in the outbox while it runs; drains leave
the queue alone meanwhile and the rebuild drains it after the switch, so changes made during
a rebuild reach the new index. A marker not refreshed for `PAUSE_STALE` (a crashed rebuild)
is ignored and removed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from catalog.models import Certificate, Product
from catalog.search import SearchBackend
from catalog.search.outbox import SearchOutbox
from marketplace import search_docs
from marketplace.db import as_utc, utcnow
from marketplace.search_outbox import queue

BATCH = 1000
MARKER = -1
PAUSE_STALE = timedelta(minutes=10)
MARKER_REFRESH = 60.0  # seconds between refreshes of a running rebuild's marker
# Any constant both processes agree on: the key of the drain's PostgreSQL advisory lock.
_LOCK_KEY = 0x43505F5345415243

Factory = sessionmaker[Session]


@dataclass
class Drained:
    """What a drain did: documents written, ids removed, and whether a rebuild paused it."""

    indexed: int = 0
    removed: int = 0
    paused: bool = False

    @property
    def total(self) -> int:
        """Return the number of index entries written or removed."""
        return self.indexed + self.removed


def pending(session: Session) -> int:
    """Return how many product updates wait in the outbox."""
    count = select(func.count()).where(SearchOutbox.product_id >= 0)
    return int(session.scalar(count) or 0)


def drain(factory: Factory, backend: SearchBackend, day: date, *, force: bool = False) -> Drained:
    """Apply every queued update to the index; raise SearchUnavailable leaving the rest queued.

    `force` drains even while a rebuild runs (the rebuild itself uses it afterwards).
    """
    done = Drained()
    with factory() as session:
        paused = _paused(session)
        waiting = session.scalar(select(SearchOutbox.id).where(SearchOutbox.product_id >= 0))
        session.rollback()
    if paused and not force:
        done.paused = True
        return done
    if waiting is None:
        return done
    while True:
        with factory() as session:
            _lock(session)
            ids = _take(session)
            if not ids:
                session.rollback()
                return done
            batch = search_docs.build(session, ids, day)
            # The index is written before the commit: if it fails the rows stay queued.
            if batch.docs:
                backend.index(batch.docs)
            if batch.gone:
                backend.remove(batch.gone)
            session.commit()
        done.indexed += len(batch.docs)
        done.removed += len(batch.gone)


def reindex(
    factory: Factory,
    backend: SearchBackend,
    day: date,
    progress: Callable[[int], None] | None = None,
) -> Drained:
    """Rebuild the whole index from the database, then apply what changed meanwhile."""
    with factory() as session:
        session.execute(delete(SearchOutbox).where(SearchOutbox.product_id == MARKER))
        session.add(SearchOutbox(product_id=MARKER, queued_at=utcnow()))
        session.commit()
    refreshed = time.monotonic()

    def step(done: int) -> None:
        nonlocal refreshed
        if time.monotonic() - refreshed > MARKER_REFRESH:
            _refresh_marker(factory)
            refreshed = time.monotonic()
        if progress is not None:
            progress(done)

    try:
        with factory() as session:
            backend.rebuild(search_docs.every_doc(session, day), progress=step)
            session.rollback()
    finally:
        with factory() as session:
            session.execute(delete(SearchOutbox).where(SearchOutbox.product_id == MARKER))
            session.commit()
    return drain(factory, backend, day, force=True)


def queue_expired(session: Session, day: date) -> int:
    """Queue the products whose certificates stopped counting in the last week.

    Documents carry the stars of certificates valid when indexed; a certificate that
    expires changes them without any write, so a periodic sync re-queues its products.
    """
    recent = Certificate.valid_until.between(day - timedelta(days=7), day)
    own = select(Certificate.product_id).where(recent, Certificate.product_id.is_not(None))
    stalls = select(Certificate.stall_id).where(recent, Certificate.product_id.is_(None))
    ids = set(session.scalars(own)) | set(
        session.scalars(select(Product.id).where(Product.stall_id.in_(stalls)))
    )
    return queue(session, ids)


def _paused(session: Session) -> bool:
    """Return whether a rebuild runs (a fresh marker); forget a stale one."""
    queued = session.scalar(
        select(func.max(SearchOutbox.queued_at)).where(SearchOutbox.product_id == MARKER)
    )
    if queued is None:
        return False
    if utcnow() - as_utc(queued) < PAUSE_STALE:
        return True
    session.execute(delete(SearchOutbox).where(SearchOutbox.product_id == MARKER))
    session.commit()
    return False


def _refresh_marker(factory: Factory) -> None:
    """Show that the rebuild is still alive."""
    with factory() as session:
        session.execute(
            update(SearchOutbox).where(SearchOutbox.product_id == MARKER).values(queued_at=utcnow())
        )
        session.commit()


def _lock(session: Session) -> None:
    """Serialise drains across processes (until this transaction ends)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})


def _take(session: Session) -> list[int]:
    """Delete the oldest batch of queued rows (in this transaction) and return their ids."""
    oldest = (
        select(SearchOutbox.id)
        .where(SearchOutbox.product_id >= 0)
        .order_by(SearchOutbox.id)
        .limit(BATCH)
    )
    rows = session.execute(
        delete(SearchOutbox)
        .where(SearchOutbox.id.in_(oldest))
        .returning(SearchOutbox.product_id)
        .execution_options(synchronize_session=False)
    )
    return sorted({int(pid) for pid in rows.scalars()})
