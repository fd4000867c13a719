"""Validate uploaded product photos and certificate scans and turn them into clean WebP variants.

Everything here works on bytes and knows nothing of Flask or the database, so views, the CSV
import and the CLI can all call it the same way. Uploads are judged by their content, never by the
file name or the Content-Type the browser claims.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
from dataclasses import dataclass

from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

MAX_UPLOAD_BYTES = 8 * 1024 * 1024
# 40 MP covers every phone camera; decoding one as RGB takes about 120 MB.
MAX_PIXELS = 40_000_000
MIN_SIDE = 64
WEBP_QUALITY = 80
VARIANT_WIDTHS: dict[str, int] = {"large": 1200, "medium": 600, "thumb": 240}
# A variant is at most this many times as tall as it is wide, so a long infographic cannot
# produce a 1200 x 40000 "thumbnail" (WebP also stops at 16383 px a side).
MAX_TALL_RATIO = 4
# A PDF writer may put a little whitespace or a linearisation trailer after the last %%EOF.
PDF_EOF_WINDOW = 1024

ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")
# Raster formats we recognise but refuse, so the seller hears "use JPEG, PNG or WebP" rather than
# "not an image". Sniffed here so that Pillow's parsers for them never see untrusted bytes.
_OTHER_IMAGE_SIGNATURES = (
    b"GIF87a",
    b"GIF89a",
    b"BM",
    b"II*\x00",
    b"MM\x00*",
    b"\x00\x00\x01\x00",  # ICO
    b"8BPS",  # Photoshop
    b"\x00\x00\x00\x0cjP  \r\n\x87\n",  # JPEG 2000
    b"\xffO\xffQ",  # JPEG 2000 codestream
    b"qoif",
)
_ISO_MEDIA_IMAGE_BRANDS = (b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1", b"avif")
# Browsers assume sRGB for untagged pictures, and the variants carry no profile.
_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))

MESSAGES = {
    "not_an_image": "The file is not a picture we can read.",
    "unsupported_format": "Only JPEG, PNG and WebP pictures are accepted.",
    "too_large": "The file is too large.",
    "too_many_pixels": "The picture has too many pixels.",
    "too_small": "The picture is too small.",
    "not_a_document": "Upload a PDF or a JPEG, PNG or WebP picture.",
}


class UploadRejected(ValueError):
    """An upload that fails validation; `code` is stable, the message is English."""

    def __init__(self, code: str, message: str | None = None) -> None:
        self.code = code
        super().__init__(message or MESSAGES.get(code, code))


@dataclass(frozen=True)
class ProcessedImage:
    """The WebP variants of one uploaded picture; width and height are the largest variant's."""

    width: int
    height: int
    sha256: str
    variants: dict[str, bytes]


def process_image(
    data: bytes,
    *,
    max_bytes: int = MAX_UPLOAD_BYTES,
    max_pixels: int = MAX_PIXELS,
    min_side: int = MIN_SIDE,
) -> ProcessedImage:
    """Validate an uploaded picture and return its metadata-free WebP variants."""
    image = _normalise(_decode(data, max_bytes, max_pixels, min_side))
    variants = {
        name: _encode_webp(image, _fit(image.size, width)) for name, width in VARIANT_WIDTHS.items()
    }
    width, height = _fit(image.size, max(VARIANT_WIDTHS.values()))
    return ProcessedImage(
        width=width, height=height, sha256=hashlib.sha256(data).hexdigest(), variants=variants
    )


def check_document(
    data: bytes,
    *,
    max_bytes: int = MAX_UPLOAD_BYTES,
    max_pixels: int = MAX_PIXELS,
    min_side: int = MIN_SIDE,
) -> str:
    """Return "pdf" or "image" for an acceptable certificate scan, else raise UploadRejected."""
    if len(data) > max_bytes:
        raise _too_large(max_bytes)
    if is_pdf(data):
        return "pdf"
    try:
        _decode(data, max_bytes, max_pixels, min_side)
    except UploadRejected as exc:
        # Size problems are worth telling the seller as such; anything else is just "not a scan".
        if exc.code in ("not_an_image", "unsupported_format"):
            raise UploadRejected("not_a_document") from exc
        raise
    return "image"


def is_pdf(data: bytes) -> bool:
    """Tell whether the bytes look like a complete PDF file."""
    return data.startswith(b"%PDF-") and b"%%EOF" in data[-PDF_EOF_WINDOW:]


def _too_large(max_bytes: int) -> UploadRejected:
    limit = f"{max_bytes / 1048576:.3g} MiB" if max_bytes >= 1048576 else f"{max_bytes:,} bytes"
    return UploadRejected("too_large", f"The file is larger than {limit}.")


def _open(data: bytes) -> Image.Image:
    """Parse only the header, restricted to the accepted formats."""
    try:
        # Limiting `formats` keeps Pillow's many other parsers away from untrusted bytes.
        return Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # Pillow's own guard (about 89 MP warns, twice that raises) fires inside open(); under
        # `-W error` the warning arrives as an exception too. Either way it is ours to report.
        raise UploadRejected("too_many_pixels") from exc
    except UnidentifiedImageError as exc:
        raise UploadRejected(_unreadable_code(data)) from exc
    except Exception as exc:
        raise UploadRejected("not_an_image") from exc


def _unreadable_code(data: bytes) -> str:
    if data.startswith(_OTHER_IMAGE_SIGNATURES):
        return "unsupported_format"
    if data[4:8] == b"ftyp" and data[8:12] in _ISO_MEDIA_IMAGE_BRANDS:
        return "unsupported_format"  # HEIC/AVIF straight from a phone
    return "not_an_image"


def _decode(data: bytes, max_bytes: int, max_pixels: int, min_side: int) -> Image.Image:
    """Check size, format and dimensions from the header, then verify and decode the pixels."""
    if len(data) > max_bytes:
        raise _too_large(max_bytes)
    with _open(data) as probe:
        width, height = probe.size
        if width * height > max_pixels:
            raise UploadRejected(
                "too_many_pixels", f"The picture has more than {max_pixels:,} pixels."
            )
        if min(width, height) < min_side:
            raise UploadRejected(
                "too_small", f"The picture must be at least {min_side} pixels on each side."
            )
        try:
            probe.verify()  # checksums and structure, without decoding (PNG CRCs, for one)
        except Exception as exc:
            raise UploadRejected("not_an_image") from exc
    # verify() leaves the image unusable, so decode from a fresh parse.
    image = _open(data)
    if image.format == "JPEG":
        # Let libjpeg decode at 1/2, 1/4 or 1/8 scale when that still covers the largest variant.
        largest = max(VARIANT_WIDTHS.values())
        image.draft("RGB", (largest, largest))
    try:
        image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise UploadRejected("too_many_pixels") from exc
    except Exception as exc:
        # Truncated or corrupt data, or a PNG text chunk bigger than Pillow allows.
        raise UploadRejected("not_an_image") from exc
    return image


def _normalise(image: Image.Image) -> Image.Image:
    """Return an upright sRGB image with no metadata at all."""
    icc = image.info.get("icc_profile")
    # A broken EXIF block should not cost the seller the photo, only its rotation.
    with contextlib.suppress(Exception):
        image = ImageOps.exif_transpose(image)
    if image.mode in ("I", "I;16", "I;16B", "I;16L", "I;16N"):
        # 16-bit greyscale: Pillow's convert() clips to white instead of scaling down.
        image = image.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        image = Image.new("RGB", rgba.size, (255, 255, 255))
        image.paste(rgba, mask=rgba.getchannel("A"))
    if icc and image.mode in ("RGB", "CMYK"):
        image = _to_srgb(image, icc)
    if image.mode != "RGB":
        image = image.convert("RGB")
    # Resizing copies `info`, and the WebP writer would carry EXIF/XMP/ICC from it; start clean.
    image.info = {}
    return image


def _to_srgb(image: Image.Image, icc: bytes) -> Image.Image:
    """Convert from an embedded colour profile (e.g. a phone's Display P3) to sRGB."""
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        return ImageCms.profileToProfile(image, source, _SRGB, outputMode="RGB") or image
    except Exception:
        # A bad profile only costs colour accuracy; the pixels are still fine.
        return image


def _fit(size: tuple[int, int], width: int) -> tuple[int, int]:
    """Return the size of a variant `width` wide at most, never larger than the source."""
    src_w, src_h = size
    scale = min(1.0, width / src_w, width * MAX_TALL_RATIO / src_h)
    return max(1, round(src_w * scale)), max(1, round(src_h * scale))


def _encode_webp(image: Image.Image, size: tuple[int, int]) -> bytes:
    if size != image.size:
        # reducing_gap lets Pillow shrink by whole factors first: much faster, no visible loss.
        image = image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
        image.info = {}
    out = io.BytesIO()
    image.save(out, "WEBP", quality=WEBP_QUALITY, method=4)
    return out.getvalue()
