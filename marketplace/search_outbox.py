"""Queue index updates in the same transaction as the change (the search outbox).

Session events on the app's session factory turn every change that alters what the index
knows of a product into `SearchOutbox` rows, written by the flush that writes the change, so
the two commit or roll back together:

* ORM objects (`after_flush`): products, their photos, certificates, and the stalls,
  categories and farms whose indexed fields changed (then all of their products);
* bulk statements (`do_orm_execute`): ``update(Product)`` / ``delete(Product)``, e.g. the
  stock a checkout takes, which decides the in-stock flag. Core inserts of products (the CSV
  importer) queue their ids explicitly, and an insert into the outbox marks the session too.

A session that queued something carries ``session.info[QUEUED]``; the app drains the outbox
after such a session commits (see `search_sync`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import BindParameter, Connection, Select, event, insert, inspect, select
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction, sessionmaker
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import BinaryExpression, BooleanClauseList, ColumnElement

from catalog.models import Category, Certificate, Product, ProductImage
from catalog.search.outbox import SearchOutbox
from marketplace.db import utcnow
from marketplace.stalls.models import Stall
from traceability.models import Farm

QUEUED = "search_queued"
OUTBOX = SearchOutbox.__table__
PRODUCTS = Product.__table__
# The fields of these objects that documents carry; other edits need no reindexing.
STALL_FIELDS = ("status", "name", "slug", "province_code")
CATEGORY_FIELDS = ("name", "slug", "parent_id")
FARM_FIELDS = ("name",)


def install(factory: sessionmaker[Session], on_commit: Callable[[Session], None]) -> None:
    """Queue index updates in every session of `factory`; call `on_commit` after commits."""
    event.listen(factory, "after_flush", _after_flush)
    event.listen(factory, "do_orm_execute", _on_execute)
    event.listen(factory, "after_rollback", lambda session: session.info.pop(QUEUED, None))

    def committed(session: Session) -> None:
        if session.info.pop(QUEUED, False):
            on_commit(session)

    event.listen(factory, "after_commit", committed)


def queue(session: Session, product_ids: Iterable[int]) -> int:
    """Queue these products for reindexing in the session's transaction; return how many."""
    return _insert(session, session.connection(), product_ids)


def _insert(session: Session, conn: Connection, product_ids: Iterable[int]) -> int:
    """Insert outbox rows through `conn` (usable while the session flushes)."""
    now = utcnow()
    rows = [{"product_id": int(i), "queued_at": now} for i in sorted(set(product_ids))]
    if rows:
        conn.execute(insert(OUTBOX), rows)
        session.info[QUEUED] = True
    return len(rows)


def _queue_where(session: Session, conn: Connection, where: ColumnElement[bool]) -> None:
    """Queue every product matching `where` with one INSERT … SELECT."""
    now = utcnow()
    chosen: Select[Any] = select(PRODUCTS.c.id, BindParameter("now", now)).where(where)
    result = conn.execute(insert(OUTBOX).from_select(["product_id", "queued_at"], chosen))
    if result.rowcount:
        session.info[QUEUED] = True


def _changed(obj: object, names: Iterable[str]) -> bool:
    """Return whether any of these attributes of a loaded object changed."""
    attrs = inspect(obj).attrs
    return any(attrs[name].history.has_changes() for name in names)


def _values(obj: object, name: str) -> set[int]:
    """Return the current and former non-null values of an attribute."""
    history = inspect(obj).attrs[name].history
    return {v for v in (*history.added, *history.unchanged, *history.deleted) if v is not None}


def _after_flush(session: Session, _flush: UOWTransaction) -> None:
    """Queue the products whose documents the flushed changes alter."""
    products: set[int] = set()
    stalls: set[int] = set()
    categories: set[int] = set()
    farms: set[int] = set()
    for obj in session.new:
        if isinstance(obj, Product):
            products.add(obj.id)
        elif isinstance(obj, (ProductImage, Certificate)):
            _add_owner(obj, products, stalls)
    for obj in session.dirty:
        if isinstance(obj, Product):
            if session.is_modified(obj):
                products.add(obj.id)
        elif isinstance(obj, (ProductImage, Certificate)):
            if session.is_modified(obj):
                _add_owner(obj, products, stalls)
        elif isinstance(obj, Stall):
            if _changed(obj, STALL_FIELDS):
                stalls.add(obj.id)
        elif isinstance(obj, Category):
            if _changed(obj, CATEGORY_FIELDS):
                categories.add(obj.id)
        elif isinstance(obj, Farm) and _changed(obj, FARM_FIELDS):
            farms.add(obj.id)
    for obj in session.deleted:
        if isinstance(obj, Product):
            products.add(obj.id)
        elif isinstance(obj, (ProductImage, Certificate)):
            _add_owner(obj, products, stalls)
    if not (products or stalls or categories or farms):
        return
    conn = session.connection()
    _insert(session, conn, products)
    if stalls:
        _queue_where(session, conn, PRODUCTS.c.stall_id.in_(sorted(stalls)))
    if categories:
        tree = _with_descendants(conn, categories)
        _queue_where(session, conn, PRODUCTS.c.category_id.in_(sorted(tree)))
    if farms:
        _queue_where(session, conn, PRODUCTS.c.farm_id.in_(sorted(farms)))


def _add_owner(obj: ProductImage | Certificate, products: set[int], stalls: set[int]) -> None:
    """Queue the product a photo or certificate belongs to (a stall-wide one: the stall's)."""
    owners = _values(obj, "product_id")
    products.update(owners)
    if isinstance(obj, Certificate) and not owners:
        stalls.update(_values(obj, "stall_id"))


def _with_descendants(conn: Connection, roots: set[int]) -> set[int]:
    """Return these categories and every category below them."""
    parents = dict(conn.execute(select(Category.id, Category.parent_id)).tuples().all())
    found = set(roots)
    grew = True
    while grew:
        grew = False
        for child, parent in parents.items():
            if parent in found and child not in found:
                found.add(child)
                grew = True
    return found


def _on_execute(state: ORMExecuteState) -> None:
    """Queue the products a bulk UPDATE or DELETE touches; notice explicit outbox inserts."""
    statement = state.statement
    target = getattr(getattr(statement, "table", None), "name", None)
    if state.is_insert and target == OUTBOX.name:
        state.session.info[QUEUED] = True
        return
    if not (state.is_update or state.is_delete) or target != PRODUCTS.name:
        return
    ids = _ids_of(state)
    session = state.session
    if ids is not None:
        _insert(session, session.connection(), ids)
    else:
        where = statement.whereclause  # type: ignore[attr-defined]
        everything = PRODUCTS.c.id.is_not(None)
        _queue_where(session, session.connection(), everything if where is None else where)


def _is_product_id(column: object) -> bool:
    """Return whether an (ORM-annotated) column is the products' primary key."""
    return getattr(column, "table", None) is PRODUCTS and getattr(column, "name", None) == "id"


def _ids_of(state: ORMExecuteState) -> set[int] | None:
    """Return the product ids a bulk statement is limited to, or None if not by id."""
    params = state.parameters
    if isinstance(params, list) and params and all("id" in p for p in params):
        return {int(p["id"]) for p in params}  # executemany by primary key
    where = state.statement.whereclause  # type: ignore[attr-defined]
    if where is None:
        return None
    conjuncts = (
        list(where.clauses)
        if isinstance(where, BooleanClauseList) and where.operator is operators.and_
        else [where]
    )
    for clause in conjuncts:
        if not isinstance(clause, BinaryExpression) or not _is_product_id(clause.left):
            continue
        right = clause.right
        if not isinstance(right, BindParameter) or right.value is None:
            continue
        if clause.operator is operators.eq:
            return {int(right.value)}
        if clause.operator is operators.in_op:
            return {int(v) for v in right.value}
    return None
