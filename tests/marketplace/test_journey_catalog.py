"""Issue 3 as a new user lives it: register, apply, approval, product, certificate, badge."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

from sqlalchemy import select

from catalog import regions
from catalog.models import Certificate, Product
from marketplace.stalls.models import Stall
from tests.conftest import csrf_token, login, post_form
from tests.factories import jpeg_bytes, make_user, pdf_bytes

THAI_NGUYEN = 19


def _form_post(client, url, data, files=None):
    token = csrf_token(client, url)
    payload = {**data, "csrf_token": token, **(files or {})}
    return client.post(url, data=payload, content_type="multipart/form-data")


def test_seller_to_badge_on_the_stall_page(app, db_session):
    seller = app.test_client()
    admin = app.test_client()
    shopper = app.test_client()
    make_user(db_session, email="quan-tri@example.com", role="admin")
    db_session.commit()

    # The farmer opens an account and applies for a stall.
    assert (
        post_form(
            seller,
            "/account/register",
            {
                "full_name": "Hoàng Văn Tư",
                "email": "tu@example.com",
                "password": "mat-khau-cua-tu",
                "confirm": "mat-khau-cua-tu",
                "wants_to_sell": "y",
            },
        ).status_code
        == 302
    )
    ward = regions.wards(THAI_NGUYEN)[0]
    applied = post_form(
        seller,
        "/seller/apply",
        {
            "name": "HTX Chè Hồng Thái",
            "slug": "htx-che-hong-thai",
            "kind": "cooperative",
            "province_code": str(THAI_NGUYEN),
            "ward_code": str(ward.code),
            "phone": "0987 654 321",
            "description": "Chè búp hái tay.",
            "action": "apply",
        },
    )
    assert applied.status_code == 302
    assert shopper.get("/gian-hang/htx-che-hong-thai").status_code == 404

    # The administrator approves it.
    login(admin, "quan-tri@example.com")
    stall = db_session.scalar(select(Stall).where(Stall.slug == "htx-che-hong-thai"))
    review_url = f"/admin/stalls/{stall.id}"
    assert (
        post_form(
            admin, f"{review_url}/review", {"action": "approve", "note": ""}, form_url=review_url
        ).status_code
        == 302
    )
    assert shopper.get("/gian-hang/htx-che-hong-thai").status_code == 200

    # The seller adds a product with a photo.
    category = re.search(
        r'<option value="(\d+)">[^<]*Chè, trà',
        seller.get("/seller/htx-che-hong-thai/products/new").get_data(as_text=True),
    ).group(1)
    created = post_form(
        seller,
        "/seller/htx-che-hong-thai/products/new",
        {
            "sku": "CHE-500",
            "name": "Chè búp Hồng Thái",
            "category_id": category,
            "price_vnd": "180.000",
            "unit": "hộp 500g",
            "stock": "40",
            "province_code": str(THAI_NGUYEN),
            "status": "active",
            "description": "Chè xanh.",
        },
    )
    assert created.status_code == 302
    product = db_session.scalar(select(Product).where(Product.sku == "CHE-500"))
    assert product.price_vnd == 180000
    photos_url = f"/seller/htx-che-hong-thai/products/{product.id}/photos"
    uploaded = _form_post(seller, photos_url, {}, {"photos": (io.BytesIO(jpeg_bytes()), "che.jpg")})
    assert uploaded.status_code == 302

    # ... and its OCOP certificate, which waits for verification.
    decided = date.today() - timedelta(days=30)
    submitted = _form_post(
        seller,
        "/seller/htx-che-hong-thai/certificates/ocop",
        {
            "product_id": str(product.id),
            "stars": "4",
            "number": "1234/QĐ-UBND",
            "issuer": "UBND tỉnh Thái Nguyên",
            "issued_on": decided.isoformat(),
            "valid_until": "",
        },
        {"document": (io.BytesIO(pdf_bytes()), "quyet-dinh.pdf")},
    )
    assert submitted.status_code == 302
    page = shopper.get("/gian-hang/htx-che-hong-thai").get_data(as_text=True)
    assert "Chè búp Hồng Thái" in page
    assert "media/products/" in page  # the photo is shown
    badge = re.compile(r'class="badge badge-ocop"[^>]*>\s*<span aria-hidden="true">★★★★</span>')
    assert "badge-ocop" not in page, "a badge is shown before verification"

    # The administrator verifies the certificate: the badge appears.
    certificate = db_session.scalar(select(Certificate))
    cert_url = f"/admin/certificates/{certificate.id}"
    assert (
        post_form(
            admin, f"{cert_url}/review", {"action": "verify", "note": ""}, form_url=cert_url
        ).status_code
        == 302
    )
    stall_page = shopper.get("/gian-hang/htx-che-hong-thai").get_data(as_text=True)
    product_page = shopper.get("/gian-hang/htx-che-hong-thai/san-pham/CHE-500")
    assert product_page.status_code == 200
    api = shopper.get("/api/v1/products/htx-che-hong-thai/CHE-500").get_json()
    assert api["ocop_stars"] == 4
    assert api["price_vnd"] == 180000
    assert badge.search(stall_page), "no OCOP badge on the stall page"
    assert badge.search(product_page.get_data(as_text=True))
