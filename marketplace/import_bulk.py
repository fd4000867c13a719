"""Bulk INSERTs for the catalog import: one statement per batch, each distinct value converted once.

On SQLite the driver runs `executemany` in-process, so SQLAlchemy's per-row work (a parameter
dict per row, every datetime and enum converted again) costs two to three times what SQLite
spends writing. There the rows go to the driver as plain tuples, each column's converter (the
column type's own bind processor) run once per distinct value. Other databases get
SQLAlchemy's batched multi-row VALUES, which matter more than Python time over a network.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import Column, Table, insert
from sqlalchemy.orm import Session

CHUNK = 1000


def chunks(items: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    """Split parameter sets into batches of CHUNK (one statement each)."""
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def insert_rows(session: Session, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """INSERT `rows` (mappings with the same keys); left-out columns get their Python default."""
    if not rows:
        return
    conn = session.connection()
    dialect = conn.dialect
    if dialect.name != "sqlite":
        for start in range(0, len(rows), CHUNK):
            session.execute(insert(table), list(rows[start : start + CHUNK]))
        return
    keys = list(rows[0])
    defaults = {c.key: _default(c) for c in table.c if c.key not in keys and c.default is not None}
    names = [*keys, *defaults]
    quote = dialect.identifier_preparer.quote
    # Names from the table's metadata, quoted by the dialect; the values are parameters.
    sql = (
        f"INSERT INTO {dialect.identifier_preparer.format_table(table)} "  # noqa: S608
        f"({', '.join(quote(table.c[name].name) for name in names)}) "
        f"VALUES ({', '.join('?' for _ in names)})"
    )
    converters = [_converter(table.c[name], dialect) for name in names]
    # Defaults are the same on every row: converted once, appended to each row's values.
    fixed = tuple(
        convert(defaults[name]) if convert else defaults[name]
        for name, convert in zip(names, converters, strict=True)
        if name in defaults
    )
    changed = [
        (i, convert) for i, convert in enumerate(converters[: len(keys)]) if convert is not None
    ]
    get = itemgetter(*keys)
    for start in range(0, len(rows), CHUNK):
        params = []
        for row in rows[start : start + CHUNK]:
            values = get(row) if len(keys) > 1 else (row[keys[0]],)
            if changed:
                values = list(values)
                for i, convert in changed:
                    values[i] = convert(values[i])
            params.append((*values, *fixed))
        conn.exec_driver_sql(sql, params)


def _default(column: Column[Any]) -> Any:
    """Return the value a column's Python-side default gives (once for the whole batch)."""
    default = column.default
    if getattr(default, "is_scalar", False):
        return default.arg  # type: ignore[union-attr]
    if getattr(default, "is_callable", False):
        return default.arg(None)  # type: ignore[union-attr]
    raise ValueError(f"cannot bulk insert {column} without a value: its default is SQL")


def _converter(column: Column[Any], dialect: Any) -> Callable[[Any], Any] | None:
    """Return the column type's bind processor, memoised per value (None: no conversion)."""
    process = column.type.dialect_impl(dialect).bind_processor(dialect)
    if process is None:
        return None
    seen: dict[Any, Any] = {}

    def convert(value: Any) -> Any:
        try:
            return seen[value]
        except KeyError:
            seen[value] = result = process(value)
            return result
        except TypeError:  # an unhashable value (JSON)
            return process(value)

    return convert
