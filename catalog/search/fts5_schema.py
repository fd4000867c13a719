"""The embedded index's tables and the small SQL helpers its writer uses."""

from __future__ import annotations

import json
import sqlite3

from catalog.search import fts5_memory, fuzzy
from catalog.search.fts5_rows import DocRow

# Bump when the documents' layout changes: an older index file is dropped and marked stale,
# and the next drain (or `search sync`) rebuilds it from the database.
SCHEMA_VERSION = "2"
SCHEMA = (
    """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS facet_keys(
    id INTEGER PRIMARY KEY, province TEXT NOT NULL, stars INTEGER NOT NULL,
    cats TEXT NOT NULL, certs TEXT NOT NULL, UNIQUE(province, stars, cats, certs));
CREATE TABLE IF NOT EXISTS labels(
    id INTEGER PRIMARY KEY, kind TEXT NOT NULL, key TEXT NOT NULL, label TEXT NOT NULL,
    UNIQUE(kind, key, label));
"""
    + fuzzy.SCHEMA
    + ";"
    + fts5_memory.SCHEMA
)
DOC_TABLES = """
CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(
    name_f, name_a, cat_f, cat_a, stall_f, stall_a, farm_f, farm_a, prov_f, prov_a,
    desc_f, desc_a, name UNINDEXED,
    tokenize = 'ascii', detail = 'column', prefix = '1 2 3');
CREATE VIRTUAL TABLE IF NOT EXISTS fts_terms USING fts5vocab(fts, 'row');
CREATE TABLE IF NOT EXISTS docs(
    id INTEGER PRIMARY KEY, fkey INTEGER NOT NULL, cat_label INTEGER NOT NULL,
    stall_label INTEGER NOT NULL, price INTEGER NOT NULL, in_stock INTEGER NOT NULL,
    created INTEGER NOT NULL, boost INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS docs_created ON docs(created, id);
CREATE INDEX IF NOT EXISTS docs_price ON docs(price, created, id);
CREATE INDEX IF NOT EXISTS docs_fkey ON docs(fkey);
CREATE INDEX IF NOT EXISTS docs_cat_label ON docs(cat_label);
CREATE INDEX IF NOT EXISTS docs_stall_label ON docs(stall_label);
"""
DROP_DOC_TABLES = """
DROP TABLE IF EXISTS fts_terms; DROP TABLE IF EXISTS fts; DROP TABLE IF EXISTS docs;
DELETE FROM vocab; DELETE FROM deletes;
"""
DROP_ALL = """
DROP TABLE IF EXISTS fts_terms; DROP TABLE IF EXISTS fts; DROP TABLE IF EXISTS docs;
DROP TABLE IF EXISTS meta; DROP TABLE IF EXISTS facet_keys; DROP TABLE IF EXISTS labels;
DROP TABLE IF EXISTS vocab; DROP TABLE IF EXISTS deletes; DROP TABLE IF EXISTS changes;
"""


def run_script(conn: sqlite3.Connection, script: str) -> None:
    """Run `script` statement by statement (executescript would commit the transaction)."""
    for statement in script.split(";"):
        if statement.strip():
            conn.execute(statement)


def delete_ids(conn: sqlite3.Connection, ids: list[int], *, fts: bool | None = None) -> None:
    """Delete these ids from the FTS table, the attribute table, or (None) both."""
    if not ids:
        return
    payload = json.dumps(ids)
    if fts is not False:
        conn.execute("DELETE FROM fts WHERE rowid IN (SELECT value FROM json_each(?))", (payload,))
    if fts is not True:
        conn.execute("DELETE FROM docs WHERE id IN (SELECT value FROM json_each(?))", (payload,))


def unchanged_ids(conn: sqlite3.Connection, rows: list[DocRow]) -> set[int]:
    """Return the ids among `rows` whose stored FTS row already holds exactly their words."""
    stored = conn.execute(
        "SELECT rowid, name_f, name_a, cat_f, cat_a, stall_f, stall_a, farm_f, farm_a, prov_f,"
        " prov_a, desc_f, desc_a, name FROM fts WHERE rowid IN (SELECT value FROM json_each(?))",
        (json.dumps([row.id for row in rows]),),
    )
    old = {row[0]: tuple(row) for row in stored}
    return {row.id for row in rows if old.get(row.id) == row.fts}


def bump_text_version(conn: sqlite3.Connection) -> None:
    """Record that some product's words changed (readers drop their match caches)."""
    conn.execute(
        "INSERT INTO meta(key, value) VALUES ('text_version', '1') ON CONFLICT(key)"
        " DO UPDATE SET value = CAST(value AS INTEGER) + 1"
    )


def has_table(conn: sqlite3.Connection, name: str) -> bool:
    """Return whether table `name` exists."""
    row = conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (name,)).fetchone()
    return row is not None
