"""Administrators review stalls and certificates; shoppers see the outcome."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select

from catalog.models import CertificateStatus, Product
from catalog.storage import save_document
from marketplace.media import get_storage
from marketplace.stalls.models import AuditEntry, Stall, StallStatus
from tests.conftest import post_form
from tests.factories import make_certificate, make_image, make_product, make_stall, make_user


@pytest.fixture
def admin(admin_client):
    """An administrator's client, reading the pages in English."""
    admin_client.set_cookie("lang", "en")
    return admin_client


def review(client, stall, action, note=""):
    url = f"/admin/stalls/{stall.id}"
    return post_form(client, f"{url}/review", {"action": action, "note": note}, form_url=url)


def review_certificate(client, certificate, action, note=""):
    url = f"/admin/certificates/{certificate.id}"
    return post_form(client, f"{url}/review", {"action": action, "note": note}, form_url=url)


def fresh(session, model, id_):
    session.expire_all()
    return session.get(model, id_)


def test_dashboard_counts_what_waits(admin, db_session):
    pending = make_stall(db_session, status=StallStatus.PENDING)
    make_stall(db_session, status=StallStatus.PENDING)
    approved = make_stall(db_session)
    make_certificate(db_session, approved)
    make_certificate(db_session, pending)
    make_certificate(db_session, approved, verified_by=make_user(db_session).id)
    db_session.commit()
    page = admin.get("/admin/").get_data(as_text=True)
    assert '<strong class="count-stalls">2</strong>' in page
    assert '<strong class="count-certificates">2</strong>' in page


def test_stall_lists_filter_by_status(admin, db_session):
    make_stall(db_session, name="Chờ duyệt A", status=StallStatus.PENDING)
    make_stall(db_session, name="Đã duyệt B")
    make_stall(db_session, name="Tạm ngừng C", status=StallStatus.SUSPENDED)
    db_session.commit()
    pending = admin.get("/admin/stalls").get_data(as_text=True)
    assert "Chờ duyệt A" in pending and "Đã duyệt B" not in pending
    suspended = admin.get("/admin/stalls?status=suspended").get_data(as_text=True)
    assert "Tạm ngừng C" in suspended and "Chờ duyệt A" not in suspended


def test_review_page_shows_profile_people_products_certificates_and_history(admin, db_session):
    owner = make_user(db_session, role="seller", email="chu@example.com")
    stall = make_stall(db_session, owner=owner, name="HTX Chè", registration_no="HTX-0099")
    make_product(db_session, stall)
    make_product(db_session, stall, status="draft")
    make_certificate(db_session, stall, number="OCOP-42/QĐ")
    db_session.commit()
    page = admin.get(f"/admin/stalls/{stall.id}").get_data(as_text=True)
    assert "HTX Chè" in page and "HTX-0099" in page and "Thái Nguyên" in page
    assert "chu@example.com" in page
    assert "2 products —" in page and "on sale: 1, drafts: 1, hidden: 0" in page
    assert "OCOP-42/QĐ" in page
    assert "applied" in page  # the audit log
    assert admin.get("/admin/stalls/999999").status_code == 404


def test_approving_a_pending_stall_makes_it_public(admin, client, db_session):
    stall = make_stall(db_session, status=StallStatus.PENDING)
    product = make_product(db_session, stall)
    db_session.commit()
    assert client.get(f"/gian-hang/{stall.slug}").status_code == 404

    response = review(admin, stall, "approve")
    assert response.status_code == 302
    assert "approved" in admin.get(response.headers["Location"]).get_data(as_text=True)
    assert client.get(f"/gian-hang/{stall.slug}").status_code == 200
    assert client.get(f"/gian-hang/{stall.slug}/san-pham/{product.sku}").status_code == 200
    assert client.get(f"/api/v1/stalls/{stall.slug}").status_code == 200
    entry = db_session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()))
    assert entry.action == "status_changed" and entry.detail["new"] == "approved"


def test_rejecting_needs_a_reason_the_seller_can_read(admin, client, db_session):
    stall = make_stall(db_session, status=StallStatus.PENDING)
    db_session.commit()

    response = review(admin, stall, "reject", "   ")
    assert response.status_code == 400
    assert "Please give the seller a reason." in response.get_data(as_text=True)
    assert fresh(db_session, Stall, stall.id).status == StallStatus.PENDING

    response = review(admin, stall, "reject", "Thiếu giấy đăng ký HTX")
    assert response.status_code == 302
    rejected = fresh(db_session, Stall, stall.id)
    assert rejected.status == StallStatus.REJECTED
    assert rejected.review_note == "Thiếu giấy đăng ký HTX"
    assert client.get(f"/gian-hang/{stall.slug}").status_code == 404


def test_suspending_hides_everything_and_reinstating_restores_it(admin, client, db_session):
    stall = make_stall(db_session)
    product = make_product(db_session, stall)
    make_image(db_session, product)
    make_certificate(db_session, stall, product)
    db_session.commit()
    urls = [
        f"/gian-hang/{stall.slug}",
        f"/gian-hang/{stall.slug}/san-pham/{product.sku}",
        f"/api/v1/stalls/{stall.slug}",
        f"/api/v1/products/{stall.slug}/{product.sku}",
    ]
    assert all(client.get(url).status_code == 200 for url in urls)
    assert product.name in client.get("/danh-muc/che-tra").get_data(as_text=True)

    assert review(admin, stall, "suspend").status_code == 400  # a reason is required
    assert fresh(db_session, Stall, stall.id).status == StallStatus.APPROVED
    assert review(admin, stall, "suspend", "Khiếu nại về chất lượng").status_code == 302
    assert fresh(db_session, Stall, stall.id).status == StallStatus.SUSPENDED
    assert all(client.get(url).status_code == 404 for url in urls)
    assert client.get(urls[2]).get_json()["error"]["status"] == 404
    assert product.name not in client.get("/danh-muc/che-tra").get_data(as_text=True)
    assert product.name not in client.get("/").get_data(as_text=True)

    assert review(admin, stall, "reinstate").status_code == 302
    assert all(client.get(url).status_code == 200 for url in urls)
    kept = fresh(db_session, Product, product.id)
    assert kept.name == product.name and len(kept.images) == 1


def test_actions_that_do_not_fit_the_state_change_nothing(admin, db_session):
    stall = make_stall(db_session)
    db_session.commit()
    response = review(admin, stall, "reinstate")
    assert response.status_code == 302
    assert "not possible" in admin.get(response.headers["Location"]).get_data(as_text=True)
    assert review(admin, stall, "delete").status_code == 400
    assert fresh(db_session, Stall, stall.id).status == StallStatus.APPROVED


def test_verifying_a_certificate_shows_the_badge_and_api_stars(admin, client, db_session):
    stall = make_stall(db_session)
    product = make_product(db_session, stall)
    certificate = make_certificate(db_session, stall, product, stars=5)
    db_session.commit()
    page_url = f"/gian-hang/{stall.slug}/san-pham/{product.sku}"
    api_url = f"/api/v1/products/{stall.slug}/{product.sku}"
    assert "badge-ocop" not in client.get(page_url).get_data(as_text=True)
    assert client.get(api_url).get_json()["ocop_stars"] is None

    assert "OCOP" in admin.get("/admin/certificates").get_data(as_text=True)
    response = review_certificate(admin, certificate, "verify")
    assert response.status_code == 302
    assert fresh(db_session, type(certificate), certificate.id).status == CertificateStatus.VERIFIED
    assert "badge-ocop" in client.get(page_url).get_data(as_text=True)
    assert client.get(api_url).get_json()["ocop_stars"] == 5
    assert client.get(api_url).get_json()["certifications"] == ["ocop"]


def test_rejecting_a_certificate_needs_a_note_and_shows_no_badge(admin, client, db_session):
    stall = make_stall(db_session)
    product = make_product(db_session, stall)
    certificate = make_certificate(db_session, stall, product)
    db_session.commit()

    response = review_certificate(admin, certificate, "reject")
    assert response.status_code == 400
    assert fresh(db_session, type(certificate), certificate.id).status == CertificateStatus.PENDING
    assert review_certificate(admin, certificate, "reject", "Ảnh mờ").status_code == 302
    rejected = fresh(db_session, type(certificate), certificate.id)
    assert rejected.status == CertificateStatus.REJECTED and rejected.review_note == "Ảnh mờ"
    page = client.get(f"/gian-hang/{stall.slug}/san-pham/{product.sku}").get_data(as_text=True)
    assert "badge-ocop" not in page
    api = client.get(f"/api/v1/products/{stall.slug}/{product.sku}").get_json()
    assert api["ocop_stars"] is None and api["certifications"] == []


def test_verified_but_expired_certificate_shows_expired_and_no_badge(admin, client, db_session):
    stall = make_stall(db_session)
    product = make_product(db_session, stall)
    certificate = make_certificate(
        db_session, stall, product, stars=4, valid_until=date.today() - timedelta(days=1)
    )
    db_session.commit()
    review_certificate(admin, certificate, "verify")
    page = admin.get(f"/gian-hang/{stall.slug}/san-pham/{product.sku}").get_data(as_text=True)
    assert "badge-ocop" not in page
    assert "has expired" in page
    assert (
        client.get(f"/api/v1/products/{stall.slug}/{product.sku}").get_json()["ocop_stars"] is None
    )


def _pdf() -> bytes:
    return b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _picture() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (200, 150), "white").save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize(
    "data, kind, mimetype, suffix",
    [(_pdf(), "pdf", "application/pdf", ".pdf"), (_picture(), "image", "image/webp", ".webp")],
)
def test_certificate_scan_is_served_inline_to_administrators_only(
    app, admin, client, db_session, data, kind, mimetype, suffix
):
    stall = make_stall(db_session)
    with app.app_context():
        key = save_document(get_storage(), "private/certificates", data, kind)
    certificate = make_certificate(db_session, stall, document_key=key)
    db_session.commit()

    detail = admin.get(f"/admin/certificates/{certificate.id}").get_data(as_text=True)
    assert f'href="/admin/certificates/{certificate.id}/document"' in detail
    with admin.get(f"/admin/certificates/{certificate.id}/document") as response:
        assert response.status_code == 200
        body = response.get_data()
    assert body.startswith(b"%PDF-") if kind == "pdf" else body[8:12] == b"WEBP"
    assert response.mimetype == mimetype
    assert response.headers["Content-Disposition"].startswith("inline")
    assert response.headers["Content-Disposition"].endswith(suffix)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response.headers["Cache-Control"]
    assert client.get(f"/media/{key}").status_code == 404
    assert client.get(f"/admin/certificates/{certificate.id}/document").status_code == 302


def test_certificate_without_scan_has_no_document(admin, db_session):
    stall = make_stall(db_session)
    certificate = make_certificate(db_session, stall)
    db_session.commit()
    assert admin.get(f"/admin/certificates/{certificate.id}/document").status_code == 404
    assert admin.get("/admin/certificates/999999").status_code == 404


def test_review_writes_nothing_else(admin, db_session):
    stall = make_stall(db_session, status=StallStatus.PENDING)
    make_product(db_session, stall)
    db_session.commit()
    products = db_session.scalar(select(func.count()).select_from(Product))
    review(admin, stall, "approve")
    review(admin, stall, "suspend", "Kiểm tra")
    assert db_session.scalar(select(func.count()).select_from(Product)) == products
