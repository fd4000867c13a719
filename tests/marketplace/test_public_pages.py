"""Public stall, product, category and home pages: only approved stalls and active products."""

from __future__ import annotations

import html
import json
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from catalog import regions
from catalog.models import Category
from marketplace.stalls.models import StallStatus
from tests.factories import (
    make_certificate,
    make_farm,
    make_image,
    make_product,
    make_stall,
    make_user,
)

LD_JSON = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


@pytest.fixture
def english(client):
    """A client that reads the pages in English (the msgids), whatever the catalogs hold."""
    client.set_cookie("lang", "en")
    return client


def category(session, slug):
    return session.scalar(select(Category).where(Category.slug == slug))


def test_stall_page_shows_profile_location_certificates_and_products(client, db_session):
    ward = regions.wards(19)[0]
    stall = make_stall(
        db_session, name="HTX Chè Tân Cương", ward_code=ward.code, kind="cooperative"
    )
    stall.logo_key, stall.banner_key = "stalls/aa/logo", "stalls/aa/banner"
    product = make_product(db_session, stall, name="Chè móc câu")
    hidden = make_product(db_session, stall, name="Chè ẩn", status="hidden")
    draft = make_product(db_session, stall, name="Chè nháp", status="draft")
    admin = make_user(db_session, role="admin")
    make_certificate(
        db_session, stall, kind="vietgap", stars=None, number="VG-77", verified_by=admin.id
    )
    make_certificate(db_session, stall, kind="organic", stars=None, number="ORG-PENDING")
    make_certificate(db_session, stall, hidden, number="HIDDEN-OCOP", verified_by=admin.id)
    db_session.commit()

    response = client.get(f"/gian-hang/{stall.slug}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "HTX Chè Tân Cương" in page
    assert f"{ward.name}, {regions.province(19).name}" in page
    assert "/media/stalls/aa/banner-large.webp" in page
    assert "/media/stalls/aa/logo-thumb.webp" in page
    assert f'href="/gian-hang/{stall.slug}/san-pham/{product.sku}"' in page
    assert hidden.name not in page and draft.name not in page
    assert "VG-77" in page
    assert "ORG-PENDING" not in page  # not verified
    assert "HIDDEN-OCOP" not in page  # belongs to a product shoppers cannot see
    assert f'<link rel="canonical" href="http://market.test/gian-hang/{stall.slug}">' in page


@pytest.mark.parametrize(
    "status", [StallStatus.PENDING, StallStatus.REJECTED, StallStatus.SUSPENDED]
)
def test_stall_that_is_not_approved_is_not_found(client, db_session, status):
    stall = make_stall(db_session, status=status)
    product = make_product(db_session, stall)
    db_session.commit()
    assert client.get(f"/gian-hang/{stall.slug}").status_code == 404
    assert client.get(f"/gian-hang/{stall.slug}/san-pham/{product.sku}").status_code == 404


def test_unknown_pages_are_not_found(client, db_session):
    stall = make_stall(db_session)
    db_session.commit()
    assert client.get("/gian-hang/khong-co").status_code == 404
    assert client.get(f"/gian-hang/{stall.slug}/san-pham/NOPE").status_code == 404
    assert client.get("/danh-muc/khong-co").status_code == 404
    assert client.get(f"/gian-hang/{stall.slug}?page=abc").status_code == 404


@pytest.mark.parametrize("status", ["draft", "hidden"])
def test_product_that_is_not_active_is_not_found(client, db_session, status):
    stall = make_stall(db_session)
    product = make_product(db_session, stall, status=status)
    db_session.commit()
    assert client.get(f"/gian-hang/{stall.slug}/san-pham/{product.sku}").status_code == 404


def test_product_page_shows_photos_price_unit_price_stock_and_stall(english, db_session):
    stall = make_stall(db_session, name="Gian hàng Tân Cương")
    product = make_product(db_session, stall, price_vnd=250000, unit="hộp 500g", stock=3)
    make_image(db_session, product, key="products/ab/one", width=1200, height=800)
    make_image(db_session, product, key="products/ab/two", width=900, height=1200)
    db_session.commit()

    page = english.get(f"/gian-hang/{stall.slug}/san-pham/{product.sku}").get_data(as_text=True)
    images = re.findall(r"<img [^>]*>", page)
    assert len(images) == 2
    for tag in images:
        assert 'loading="lazy"' in tag and 'width="' in tag and 'height="' in tag
    assert 'src="/media/products/ab/one-large.webp"' in page
    assert 'width="900" height="1200"' in page
    assert "250.000\u00a0₫ / hộp 500g" in page
    assert "500.000\u00a0₫ / kg" in page  # the unit price lets shoppers compare pack sizes
    assert "In stock" in page and "Out of stock" not in page
    assert f'href="/gian-hang/{stall.slug}"' in page
    assert "Gian hàng Tân Cương" in page


def test_product_out_of_stock_says_so(english, db_session):
    stall = make_stall(db_session)
    product = make_product(db_session, stall, stock=0)
    db_session.commit()
    page = english.get(f"/gian-hang/{stall.slug}/san-pham/{product.sku}").get_data(as_text=True)
    assert "Out of stock" in page and "In stock" not in page
    data = json.loads(LD_JSON.search(page).group(1))
    assert data["offers"]["availability"] == "https://schema.org/OutOfStock"


def test_ocop_badge_only_for_a_verified_unexpired_certificate(english, db_session):
    admin = make_user(db_session, role="admin")
    stall = make_stall(db_session)
    verified = make_product(db_session, stall)
    pending = make_product(db_session, stall)
    expired = make_product(db_session, stall)
    make_certificate(db_session, stall, verified, stars=5, verified_by=admin.id)
    make_certificate(db_session, stall, pending, stars=5)
    make_certificate(
        db_session,
        stall,
        expired,
        stars=4,
        verified_by=admin.id,
        valid_until=date.today() - timedelta(days=2),
    )
    db_session.commit()

    def page(product):
        url = f"/gian-hang/{stall.slug}/san-pham/{product.sku}"
        return english.get(url).get_data(as_text=True)

    assert "badge-ocop" in page(verified) and "OCOP 5 stars" in page(verified)
    assert "badge-ocop" not in page(pending) and "expired" not in page(pending)
    expired_page = page(expired)
    assert "badge-ocop" not in expired_page
    assert "The OCOP certificate of this product has expired." in expired_page
    assert "Expired on" in expired_page
    # The listing shows the same badges.
    listing = english.get(f"/gian-hang/{stall.slug}").get_data(as_text=True)
    assert listing.count("badge-ocop") == 1


def test_grower_is_shown_without_personal_data_unless_shared(client, db_session):
    stall = make_stall(db_session)
    private = make_farm(
        db_session,
        stall,
        name="Vườn nhà bà Lan",
        province_code=regions.match_province("Phú Thọ").code,
        representative="Nguyễn Thị Lan",
        phone="0987654321",
    )
    shared = make_farm(
        db_session, stall, name="Vườn ông Ba", phone="0911222333", share_contact=True
    )
    first = make_product(db_session, stall, farm_id=private.id)
    second = make_product(db_session, stall, farm_id=shared.id)
    db_session.commit()

    page = client.get(f"/gian-hang/{stall.slug}/san-pham/{first.sku}").get_data(as_text=True)
    assert "Vườn nhà bà Lan, Phú Thọ" in page
    assert "0987654321" not in page and "Nguyễn Thị Lan" not in page
    page = client.get(f"/gian-hang/{stall.slug}/san-pham/{second.sku}").get_data(as_text=True)
    assert "Vườn ông Ba" in page and "0911222333" in page


def test_product_page_carries_json_ld_open_graph_and_canonical(client, db_session):
    admin = make_user(db_session, role="admin")
    stall = make_stall(db_session, name="HTX Mật ong Bạc Hà")
    product = make_product(
        db_session, stall, name="Mật ong bạc hà", price_vnd=320000, gtin="8938505974194"
    )
    make_image(db_session, product, key="products/cd/honey")
    make_certificate(db_session, stall, product, stars=4, verified_by=admin.id)
    db_session.commit()
    url = f"http://market.test/gian-hang/{stall.slug}/san-pham/{product.sku}"

    page = client.get(f"/gian-hang/{stall.slug}/san-pham/{product.sku}").get_data(as_text=True)
    data = json.loads(LD_JSON.search(page).group(1))
    assert data["@context"] == "https://schema.org" and data["@type"] == "Product"
    assert data["name"] == "Mật ong bạc hà"
    assert data["sku"] == product.sku
    assert data["gtin14"] == "08938505974194"
    assert data["brand"]["name"] == "HTX Mật ong Bạc Hà"
    assert data["image"] == ["http://market.test/media/products/cd/honey-large.webp"]
    assert data["offers"] == {
        "@type": "Offer",
        "price": 320000,
        "priceCurrency": "VND",
        "availability": "https://schema.org/InStock",
        "url": url,
        "seller": {"@type": "Organization", "name": "HTX Mật ong Bạc Hà"},
    }
    assert f'<link rel="canonical" href="{url}">' in page
    assert '<meta property="og:type" content="product">' in page
    assert '<meta property="og:title" content="Mật ong bạc hà">' in page
    assert f'<meta property="og:url" content="{url}">' in page
    assert (
        '<meta property="og:image" content="http://market.test/media/products/cd/honey-large.webp">'
        in page
    )
    assert 'property="og:description"' in page


def test_hostile_product_text_is_escaped_in_html_and_json_ld(client, db_session):
    stall = make_stall(db_session)
    name = "<script>alert(1)</script>"
    product = make_product(
        db_session, stall, name=name, description="</script><img src=x onerror=alert(2)> & co"
    )
    db_session.commit()

    for url in (f"/gian-hang/{stall.slug}/san-pham/{product.sku}", f"/gian-hang/{stall.slug}"):
        page = client.get(url).get_data(as_text=True)
        assert "<script>alert(1)" not in page
        assert "<img src=x" not in page
        assert html.escape(name) in page or "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    page = client.get(f"/gian-hang/{stall.slug}/san-pham/{product.sku}").get_data(as_text=True)
    # Every </script> closes a script the page opened (JSON-LD, the header's suggest.js).
    assert page.count("</script>") == page.count("<script") == 2
    block = LD_JSON.search(page).group(1)
    assert "<" not in block and ">" not in block and "&" not in block
    data = json.loads(block)
    assert data["name"] == name
    assert data["description"] == "</script><img src=x onerror=alert(2)> & co"


def test_category_group_lists_its_subcategories_products(client, db_session):
    stall = make_stall(db_session)
    tea = make_product(db_session, stall, name="Chè xanh", category=category(db_session, "che-tra"))
    coffee = make_product(
        db_session, stall, name="Cà phê Robusta", category=category(db_session, "ca-phe-ca-cao")
    )
    honey = make_product(
        db_session, stall, name="Mật ong rừng", category=category(db_session, "mat-ong")
    )
    elsewhere = make_stall(db_session, status=StallStatus.SUSPENDED)
    hidden = make_product(db_session, elsewhere, name="Chè bị ẩn")
    db_session.commit()

    group = client.get("/danh-muc/do-uong").get_data(as_text=True)
    assert tea.name in group and coffee.name in group
    assert honey.name not in group and hidden.name not in group
    assert 'href="/danh-muc/che-tra"' in group  # sub-category links
    sub = client.get("/danh-muc/che-tra").get_data(as_text=True)
    assert tea.name in sub and coffee.name not in sub
    assert '<link rel="canonical" href="http://market.test/danh-muc/che-tra">' in sub


def test_listings_are_paginated_by_24(client, db_session):
    stall = make_stall(db_session)
    for n in range(30):
        make_product(db_session, stall, sku=f"P{n:02d}", name=f"Sản phẩm số {n:02d}")
    db_session.commit()

    for url in (f"/gian-hang/{stall.slug}", "/danh-muc/che-tra"):
        first = client.get(url).get_data(as_text=True)
        assert first.count('class="product-card"') == 24
        assert f'rel="next" href="{url}?page=2"' in first
        second = client.get(f"{url}?page=2").get_data(as_text=True)
        assert second.count('class="product-card"') == 6
        assert "Sản phẩm số 00" in second  # oldest last
        assert f'rel="prev" href="{url}"' in second
        assert client.get(f"{url}?page=3").status_code == 404


def test_home_page_features_stalls_and_newest_products(client, db_session):
    admin = make_user(db_session, role="admin")
    stall = make_stall(db_session, name="HTX Bưởi Đoan Hùng")
    product = make_product(db_session, stall, name="Bưởi Đoan Hùng")
    make_certificate(db_session, stall, product, stars=4, verified_by=admin.id)
    pending = make_stall(db_session, name="Gian hàng chờ duyệt", status=StallStatus.PENDING)
    make_product(db_session, pending, name="Sản phẩm chưa duyệt")
    db_session.commit()

    page = client.get("/").get_data(as_text=True)
    assert "HTX Bưởi Đoan Hùng" in page and f'href="/gian-hang/{stall.slug}"' in page
    assert "Bưởi Đoan Hùng" in page and "badge-ocop" in page
    assert "Gian hàng chờ duyệt" not in page and "Sản phẩm chưa duyệt" not in page
