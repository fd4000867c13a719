"""`flask catalog import|export`: the administrators' trusted path."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from catalog import regions
from catalog.models import Category, Certificate, CertificateStatus, Product, ProductStatus
from marketplace.stalls.models import AuditEntry, Stall, StallKind, StallStatus
from tests.factories import catalog_csv, make_certificate, make_product, make_stall
from traceability.models import Farm, FarmKind, Lot

ROWS = (
    'htx-che-tan-cuong,TC-01,Chè búp Tân Cương,"Chè, trà",250000,hộp 500g,40,4,Thái Nguyên,'
    "Hái tay,VietGAP;hữu cơ,8935049501237,TC2510,Đồi chè Khuôn Gà,15/10/2025",
    "htx-che-tan-cuong,TC-02,Trà nõn tôm,che-tra,380000,hộp 200g,25,,,,,,TC2510B,Đồi chè Khuôn Gà,",
    "vuon-buoi,BUOI-1,Bưởi Sửu,Trái cây tươi,60000,quả,300,,Tỉnh Vĩnh Phúc,,,,,,",
    "vuon-buoi,MUT-1,Mứt vỏ bưởi,Thực phẩm > Mứt truyền thống,85000,hũ 300g,70,3,Phú Thọ,,,,,,",
)


def run_import(runner, tmp_path, data: bytes, name: str = "catalog.csv"):
    path = tmp_path / name
    path.write_bytes(data)
    return runner.invoke(args=["catalog", "import", str(path)])


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def product(session, sku: str) -> Product:
    return session.scalar(select(Product).where(Product.sku == sku))


def test_a_trusted_file_creates_stalls_categories_farms_products_lots_and_verified_stars(
    runner, tmp_path, db_session
):
    result = run_import(runner, tmp_path, catalog_csv(*ROWS))
    assert result.exit_code == 0, result.output
    assert "4 products created" in result.output
    assert "2 stalls" in result.output

    che = db_session.scalar(select(Stall).where(Stall.slug == "htx-che-tan-cuong"))
    assert che.status == StallStatus.APPROVED
    assert che.kind == StallKind.COOPERATIVE
    assert che.name == "HTX Che Tan Cuong"
    assert che.province_code == regions.match_province("Thái Nguyên").code

    first = product(db_session, "TC-01")
    assert (first.name, first.price_vnd, first.unit, first.stock) == (
        "Chè búp Tân Cương",
        250000,
        "hộp 500g",
        40,
    )
    assert first.status == ProductStatus.ACTIVE
    assert first.gtin == "08935049501237"
    assert first.category.slug == "che-tra"
    # An empty province cell means the stall's province.
    assert product(db_session, "TC-02").province_code == che.province_code

    farm = db_session.scalar(select(Farm).where(Farm.name == "Đồi chè Khuôn Gà"))
    assert farm.stall_id == che.id and farm.kind == FarmKind.MEMBER
    assert first.farm_id == farm.id
    lot = db_session.scalar(select(Lot).where(Lot.code == "TC2510"))
    assert lot.product_id == first.id
    assert lot.harvest_date == date(2025, 10, 15)
    assert [f.name for f in lot.farms] == ["Đồi chè Khuôn Gà"]

    certificates = db_session.scalars(select(Certificate).order_by(Certificate.id)).all()
    assert {(c.product_id, c.kind.value, c.stars) for c in certificates} == {
        (first.id, "ocop", 4),
        (first.id, "vietgap", None),
        (first.id, "organic", None),
        (product(db_session, "MUT-1").id, "ocop", 3),
    }
    assert {c.status for c in certificates} == {CertificateStatus.VERIFIED}

    mut = product(db_session, "MUT-1")
    assert mut.category.name == "Mứt truyền thống"
    assert mut.category.parent.slug == "thuc-pham"
    # An old (pre-2025) province name lands in the province that absorbed it.
    assert product(db_session, "BUOI-1").province_code == regions.match_province("Phú Thọ").code
    entries = db_session.execute(
        select(AuditEntry.action, AuditEntry.detail)
        .where(AuditEntry.stall_id == che.id)
        .order_by(AuditEntry.id)
    ).all()
    assert [tuple(entry) for entry in entries] == [
        ("created_by_import", {"name": "HTX Che Tan Cuong"}),
        ("catalog_imported", {"created": 2, "certificates": 3, "lots": 2}),
    ]
    assert {(c.number, c.issuer, c.scope) for c in certificates} == {("", "", "")}


def test_importing_again_updates_instead_of_duplicating(runner, tmp_path, db_session):
    assert run_import(runner, tmp_path, catalog_csv(*ROWS)).exit_code == 0
    again = run_import(runner, tmp_path, catalog_csv(*ROWS))
    assert again.exit_code == 0, again.output
    assert "0 products created, 0 updated" in again.output
    changed = [ROWS[0].replace("250000", "275.000").replace("15/10/2025", "16/10/2025"), *ROWS[1:]]
    third = run_import(runner, tmp_path, catalog_csv(*changed))
    assert third.exit_code == 0, third.output
    assert "0 products created, 1 updated" in third.output
    assert count(db_session, Product) == 4
    assert count(db_session, Stall) == 2
    assert count(db_session, Certificate) == 4
    assert count(db_session, Lot) == 2
    assert count(db_session, Farm) == 1
    assert product(db_session, "TC-01").price_vnd == 275000
    assert db_session.scalar(select(Lot.harvest_date).where(Lot.code == "TC2510")) == date(
        2025, 10, 16
    )


def test_a_file_with_bad_rows_writes_nothing_and_reports_every_error(runner, tmp_path, db_session):
    stall = make_stall(db_session, slug="co-san")
    make_product(db_session, stall, sku="OLD", price_vnd=1000)
    db_session.commit()
    bad = catalog_csv(
        *ROWS,
        "co-san,OLD,Cũ,che-tra,abc,kg,1,,Hà Nội,,,,,,",
        "co-san,N2,Mới,che-tra,1000,kg,1,6,Xứ Sở Thần Tiên,,,8935049501234,,,",
        "co-san,N2,Trùng,che-tra,1000,kg,1,,Hà Nội,,,,,,",
    )
    result = run_import(runner, tmp_path, bad)
    assert result.exit_code == 1
    for expected in (
        "line 6, price_vnd:",
        "line 7, ocop_stars:",
        "line 7, province:",
        "line 7, gtin:",
        "line 8, sku:",
        "5 problem(s); nothing was imported",
    ):
        assert expected in result.output
    db_session.expire_all()
    assert count(db_session, Product) == 1
    assert product(db_session, "OLD").price_vnd == 1000
    assert count(db_session, Stall) == 1
    assert count(db_session, Certificate) == 0
    assert count(db_session, Lot) == 0
    assert count(db_session, Category) == 28  # no category was created either


def test_a_wrongly_encoded_file_is_refused(runner, tmp_path, db_session):
    latin = catalog_csv("co-san,A1,Café crème,che-tra,1000,kg,1,,Hà Nội,,,,,,").decode()
    result = run_import(runner, tmp_path, latin.encode("cp1258", errors="replace"))
    assert result.exit_code == 1
    assert "not UTF-8" in result.output and "CSV UTF-8" in result.output
    assert count(db_session, Product) == 0


def test_a_trusted_file_vouches_for_pending_certificates(runner, tmp_path, db_session):
    stall = make_stall(db_session, slug="htx-che-tan-cuong")
    item = make_product(db_session, stall, sku="TC-01")
    pending = make_certificate(db_session, stall, item, stars=4)
    db_session.commit()
    assert run_import(runner, tmp_path, catalog_csv(ROWS[0])).exit_code == 0
    db_session.refresh(pending)
    assert pending.status == CertificateStatus.VERIFIED
    assert count(db_session, Certificate) == 3  # the pending OCOP one was reused


def test_export_round_trips_through_import_with_hostile_cells(runner, tmp_path, db_session):
    stall = make_stall(db_session, slug="nguy-hiem")
    make_product(db_session, stall, sku="F1", name="=cmd()", description="+SUM(A1)", unit="@kg")
    db_session.commit()
    out = tmp_path / "out.csv"
    result = runner.invoke(args=["catalog", "export", "--stall", "nguy-hiem", "--out", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_bytes().decode("utf-8")
    assert text.startswith("\ufeffstall,sku,")
    assert "'=cmd()" in text and "'+SUM(A1)" in text and "'@kg" in text
    assert ",=cmd()" not in text

    edited = text.replace(",1,250000,", ",1,99000,").replace("250000", "99000")
    back = run_import(runner, tmp_path, edited.encode("utf-8"), "back.csv")
    assert back.exit_code == 0, back.output
    assert "0 products created, 1 updated" in back.output
    db_session.expire_all()
    again = product(db_session, "F1")
    assert (again.name, again.description, again.unit, again.price_vnd) == (
        "=cmd()",
        "+SUM(A1)",
        "@kg",
        99000,
    )


def test_export_of_an_unknown_stall_fails(runner):
    result = runner.invoke(args=["catalog", "export", "--stall", "khong-co"])
    assert result.exit_code != 0
    assert "no stall" in result.output


def test_a_new_stall_needs_a_province_on_one_of_its_rows(runner, tmp_path, db_session):
    data = catalog_csv("gian-moi,A1,Chè,che-tra,1000,kg,1,,,,,,,,")
    result = run_import(runner, tmp_path, data)
    assert result.exit_code == 1
    assert "line 2, province: the province is needed for a new stall" in result.output
    assert count(db_session, Stall) == 0
