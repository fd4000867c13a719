"""Label sheets: every printed QR decodes (OpenCV) to its URL, Vietnamese text is intact."""

from __future__ import annotations

import ctypes

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


def decode_labels(pdf: bytes, size: str, count: int, skip: int = 0) -> list[str]:
    """Rasterise each page at 300 dpi, crop every label's QR by the layout and decode it."""
    layout = SIZES[size]
    detector = cv2.QRCodeDetector()
    images = [
        np.array(page.render(scale=SCALE, grayscale=True).to_pil().convert("L"))
        for page in pages(pdf)
    ]
    found = []
    for index in range(skip, skip + count):
        image = images[index // layout.per_page]
        x, y = layout.origin(index)
        side = (layout.height - 2 * PADDING) * mm
        margin = 2 * mm  # a little white around the code helps the detector
        left = int((x + PADDING * mm - margin) * SCALE)
        top = int((A4[1] - y - layout.height * mm + PADDING * mm - margin) * SCALE)
        size_px = int((side + 2 * margin) * SCALE)
        crop = image[max(top, 0) : top + size_px, max(left, 0) : left + size_px]
        text, points, _ = detector.detectAndDecode(crop)
        found.append(text if points is not None else "")
    return found


@pytest.mark.parametrize(("size", "count"), [("small", 67), ("medium", 22), ("large", 9)])
def test_every_label_qr_decodes_to_its_url(size, count):
    labels = make_labels(count)
    pdf = render_labels(labels, size)
    layout = SIZES[size]
    assert len(pages(pdf)) == -(-count // layout.per_page)
    assert decode_labels(pdf, size, count) == [label.url for label in labels]


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
