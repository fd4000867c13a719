"""QR codes for trace URLs: one module matrix drawn as PNG, SVG or PDF vectors."""

from __future__ import annotations

import io
from functools import lru_cache

import qrcode
from PIL import Image
from qrcode.constants import ERROR_CORRECT_M

Matrix = tuple[tuple[bool, ...], ...]
Run = tuple[int, int, int]  # (row, first column, length) of dark modules, border excluded

# Mask for printed labels. Every mask is valid QR and every decoder reads all eight (the
# mask number is in the code's format bits). The best-mask search only trims finder-like
# patterns and large blocks, a slight robustness gain, and costs 8 trial layouts scored in
# pure Python: ~80 % of encoding, which made 1,000 unit-serial labels take 12-23 s.
# Measured on label sheets at 200-300 dpi: zbar read every code with each of the 8 masks,
# and OpenCV missed as many (~1-2 %) with the best mask as with any fixed one.
LABEL_MASK = 2

_VERSIONS: dict[tuple[tuple[int, int], ...], int] = {}  # segment modes and lengths -> version


def qr_modules(text: str, mask: int | None = None) -> Matrix:
    """Return the dark/light modules for `text` (no quiet zone); `mask=None` picks the best."""
    # Level M survives scuffed and creased labels while keeping a Digital Link URL at
    # version 3-5, whose modules stay ~0.5 mm wide when the code is printed 2 cm wide.
    code = qrcode.QRCode(version=1, error_correction=ERROR_CORRECT_M, border=0, mask_pattern=mask)
    code.add_data(text.encode("utf-8"))  # bytes: UTF-8 for Vietnamese, not Latin-1
    # The smallest version depends only on the segments' modes and lengths, which unit
    # serials of one lot share: qrcode's fit writes every bit out to count them (15 % of
    # a fixed-mask encoding), so the answer is kept per shape.
    shape = tuple((segment.mode, len(segment)) for segment in code.data_list)
    version = _VERSIONS.get(shape)
    if version is None:
        if len(_VERSIONS) >= 1024:
            _VERSIONS.clear()
        version = _VERSIONS[shape] = code.best_fit(start=1)
    code.version = version
    code.make(fit=False)
    return tuple(tuple(bool(cell) for cell in row) for row in code.modules)


def matrix_runs(matrix: Matrix) -> tuple[Run, ...]:
    """Return horizontal runs of dark modules, so renderers draw few shapes per row."""
    runs: list[Run] = []
    for y, row in enumerate(matrix):
        x = 0
        width = len(row)
        while x < width:
            if row[x]:
                start = x
                while x < width and row[x]:
                    x += 1
                runs.append((y, start, x - start))
            else:
                x += 1
    return tuple(runs)


@lru_cache(maxsize=4096)
def qr_matrix(text: str) -> Matrix:
    """Return the best-mask modules of the QR code for `text` (cached for PNG and SVG)."""
    # Screens show one product's code over and over: worth the full mask search and a cache.
    return qr_modules(text)


@lru_cache(maxsize=4096)
def qr_runs(text: str) -> tuple[Run, ...]:
    """Return the dark runs of `qr_matrix(text)`."""
    return matrix_runs(qr_matrix(text))


def qr_png(text: str, *, box_size: int = 8, border: int = 4) -> bytes:
    """Return a black-on-white PNG of the QR code for `text`."""
    matrix = qr_matrix(text)
    side = len(matrix) + 2 * border
    image = Image.new("1", (side, side), 1)
    pixels = image.load()
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                pixels[x + border, y + border] = 0
    image = image.resize((side * box_size, side * box_size), Image.Resampling.NEAREST)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def qr_svg(text: str, *, border: int = 4, size_px: int | None = None) -> str:
    """Return a standalone SVG of the QR code for `text` (one path, no scripts)."""
    side = len(qr_matrix(text)) + 2 * border
    width = size_px or side * 6
    path = "".join(f"M{x + border},{y + border}h{n}v1h-{n}z" for y, x, n in qr_runs(text))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {side} {side}" '
        f'width="{width}" height="{width}" shape-rendering="crispEdges">'
        f'<rect width="{side}" height="{side}" fill="#fff"/>'
        f'<path d="{path}" fill="#000"/></svg>'
    )
