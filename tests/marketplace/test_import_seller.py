"""The seller's CSV upload and download: own stall only, pending certificates, safe pages."""

from __future__ import annotations

import io
from datetime import date

import pytest
from sqlalchemy import func, select

from catalog.models import Category, Certificate, CertificateStatus, Product
from catalog.services import badges_for
from marketplace.stalls.models import AuditEntry, Stall
from marketplace.users import services as users
from tests.conftest import csrf_token, login
from tests.factories import add_person, catalog_csv, make_product, make_stall, make_user

GOOD = (
    'htx-cua-toi,TC-01,Chè búp Tân Cương,"Chè, trà",250000,hộp 500g,40,4,,Hái tay,VietGAP,,'
    "TC2510,Đồi chè Khuôn Gà,15/10/2025",
    ",TC-02,<script>alert(1)</script>,che-tra,380000,hộp 200g,25,,Thái Nguyên,,,,,,",
)


@pytest.fixture
def mine(db_session, seller_client):
    """The logged-in seller's stall (and another seller's), with the page in English."""
    owner = users.find_user(db_session, "seller@example.com")
    stall = make_stall(db_session, owner=owner, slug="htx-cua-toi")
    make_stall(db_session, slug="nha-ben")
    db_session.commit()
    seller_client.get("/lang/en")
    return stall


def upload(client, data: bytes, slug: str = "htx-cua-toi", token: str | None = None):
    """Post a file as a browser does (the multipart body is built here, so a large file does
    not leave the test client's temporary file open)."""
    url = f"/seller/{slug}/import"
    token = token or csrf_token(client, url)
    boundary = "----chophien-test"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="file"; filename="san-pham.csv"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_a_good_upload_adds_products_whose_certificates_wait_for_review(
    seller_client, db_session, mine
):
    response = upload(seller_client, catalog_csv(*GOOD))
    assert response.status_code == 302
    page = seller_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "2 products added and 0 updated" in page
    assert "2 certificates wait for review" in page

    products = db_session.scalars(select(Product).order_by(Product.sku)).all()
    assert [(p.stall_id, p.sku, p.price_vnd) for p in products] == [
        (mine.id, "TC-01", 250000),
        (mine.id, "TC-02", 380000),
    ]
    assert products[0].province_code == mine.province_code
    certificates = db_session.scalars(select(Certificate)).all()
    assert {(c.kind.value, c.stars) for c in certificates} == {("ocop", 4), ("vietgap", None)}
    assert {c.status for c in certificates} == {CertificateStatus.PENDING}
    assert badges_for(db_session, products, date.today())[products[0].id].ocop_stars is None
    entry = db_session.scalar(select(AuditEntry).where(AuditEntry.action == "catalog_imported"))
    assert entry.user_id == users.find_user(db_session, "seller@example.com").id

    again = upload(seller_client, catalog_csv(GOOD[0].replace("250000", "260000"), GOOD[1]))
    assert again.status_code == 302
    assert count(db_session, Product) == 2
    assert count(db_session, Certificate) == 2  # pending ones are not sent twice


def test_html_in_a_name_is_stored_as_text_and_escaped_on_the_seller_pages(
    seller_client, db_session, mine
):
    assert upload(seller_client, catalog_csv(*GOOD)).status_code == 302
    name = db_session.scalar(select(Product.name).where(Product.sku == "TC-02"))
    assert name == "<script>alert(1)</script>"
    page = seller_client.get("/seller/htx-cua-toi/products").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page


def test_rows_of_another_stall_are_errors_and_nothing_is_written(seller_client, db_session, mine):
    data = catalog_csv(
        *GOOD,
        "nha-ben,X-1,Hàng nhà bên,che-tra,1000,kg,1,,,,,,,,",  # one problem, not a province too
        "stall-moi,X-2,Gian mới,che-tra,1000,kg,1,,Hà Nội,,,,,,",
        "htx-cua-toi,X-3,Danh mục lạ,Đồ chơi,1000,kg,1,,Hà Nội,,,,,,",
        "htx-cua-toi,X-4,<b>giá</b>,che-tra,<b>1000</b>,kg,1,,Hà Nội,,,,,,",
    )
    response = upload(seller_client, data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Nothing was imported" in page
    assert "The file has 4 problems" in page
    rows = page.split("<tbody>")[1]
    for line, column in (("4", "stall"), ("5", "stall"), ("6", "category"), ("7", "price_vnd")):
        assert f'<th scope="row">{line}</th>\n      <td><code>{column}</code>' in rows
    assert "This row is for another stall" in page
    assert "Unknown category" in page
    assert "&lt;b&gt;1000&lt;/b&gt;" in page and "<b>1000" not in page
    assert count(db_session, Product) == 0
    assert count(db_session, Certificate) == 0
    assert count(db_session, Stall) == 2
    assert count(db_session, Category) == 28


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("Café crème".encode("cp1258", errors="replace") + b"\n", "The file is not UTF-8"),
        (b"", "The file is empty."),
        (catalog_csv(), "The file has a header row but no products."),
        (catalog_csv(GOOD[0].replace("Hái tay", "x" * 100_000)), "This text is too long."),
        (b"x" * (5 * 1024 * 1024 + 1), "The file is larger than 5 MB"),
    ],
    ids=["cp1258", "empty", "header-only", "long-text", "too-large"],
)
def test_unusable_files_are_explained(seller_client, db_session, mine, data, message):
    response = upload(seller_client, data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert count(db_session, Product) == 0


def test_a_file_with_a_bom_is_accepted(seller_client, db_session, mine):
    assert upload(seller_client, b"\xef\xbb\xbf" + catalog_csv(*GOOD)).status_code == 302
    assert count(db_session, Product) == 2


def test_the_upload_needs_a_file_and_a_csrf_token(seller_client, db_session, mine):
    url = "/seller/htx-cua-toi/import"
    response = seller_client.post(url, data={"csrf_token": csrf_token(seller_client, url)})
    assert response.status_code == 400
    assert "Choose a CSV file to import." in response.get_data(as_text=True)
    forged = seller_client.post(
        url,
        data={"file": (io.BytesIO(catalog_csv(*GOOD)), "a.csv")},
        content_type="multipart/form-data",
    )
    assert forged.status_code == 400
    assert count(db_session, Product) == 0


def test_export_downloads_the_stalls_catalog_neutralised(seller_client, db_session, mine):
    make_product(db_session, mine, sku="F1", name="=cmd()", description="+SUM(A1)")
    other = db_session.scalar(select(Stall).where(Stall.slug == "nha-ben"))
    make_product(db_session, other, sku="NOT-MINE")
    db_session.commit()
    response = seller_client.get("/seller/htx-cua-toi/export.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeffstall,sku,name,")
    assert "htx-cua-toi,F1,'=cmd()," in text and ",'+SUM(A1)," in text
    assert "NOT-MINE" not in text
    # The downloaded file goes back in unchanged.
    again = upload(seller_client, response.data)
    assert again.status_code == 302
    assert db_session.scalar(select(Product.name).where(Product.sku == "F1")) == "=cmd()"


def test_the_example_file_can_be_imported_as_is(seller_client, db_session, mine):
    example = seller_client.get("/seller/htx-cua-toi/import/template.csv")
    assert example.status_code == 200
    assert upload(seller_client, example.data).status_code == 302
    assert db_session.scalar(select(Product.sku)) == "VD-001"


def test_only_managers_of_the_stall_may_import_or_export(app, db_session, client):
    """Anonymous visitors log in first; outsiders get 404, staff 403, managers the pages."""
    stall = make_stall(db_session, slug="htx-rieng")
    staff = add_person(db_session, stall, "staff")
    manager = add_person(db_session, stall, "manager")
    outsider = make_user(db_session, email="nguoi-ngoai@example.com")
    db_session.commit()
    paths = ("/import", "/import/template.csv", "/export.csv")
    for path in paths:
        assert client.get(f"/seller/htx-rieng{path}").status_code == 302  # to the login page
    for user, expected in ((outsider, 404), (staff, 403), (manager, 200)):
        visitor = app.test_client()
        login(visitor, user.email)
        for path in paths:
            assert visitor.get(f"/seller/htx-rieng{path}").status_code == expected, (user, path)
        if user is staff:
            token = csrf_token(visitor, "/account/password")  # any form has the session's token
            response = upload(visitor, catalog_csv(*GOOD), "htx-rieng", token)
            assert response.status_code == 403
    assert count(db_session, Product) == 0
