"""A4 PDF label sheets: a vector QR code, product name, lot, OCOP stars and the short URL."""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from traceability.qr import qr_matrix, qr_runs

FONT_NAME = "ChoPhienSans"
QUIET_ZONE = 4  # modules of white around the code, as ISO/IEC 18004 asks
# System fonts tried when the PyPI font package is missing (Debian: fonts-dejavu-core).
FALLBACK_FONTS = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf"),
)


@dataclass(frozen=True)
class LabelData:
    """What one label shows."""

    url: str
    product_name: str
    lot_code: str
    ocop_stars: int | None = None
    short_text: str = ""


@dataclass(frozen=True)
class SheetLayout:
    """A standard A4 label sheet (Avery-style) and the type sizes used on its labels."""

    columns: int
    rows: int
    width: float  # label size, mm
    height: float
    left: float  # margin to the first label, mm
    top: float
    pitch_x: float  # distance between label origins, mm
    pitch_y: float
    name_pt: float
    text_pt: float
    url_pt: float
    name_lines: int
    url_lines: int

    @property
    def per_page(self) -> int:
        """Return how many labels fit on one sheet."""
        return self.columns * self.rows

    def origin(self, index: int) -> tuple[float, float]:
        """Return the bottom-left corner (points) of the label at `index` on its page."""
        row, column = divmod(index % self.per_page, self.columns)
        x = (self.left + column * self.pitch_x) * mm
        y = A4[1] - (self.top + row * self.pitch_y + self.height) * mm
        return x, y


SIZES: dict[str, SheetLayout] = {
    # 38.1 × 21.2 mm, 65 per sheet (L7651 layout)
    "small": SheetLayout(5, 13, 38.1, 21.2, 4.7, 10.7, 40.6, 21.2, 5.5, 4.8, 3.8, 2, 3),
    # 63.5 × 38.1 mm, 21 per sheet (L7160 layout)
    "medium": SheetLayout(3, 7, 63.5, 38.1, 7.2, 15.15, 66.0, 38.1, 8.0, 6.5, 5.0, 3, 3),
    # 99.1 × 67.7 mm, 8 per sheet (L7165 layout)
    "large": SheetLayout(2, 4, 99.1, 67.7, 4.65, 13.1, 101.6, 67.7, 12.0, 9.5, 7.0, 3, 3),
}
PADDING = 1.0  # mm between the label edge and what is printed on it


@lru_cache(maxsize=1)
def font_path() -> Path:
    """Return a TrueType font with full Vietnamese coverage (PyPI package first)."""
    try:
        import fontpkg_noto_sans  # optional: a system font may stand in

        bundled = Path(fontpkg_noto_sans.ROOT) / "files" / "NotoSans[wdth,wght].ttf"
        if bundled.is_file():
            return bundled
    except ImportError:
        pass
    for candidate in FALLBACK_FONTS:
        if candidate.is_file():
            return candidate
    raise RuntimeError("No font with Vietnamese glyphs: pip install fontpkg-noto-sans")


@lru_cache(maxsize=1)
def register_font() -> str:
    """Register the label font with reportlab once per process; return its name."""
    # Helvetica and the other built-in PDF fonts cannot show ơ, ư, ạ, ế …
    pdfmetrics.registerFont(TTFont(FONT_NAME, str(font_path())))
    return FONT_NAME


def _fit(text: str, size: float, width: float, max_lines: int, *, words: bool) -> list[str]:
    """Break `text` into at most `max_lines` lines of `width` points, ellipsising the rest."""
    font = register_font()
    measure = pdfmetrics.stringWidth
    tokens = text.split() if words else list(text)
    lines: list[str] = []
    current = ""
    for token in tokens:
        candidate = f"{current} {token}" if words and current else current + token
        if current and measure(candidate, font, size) > width:
            lines.append(current)
            current = token
        else:
            current = candidate
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] += "…"
    # A single word or code wider than the column is cut rather than overflowing the label.
    return [_clip(line, font, size, width) for line in lines]


def _clip(line: str, font: str, size: float, width: float) -> str:
    if pdfmetrics.stringWidth(line, font, size) <= width:
        return line
    while line and pdfmetrics.stringWidth(line + "…", font, size) > width:
        line = line[:-1]
    return line + "…"


def _star(canvas: Canvas, cx: float, cy: float, radius: float) -> None:
    """Draw a filled five-pointed star (vector, so it needs no font glyph)."""
    path = canvas.beginPath()
    for i in range(10):
        r = radius if i % 2 == 0 else radius * 0.382
        angle = math.pi / 2 + i * math.pi / 5
        point = (cx + r * math.cos(angle), cy + r * math.sin(angle))
        if i == 0:
            path.moveTo(*point)
        else:
            path.lineTo(*point)
    path.close()
    canvas.drawPath(path, stroke=0, fill=1)


class _QrForms:
    """Draw each distinct URL's code once as a PDF form, then place it wherever needed."""

    def __init__(self, canvas: Canvas) -> None:
        self.canvas = canvas
        self.names: dict[str, str] = {}

    def place(self, url: str, x: float, y: float, side: float) -> None:
        name = self.names.get(url)
        if name is None:
            name = self.names[url] = f"qr{len(self.names)}"
            top = len(qr_matrix(url)) - 1 + QUIET_ZONE
            # Form units are modules with y up (the matrix runs y down). Integer operators
            # written directly: reportlab's float formatting of ~300 rects per code would
            # dominate the time of a 1,000-label sheet.
            rects = " ".join(
                f"{column + QUIET_ZONE} {top - row} {length} 1 re"
                for row, column, length in qr_runs(url)
            )
            self.canvas.beginForm(name)
            self.canvas.addLiteral(f"0 g {rects} f")
            self.canvas.endForm()
        modules = len(qr_matrix(url)) + 2 * QUIET_ZONE
        self.canvas.saveState()
        self.canvas.translate(x, y)
        self.canvas.scale(side / modules, side / modules)
        self.canvas.doForm(name)
        self.canvas.restoreState()


def _draw_label(
    canvas: Canvas,
    forms: _QrForms,
    layout: SheetLayout,
    label: LabelData,
    x: float,
    y: float,
    lot_caption: str,
) -> None:
    pad = PADDING * mm
    side = layout.height * mm - 2 * pad
    forms.place(label.url, x + pad, y + pad, side)
    font = register_font()
    left = x + pad + side + pad * 0.5
    width = x + layout.width * mm - pad - left
    top = y + layout.height * mm - pad
    cursor = top
    for line in _fit(label.product_name, layout.name_pt, width, layout.name_lines, words=True):
        cursor -= layout.name_pt * 1.1
        canvas.setFont(font, layout.name_pt)
        canvas.drawString(left, cursor, line)
    cursor -= layout.text_pt * 1.25
    canvas.setFont(font, layout.text_pt)
    canvas.drawString(
        left, cursor, _clip(f"{lot_caption} {label.lot_code}", font, layout.text_pt, width)
    )
    if label.ocop_stars:
        cursor -= layout.text_pt * 1.25
        canvas.drawString(left, cursor, "OCOP")
        radius = layout.text_pt * 0.42
        start = left + pdfmetrics.stringWidth("OCOP ", font, layout.text_pt) + radius
        for i in range(label.ocop_stars):
            _star(canvas, start + i * radius * 2.1, cursor + radius * 0.8, radius)
    if label.short_text:
        lines = _fit(label.short_text, layout.url_pt, width, layout.url_lines, words=False)
        canvas.setFont(font, layout.url_pt)
        # Bottom-aligned, but drawn top line first so copied text reads in order.
        for i, line in enumerate(lines):
            canvas.drawString(left, y + pad + (len(lines) - 1 - i) * layout.url_pt * 1.15, line)


def render_labels(
    labels: Sequence[LabelData], size: str, *, lot_caption: str = "Lot", skip: int = 0
) -> bytes:
    """Return an A4 PDF of `labels` on the `size` sheet, leaving the first `skip` places empty."""
    layout = SIZES.get(size)
    if layout is None:
        raise ValueError(f"Unknown label size {size!r}; choose from {', '.join(SIZES)}")
    if not labels:
        raise ValueError("No labels to render")
    register_font()
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4, pageCompression=1)
    canvas.setTitle("Trace labels")
    canvas.setCreator("Chợ Phiên")
    forms = _QrForms(canvas)
    skip = max(0, skip) % layout.per_page  # a used sheet has fewer free places than one page
    for index, label in enumerate(labels, start=skip):
        if index > skip and index % layout.per_page == 0:
            canvas.showPage()
        x, y = layout.origin(index)
        _draw_label(canvas, forms, layout, label, x, y, lot_caption)
    canvas.showPage()
    canvas.save()
    return out.getvalue()
