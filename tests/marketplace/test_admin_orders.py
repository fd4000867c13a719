"""Administrators see every order, payout statements (page, CSV, CLI) and set commissions."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from marketplace.orders.models import Order
from tests.conftest import post_form
from tests.factories import make_product, make_stall, make_user
from tests.marketplace.shop import add_to_cart, english, place_order, seller_login


@pytest.fixture
def admin(admin_client):
    return english(admin_client)


@pytest.fixture
def sold(app, db_session):
    """Two stalls, each with one COD order delivered and paid (stall B at 8 % commission)."""
    a = make_stall(
        db_session,
        owner=make_user(db_session, email="che@example.com"),
        slug="htx-che",
        name='=HYPERLINK("http://evil")',
    )
    b = make_stall(
        db_session,
        owner=make_user(db_session, email="buoi@example.com"),
        slug="htx-buoi",
        name="HTX Bưởi",
    )
    tea = make_product(db_session, a, price_vnd=250000, stock=10)
    pomelo = make_product(db_session, b, price_vnd=60000, stock=10)
    db_session.commit()
    guest = english(app.test_client())
    add_to_cart(guest, a, tea, 2)
    add_to_cart(guest, b, pomelo, 1)
    place_order(guest, **{f"delivery-{a.id}": "pickup"})
    for stall, email in ((a, "che@example.com"), (b, "buoi@example.com")):
        seller = seller_login(app, email)
        order = db_session.scalar(select(Order).where(Order.stall_id == stall.id))
        url = f"/seller/{stall.slug}/orders/{order.reference}"
        post_form(seller, f"{url}/paid", {}, form_url=url)
    db_session.expire_all()
    return a, b, db_session.scalars(select(Order).order_by(Order.id)).all()


def month_of(order) -> str:
    return f"{order.created_at.year}-{order.created_at.month:02d}"


def test_the_administrator_sees_every_order_and_filters(admin, sold):
    _a, _b, orders = sold
    page = admin.get("/admin/orders/").get_data(as_text=True)
    assert all(o.reference in page for o in orders)
    unpaid = admin.get("/admin/orders/?payment=unpaid").get_data(as_text=True)
    assert not any(o.reference in unpaid for o in orders)
    found = admin.get(f"/admin/orders/?q={orders[1].reference}").get_data(as_text=True)
    assert orders[1].reference in found and orders[0].reference not in found
    detail = admin.get(f"/admin/orders/{orders[0].reference}").get_data(as_text=True)
    assert "Nguyễn Thị Lan" in detail and "500.000\u00a0₫" in detail


def test_a_payout_statement_shows_commission_and_amount_owed(admin, sold):
    a, _b, orders = sold
    month = month_of(orders[0])
    page = admin.get(f"/admin/orders/payouts?stall={a.slug}&month={month}").get_data(as_text=True)
    commission = 500000 * 500 // 10000
    assert orders[0].reference in page and orders[1].reference not in page
    assert f'class="owed"><strong>{500000 - commission:,}'.replace(",", ".") in page


def test_the_statement_csv_is_formula_safe_and_adds_up(admin, sold):
    a, _b, orders = sold
    response = admin.get(f"/admin/orders/payouts.csv?stall={a.slug}&month={month_of(orders[0])}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][1].startswith("'=HYPERLINK")  # the stall's name cannot run as a formula
    header, line, total = rows[1], rows[2], rows[-1]
    record = dict(zip(header, line, strict=True))
    assert record["order"] == orders[0].reference
    assert (record["goods_vnd"], record["commission_vnd"], record["owed_vnd"]) == (
        "500000",
        "25000",
        "475000",
    )
    assert total[0] == "total" and total[-1] == "475000"
    assert admin.get(f"/admin/orders/payouts.csv?stall={a.slug}&month=2026-13").status_code == 404


def test_the_payout_command_prints_and_writes_the_statement(runner, sold, tmp_path):
    _a, b, orders = sold
    out = tmp_path / "payout.csv"
    result = runner.invoke(
        args=[
            "payouts",
            "statement",
            "--stall",
            b.slug,
            "--month",
            month_of(orders[1]),
            "--csv",
            str(out),
        ]
    )
    assert result.exit_code == 0, result.output
    commission = 60000 * 500 // 10000
    assert orders[1].reference in result.output
    assert f"owed:       {60000 + 30000 - commission:,}".replace(",", ".") in result.output
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    bad = runner.invoke(args=["payouts", "statement", "--stall", b.slug, "--month", "nov"])
    assert bad.exit_code != 0 and "2026-11" in bad.output
    unknown = runner.invoke(args=["payouts", "statement", "--stall", "nope", "--month", "2026-11"])
    assert unknown.exit_code != 0 and "no stall" in unknown.output


def test_the_commission_applies_to_new_orders(app, admin, db_session, sold):
    _a, b, orders = sold
    url = f"/admin/orders/payouts?stall={b.slug}&month={month_of(orders[1])}"
    response = post_form(
        admin, f"/admin/orders/commission/{b.slug}", {"commission_bp": "800"}, form_url=url
    )
    assert response.status_code == 302
    pomelo = db_session.scalar(select(Order).where(Order.stall_id == b.id)).items[0]
    guest = english(app.test_client())
    from catalog.models import Product

    add_to_cart(guest, b, db_session.get(Product, pomelo.product_id), 2)
    place_order(guest)
    newest = db_session.scalars(select(Order).order_by(Order.id.desc())).first()
    assert (newest.commission_bp, newest.commission_vnd) == (800, 120000 * 800 // 10000)
    refused = post_form(
        admin, f"/admin/orders/commission/{b.slug}", {"commission_bp": "90000"}, form_url=url
    )
    assert refused.status_code == 302
    assert "This number is too large." in admin.get(url).get_data(as_text=True)
