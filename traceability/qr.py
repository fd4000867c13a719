"""QR codes for trace URLs: one cached module matrix drawn as PNG, SVG or PDF vectors."""

from __future__ import annotations

import io
from functools import lru_cache

import qrcode
from PIL import Image
from qrcode.constants import ERROR_CORRECT_M

Run = tuple[int, int, int]  # (row, first column, length) of dark modules, border excluded


@lru_cache(maxsize=4096)
def qr_matrix(text: str) -> tuple[tuple[bool, ...], ...]:
    """Return the dark/light modules of the QR code for `text` (no quiet zone)."""
    # Level M survives scuffed and creased labels while keeping a Digital Link URL at
    # version 3-5, whose modules stay ~0.5 mm wide when the code is printed 2 cm wide.
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0)
    code.add_data(text.encode("utf-8"))  # bytes: UTF-8 for Vietnamese, not Latin-1
    code.make(fit=True)
    return tuple(tuple(bool(cell) for cell in row) for row in code.get_matrix())


@lru_cache(maxsize=4096)
def qr_runs(text: str) -> tuple[Run, ...]:
    """Return horizontal runs of dark modules, so renderers draw few shapes per row."""
    runs: list[Run] = []
    for y, row in enumerate(qr_matrix(text)):
        x = 0
        while x < len(row):
            if row[x]:
                start = x
                while x < len(row) and row[x]:
                    x += 1
                runs.append((y, start, x - start))
            else:
                x += 1
    return tuple(runs)


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
