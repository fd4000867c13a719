"""Label sheets: every printed QR decodes (OpenCV) to its URL, Vietnamese text is intact."""

from __future__ import annotations

import ctypes
import random
import re
import shutil
import string
import subprocess

import cv2
import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm

from traceability.gs1 import build_digital_link
from traceability.labels import PADDING, SIZES, LabelData, render_labels

DPI = 300
SCALE = DPI / 72


def make_labels(count: int, *, distinct: bool = True) -> list[LabelData]:
    """Return labels alternating tea and honey, one serialised URL each."""
    names = ["Chè Tân Cương đặc biệt", "Mật ong rừng U Minh Hạ"]
    labels = []
    for i in range(count):
        serial = f"S{i:05d}xQ" if distinct else None
        url = build_digital_link("https://market.test", "8934567890120", f"LOT-{i % 3}", serial)
        labels.append(
            LabelData(
                url=url,
                product_name=names[i % 2],
                lot_code=f"LOT-{i % 3}",
                ocop_stars=(3, 4, 5, None)[i % 4],
                short_text=url.removeprefix("https://"),
            )
        )
    return labels


def pages(pdf: bytes) -> list[pdfium.PdfPage]:
    """Open a PDF with PDFium (an independent renderer)."""
    return list(pdfium.PdfDocument(pdf))


def label_crops(pdf: bytes, size: str, count: int, skip: int = 0) -> list[np.ndarray]:
    """Rasterise each page at 300 dpi and crop every label's QR code by the layout."""
    layout = SIZES[size]
    images = [
        np.array(page.render(scale=SCALE, grayscale=True).to_pil().convert("L"))
        for page in pages(pdf)
    ]
    crops = []
    for index in range(skip, skip + count):
        image = images[index // layout.per_page]
        x, y = layout.origin(index)
        side = (layout.height - 2 * PADDING) * mm
        margin = 2 * mm  # a little white around the code helps the detector
        left = int((x + PADDING * mm - margin) * SCALE)
        top = int((A4[1] - y - layout.height * mm + PADDING * mm - margin) * SCALE)
        size_px = int((side + 2 * margin) * SCALE)
        crops.append(image[max(top, 0) : top + size_px, max(left, 0) : left + size_px])
    return crops


def decode_labels(pdf: bytes, size: str, count: int, skip: int = 0) -> list[str]:
    """Decode every label's QR code with OpenCV ("" where none is found)."""
    # OpenCV's classic detector misses about 1 % of clean, well-formed codes whatever their
    # mask (400 random unit links drawn as perfect pixels: 4 misses with the best mask, 0-7
    # with each fixed one; zbar and OpenCV's ArUco-based detector: none), so it gets a second
    # OpenCV opinion before a label counts as unreadable.
    detectors = (cv2.QRCodeDetector(), cv2.QRCodeDetectorAruco())
    found = []
    for crop in label_crops(pdf, size, count, skip):
        text = ""
        for detector in detectors:
            text, points, _ = detector.detectAndDecode(crop)
            if points is not None and text:
                break
        found.append(text)
    return found


def zbar_decode_labels(pdf: bytes, size: str, count: int, tmp_path) -> list[list[str]]:
    """Decode every label's QR code with zbarimg (a second decoder): the symbols per label."""
    files = []
    for i, crop in enumerate(label_crops(pdf, size, count)):
        files.append(str(tmp_path / f"label{i}.png"))
        assert cv2.imwrite(files[-1], crop)
    command = ["zbarimg", "--xml", "-Sdisable", "-Sqrcode.enable", *files]
    xml = subprocess.run(command, capture_output=True, text=True, check=False).stdout
    symbols = {
        source: re.findall(r"<data><!\[CDATA\[(.*?)\]\]></data>", body, re.S)
        for source, body in re.findall(r"<source href='([^']*)'>(.*?)</source>", xml, re.S)
    }
    return [symbols.get(file, []) for file in files]


@pytest.mark.parametrize(("size", "count"), [("small", 67), ("medium", 22), ("large", 9)])
def test_every_label_qr_decodes_to_its_url(size, count):
    labels = make_labels(count)
    pdf = render_labels(labels, size)
    layout = SIZES[size]
    assert len(pages(pdf)) == -(-count // layout.per_page)
    assert decode_labels(pdf, size, count) == [label.url for label in labels]


def unit_labels(count: int) -> list[LabelData]:
    """Return labels for serialised units: 16-character URL-safe serials, as scans.py issues."""
    alphabet = string.ascii_letters + string.digits + "-_"
    draw = random.Random(21)  # fixed, so a failure names the same codes every run
    labels = []
    for _ in range(count):
        serial = "".join(draw.choices(alphabet, k=16))
        url = build_digital_link("https://market.test", "8934567890120", "TC2510-01", serial)
        labels.append(LabelData(url, "Chè Tân Cương", "TC2510-01", 4, url.removeprefix("https://")))
    return labels


def test_unit_serial_sheet_decodes_to_distinct_correct_urls():
    # Two full medium sheets of per-unit codes: each label its own code, drawn inline (no
    # shared form) with the fixed label mask.
    labels = unit_labels(2 * SIZES["medium"].per_page)
    urls = [label.url for label in labels]
    assert len(set(urls)) == len(urls)
    pdf = render_labels(labels, "medium", lot_caption="Lô")
    assert len(pages(pdf)) == 2
    assert b"/Subtype /Form" not in pdf
    assert decode_labels(pdf, "medium", len(labels)) == urls


@pytest.mark.skipif(not shutil.which("zbarimg"), reason="zbarimg (Debian zbar-tools) missing")
def test_unit_serial_sheet_decodes_with_zbar_too(tmp_path):
    labels = unit_labels(2 * SIZES["medium"].per_page)
    pdf = render_labels(labels, "medium", lot_caption="Lô")
    decoded = zbar_decode_labels(pdf, "medium", len(labels), tmp_path)
    assert decoded == [[label.url] for label in labels]  # one symbol per label, the right one


def test_identical_urls_share_one_drawing_and_still_decode():
    labels = make_labels(8, distinct=False)[:1] * 8
    pdf = render_labels(labels, "large")
    assert decode_labels(pdf, "large", 8) == [labels[0].url] * 8
    assert pdf.count(b"/Subtype /Form") == 1


def test_skip_leaves_used_places_empty():
    labels = make_labels(3)
    pdf = render_labels(labels, "medium", skip=4)
    assert decode_labels(pdf, "medium", 3, skip=4) == [label.url for label in labels]
    assert decode_labels(pdf, "medium", 4, skip=0) == ["", "", "", ""]


def test_vietnamese_text_is_extracted_with_its_diacritics():
    labels = make_labels(4)
    pdf = render_labels(labels, "medium", lot_caption="Lô")
    text = pages(pdf)[0].get_textpage().get_text_range()
    assert "Chè Tân Cương" in text
    assert "Mật ong rừng" in text
    assert "Lô LOT-0" in text
    assert "OCOP" in text
    assert "market.test/01/08934567890120" in text.replace("\r", "").replace("\n", "")
    # The built-in PDF fonts cannot show Vietnamese: every text run must use an embedded
    # TrueType font.
    fonts = text_fonts(pdf)
    assert fonts and all(embedded and b"Helvetica" not in name for name, embedded in fonts)


def text_fonts(pdf: bytes) -> set[tuple[bytes, bool]]:
    """Return (base font name, embedded?) of every text object on the first page."""
    found = set()
    for obj in pages(pdf)[0].get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_TEXT,)):
        font = pdfium_c.FPDFTextObj_GetFont(obj.raw)
        size = pdfium_c.FPDFFont_GetBaseFontName(font, None, 0)
        name = ctypes.create_string_buffer(size)
        pdfium_c.FPDFFont_GetBaseFontName(font, name, size)
        found.add((name.value, bool(pdfium_c.FPDFFont_GetIsEmbedded(font))))
    return found


def test_long_names_are_cut_to_the_label():
    long_name = "Trà Shan tuyết cổ thụ " * 8
    label = LabelData("https://market.test/t/abc", long_name, "L1", 5, "market.test/t/abc")
    text = pages(render_labels([label], "small"))[0].get_textpage().get_text_range()
    assert "…" in text
    assert text.count("Shan") < 8


@pytest.mark.parametrize(("labels", "size"), [([], "small"), (make_labels(1), "huge")])
def test_bad_requests_raise(labels, size):
    with pytest.raises(ValueError):
        render_labels(labels, size)
