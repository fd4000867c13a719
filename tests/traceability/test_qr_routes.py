"""From a product's API object to its QR image, decoded by OpenCV, to the page it opens."""

from __future__ import annotations

import re
from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest
from PIL import Image, ImageDraw

from tests.factories import make_lot, make_product
from tests.traceability.web_world import EN, GTIN14, decode_png, tea_world
from traceability import services as trace
from traceability.models import Lot

BASE = "http://market.test"


@pytest.fixture
def world(db_session):
    return tea_world(db_session)


def api_product(client, world, sku: str = "TC-500") -> dict:
    response = client.get(f"/api/v1/products/{world['stall'].slug}/{sku}")
    assert response.status_code == 200
    return response.get_json()


def rasterise_svg(svg: str, scale: int = 8) -> bytes:
    """Draw our SVG's rectangles (M x,y h n v1 h-n z) with Pillow, as a PNG."""
    side = int(re.search(r'viewBox="0 0 (\d+) \d+"', svg)[1])
    image = Image.new("L", (side * scale, side * scale), 255)
    draw = ImageDraw.Draw(image)
    for x, y, n in re.findall(r"M(\d+),(\d+)h(\d+)v1h-\d+z", svg):
        x0, y0 = int(x) * scale, int(y) * scale
        draw.rectangle([x0, y0, x0 + int(n) * scale - 1, y0 + scale - 1], fill=0)
    import io

    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def test_api_qr_decodes_to_trace_url_which_opens_the_provenance_page(client, world):
    product = api_product(client, world)
    assert product["trace_url"] == f"{BASE}/01/{GTIN14}/10/TC2025%2F07"
    assert product["qr_url"] == f"{BASE}/qr/png/01/{GTIN14}/10/TC2025%2F07"
    image = client.get(urlsplit(product["qr_url"]).path)
    assert image.status_code == 200 and image.mimetype == "image/png"
    decoded = decode_png(image.data)
    assert decoded == product["trace_url"]
    parts = urlsplit(decoded)
    page = client.get(parts.path + (f"?{parts.query}" if parts.query else ""), headers=EN)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    for expected in ("Đồi chè Khuôn Gà", "Thái Nguyên", world["ward"].name, "TC2025/07"):
        assert expected in text
    assert "OCOP-4-TN" in text and "VG-0042" in text


def test_the_svg_encodes_the_same_link(client, world):
    product = api_product(client, world)
    svg_url = product["qr_url"].replace("/qr/png/", "/qr/svg/")
    response = client.get(urlsplit(svg_url).path)
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    svg = response.get_data(as_text=True)
    assert "<script" not in svg
    assert decode_png(rasterise_svg(svg)) == product["trace_url"]


def test_products_without_a_gtin_get_an_opaque_link(client, world):
    product = api_product(client, world, "MO-1")
    assert re.fullmatch(rf"{BASE}/t/[A-Za-z0-9_-]{{22}}", product["trace_url"])
    assert decode_png(client.get(urlsplit(product["qr_url"]).path).data) == product["trace_url"]
    page = client.get(urlsplit(product["trace_url"]).path, headers=EN)
    assert page.status_code == 200 and "LA-01" in page.get_data(as_text=True)


def test_the_current_lot_is_the_newest_active_unexpired_one(client, world, db_session):
    stall = world["stall"]
    fresh = make_product(db_session, stall, sku="NEW-1", gtin="8934567890151")
    db_session.commit()
    assert api_product(client, world, "NEW-1")["trace_url"] == f"{BASE}/01/08934567890151"
    older = make_lot(db_session, fresh, code="A1")
    newest = make_lot(db_session, fresh, code="A2")
    db_session.commit()
    assert api_product(client, world, "NEW-1")["trace_url"].endswith("/10/A2")
    trace.recall_lot(db_session, db_session.get(Lot, newest.id), "Lỗi đóng gói", None)
    db_session.commit()
    assert api_product(client, world, "NEW-1")["trace_url"].endswith("/10/A1")
    db_session.get(Lot, older.id).expiry_date = date.today() - timedelta(days=1)
    db_session.commit()
    assert api_product(client, world, "NEW-1")["trace_url"] == f"{BASE}/01/08934567890151"


def test_the_product_page_links_to_its_trace_page(client, world):
    page = client.get("/gian-hang/htx-che-tan-cuong/san-pham/TC-500").get_data(as_text=True)
    assert f'href="{BASE}/01/{GTIN14}/10/TC2025%2F07"' in page


def test_qr_images_are_cached_and_only_for_real_items(client, world):
    path = f"/qr/png/01/{GTIN14}/10/TC2025%2F07"
    first = client.get(path)
    assert first.headers["Cache-Control"] == "public, max-age=86400"
    again = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert client.get(f"/qr/png/01/{GTIN14}/10/NOPE").status_code == 404
    assert client.get(f"/qr/png/01/{GTIN14[:-1]}9").status_code == 400
    assert client.get(f"/qr/gif/01/{GTIN14}").status_code == 404
    assert client.get(f"/qr/png/01/{GTIN14}?99=X").status_code == 404  # only canonical links
    assert client.get("/qr/png/t/" + "z" * 22).status_code == 404
