"""Products from the seller's side: create, edit, copy, hide, stock and photos."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from catalog.gtin import check_digit
from catalog.models import Category, Product, ProductImage, ProductStatus
from marketplace.media import get_storage
from marketplace.stalls.models import AuditEntry
from marketplace.users.services import find_user
from tests.conftest import login, post_form
from tests.factories import (
    add_person,
    jpeg_bytes,
    make_farm,
    make_image,
    make_product,
    make_stall,
)

GTIN_DATA = "893456789012"
GOOD_GTIN = GTIN_DATA + str(check_digit(GTIN_DATA))
BAD_GTIN = GTIN_DATA + str((check_digit(GTIN_DATA) + 1) % 10)


@pytest.fixture
def shop(seller_client, db_session):
    """The logged-in seller's stall (in Lào Cai) with one product and a member farm."""
    owner = find_user(db_session, "seller@example.com")
    stall = make_stall(db_session, owner=owner, slug="mat-ong", province_code=15)
    product = make_product(db_session, stall, sku="MO-1", name="Mật ong bạc hà", stock=20)
    farm = make_farm(db_session, stall, name="Nhà anh Sùng")
    db_session.commit()
    seller_client.get("/lang/en")
    return {"stall": stall, "product": product, "farm": farm}


def honey_id(session) -> int:
    """Return the id of the honey category."""
    return session.scalar(select(Category.id).where(Category.slug == "mat-ong"))


def product_form(session, **overrides) -> dict:
    """Return a complete, valid product form."""
    data = {
        "sku": "MO-500",
        "name": "Mật ong bạc hà Hà Giang",
        "category_id": str(honey_id(session)),
        "price_vnd": "125.000",
        "unit": "chai 500ml",
        "stock": "12",
        "gtin": "",
        "farm_id": "",
        "province_code": "15",
        "status": "active",
        "description": "Mật ong hoa bạc hà, cao nguyên đá Đồng Văn.",
    }
    data.update(overrides)
    return data


def logged(session, action: str) -> AuditEntry:
    """Return the one audit entry of an action."""
    return session.scalars(select(AuditEntry).where(AuditEntry.action == action)).one()


def state(session) -> tuple:
    """Return what a refused change must leave untouched."""
    session.expire_all()
    products = session.execute(
        select(Product.sku, Product.name, Product.price_vnd, Product.stock, Product.status)
    ).all()
    audit = session.scalar(select(func.count()).select_from(AuditEntry))
    images = session.scalar(select(func.count()).select_from(ProductImage))
    return sorted(products), audit, images


def test_create_a_product_with_dotted_price_and_the_stall_province(shop, seller_client, db_session):
    form_page = seller_client.get("/seller/mat-ong/products/new").get_data(as_text=True)
    assert '<option selected value="15">' in form_page
    assert '<datalist id="unit-suggestions">' in form_page and 'value="hộp 500g"' in form_page
    farm = shop["farm"]
    response = post_form(
        seller_client,
        "/seller/mat-ong/products/new",
        product_form(db_session, gtin=GOOD_GTIN, farm_id=str(farm.id)),
    )
    assert response.status_code == 302
    product = db_session.scalar(select(Product).where(Product.sku == "MO-500"))
    assert product.price_vnd == 125000
    assert product.stock == 12
    assert product.province_code == 15
    assert product.gtin == GOOD_GTIN.zfill(14)
    assert product.farm_id == farm.id
    assert product.status == ProductStatus.ACTIVE
    entry = db_session.scalars(
        select(AuditEntry).where(AuditEntry.action == "product_created")
    ).one()
    assert entry.user_id == find_user(db_session, "seller@example.com").id
    assert entry.detail["sku"] == "MO-500"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("price_vnd", "abc", "Enter a whole number"),
        ("stock", "-3", "Enter a whole number"),
        ("gtin", BAD_GTIN, "last digit is wrong"),
        ("sku", "MO-1", "Another product of this stall already uses this code."),
        ("sku", "có dấu cách", "without spaces"),
        ("category_id", "999999", "Choose a category from the list."),
        ("name", "", "Please fill in this field."),
        ("farm_id", "999999", "Choose an option from the list."),
    ],
)
def test_bad_product_input_is_explained_and_nothing_is_written(
    shop, seller_client, db_session, field, value, message
):
    before = state(db_session)
    response = post_form(
        seller_client, "/seller/mat-ong/products/new", product_form(db_session, **{field: value})
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    assert "Mật ong bạc hà Hà Giang" in page or field == "name"
    assert state(db_session) == before


def test_edit_a_product_records_old_and_new_values(shop, seller_client, db_session):
    product = shop["product"]
    url = f"/seller/mat-ong/products/{product.id}"
    assert 'value="Mật ong bạc hà"' in seller_client.get(url).get_data(as_text=True)
    response = post_form(
        seller_client, url, product_form(db_session, sku="MO-1", price_vnd="260000", stock="999")
    )
    assert response.status_code == 302
    db_session.expire_all()
    product = db_session.get(Product, product.id)
    assert product.price_vnd == 260000
    assert product.stock == 20  # the edit page never overwrites stock; the stock form does
    entry = db_session.scalars(
        select(AuditEntry).where(AuditEntry.action == "product_updated")
    ).one()
    assert entry.detail["changes"]["price_vnd"] == [250000, 260000]


def test_bad_edit_changes_nothing(shop, seller_client, db_session):
    before = state(db_session)
    url = f"/seller/mat-ong/products/{shop['product'].id}"
    response = post_form(seller_client, url, product_form(db_session, sku="MO-1", price_vnd="abc"))
    assert response.status_code == 400
    assert state(db_session) == before


def test_duplicate_asks_for_a_new_code(shop, seller_client, db_session):
    product = shop["product"]
    make_image(db_session, product)
    db_session.commit()
    url = f"/seller/mat-ong/products/{product.id}/duplicate"
    before = state(db_session)
    taken = post_form(seller_client, url, {"new_sku": "MO-1"})
    assert taken.status_code == 400
    assert "Another product of this stall already uses this code." in taken.get_data(as_text=True)
    assert state(db_session) == before

    response = post_form(seller_client, url, {"new_sku": "MO-1-COPY"})
    assert response.status_code == 302
    copy = db_session.scalar(select(Product).where(Product.sku == "MO-1-COPY"))
    assert copy.status == ProductStatus.DRAFT and copy.stock == 0 and len(copy.images) == 1
    assert "product_duplicated" in set(db_session.scalars(select(AuditEntry.action)))


def test_hide_and_publish(shop, seller_client, db_session):
    product = shop["product"]
    url = f"/seller/mat-ong/products/{product.id}/status"
    token_page = "/seller/mat-ong/products"
    response = post_form(seller_client, url, {"status": "hidden"}, form_url=token_page)
    assert response.status_code == 302
    db_session.expire_all()
    assert db_session.get(Product, product.id).status == ProductStatus.HIDDEN
    post_form(seller_client, url, {"status": "active"}, form_url=token_page)
    db_session.expire_all()
    assert db_session.get(Product, product.id).status == ProductStatus.ACTIVE
    details = db_session.scalars(
        select(AuditEntry.detail).where(AuditEntry.action == "product_status")
    ).all()
    assert [(d["old"], d["new"]) for d in details] == [("active", "hidden"), ("hidden", "active")]
    bogus = post_form(seller_client, url, {"status": "sold"}, form_url=token_page)
    assert bogus.status_code == 400


def test_stock_goes_up_and_down_but_never_below_zero(shop, seller_client, db_session):
    product = shop["product"]
    url = f"/seller/mat-ong/products/{product.id}/stock"
    assert post_form(seller_client, url, {"amount": "5", "direction": "add"}).status_code == 302
    assert post_form(seller_client, url, {"amount": "3", "direction": "remove"}).status_code == 302
    db_session.expire_all()
    assert db_session.get(Product, product.id).stock == 22
    before = state(db_session)
    too_many = post_form(seller_client, url, {"amount": "30", "direction": "remove"})
    assert too_many.status_code == 400
    assert "Only 22 left in stock: you cannot take 30." in too_many.get_data(as_text=True)
    for amount in ("abc", "-4", "0"):
        assert post_form(seller_client, url, {"amount": amount}).status_code == 400
    assert state(db_session) == before
    deltas = db_session.scalars(
        select(AuditEntry.detail).where(AuditEntry.action == "stock_adjusted")
    ).all()
    assert [(d["delta"], d["stock"]) for d in deltas] == [(5, 25), (-3, 22)]


def test_staff_may_change_stock_but_not_products(app, shop, db_session):
    helper = add_person(db_session, shop["stall"], "staff")
    db_session.commit()
    client = app.test_client()
    login(client, helper.email)
    product = shop["product"]
    listing = client.get("/seller/mat-ong/products").get_data(as_text=True)
    assert "Mật ong bạc hà" in listing
    assert f"/products/{product.id}/stock" in listing
    assert f'href="/seller/mat-ong/products/{product.id}"' not in listing
    url = f"/seller/mat-ong/products/{product.id}/stock"
    assert post_form(client, url, {"amount": "1", "direction": "add"}).status_code == 302
    entry = db_session.scalars(
        select(AuditEntry).where(AuditEntry.action == "stock_adjusted")
    ).one()
    assert entry.user_id == helper.id
    assert client.get("/seller/mat-ong/products/new").status_code == 403


def test_products_are_listed_fifty_a_page(shop, seller_client, db_session):
    for n in range(50):
        make_product(db_session, shop["stall"], sku=f"P-{n:03}", price_vnd=1250000)
    db_session.commit()
    first = seller_client.get("/seller/mat-ong/products").get_data(as_text=True)
    second = seller_client.get("/seller/mat-ong/products?page=2").get_data(as_text=True)
    assert first.count("/stock") == 50 and second.count("/stock") == 1
    assert "1.250.000\u00a0₫" in first
    assert "page=2" in first


def test_photos_are_checked_by_content_and_can_be_removed(app, shop, seller_client, db_session):
    product = shop["product"]
    url = f"/seller/mat-ong/products/{product.id}/photos"
    response = post_form(
        seller_client,
        url,
        {"photos": [(io.BytesIO(jpeg_bytes()), "a.jpg"), (io.BytesIO(jpeg_bytes(400, 400)), "b")]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    db_session.expire_all()
    images = db_session.get(Product, product.id).images
    assert len(images) == 2
    with app.app_context():
        for variant in ("thumb", "medium", "large"):
            assert get_storage().exists(f"{images[0].key}-{variant}.webp")
    assert "photo_added" in set(db_session.scalars(select(AuditEntry.action)))

    before = state(db_session)
    fake = post_form(
        seller_client,
        url,
        {
            "photos": [
                (io.BytesIO(jpeg_bytes()), "good.jpg"),
                (io.BytesIO(b"hello, I am text"), "anh-san-pham.jpg"),
            ]
        },
        content_type="multipart/form-data",
    )
    assert fake.status_code == 400
    assert "anh-san-pham.jpg: This file is not a photo" in fake.get_data(as_text=True)
    assert state(db_session) == before

    remove = f"{url}/{images[0].id}/remove"
    assert post_form(seller_client, remove, {}, form_url=url).status_code == 302
    db_session.expire_all()
    assert len(db_session.get(Product, product.id).images) == 1
    assert "photo_removed" in set(db_session.scalars(select(AuditEntry.action)))
