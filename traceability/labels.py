"""A4 PDF label sheets: a vector QR code, product name, lot, OCOP stars and the short URL."""

from __future__ import annotations

import io
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from reportlab import rl_config
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from traceability.qr import LABEL_MASK, Matrix, matrix_runs, qr_modules

# Binary (Flate only) streams: ASCII85 on top only makes a PDF 7-bit clean, adds 25 % to its
# size and, without reportlab's optional C accelerator, costs a pure-Python pass per stream.
# (A process-wide setting: the label sheets are the project's only use of reportlab.)
rl_config.useA85 = 0

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


@lru_cache(maxsize=4096)
def _char_width(char: str) -> float:
    """Return the advance of `char` at 1 pt (reportlab sums glyph advances, no kerning)."""
    return pdfmetrics.stringWidth(char, register_font(), 1)


def _width(text: str, size: float) -> float:
    # Same figure as pdfmetrics.stringWidth, without re-reading the font's tables per call:
    # measuring was a fifth of a 1,000-label sheet.
    return sum(map(_char_width, text)) * size


@lru_cache(maxsize=1024)
def _fit(text: str, size: float, width: float, max_lines: int, *, words: bool) -> tuple[str, ...]:
    """Break `text` into at most `max_lines` lines of `width` points, ellipsising the rest."""
    tokens = text.split() if words else list(text)
    lines: list[str] = []
    current = ""
    for token in tokens:
        candidate = f"{current} {token}" if words and current else current + token
        if current and _width(candidate, size) > width:
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
    return tuple(_clip(line, size, width) for line in lines)


def _clip(line: str, size: float, width: float) -> str:
    if _width(line, size) <= width:
        return line
    while line and _width(line + "…", size) > width:
        line = line[:-1]
    return line + "…"


# A five-pointed star of radius 1 (outer and inner points), drawn as a vector path so it
# needs no font glyph.
STAR = tuple(
    (
        (1 if i % 2 == 0 else 0.382) * math.cos(math.pi / 2 + i * math.pi / 5),
        (1 if i % 2 == 0 else 0.382) * math.sin(math.pi / 2 + i * math.pi / 5),
    )
    for i in range(10)
)


def _stars(canvas: Canvas, count: int, x: float, y: float, radius: float) -> None:
    """Fill `count` stars in a row, the first centred at (x, y)."""
    # Written as PDF operators: reportlab's path objects format every float in Python.
    ops = []
    for i in range(count):
        cx = x + i * radius * 2.1
        points = [f"{cx + dx * radius:.2f} {y + dy * radius:.2f}" for dx, dy in STAR]
        ops.append(f"{points[0]} m {' l '.join(points[1:])} l h")
    canvas.addLiteral(f"q 0 g {' '.join(ops)} f Q")


class _QrCodes:
    """Draw each label's QR code: inline if its URL occurs once, else one shared PDF form."""

    def __init__(self, canvas: Canvas, urls: Counter[str]) -> None:
        self.canvas = canvas
        self.urls = urls
        self.forms: dict[str, tuple[str, int]] = {}  # url -> (form name, modules with border)

    def place(self, url: str, x: float, y: float, side: float) -> None:
        """Draw the code for `url` as a `side`-point square with its corner at (x, y)."""
        if self.urls[url] > 1:
            name, modules = self.forms.get(url) or self._form(url)
            self.canvas.addLiteral(_cm(side / modules, x, y))
            self.canvas.doForm(name)
            self.canvas.addLiteral("Q")
            return
        # Unit serials make every code different: a form each would only add PDF objects.
        matrix = qr_modules(url, LABEL_MASK)
        modules = len(matrix) + 2 * QUIET_ZONE
        self.canvas.addLiteral(f"{_cm(side / modules, x, y)} {_rects(matrix)} Q")

    def _form(self, url: str) -> tuple[str, int]:
        matrix = qr_modules(url, LABEL_MASK)
        name = f"qr{len(self.forms)}"
        self.canvas.beginForm(name)
        self.canvas.addLiteral(_rects(matrix))
        self.canvas.endForm()
        self.forms[url] = (name, len(matrix) + 2 * QUIET_ZONE)
        return self.forms[url]


def _cm(scale: float, x: float, y: float) -> str:
    """Return operators opening a state whose unit is one module, origin at (x, y)."""
    return f"q {scale:.5f} 0 0 {scale:.5f} {x:.3f} {y:.3f} cm"


def _rects(matrix: Matrix) -> str:
    """Return fill operators for the dark runs of `matrix`, in module units with y up."""
    # Integer operators written directly: reportlab's float formatting of ~300 rects per
    # code would dominate the time of a 1,000-label sheet.
    top = len(matrix) - 1 + QUIET_ZONE
    body = " ".join(
        f"{column + QUIET_ZONE} {top - row} {length} 1 re"
        for row, column, length in matrix_runs(matrix)
    )
    return f"0 g {body} f"


def _draw_label(
    canvas: Canvas,
    codes: _QrCodes,
    layout: SheetLayout,
    label: LabelData,
    x: float,
    y: float,
    lot_caption: str,
) -> None:
    pad = PADDING * mm
    side = layout.height * mm - 2 * pad
    codes.place(label.url, x + pad, y + pad, side)
    font = register_font()
    left = x + pad + side + pad * 0.5
    width = x + layout.width * mm - pad - left
    top = y + layout.height * mm - pad
    # One text object per label: drawString would open one per line and measure each again.
    text = canvas.beginText()

    def line(size: float, at: float, content: str) -> None:
        text.setFont(font, size)
        text.setTextOrigin(left, at)
        text.textLine(content)

    cursor = top
    for name in _fit(label.product_name, layout.name_pt, width, layout.name_lines, words=True):
        cursor -= layout.name_pt * 1.1
        line(layout.name_pt, cursor, name)
    cursor -= layout.text_pt * 1.25
    line(layout.text_pt, cursor, _clip(f"{lot_caption} {label.lot_code}", layout.text_pt, width))
    if label.ocop_stars:
        cursor -= layout.text_pt * 1.25
        line(layout.text_pt, cursor, "OCOP")
        radius = layout.text_pt * 0.42
        start = left + _width("OCOP ", layout.text_pt) + radius
        _stars(canvas, label.ocop_stars, start, cursor + radius * 0.8, radius)
    if label.short_text:
        lines = _fit(label.short_text, layout.url_pt, width, layout.url_lines, words=False)
        # Bottom-aligned, but drawn top line first so copied text reads in order.
        for i, content in enumerate(lines):
            line(layout.url_pt, y + pad + (len(lines) - 1 - i) * layout.url_pt * 1.15, content)
    canvas.drawText(text)


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
    codes = _QrCodes(canvas, Counter(label.url for label in labels))
    skip = max(0, skip) % layout.per_page  # a used sheet has fewer free places than one page
    for index, label in enumerate(labels, start=skip):
        if index > skip and index % layout.per_page == 0:
            canvas.showPage()
        x, y = layout.origin(index)
        _draw_label(canvas, codes, layout, label, x, y, lot_caption)
    canvas.showPage()
    canvas.save()
    return out.getvalue()
