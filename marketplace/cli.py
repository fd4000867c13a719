"""Operational commands: flask --app wsgi db|users|demo …"""

from __future__ import annotations

import click
from alembic import command
from flask import Flask, current_app
from flask.cli import AppGroup

from catalog.categories import ensure_categories
from marketplace import migrate
from marketplace.extensions import get_database
from marketplace.users import services as users
from marketplace.users.models import Role

db_cli = AppGroup("db", help="Create, upgrade and check the database schema.")
users_cli = AppGroup("users", help="Manage accounts.")
demo_cli = AppGroup("demo", help="The demo market.")
catalog_cli = AppGroup("catalog", help="Import and export catalogs as CSV.")


def _url() -> str:
    return current_app.config["DATABASE_URL"]


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Create or upgrade the schema (default: to the newest revision)."""
    migrate.upgrade(_url(), revision)
    if revision == "head":
        with get_database().new_session() as session:
            added = ensure_categories(session)
            session.commit()
        if added:
            click.echo(f"{added} OCOP categories added")
    click.echo(f"database at {revision}")


@db_cli.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Revert the schema to an older revision."""
    migrate.downgrade(_url(), revision)


@db_cli.command("current")
def db_current() -> None:
    """Show the schema's current revision."""
    command.current(migrate.alembic_config(_url()), verbose=False)


@db_cli.command("check")
def db_check() -> None:
    """Fail if the models and the migrations differ."""
    migrate.check(_url())
    click.echo("models and migrations agree")


@db_cli.command("revision")
@click.option("-m", "--message", required=True)
def db_revision(message: str) -> None:
    """Write a new migration from the difference between models and schema."""
    command.revision(migrate.alembic_config(_url()), message=message, autogenerate=True)


@users_cli.command("create-admin")
@click.argument("email")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--name", default="Quản trị viên", show_default=True)
def create_admin(email: str, password: str, name: str) -> None:
    """Create an administrator account (or promote an existing one)."""
    with get_database().new_session() as session:
        user = users.find_user(session, email)
        try:
            if user is None:
                user = users.create_user(session, email, password, name, role=Role.ADMIN)
            else:
                user.role = Role.ADMIN
                users.set_password(session, user, password)
        except users.AccountError as exc:
            raise click.ClickException(_ACCOUNT_ERRORS.get(str(exc), str(exc))) from exc
        session.commit()
        click.echo(f"administrator {user.email} ready")


_ACCOUNT_ERRORS = {
    "invalid_email": "invalid email address",
    "password_too_short": f"password must have at least {users.MIN_PASSWORD_LENGTH} characters",
}


@demo_cli.command("load")
@click.option("--force", is_flag=True, help="Load even on an HTTPS (production-looking) site.")
@click.option("--if-empty", is_flag=True, help="Do nothing when the market already has accounts.")
def demo_load(force: bool, if_empty: bool) -> None:
    """Load the demo market (idempotent; demo passwords are public, so not on production)."""
    from marketplace import demo
    from marketplace.media import get_storage

    if current_app.config["PUBLIC_BASE_URL"].startswith("https://") and not force:
        raise click.ClickException("refusing to load public demo logins on an HTTPS site")

    with get_database().new_session() as session:
        if if_empty and not demo.is_empty(session):
            click.echo("the market already has data; demo not loaded")
            click.echo(demo.summary([]))
            return
        created = demo.load(session, get_storage())
        session.commit()
    click.echo(demo.summary(created))


@catalog_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--max-rows", type=int, default=1_000_000, show_default=True)
@click.option("--max-mb", type=int, default=500, show_default=True, help="Largest file accepted.")
def catalog_import(path: str, max_rows: int, max_mb: int) -> None:
    """Import a trusted catalog CSV (creates stalls, categories, farms; certificates verified)."""
    from marketplace.imports import ImportRejected, import_catalog

    with open(path, "rb") as f:
        data = f.read(max_mb * 1024 * 1024 + 1)
    with get_database().new_session() as session:
        try:
            summary = import_catalog(
                session, data, trusted=True, max_bytes=max_mb * 1024 * 1024, max_rows=max_rows
            )
        except ImportRejected as exc:
            for issue in exc.issues:
                click.echo(f"{path}: {issue}", err=True)
            click.echo(f"{len(exc.issues)} problem(s); nothing was imported", err=True)
            raise SystemExit(1) from None
        session.commit()
    click.echo(str(summary))


@catalog_cli.command("export")
@click.option("--stall", "slug", required=True, help="The stall's address (slug).")
@click.option("--out", type=click.Path(dir_okay=False, writable=True), help="Default: stdout.")
def catalog_export(slug: str, out: str | None) -> None:
    """Write a stall's catalog as CSV (UTF-8 with BOM, formula-safe)."""
    from marketplace.imports import export_stall
    from marketplace.stalls.services import stall_by_slug

    with get_database().new_session() as session:
        stall = stall_by_slug(session, slug)
        if stall is None:
            raise click.ClickException(f"no stall has the address {slug!r}")
        data = export_stall(session, stall)
    if out:
        with open(out, "wb") as f:
            f.write(data)
    else:
        click.get_binary_stream("stdout").write(data)


def init_app(app: Flask) -> None:
    """Register the command groups."""
    from marketplace.cli_backup import db_backup, db_restore
    from marketplace.cli_orders import register as register_orders
    from marketplace.cli_search import search_cli
    from marketplace.cli_trace import trace_cli

    db_cli.add_command(db_backup)
    db_cli.add_command(db_restore)
    for group in (db_cli, users_cli, demo_cli, catalog_cli):
        app.cli.add_command(group)
    app.cli.add_command(search_cli)
    app.cli.add_command(trace_cli)
    register_orders(app)
