"""Search documents built from the database agree with what the catalog shows shoppers."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from catalog.models import Product
from catalog.services import badges_for
from marketplace import search_docs
from tests.factories import make_certificate, make_farm, make_product, make_stall, make_user


def test_documents_carry_badges_exactly_as_badges_for_computes_them(db_session):
    admin = make_user(db_session)
    day = date(2026, 6, 1)
    stall, other = make_stall(db_session), make_stall(db_session)
    farm = make_farm(db_session, stall, name="Đồi chè Khuôn Gà")
    products = [make_product(db_session, s) for s in (stall, stall, other, other)]
    products[0].farm_id = farm.id
    verified = {"verified_by": admin.id}
    make_certificate(db_session, stall, products[0], stars=4, **verified)
    make_certificate(db_session, stall, products[0], stars=5, valid_until=day - timedelta(1),
                     **verified)  # fmt: skip
    make_certificate(db_session, stall, None, kind="vietgap", stars=None, valid_until=day,
                     **verified)  # fmt: skip
    make_certificate(db_session, other, products[2], stars=5)  # pending: not shown
    make_certificate(db_session, other, None, kind="organic", stars=None, **verified)
    db_session.flush()
    rows = db_session.scalars(select(Product).order_by(Product.id)).all()
    expected = badges_for(db_session, rows, day)
    batch = search_docs.build(db_session, [p.id for p in rows], day)
    docs = {doc.id: doc for doc in batch.docs}
    assert batch.gone == []
    for product in rows:
        badge = expected[product.id]
        assert (docs[product.id].ocop_stars, docs[product.id].certifications) == (
            badge.ocop_stars,
            badge.certifications,
        )
    first = docs[products[0].id]
    assert first.ocop_stars == 4 and first.certifications == ["ocop", "vietgap"]
    assert first.farm_name == "Đồi chè Khuôn Gà" and first.province == "Thái Nguyên"
    assert first.category_slugs == ["che-tra", "do-uong"] and first.category == "Chè, trà"
    assert search_docs.build(db_session, [999_999], day).gone == [999_999]
