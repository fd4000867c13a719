"""Stall and category pages run the same number of SQL statements for 3 products or 30."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event, select

from catalog.models import Category
from marketplace.extensions import get_database
from tests.factories import (
    make_certificate,
    make_farm,
    make_image,
    make_product,
    make_stall,
    make_user,
)


@contextmanager
def counted(app) -> Iterator[list[str]]:
    """Collect every SQL statement the app's engine runs inside the block."""
    statements: list[str] = []
    engine = get_database(app).engine

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def stock_stall(session, count: int, category_slug: str, admin) -> str:
    """Create products spread over three stalls, each with photos, a farm and certificates."""
    category = session.scalar(select(Category).where(Category.slug == category_slug))
    stalls = [make_stall(session) for _ in range(3)]
    for n in range(count):
        stall = stalls[n % 3] if n >= 3 else stalls[0]
        farm = make_farm(session, stall)
        product = make_product(session, stall, category=category, farm_id=farm.id)
        make_image(session, product)
        make_image(session, product)
        make_certificate(session, stall, product, stars=4, verified_by=admin.id)
        make_certificate(session, stall, product, kind="vietgap", stars=None, verified_by=admin.id)
    make_certificate(session, stalls[0], kind="organic", stars=None, verified_by=admin.id)
    return stalls[0].slug


def statements_for(app, client, url: str) -> int:
    client.get(url)  # warm up anything loaded once per process
    with counted(app) as statements:
        response = client.get(url)
    assert response.status_code == 200
    return len(statements)


def test_stall_and_category_pages_do_not_grow_with_products(app, client, db_session):
    admin = make_user(db_session, role="admin")
    small = stock_stall(db_session, 3, "mat-ong", admin)
    large = stock_stall(db_session, 30, "che-tra", admin)
    db_session.commit()

    small_stall = statements_for(app, client, f"/gian-hang/{small}")
    large_stall = statements_for(app, client, f"/gian-hang/{large}")
    assert small_stall == large_stall
    small_category = statements_for(app, client, "/danh-muc/mat-ong")
    large_category = statements_for(app, client, "/danh-muc/che-tra")
    assert small_category == large_category
    # A group page gathers its sub-categories in the same fixed number of statements.
    assert statements_for(app, client, "/danh-muc/thuc-pham") == statements_for(
        app, client, "/danh-muc/do-uong"
    )
    assert statements_for(app, client, "/") < 15
