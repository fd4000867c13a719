"""Lots and their opaque short links through the services."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from tests.factories import make_farm, make_lot, make_product, make_stall
from traceability import services as trace
from traceability.models import LotLink


@pytest.fixture
def stall(db_session):
    return make_stall(db_session)


@pytest.fixture
def lot(db_session, stall):
    return make_lot(
        db_session, make_product(db_session, stall, gtin="8934567890120"), code="TC2025-07"
    )


def test_lots_of_products_without_gtin_get_an_unguessable_short_link(db_session, stall):
    lot = make_lot(db_session, make_product(db_session, stall))
    link = db_session.scalar(select(LotLink).where(LotLink.lot_id == lot.id))
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", link.token)  # 128 random bits, URL-safe
    assert trace.ensure_lot_link(db_session, lot).token == link.token
    gtin_lot = make_lot(db_session, make_product(db_session, stall, gtin="8934567890120"))
    assert db_session.scalar(select(LotLink).where(LotLink.lot_id == gtin_lot.id)) is None


def test_product_links_are_stable_and_distinct(db_session, stall):
    first, second = make_product(db_session, stall), make_product(db_session, stall)
    token = trace.ensure_product_link(db_session, first.id).token
    assert trace.ensure_product_link(db_session, first.id).token == token
    assert trace.ensure_product_link(db_session, second.id).token != token
    assert len(token) >= 16 and not token.isdigit()  # never a made-up GTIN


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"code": "LÔ 1"}, "code", "bad_lot_code"),
        ({"code": "L" * 21}, "code", "bad_lot_code"),
        ({"code": ""}, "code", "bad_lot_code"),
        ({"quantity": -5}, "quantity", "out_of_range"),
        (
            {"harvest_date": date(2025, 7, 2), "packing_date": date(2025, 7, 1)},
            "packing_date",
            "date_order",
        ),
        (
            {"production_date": date(2025, 7, 5), "expiry_date": date(2025, 7, 4)},
            "expiry_date",
            "date_order",
        ),
    ],
)
def test_create_lot_rejects_bad_values(db_session, stall, overrides, field, code):
    with pytest.raises(trace.TraceError) as caught:
        make_lot(db_session, make_product(db_session, stall), **overrides)
    assert (caught.value.field, caught.value.code) == (field, code)


def test_lot_codes_are_unique_per_product_and_farms_must_be_the_stalls(db_session, stall, lot):
    product = make_product(db_session, stall)
    assert product.id != lot.product_id
    make_lot(db_session, product, code="TC2025-07")  # the same code on another product is fine
    with pytest.raises(trace.TraceError, match="already exists") as caught:
        make_lot(db_session, product, code="TC2025-07")
    assert caught.value.code == "duplicate"
    stranger = make_farm(db_session, make_stall(db_session))
    with pytest.raises(trace.TraceError) as caught:
        make_lot(db_session, product, farms=[stranger])
    assert caught.value.code == "farm_not_in_stall"
