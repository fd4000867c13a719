"""The read-only JSON API: product and stall objects, administrative units, 404s."""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest

from catalog import regions
from marketplace.stalls.models import StallStatus
from tests.factories import make_certificate, make_image, make_product, make_stall, make_user

PRODUCT_KEYS = {
    "sku",
    "name",
    "category",
    "category_slug",
    "price_vnd",
    "unit",
    "stock",
    "ocop_stars",
    "province",
    "certifications",
    "stall",
    "url",
    "images",
    "trace_url",
    "qr_url",
}


def test_product_object(client, db_session):
    admin = make_user(db_session, role="admin")
    phu_tho = regions.match_province("Phú Thọ")
    stall = make_stall(db_session, name="HTX Bưởi Đoan Hùng", province_code=phu_tho.code)
    product = make_product(
        db_session, stall, sku="BUOI-01", name="Bưởi Đoan Hùng", price_vnd=45000, unit="quả"
    )
    make_image(db_session, product, key="products/ef/buoi")
    make_certificate(db_session, stall, product, stars=4, verified_by=admin.id)
    make_certificate(db_session, stall, kind="vietgap", stars=None, verified_by=admin.id)
    make_certificate(db_session, stall, product, kind="organic", stars=None)  # pending
    make_certificate(
        db_session,
        stall,
        product,
        kind="globalgap",
        stars=None,
        verified_by=admin.id,
        valid_until=date.today() - timedelta(days=1),
    )
    db_session.commit()

    response = client.get(f"/api/v1/products/{stall.slug}/BUOI-01")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=60"
    data = response.get_json()
    assert set(data) == PRODUCT_KEYS
    trace_url, qr_url = data.pop("trace_url"), data.pop("qr_url")
    assert trace_url.startswith("http://market.test/")
    assert qr_url.startswith("http://market.test/")
    assert data == {
        "sku": "BUOI-01",
        "name": "Bưởi Đoan Hùng",
        "category": "Chè, trà",
        "category_slug": "che-tra",
        "price_vnd": 45000,
        "unit": "quả",
        "stock": 20,
        "ocop_stars": 4,
        "province": "Phú Thọ",
        "certifications": ["ocop", "vietgap"],
        "stall": {"slug": stall.slug, "name": "HTX Bưởi Đoan Hùng"},
        "url": f"http://market.test/gian-hang/{stall.slug}/san-pham/BUOI-01",
        "images": ["http://market.test/media/products/ef/buoi-large.webp"],
    }
    # The url is the product's real page.
    assert client.get(urlsplit(data["url"]).path).status_code == 200


def test_province_is_the_short_name(client, db_session):
    stall = make_stall(db_session, province_code=regions.match_province("Hà Nội").code)
    product = make_product(db_session, stall)
    db_session.commit()
    data = client.get(f"/api/v1/products/{stall.slug}/{product.sku}").get_json()
    assert data["province"] == "Hà Nội"
    assert data["ocop_stars"] is None and data["certifications"] == [] and data["images"] == []


def test_stall_object(client, db_session):
    admin = make_user(db_session, role="admin")
    ward = regions.wards(19)[0]
    stall = make_stall(
        db_session, name="HTX Chè", kind="cooperative", ward_code=ward.code, description="Chè ngon"
    )
    stall.logo_key = "stalls/aa/logo"
    product = make_product(db_session, stall, sku="CHE-1")
    make_product(db_session, stall, status="draft")
    make_certificate(db_session, stall, product, stars=5, number="OCOP-5", verified_by=admin.id)
    make_certificate(db_session, stall, kind="vietgap", stars=None, number="PENDING")
    db_session.commit()

    response = client.get(f"/api/v1/stalls/{stall.slug}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=60"
    data = response.get_json()
    assert data["slug"] == stall.slug and data["name"] == "HTX Chè"
    assert data["kind"] == "cooperative"
    assert data["province"] == "Thái Nguyên" and data["ward"] == ward.name
    assert data["description"] == "Chè ngon"
    assert data["url"] == f"http://market.test/gian-hang/{stall.slug}"
    assert data["logo"] == "http://market.test/media/stalls/aa/logo-medium.webp"
    assert data["product_count"] == 1
    assert [c["number"] for c in data["certificates"]] == ["OCOP-5"]
    assert data["certificates"][0]["product_sku"] == "CHE-1"
    assert data["certificates"][0]["expired"] is False
    assert "phone" not in data and "registration_no" not in data
    assert client.get(urlsplit(data["url"]).path).status_code == 200


@pytest.mark.parametrize(
    "status", [StallStatus.PENDING, StallStatus.REJECTED, StallStatus.SUSPENDED]
)
def test_hidden_stalls_are_not_found(client, db_session, status):
    stall = make_stall(db_session, status=status)
    product = make_product(db_session, stall)
    db_session.commit()
    for url in (f"/api/v1/stalls/{stall.slug}", f"/api/v1/products/{stall.slug}/{product.sku}"):
        response = client.get(url)
        assert response.status_code == 404
        body = response.get_json()
        assert set(body) == {"error"} and body["error"]["status"] == 404
        assert stall.name not in response.get_data(as_text=True)


@pytest.mark.parametrize("status", ["draft", "hidden"])
def test_products_that_are_not_active_are_not_found(client, db_session, status):
    stall = make_stall(db_session)
    product = make_product(db_session, stall, status=status)
    db_session.commit()
    response = client.get(f"/api/v1/products/{stall.slug}/{product.sku}")
    assert response.status_code == 404
    assert response.is_json


def test_unknown_things_are_not_found_as_json(client):
    for url in ("/api/v1/stalls/khong-co", "/api/v1/products/khong-co/X", "/api/v1/nothing"):
        response = client.get(url)
        assert response.status_code == 404 and response.get_json()["error"]["status"] == 404


def test_provinces_and_wards(client):
    provinces = client.get("/api/v1/provinces")
    assert provinces.headers["Cache-Control"] == "public, max-age=60"
    data = provinces.get_json()
    assert len(data) == 34
    phu_tho = next(p for p in data if p["short_name"] == "Phú Thọ")
    assert set(phu_tho) == {"code", "name", "short_name"}
    wards = client.get(f"/api/v1/provinces/{phu_tho['code']}/wards").get_json()
    assert wards and all(set(w) == {"code", "name"} for w in wards)
    assert {w["code"] for w in wards} == {w.code for w in regions.wards(phu_tho["code"])}
    assert client.get("/api/v1/provinces/9999/wards").status_code == 404


def test_api_writes_are_not_allowed(client, db_session):
    stall = make_stall(db_session)
    db_session.commit()
    for method in (client.post, client.put, client.delete):
        assert method(f"/api/v1/stalls/{stall.slug}").status_code in (400, 405)
