"""The security suite's data: one victim stall with one of everything, and its neighbours.

`build_world` takes the text of every user-entered field, so the XSS test can fill them all
with payloads; the URL values it returns are real ids, slugs and tokens of what it created.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from flask import Flask

from catalog.images import process_image
from catalog.storage import save_document, save_image
from marketplace.media import get_storage
from marketplace.users.models import Role
from tests.factories import add_person, jpeg_bytes, make_product, make_stall, make_user, pdf_bytes

# Text that only the victim stall's staff (and, for some, administrators) may ever see.
SECRETS = ("Bản nháp tuyệt mật", "SECRET-CERT-77", "0999888777")
GTIN = "08934567890120"  # a valid GTIN-14

# The ordinary text of every user-entered field; the XSS test swaps in payloads.
PLAIN = {
    "full_name": "Nguyễn Văn Chủ",
    "stall_name": "HTX Chè Nạn Nhân",
    "stall_description": "Chè Tân Cương trồng trên đồi.",
    "stall_address": "Xóm Đồi, xã Tân Cương",
    "product_name": "Chè búp đặc biệt",
    "product_description": "Chè xanh đặc sản Thái Nguyên.",
    "product_unit": "hộp 500g",
    "farm_name": "Vườn chè nhà Hoa",
    "farm_description": "Ba sào chè trung du.",
    "cert_number": "12/QĐ-UBND",
    "cert_issuer": "UBND tỉnh Thái Nguyên",
    "cert_scope": "Chè búp",
    "review_note": "Đã kiểm tra bản gốc.",
    "lot_code": "L2025A",
    "lot_unit": "hộp",
    "event_note": "Hái một tôm hai lá.",
    "event_destination": "Kho Hà Nội",
    "event_uri": "https://example.com/kho",
    "contact_name": "Trần Thị Mua",
    "street": "12 Hàng Bạc",
    "checkout_note": "Giao giờ hành chính.",
}


@dataclass
class World:
    """Everything the security tests need to know about the data they run against."""

    values: dict[str, Any]
    per_endpoint: dict[str, dict[str, Any]]
    per_rule: dict[str, dict[str, Any]]
    emails: dict[str, str]
    ids: dict[str, int] = field(default_factory=dict)
    queries: dict[str, str] = field(default_factory=dict)
    paths: dict[str, str] = field(default_factory=dict)  # whole URLs of rules, by rule


def build_world(app: Flask, session, text: dict[str, str] | None = None) -> World:
    """Create the victim stall, its people, an outsider's stall, a shopper's order, an admin."""
    from catalog import services as catalog
    from marketplace.orders import cart as carts
    from marketplace.orders import checkout as checkouts
    from marketplace.orders.models import PaymentMethod
    from marketplace.stalls import selling
    from marketplace.users import services as users
    from traceability import services as trace
    from traceability.gs1 import build_digital_link
    from traceability.lots import create_lot, ensure_lot_link, ensure_product_link
    from traceability.models import FarmKind
    from traceability.scans import issue_units

    t = {**PLAIN, **(text or {})}
    owner = make_user(
        session, email="owner-sec@example.com", role=Role.SELLER, full_name=t["full_name"]
    )
    shopper = make_user(session, email="shopper-sec@example.com", full_name=t["full_name"])
    admin = make_user(
        session, email="admin-sec@example.com", role=Role.ADMIN, full_name=t["full_name"]
    )
    intruder = make_user(session, email="intruder-sec@example.com", role=Role.SELLER)
    stall = make_stall(
        session,
        owner=owner,
        slug="nan-nhan",
        name=t["stall_name"],
        description=t["stall_description"],
        address_line=t["stall_address"],
    )
    manager = add_person(session, stall, "manager")
    other = make_stall(session, owner=intruder, slug="ke-la")
    make_product(session, other, sku="KL-1")
    farm = selling.add_farm(
        session,
        owner,
        stall,
        t["farm_name"],
        FarmKind.MEMBER,
        description=t["farm_description"],
        representative="Bà Hoa",
        phone=SECRETS[2],
        province_code=19,
    )
    common = {"description": t["product_description"], "unit": t["product_unit"]}
    product = make_product(
        session, stall, sku="CHE-1", name=t["product_name"], gtin=GTIN, farm_id=farm.id, **common
    )
    plain_product = make_product(session, stall, sku="CHE-2", name=t["product_name"], **common)
    make_product(session, stall, sku="NHAP-1", name=SECRETS[0], status="draft")
    with app.app_context():
        storage = get_storage()
        photo_key = save_image(storage, "products", process_image(jpeg_bytes()))
        doc_key = save_document(storage, "private/certificates", pdf_bytes(), "pdf")
    image = catalog.add_image(session, product, photo_key, 1200, 900)
    cert = {"number": t["cert_number"], "issuer": t["cert_issuer"], "scope": t["cert_scope"]}
    verified = catalog.submit_certificate(
        session, stall.id, kind="ocop", stars=4, product_id=product.id, verified_by=admin.id,
        issued_on=date.today() - timedelta(days=30), valid_until=date.today() + timedelta(days=900),
        **cert,
    )  # fmt: skip
    verified.review_note = t["review_note"]
    pending = catalog.submit_certificate(
        session, stall.id, kind="vietgap", number=SECRETS[1], issuer=t["cert_issuer"],
        scope=t["cert_scope"], document_key=doc_key,
    )  # fmt: skip
    lot = create_lot(session, product, t["lot_code"], farms=[farm], quantity=50, unit=t["lot_unit"])
    plain_lot = create_lot(session, plain_product, "L2025B", farms=[farm], quantity=5)
    harvest = trace.add_event(
        session, lot, "harvest", event_time=date.today(), farm=farm, actor_id=owner.id,
        details={"quantity": 40, "unit": "kg", "note": t["event_note"]},
    )  # fmt: skip
    trace.add_event(
        session, lot, "shipping", event_time=date.today(), actor_id=owner.id,
        details={"destination": t["event_destination"], "destination_uri": t["event_uri"]},
    )  # fmt: skip
    lot_token = ensure_lot_link(session, plain_lot).token
    serial = issue_units(session, plain_lot, 1)[0].serial
    product_token = ensure_product_link(session, plain_product.id).token
    cart = carts.new_cart(session, shopper.id)
    carts.set_quantity(session, cart, product.id, 2)
    buyer = checkouts.Buyer(
        contact_name=t["contact_name"], phone="0912345678", email=shopper.email,
        province_code=19, ward_code=None, street=t["street"], note=t["checkout_note"],
        user_id=shopper.id,
    )  # fmt: skip
    checkout, order_token = checkouts.place(
        session, cart, buyer, {}, PaymentMethod.COD, uuid.uuid4().hex
    )
    order = checkout.orders[0]
    reset_token = users.issue_reset_token(session, shopper, 3600)
    link = build_digital_link("http://x", GTIN, lot=lot.code).removeprefix("http://x")
    session.commit()
    return World(
        values={
            "slug": stall.slug,
            "sku": product.sku,
            "product_id": product.id,
            "certificate_id": pending.id,
            "image_id": image.id,
            "user_id": manager.id,
            "stall_id": stall.id,
            "lot_id": lot.id,
            "event_id": harvest.id,
            "farm_id": farm.id,
            "code": "en",
            "key": f"{photo_key}-medium.webp",
            "filename": "css/main.css",
            "reference": order.reference,
            "token": lot_token,
            "serial": serial,
            "fmt": "svg",
            "gtin": GTIN,
            "lot": lot.code,
        },
        per_endpoint={
            "account.reset": {"token": reset_token},
            "orders.track": {"token": order_token},
            "orders.detail": {"reference": checkout.reference},
            "checkout.pay": {"reference": checkout.reference},
            "api.wards": {"code": 19},
            "public.category": {"slug": "che-tra"},
        },
        per_rule={"/qr/<fmt>/t/<path:_rest>": {"_rest": product_token}},
        # A lot code may hold "/" and must be percent-encoded as the app itself does.
        paths={"/01/<path:_rest>": link, "/qr/<fmt>/01/<path:_rest>": f"/qr/svg{link}"},
        emails={
            "shopper": shopper.email,
            "intruder": intruder.email,
            "owner": owner.email,
            "admin": admin.email,
        },
        ids={"product": product.id, "stall": stall.id, "checkout": checkout.id},
        queries={"admin_orders.payouts_csv": f"stall={stall.slug}&month={date.today():%Y-%m}"},
    )
