"""Certificates from the seller's side: they always wait for an administrator."""

from __future__ import annotations

import io
from datetime import date

import pytest
from sqlalchemy import func, select

from catalog.models import Certificate, CertificateKind, CertificateStatus
from marketplace.stalls.models import AuditEntry
from marketplace.users.services import find_user
from tests.conftest import login, post_form
from tests.factories import (
    jpeg_bytes,
    make_certificate,
    make_product,
    make_stall,
    make_user,
    pdf_bytes,
)


@pytest.fixture
def shop(seller_client, db_session):
    """The logged-in seller's stall with one product."""
    owner = find_user(db_session, "seller@example.com")
    stall = make_stall(db_session, owner=owner, slug="che-tan-cuong")
    product = make_product(db_session, stall, sku="CHE-1", name="Chè móc câu")
    db_session.commit()
    seller_client.get("/lang/en")
    return {"stall": stall, "product": product}


def ocop_form(product: int, **overrides) -> dict:
    """Return a complete OCOP certificate form with a PDF scan."""
    data = {
        "product_id": str(product),
        "stars": "4",
        "number": "1234/QĐ-UBND",
        "issuer": "UBND tỉnh Thái Nguyên",
        "issued_on": "2025-03-15",
        "valid_until": "",
        "document": (io.BytesIO(pdf_bytes()), "quyet-dinh.pdf"),
    }
    data.update(overrides)
    return data


def submit(client, url: str, data: dict):
    """Post a certificate form with its file."""
    return post_form(client, url, data, content_type="multipart/form-data")


def certificates(session) -> int:
    """Count the certificates."""
    session.expire_all()
    return session.scalar(select(func.count()).select_from(Certificate))


def test_ocop_certificate_waits_for_review_and_lasts_36_months(shop, seller_client, db_session):
    url = "/seller/che-tan-cuong/certificates/ocop"
    response = submit(seller_client, url, ocop_form(shop["product"].id))
    assert response.status_code == 302
    certificate = db_session.scalars(select(Certificate)).one()
    assert certificate.status == CertificateStatus.PENDING
    assert certificate.kind == CertificateKind.OCOP and certificate.stars == 4
    assert certificate.product_id == shop["product"].id
    assert certificate.issued_on == date(2025, 3, 15)
    assert certificate.valid_until == date(2028, 3, 15)
    assert certificate.document_key.startswith("private/certificates/")
    entry = db_session.scalars(
        select(AuditEntry).where(AuditEntry.action == "certificate_submitted")
    ).one()
    assert entry.user_id == find_user(db_session, "seller@example.com").id
    assert entry.detail["status"] == "pending"
    listing = seller_client.get("/seller/che-tan-cuong/certificates").get_data(as_text=True)
    assert "Waiting for review" in listing and "1234/QĐ-UBND" in listing


def test_the_scan_is_private_but_its_stall_can_download_it(app, shop, seller_client, db_session):
    submit(seller_client, "/seller/che-tan-cuong/certificates/ocop", ocop_form(shop["product"].id))
    certificate = db_session.scalars(select(Certificate)).one()
    assert seller_client.get(f"/media/{certificate.document_key}").status_code == 404
    url = f"/seller/che-tan-cuong/certificates/{certificate.id}/document"
    response = seller_client.get(url)
    assert response.status_code == 200
    assert response.data == pdf_bytes()
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert "no-store" in response.headers["Cache-Control"]

    stranger = make_user(db_session, email="stranger@example.com")
    make_stall(db_session, owner=stranger)
    db_session.commit()
    other = app.test_client()
    login(other, stranger.email)
    assert other.get(url).status_code == 404


def test_a_vietgap_certificate_may_cover_the_whole_stall(shop, seller_client, db_session):
    data = {
        "kind": "vietgap",
        "product_id": "",
        "number": "VG-07-2025",
        "issuer": "Trung tâm Chứng nhận Phù hợp QUACERT",
        "scope": "Chè búp tươi, 5 ha",
        "issued_on": "01/06/2025",
        "valid_until": "01/06/2027",
        "document": (io.BytesIO(jpeg_bytes(800, 1100, "#ffffff")), "scan.jpg"),
    }
    response = submit(seller_client, "/seller/che-tan-cuong/certificates/standard", data)
    assert response.status_code == 302
    certificate = db_session.scalars(select(Certificate)).one()
    assert certificate.kind == CertificateKind.VIETGAP
    assert certificate.product_id is None and certificate.stars is None
    assert certificate.status == CertificateStatus.PENDING
    assert certificate.valid_until == date(2027, 6, 1)
    assert certificate.scope == "Chè búp tươi, 5 ha"
    assert certificate.document_key.endswith(".webp")  # the picture was re-encoded


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"document": (io.BytesIO(b""), "")}, "Please attach a scan"),
        ({"document": (io.BytesIO(b"MZ not a document"), "scan.pdf")}, "Please send a PDF"),
        ({"stars": "6"}, "OCOP stars are 3, 4 or 5."),
        ({"issued_on": ""}, "Please fill in this field."),
        ({"issued_on": "31/02/2025"}, "Enter a date like"),
        ({"valid_until": "2024-01-01"}, "must come after the date of issue"),
        ({"product_id": ""}, "Choose one of your products."),
        ({"number": ""}, "Please fill in this field."),
    ],
)
def test_a_bad_certificate_is_explained_and_not_recorded(
    shop, seller_client, db_session, overrides, message
):
    url = "/seller/che-tan-cuong/certificates/ocop"
    response = submit(seller_client, url, ocop_form(shop["product"].id, **overrides))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert certificates(db_session) == 0


def test_another_stalls_product_cannot_be_certified(shop, seller_client, db_session):
    elsewhere = make_product(db_session, make_stall(db_session), sku="X-1")
    db_session.commit()
    url = "/seller/che-tan-cuong/certificates/ocop"
    response = submit(seller_client, url, ocop_form(elsewhere.id))
    assert response.status_code == 400
    assert certificates(db_session) == 0


def test_the_list_shows_rejections_with_reasons_and_expiry(shop, seller_client, db_session):
    stall, product = shop["stall"], shop["product"]
    rejected = make_certificate(db_session, stall, product, number="R-1")
    rejected.status = CertificateStatus.REJECTED
    rejected.review_note = "Bản scan bị mờ"
    make_certificate(
        db_session,
        stall,
        product,
        number="OLD-1",
        valid_until=date(2020, 1, 1),
        verified_by=find_user(db_session, "seller@example.com").id,
    )
    db_session.commit()
    page = seller_client.get("/seller/che-tan-cuong/certificates").get_data(as_text=True)
    assert "Rejected" in page and "Bản scan bị mờ" in page
    assert "Expired" in page
