"""Backups of an SQLite market: flask --app wsgi db backup --out FILE / db restore FILE.

SQLite's online backup API copies the database page by page under a read transaction, so the
snapshot is consistent even while the site keeps writing. PostgreSQL has its own tools
(pg_dump / pg_restore, see docs/BACKUP.md); these commands refuse it rather than half-work.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.engine import make_url

from marketplace.extensions import get_database

PG_HINT = (
    "this market runs on PostgreSQL: back it up with pg_dump "
    '(pg_dump --format=custom --file=market.dump "$DATABASE_URL") '
    "and restore with pg_restore; see docs/BACKUP.md"
)


def sqlite_path() -> Path:
    """Return the file of the app's SQLite database, or stop with a clear message."""
    url = make_url(current_app.config["DATABASE_URL"])
    if url.get_backend_name() == "postgresql":
        raise click.ClickException(PG_HINT)
    if url.get_backend_name() != "sqlite":
        raise click.ClickException(f"backups of {url.get_backend_name()} are not supported")
    if not url.database or url.database == ":memory:":
        raise click.ClickException("an in-memory database cannot be backed up")
    return Path(url.database)


def _copy(source: Path, target: Path) -> None:
    """Copy one SQLite database into another file atomically (a temporary file, then rename)."""
    handle, temporary = tempfile.mkstemp(prefix=".backup-", suffix=".db", dir=target.parent)
    os.close(handle)
    try:
        src, dst = sqlite3.connect(source, timeout=30), sqlite3.connect(temporary)
        try:
            src.backup(dst)  # pages=-1: one step, one read transaction, one snapshot
            check = dst.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            src.close()
            dst.close()
        if check != "ok":
            raise click.ClickException(f"the copy failed its integrity check: {check}")
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def _revision(path: Path) -> str:
    """Return the schema revision stored in a market database, or stop if it is not one."""
    conn = sqlite3.connect(path)
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError as exc:
        raise click.ClickException(f"{path} is not a Chợ Phiên database ({exc})") from exc
    finally:
        conn.close()
    if row is None:
        raise click.ClickException(f"{path} has no schema revision")
    return str(row[0])


@click.command("backup")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def db_backup(out: Path) -> None:
    """Write a consistent snapshot of the SQLite database to FILE (safe while the site runs)."""
    source = sqlite_path()
    if not source.is_file():
        raise click.ClickException(f"there is no database at {source}")
    if out.resolve() == source.resolve():
        raise click.ClickException("the backup must go to another file than the database")
    out.parent.mkdir(parents=True, exist_ok=True)
    _copy(source, out)
    click.echo(f"backup of {source} written to {out} (schema {_revision(out)})")


@click.command("restore")
@click.argument("backup", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask before replacing the database.")
@with_appcontext
def db_restore(backup: Path, yes: bool) -> None:
    """Replace the SQLite database with a backup (stop the site first)."""
    target = sqlite_path()
    revision = _revision(backup)
    if not yes:
        click.confirm(f"Replace {target} with {backup} (schema {revision})?", abort=True)
    # Connections this process holds would keep reading the old file.
    get_database().engine.dispose()
    target.parent.mkdir(parents=True, exist_ok=True)
    _copy(backup, target)
    for stale in (Path(f"{target}-wal"), Path(f"{target}-shm")):
        # A write-ahead log of the replaced database must not be replayed onto the backup.
        stale.unlink(missing_ok=True)
    click.echo(f"{target} restored from {backup} (schema {revision}); run `db upgrade` next")
