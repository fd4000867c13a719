"""A small traceable market for the web tests: a tea lot with its farm, events and certificates."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from catalog import regions
from tests.factories import (
    make_certificate,
    make_farm,
    make_lot,
    make_product,
    make_stall,
    make_user,
)
from traceability import services as trace

GTIN = "8934567890120"
GTIN14 = "08934567890120"
FARM_PHONE = "0987000111"
EN = {"Accept-Language": "en"}


def tea_world(session: Session, **stall_overrides: Any) -> dict[str, Any]:
    """Create a stall, its farm, a tea product with a GTIN and a lot with events (committed)."""
    admin = make_user(session, role="admin")
    owner = make_user(session, role="seller", email=f"owner-{GTIN}@example.com")
    ward = regions.wards(19)[0]
    values = {"slug": "htx-che-tan-cuong", "name": "HTX Chè Tân Cương", **stall_overrides}
    stall = make_stall(session, owner=owner, **values)
    farm = make_farm(
        session,
        stall,
        name="Đồi chè Khuôn Gà",
        ward_code=ward.code,
        representative="Nguyễn Văn Ấm",
        phone=FARM_PHONE,
        latitude=21.591234,
        longitude=105.771234,
    )
    tea = make_product(session, stall, sku="TC-500", name="Chè búp Tân Cương", gtin=GTIN)
    tea.farm_id = farm.id
    honey = make_product(session, stall, sku="MO-1", name="Mật ong rừng Ba Bể")
    today = date.today()
    make_certificate(session, stall, tea, stars=4, number="OCOP-4-TN", verified_by=admin.id)
    make_certificate(
        session, stall, kind="vietgap", stars=None, number="VG-0042", verified_by=admin.id
    )
    make_certificate(
        session,
        stall,
        tea,
        kind="globalgap",
        stars=None,
        number="GG-OLD",
        verified_by=admin.id,
        valid_until=today - timedelta(days=1),
    )
    make_certificate(session, stall, tea, kind="organic", stars=None, number="ORG-PENDING")
    leaves = make_lot(session, honey, code="LA-01", farms=[farm])
    lot = make_lot(
        session,
        tea,
        code="TC2025/07",
        farms=[farm],
        quantity=120,
        unit="hộp",
        harvest_date=today - timedelta(days=10),
        expiry_date=today + timedelta(days=365),
    )
    harvest = trace.add_event(
        session,
        lot,
        "harvest",
        event_time=today - timedelta(days=10),
        details={"quantity": 300, "unit": "kg"},
    )
    trace.add_event(
        session,
        lot,
        "processing",
        event_time=today - timedelta(days=9),
        details={"process": "Sao chè", "inputs": [{"lot_id": leaves.id, "quantity": 5}]},
    )
    trace.add_event(
        session,
        lot,
        "packing",
        event_time=today - timedelta(days=8),
        details={"package": "hộp 500 g", "count": 120},
    )
    session.commit()
    return {
        "admin": admin,
        "owner": owner,
        "stall": stall,
        "farm": farm,
        "ward": ward,
        "tea": tea,
        "honey": honey,
        "lot": lot,
        "leaves": leaves,
        "harvest": harvest,
        "lot_path": f"/01/{GTIN14}/10/TC2025%2F07",
    }


def decode_qr(image) -> str:
    """Decode a QR code in a grey image with OpenCV; the ArUco-based detector as a fallback.

    OpenCV's classic detector misses about 3% of codes (some module patterns confuse it);
    the second detector reads those, so a test fails only when neither can.
    """
    import cv2

    for detector in (cv2.QRCodeDetector(), cv2.QRCodeDetectorAruco()):
        text, _points, _ = detector.detectAndDecode(image)
        if text:
            return text
    return ""


def decode_png(data: bytes) -> str:
    """Decode the QR code of a PNG image."""
    import cv2
    import numpy as np

    return decode_qr(cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_GRAYSCALE))


def decode_label_pdf(pdf: bytes, size: str, count: int) -> list[str]:
    """Rasterise a label sheet at 300 dpi (PDFium), crop each label's QR and decode it."""
    import numpy as np
    import pypdfium2 as pdfium
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm

    from traceability.labels import PADDING, SIZES

    layout, scale = SIZES[size], 300 / 72
    pages = [
        np.array(page.render(scale=scale, grayscale=True).to_pil().convert("L"))
        for page in pdfium.PdfDocument(pdf)
    ]
    found = []
    for index in range(count):
        image = pages[index // layout.per_page]
        x, y = layout.origin(index)
        margin, side = 2 * mm, (layout.height - 2 * PADDING) * mm
        left = int((x + PADDING * mm - margin) * scale)
        top = int((A4[1] - y - layout.height * mm + PADDING * mm - margin) * scale)
        width = int((side + 2 * margin) * scale)
        found.append(decode_qr(image[max(top, 0) : top + width, max(left, 0) : left + width]))
    return found
