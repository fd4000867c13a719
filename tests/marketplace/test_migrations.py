"""Migrations build the schema from nothing on SQLite and PostgreSQL, with no drift."""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, inspect, text

from marketplace import migrate
from marketplace.models import metadata


def _roundtrip(url: str) -> None:
    migrate.upgrade(url)
    migrate.check(url)  # raises if models and migrations differ
    engine = create_engine(url)
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert {t.name for t in metadata.sorted_tables} <= tables
    migrate.downgrade(url, "base")
    engine = create_engine(url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()
    migrate.upgrade(url)
    migrate.check(url)


def test_sqlite_from_empty(tmp_path):
    _roundtrip(f"sqlite:///{tmp_path / 'empty.db'}")


@pytest.mark.postgres
def test_postgres_from_empty():
    base = os.environ.get("TEST_DATABASE_URL") or ""
    if not base.startswith("postgresql"):
        pytest.skip("TEST_DATABASE_URL does not point at PostgreSQL")
    name = f"chophien_mig_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        _roundtrip(base.rsplit("/", 1)[0] + "/" + name)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
