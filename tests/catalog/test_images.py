"""Upload validation, re-encoding and storage, on inputs made here with Pillow."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import pytest
from PIL import ExifTags, Image, ImageCms, PngImagePlugin

from catalog.images import (
    MAX_UPLOAD_BYTES,
    ProcessedImage,
    UploadRejected,
    check_document,
    process_image,
)
from catalog.storage import LocalStorage, make_storage, save_document, save_image

SECRET = "Secret farm at 21.0285N"


def encode(image: Image.Image, fmt: str, **params) -> bytes:
    """Return the image saved in a format."""
    out = io.BytesIO()
    image.save(out, fmt, **params)
    return out.getvalue()


def halves(size: tuple[int, int], left: str, right: str) -> Image.Image:
    """Return an RGB image whose left and right halves have two colours."""
    image = Image.new("RGB", size, right)
    image.paste(left, (0, 0, size[0] // 2, size[1]))
    return image


def webp_chunks(data: bytes) -> set[bytes]:
    """Return the chunk ids of a RIFF/WebP file."""
    assert data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    chunks, pos = set(), 12
    while pos + 8 <= len(data):
        fourcc, size = data[pos : pos + 4], struct.unpack("<I", data[pos + 4 : pos + 8])[0]
        chunks.add(fourcc)
        pos += 8 + size + (size & 1)
    return chunks


def assert_clean_webp(data: bytes) -> Image.Image:
    """Check the bytes are a WebP with pixels and nothing else, and return it decoded."""
    assert webp_chunks(data) <= {b"VP8 ", b"VP8L", b"VP8X", b"ALPH"}
    image = Image.open(io.BytesIO(data))
    assert image.format == "WEBP"
    assert not image.getexif()
    assert not {"exif", "xmp", "icc_profile"} & image.info.keys()
    image.load()
    return image


def png_header_bomb(side: int) -> bytes:
    """Return a 1-bit greyscale PNG of side x side zero pixels: huge when decoded, tiny on disk."""
    ihdr = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    row = b"\x00" * (1 + (side + 7) // 8)
    squeeze, idat = zlib.compressobj(9), []
    rows_per_chunk = max(1, (1 << 20) // len(row))
    for start in range(0, side, rows_per_chunk):
        idat.append(squeeze.compress(row * min(rows_per_chunk, side - start)))
    idat.append(squeeze.flush())

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", b"".join(idat))
        + chunk(b"IEND", b"")
    )


def rejected(data: bytes, **limits) -> str:
    """Return the code process_image refuses the bytes with."""
    with pytest.raises(UploadRejected) as info:
        process_image(data, **limits)
    assert str(info.value)  # an English sentence for logs and as a fallback
    return info.value.code


def test_jpeg_is_turned_upright_and_stripped_of_exif_and_gps():
    exif = Image.Exif()
    exif[ExifTags.Base.ImageDescription] = SECRET
    exif[ExifTags.Base.Orientation] = 6  # the camera was held on its side
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (21.0, 1.0, 42.6)
    data = encode(halves((2000, 1500), "red", "blue"), "JPEG", exif=exif, quality=90)
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo)

    result = process_image(data)

    assert isinstance(result, ProcessedImage)
    assert (result.width, result.height) == (1200, 1600)
    sizes = {name: assert_clean_webp(blob).size for name, blob in result.variants.items()}
    assert sizes == {"large": (1200, 1600), "medium": (600, 800), "thumb": (240, 320)}
    # Orientation 6 means the stored left edge is the top of the picture.
    large = assert_clean_webp(result.variants["large"]).convert("RGB")
    top, bottom = large.getpixel((600, 100)), large.getpixel((600, 1500))
    assert top[0] > 200 > top[2] and bottom[2] > 200 > bottom[0]
    for blob in result.variants.values():
        assert SECRET.encode() not in blob and b"Exif" not in blob
    assert len(result.sha256) == 64 and result.sha256 == process_image(data).sha256


def test_png_transparency_is_flattened_on_white_and_never_upscaled():
    image = Image.new("RGBA", (300, 200), (0, 0, 0, 0))
    image.paste((200, 0, 0, 255), (100, 50, 200, 150))
    meta = PngImagePlugin.PngInfo()
    meta.add_text("Comment", SECRET)
    result = process_image(encode(image, "PNG", pnginfo=meta))

    assert (result.width, result.height) == (300, 200)
    sizes = {name: assert_clean_webp(blob).size for name, blob in result.variants.items()}
    assert sizes == {"large": (300, 200), "medium": (300, 200), "thumb": (240, 160)}
    large = assert_clean_webp(result.variants["large"])
    assert large.mode == "RGB"
    assert min(large.getpixel((5, 5))) > 245
    assert large.getpixel((150, 100))[0] > 180
    assert SECRET.encode() not in result.variants["large"]


@pytest.mark.parametrize(
    ("mode", "fmt", "params"),
    [
        ("RGB", "WEBP", {}),
        ("L", "PNG", {}),
        ("1", "PNG", {}),
        ("P", "PNG", {"transparency": 0}),
        ("LA", "PNG", {}),
        ("I;16", "PNG", {}),
        ("CMYK", "JPEG", {}),
    ],
)
def test_every_accepted_kind_of_picture_comes_out_as_rgb_webp(mode, fmt, params):
    data = encode(Image.new(mode, (130, 90)), fmt, **params)
    result = process_image(data)
    assert (result.width, result.height) == (130, 90)
    assert assert_clean_webp(result.variants["thumb"]).mode == "RGB"


@pytest.mark.parametrize(
    "icc",
    [ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes(), b"not a profile"],
    ids=["srgb", "broken"],
)
def test_colour_profile_is_applied_or_ignored_then_dropped(icc):
    data = encode(Image.new("RGB", (100, 100), (10, 120, 30)), "PNG", icc_profile=icc)
    large = assert_clean_webp(process_image(data).variants["large"])
    assert all(
        abs(a - b) < 12 for a, b in zip(large.getpixel((50, 50)), (10, 120, 30), strict=True)
    )


def test_very_tall_pictures_are_capped_in_height():
    result = process_image(encode(Image.new("L", (1000, 9000)), "PNG"))
    assert assert_clean_webp(result.variants["large"]).size == (533, 4800)
    assert assert_clean_webp(result.variants["thumb"]).size == (107, 960)


def test_tiny_picture_is_refused():
    assert rejected(encode(Image.new("RGB", (200, 32)), "PNG")) == "too_small"
    assert process_image(encode(Image.new("RGB", (20, 20)), "PNG"), min_side=16).width == 20


@pytest.mark.parametrize(
    "data",
    [
        b"Just some notes, saved as photo.jpg\n" * 20,
        b"",
        b"\xff\xd8\xff\xe0 a JPEG start and nothing after it",
        b"<html><body><img src=x onerror=alert(1)></body></html>",
    ],
)
def test_anything_that_is_not_a_picture_is_refused_whatever_it_is_called(data):
    assert rejected(data) == "not_an_image"


def test_truncated_picture_is_refused():
    data = encode(halves((400, 300), "red", "green"), "PNG")
    assert rejected(data[: len(data) // 2]) == "not_an_image"


@pytest.mark.parametrize("fmt", ["GIF", "BMP", "TIFF"])
def test_other_picture_formats_are_refused_by_name(fmt):
    assert rejected(encode(Image.new("RGB", (100, 100)), fmt)) == "unsupported_format"


SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="100" height="100">'
    b"<script>fetch('/account/delete', {method: 'POST'})</script>"
    b'<rect width="100" height="100" fill="red"/></svg>'
)


def test_svg_with_script_is_refused():
    assert rejected(SVG) == "not_an_image"
    with pytest.raises(UploadRejected) as info:
        check_document(SVG)
    assert info.value.code == "not_a_document"


def test_oversized_upload_is_refused_before_it_is_decoded():
    # Garbage would be "not_an_image" if it were parsed at all.
    assert rejected(b"\x00" * (MAX_UPLOAD_BYTES + 1)) == "too_large"
    data = encode(Image.new("RGB", (100, 100)), "JPEG")
    assert rejected(data, max_bytes=len(data) - 1) == "too_large"
    assert process_image(data, max_bytes=len(data)).width == 100


# 8000² is over our limit only; 10000² also trips Pillow's warning, 30000² its hard error.
@pytest.mark.parametrize("side", [8000, 10000, 30000])
def test_decompression_bomb_is_refused_from_its_header(side):
    data = png_header_bomb(side)
    assert len(data) < 200_000
    assert rejected(data) == "too_many_pixels"
    with pytest.raises(UploadRejected) as info:
        check_document(data)
    assert info.value.code == "too_many_pixels"


def test_pixel_limit_can_be_lowered():
    data = encode(Image.new("RGB", (300, 300)), "JPEG")
    assert rejected(data, max_pixels=300 * 300 - 1) == "too_many_pixels"


def test_polyglot_payload_does_not_survive_re_encoding():
    payload = io.BytesIO()
    with zipfile.ZipFile(payload, "w") as archive:
        archive.writestr("evil.html", "<script>alert('zip')</script>")
    html = b"<html><script>alert('polyglot')</script></html>"
    data = encode(halves((640, 480), "green", "yellow"), "JPEG") + html + payload.getvalue()

    result = process_image(data)

    for blob in result.variants.values():
        assert_clean_webp(blob)
        assert b"<script>" not in blob and b"evil.html" not in blob and b"PK\x03\x04" not in blob


PDF = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
    b"trailer << /Root 1 0 R >>\n%%EOF\n"
)


def test_check_document_accepts_a_pdf_or_a_picture():
    assert check_document(PDF) == "pdf"
    assert check_document(encode(Image.new("RGB", (800, 600)), "JPEG")) == "image"


@pytest.mark.parametrize(
    "data",
    [
        b"<!doctype html><html><body><h1>Chung nhan OCOP</h1></body></html>",
        b"%PDF-1.4\nno end of file marker",
        b"Certificate.pdf, really",
        encode(Image.new("RGB", (100, 100)), "GIF"),
    ],
)
def test_check_document_refuses_everything_else(data):
    with pytest.raises(UploadRejected) as info:
        check_document(data)
    assert info.value.code == "not_a_document"


def test_check_document_enforces_the_byte_limit():
    with pytest.raises(UploadRejected) as info:
        check_document(PDF, max_bytes=len(PDF) - 1)
    assert info.value.code == "too_large"


@pytest.mark.parametrize(
    "key", ["../x", "/etc/passwd", "a\\b", "", "a//b", "a/./b", "a/../../b", "a/", "a/b\x00"]
)
def test_storage_refuses_keys_that_could_escape_its_root(tmp_path, key):
    storage = LocalStorage(tmp_path / "media")
    for call in (lambda: storage.save(key, b"x"), lambda: storage.open(key)):
        with pytest.raises(ValueError):
            call()
    for method in (storage.path, storage.exists, storage.delete):
        with pytest.raises(ValueError):
            method(key)
    assert not (tmp_path / "x").exists()


def test_storage_save_open_delete_roundtrip(tmp_path):
    storage = make_storage("local", str(tmp_path))
    key = "products/ab/abcdef-thumb.webp"

    assert storage.save(key, b"first") == key
    storage.save(key, b"second")

    assert storage.open(key) == b"second"
    assert storage.exists(key) and storage.path(key) == tmp_path / "products/ab/abcdef-thumb.webp"
    assert [p.name for p in (tmp_path / "products/ab").iterdir()] == ["abcdef-thumb.webp"]
    storage.delete(key)
    storage.delete(key)
    assert not storage.exists(key)
    with pytest.raises(FileNotFoundError):
        storage.open(key)


def test_unknown_storage_kind_is_an_error(tmp_path):
    with pytest.raises(ValueError, match="local"):
        make_storage("s3", str(tmp_path))


def test_save_image_stores_every_variant_under_the_content_hash(tmp_path):
    storage = LocalStorage(tmp_path)
    image = process_image(encode(Image.new("RGB", (700, 500), "orange"), "JPEG"))

    base = save_image(storage, "products", image)

    assert base == f"products/{image.sha256[:2]}/{image.sha256}"
    assert assert_clean_webp(storage.open(base + "-medium.webp")).size == (600, 429)
    assert storage.open(base + "-thumb.webp") == image.variants["thumb"]
    assert storage.exists(base + "-large.webp")


def test_save_document_keeps_pdfs_and_re_encodes_pictures(tmp_path):
    storage = LocalStorage(tmp_path)
    pdf_key = save_document(storage, "certificates", PDF, "pdf")
    assert pdf_key.startswith("certificates/") and pdf_key.endswith(".pdf")
    assert storage.open(pdf_key) == PDF

    scan = encode(Image.new("RGB", (1600, 1200), "white"), "JPEG") + b"<script>x</script>"
    scan_key = save_document(storage, "certificates", scan, check_document(scan))
    assert scan_key.endswith(".webp")
    assert assert_clean_webp(storage.open(scan_key)).size == (1200, 900)

    with pytest.raises(UploadRejected):
        save_document(storage, "certificates", b"<html></html>", "pdf")
