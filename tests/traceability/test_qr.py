"""QR codes decode, with an independent decoder (OpenCV), to exactly what was encoded."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import cv2
import numpy as np
import pytest

from traceability.gs1 import build_digital_link
from traceability.qr import LABEL_MASK, qr_matrix, qr_modules, qr_png, qr_svg

LONG_LINK = build_digital_link(
    "https://cho-phien.example.vn",
    "8934567890120",
    lot="TC2025-07/A",
    serial="Zk3_9qP-x7LmA2bC",
    attributes={"11": "250701", "13": "250705", "17": "260630"},
)
TEXTS = [
    "https://market.test/t/4fJ9a-kL2mN0pQ7rS5tUvw",
    LONG_LINK,
    "Chè Tân Cương – Mật ong rừng Đắk Lắk, Bưởi Đoan Hùng",
]


def decode_png(png: bytes) -> str:
    """Decode a PNG's QR code with OpenCV."""
    image = cv2.imdecode(np.frombuffer(png, dtype=np.uint8), cv2.IMREAD_GRAYSCALE)
    assert image is not None
    text, points, _ = cv2.QRCodeDetector().detectAndDecode(image)
    assert points is not None, "no QR code found"
    return text


@pytest.mark.parametrize("text", TEXTS, ids=["short-link", "long-digital-link", "vietnamese"])
def test_png_decodes_to_the_input(text):
    assert decode_png(qr_png(text)) == text


def test_png_has_the_quiet_zone_and_module_size_asked_for():
    png = qr_png(LONG_LINK, box_size=5, border=4)
    image = cv2.imdecode(np.frombuffer(png, dtype=np.uint8), cv2.IMREAD_GRAYSCALE)
    modules = len(qr_matrix(LONG_LINK))
    assert image.shape == ((modules + 8) * 5, (modules + 8) * 5)
    assert image[: 4 * 5, :].min() == 255  # the top quiet zone is white
    assert image[4 * 5, 4 * 5] == 0  # the finder pattern's corner is dark


def test_long_link_still_fits_a_small_printed_code():
    # A 2 cm code keeps modules ≥ 0.4 mm (cheap phone cameras) up to version 6 (41 modules).
    assert len(qr_matrix(LONG_LINK)) <= 41


@pytest.mark.parametrize("text", TEXTS, ids=["short-link", "long-digital-link", "vietnamese"])
def test_svg_is_well_formed_scriptless_and_scans(text):
    svg = qr_svg(text)
    root = ET.fromstring(svg)  # noqa: S314 - our own output, not untrusted input
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert not [el for el in root.iter() if el.tag.endswith("script")]
    assert "on" not in {name[:2] for el in root.iter() for name in el.attrib}
    # Rasterise the path by hand: it must be the same matrix the PNG shows.
    side = int(root.get("viewBox").split()[2])
    grid = np.full((side, side), 255, dtype=np.uint8)
    path = root.find("{http://www.w3.org/2000/svg}path").get("d")
    for x, y, n in (map(int, m) for m in re.findall(r"M(\d+),(\d+)h(\d+)", path)):
        grid[y, x : x + n] = 0
    image = cv2.resize(grid, (side * 8, side * 8), interpolation=cv2.INTER_NEAREST)
    ok, encoded = cv2.imencode(".png", image)
    assert ok and decode_png(encoded.tobytes()) == text


def grid_png(matrix, border: int = 4, box: int = 8) -> bytes:
    """Draw a module matrix as a PNG with OpenCV (not with the code under test)."""
    grid = np.where(np.array(matrix, dtype=bool), 0, 255).astype(np.uint8)
    grid = np.pad(grid, border, constant_values=255)
    image = cv2.resize(grid, None, fx=box, fy=box, interpolation=cv2.INTER_NEAREST)
    ok, encoded = cv2.imencode(".png", image)
    assert ok
    return encoded.tobytes()


@pytest.mark.parametrize("mask", range(8))
def test_every_fixed_mask_decodes_at_the_same_size(mask):
    # Labels skip qrcode's best-mask search (LABEL_MASK): decoders must read any of the 8.
    matrix = qr_modules(LONG_LINK, mask)
    assert len(matrix) == len(qr_matrix(LONG_LINK))
    assert decode_png(grid_png(matrix)) == LONG_LINK


def test_screens_keep_the_best_mask_and_labels_a_fixed_one():
    assert LABEL_MASK in range(8)
    assert qr_modules(TEXTS[0]) == qr_matrix(TEXTS[0])  # mask=None: qrcode's best
