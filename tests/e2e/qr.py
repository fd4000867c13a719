"""Read QR codes the way a phone camera would: from screenshots and printed (rasterised) PDFs."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pypdfium2


def decode_image(image: np.ndarray) -> list[str]:
    """Return the texts of every QR code OpenCV finds in a BGR or grey image.

    The classic detector misses some codes a browser has scaled by a fraction (a 360 px image
    shown at 296 px blurs module edges); the ArUco-based detector reads those, so both try.
    """
    for detector in (cv2.QRCodeDetector(), cv2.QRCodeDetectorAruco()):
        found, texts, _points, _codes = detector.detectAndDecodeMulti(image)
        decoded = [t for t in texts if t] if found else []
        if not decoded:
            text, _points, _code = detector.detectAndDecode(image)
            decoded = [text] if text else []
        if decoded:
            return decoded
    return []


def decode_png(data: bytes) -> list[str]:
    """Return the QR texts in a PNG screenshot."""
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None, "not an image"
    # A white margin helps when the screenshot is cropped tight around the code.
    return decode_image(
        cv2.copyMakeBorder(image, 40, 40, 40, 40, cv2.BORDER_CONSTANT, value=(255, 255, 255))
    )


def decode_pdf(path: Path, scale: float = 4.0) -> list[str]:
    """Rasterise each PDF page (as a printer would) and return the QR texts found."""
    texts: list[str] = []
    pdf = pypdfium2.PdfDocument(str(path))
    try:
        for page in pdf:
            image = page.render(scale=scale).to_numpy()
            grey = cv2.cvtColor(
                image, cv2.COLOR_BGRA2GRAY if image.shape[2] == 4 else cv2.COLOR_BGR2GRAY
            )
            texts.extend(decode_image(grey))
    finally:
        pdf.close()
    return texts
