"""Search index commands: flask --app wsgi search sync|reindex|status."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from catalog.search import SearchUnavailable
from marketplace import search_docs, search_sync
from marketplace.catalog_queries import today
from marketplace.extensions import get_database
from marketplace.search_service import get_search

search_cli = AppGroup("search", help="Keep the product search index in step.")


@search_cli.command("sync")
def sync() -> None:
    """Apply the queued index updates (run it from cron, e.g. every few minutes)."""
    service = get_search()
    with get_database().new_session() as session:
        expired = search_sync.queue_expired(session, today())
        session.commit()
        expected = search_docs.indexable_count(session)
    try:
        if expected and not service.backend.count():
            # A new or lost index file (or Elasticsearch index): fill it rather than wait.
            click.echo("the search index is empty; rebuilding it")
            service.reindex()
        done = service.drain()
    except SearchUnavailable as exc:
        raise click.ClickException(
            f"search index unavailable; updates stay queued ({exc})"
        ) from exc
    if done.paused:
        click.echo("a reindex is running; it applies the queued updates when it ends")
        return
    note = f" ({expired} for expired certificates)" if expired else ""
    click.echo(f"search index in step: {done.indexed} updated, {done.removed} removed{note}")


@search_cli.command("reindex")
def reindex() -> None:
    """Rebuild the whole index from the database (search keeps working meanwhile)."""
    service = get_search()
    with get_database().new_session() as session:
        expected = search_docs.indexable_count(session)
    try:
        with click.progressbar(length=expected, label="Indexing products") as bar:
            last = 0

            def advance(done: int) -> None:
                nonlocal last
                bar.update(done - last)
                last = done

            after = service.reindex(advance)
        count = service.backend.count()
    except SearchUnavailable as exc:
        raise click.ClickException(f"search index unavailable ({exc})") from exc
    click.echo(f"{count} products indexed ({after.total} changes made meanwhile applied)")


@search_cli.command("status")
def status() -> None:
    """Show the backend, the indexed and expected product counts and the queue length."""
    service = get_search()
    with get_database().new_session() as session:
        expected = search_docs.indexable_count(session)
        waiting = search_sync.pending(session)
    click.echo(f"backend: {service.describe()}")
    try:
        indexed: int | str = service.backend.count()
    except SearchUnavailable as exc:
        indexed = f"unavailable ({exc})"
    click.echo(f"indexed: {indexed}")
    click.echo(f"public products: {expected}")
    click.echo(f"queued updates: {waiting}")
    if isinstance(indexed, str):
        raise SystemExit(1)  # monitoring can alert on the exit status
