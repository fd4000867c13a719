"""`flask demo load`: a realistic market, built through the CSV import, loaded idempotently."""

from __future__ import annotations

from sqlalchemy import func, select

from catalog import regions
from catalog.models import Certificate, CertificateKind, CertificateStatus, Product, ProductImage
from marketplace.demo import DEMO_PASSWORD, SELLER_EMAIL
from marketplace.media import get_storage
from marketplace.stalls.models import AuditEntry, Stall, StallKind, StallStaff, StallStatus
from marketplace.users.models import User
from tests.conftest import login
from traceability.models import Farm, Lot

COUNTED = (User, Stall, StallStaff, Product, ProductImage, Certificate, Farm, Lot, AuditEntry)


def snapshot(session) -> dict[str, int]:
    return {
        model.__name__: session.scalar(select(func.count()).select_from(model)) for model in COUNTED
    }


def test_demo_market_is_realistic_complete_and_loading_twice_changes_nothing(
    app, runner, client, db_session
):
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    before = snapshot(db_session)
    second = runner.invoke(args=["demo", "load"])
    assert second.exit_code == 0, second.output
    assert "nothing added" in second.output
    db_session.expire_all()
    assert snapshot(db_session) == before

    stalls = db_session.scalars(select(Stall)).all()
    assert len(stalls) >= 8
    assert {s.status for s in stalls} == {StallStatus.APPROVED}
    assert len({s.province_code for s in stalls}) >= 6
    assert sum(s.kind == StallKind.COOPERATIVE for s in stalls) >= 3
    assert all(s.description and s.phone and s.logo_key for s in stalls)
    che = next(s for s in stalls if s.slug == "htx-che-tan-cuong")
    assert che.name == "HTX Chè Tân Cương"
    assert che.province_code == regions.match_province("Thái Nguyên").code
    # Written with its old name in the file; Bến Tre is part of Vĩnh Long since 2025.
    coconut = next(s for s in stalls if s.slug == "keo-dua-mo-cay")
    assert coconut.province_code == regions.match_province("Vĩnh Long").code

    products = db_session.scalars(select(Product)).all()
    assert len(products) >= 60
    assert all(p.price_vnd > 0 and p.unit and p.description for p in products)
    with app.app_context():
        storage = get_storage()
        for product in products:
            assert product.images, product.sku
            for variant in ("large", "medium", "thumb"):
                assert storage.exists(f"{product.images[0].key}-{variant}.webp")

    certificates = db_session.scalars(select(Certificate)).all()
    assert {c.status for c in certificates} == {CertificateStatus.VERIFIED}
    ocop = [c for c in certificates if c.kind == CertificateKind.OCOP]
    assert len(ocop) >= 30 and {c.stars for c in ocop} == {3, 4, 5}
    kinds = {c.kind for c in certificates}
    assert {CertificateKind.VIETGAP, CertificateKind.ORGANIC} <= kinds
    lots = db_session.scalars(select(Lot)).all()
    assert len(lots) >= 10 and all(lot.harvest_date for lot in lots)
    assert db_session.scalar(select(func.count()).select_from(Farm)) >= 5

    assert login(client, SELLER_EMAIL, DEMO_PASSWORD).status_code == 302
    page = client.get("/seller/htx-che-tan-cuong/products")
    assert page.status_code == 200
    assert "Chè búp đặc biệt Tân Cương" in page.get_data(as_text=True)
