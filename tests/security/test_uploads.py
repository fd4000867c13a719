"""Upload attacks against every file field the seller and admin pages offer.

The file fields are found by reading the forms of every page (so a new upload form is attacked
too); each form is sent with its own values, a valid CSRF token and one hostile file. Nothing
hostile may be kept: refused files leave no row and no file; a picture that passes is stored
only as re-encoded WebP; a PDF only under private/, served to staff with nosniff.
"""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest

from marketplace.stalls.models import Stall
from tests.factories import jpeg_bytes, pdf_bytes
from tests.security.conftest import client_as, fetch, row_counts
from tests.security.pages import page_forms
from tests.security.policy import form_data

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'
HTML = b"<!doctype html><html><body><script>alert(1)</script></body></html>"
GIF_JS = b"GIF89a/*\x01\x00\x01\x00\x00\x00\x00*/=1;alert(1);//" + b"\x00" * 32
PDF_JS = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R /OpenAction 3 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
    b"3 0 obj << /S /JavaScript /JS (app.alert(1)) >> endobj\n"
    b"trailer << /Root 1 0 R >>\n%%EOF\n"
)


def png_bomb(side: int = 60_000) -> bytes:
    """Return a tiny PNG whose header claims side x side pixels (3.6 gigapixels)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    rows = zlib.compress(b"\x00" * (side + 1) * 16, 9)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")
    )


ATTACKS = {
    "jpeg+html polyglot": (jpeg_bytes() + HTML, "photo.jpg"),
    "gif/js polyglot": (GIF_JS, "photo.gif"),
    "svg with script": (SVG, "logo.svg"),
    "html renamed .jpg": (HTML, "photo.jpg"),
    "html renamed .csv": (HTML, "products.csv"),
    "decompression bomb": (png_bomb(), "bomb.png"),
    "zero bytes": (b"", "empty.jpg"),
    "too large for a picture": (jpeg_bytes() + b"\x00" * (9 * 1024 * 1024), "big.jpg"),
}


def stored_files(app) -> set[Path]:
    """Return every file in the upload folder."""
    root = Path(app.config["UPLOAD_DIR"])
    return {p for p in root.rglob("*") if p.is_file()}


def good_file(app, world, client, accept: str) -> tuple[bytes, str]:
    """Return a file the field should accept (the positive control)."""
    if "csv" in accept:
        return fetch(client, "GET", "/seller/nan-nhan/import/template.csv").get_data(), "a.csv"
    if "image" in accept:
        return jpeg_bytes(), "good.jpg"
    return pdf_bytes(), "good.pdf"


def send(client, page: str, form: dict, world, field: str, content: bytes, name: str):
    """Submit a form with its own values, generic ones for blanks, and one file."""
    generic = {k: v for k, v in form_data(world).items() if not isinstance(v, tuple)}
    data = {**generic, **{k: v for k, v in form["values"].items() if v}}
    data[field] = (io.BytesIO(content), name)
    return fetch(
        client, "POST", form["action"] or page, data=data, content_type="multipart/form-data"
    )


@pytest.fixture
def forms(app, world):
    """The owner's client and every upload form the owner can reach."""
    client = client_as(app, world, "owner")
    found = [(page, form) for page, form in page_forms(app, world, client) if form["files"]]
    fields = {field for _page, form in found for field in form["files"]}
    assert {"photos", "logo", "banner", "document", "file"} <= fields, fields
    return client, found


def test_each_upload_field_takes_a_good_file(app, world, forms):
    client, found = forms
    for page, form in found:
        for field, accept in form["files"].items():
            content, name = good_file(app, world, client, accept)
            response = send(client, page, form, world, field, content, name)
            assert response.status_code == 302, (page, field, response.status_code)


def test_hostile_files_are_refused_or_neutralised(app, world, forms):
    client, found = forms
    problems = []
    for attack, (content, name) in sorted(ATTACKS.items()):
        for page, form in found:
            for field in form["files"]:
                files, rows = stored_files(app), row_counts(app)
                response = send(client, page, form, world, field, content, name)
                new = stored_files(app) - files
                where = f"{attack} as {field} on {page}"
                if response.status_code >= 500:
                    problems.append(f"{where}: {response.status_code}")
                elif response.status_code < 400 and attack != "jpeg+html polyglot":
                    problems.append(f"{where}: accepted ({response.status_code})")
                if response.status_code >= 400 and (new or row_counts(app) != rows):
                    problems.append(f"{where}: refused but something was kept")
                for path in new:
                    data = path.read_bytes()
                    if data[:4] != b"RIFF" or data[8:12] != b"WEBP" or b"<script" in data:
                        problems.append(f"{where}: kept {path.name} as uploaded")
    assert not problems, "\n".join(problems)


def test_a_body_over_the_limit_gets_the_friendly_413_page(app, world, forms):
    client, found = forms
    page, form = found[0]
    field = next(iter(form["files"]))
    huge = b"\x00" * (app.config["MAX_CONTENT_LENGTH"] + 1024)
    response = send(client, page, form, world, field, huge, "huge.jpg")
    assert response.status_code == 413
    text = response.get_data(as_text=True)
    assert "<h1" in text and "Traceback" not in text
    assert "quá lớn" in text  # in Vietnamese, the market's language


def test_a_pdf_with_javascript_stays_private_and_is_never_rendered_inline_as_html(app, world):
    from catalog.models import Certificate

    client = client_as(app, world, "owner")
    forms = [f for f in page_forms(app, world, client) if "document" in f[1]["files"]]
    page, form = forms[0]
    response = send(client, page, form, world, "document", PDF_JS, "cert.pdf")
    assert response.status_code == 302
    with app.app_context():
        from marketplace.extensions import db_session

        cert = db_session().query(Certificate).order_by(Certificate.id.desc()).first()
        stall = db_session().get(Stall, world.ids["stall"])
        assert cert.document_key.startswith("private/") and cert.document_key.endswith(".pdf")
        key, cert_id, slug = cert.document_key, cert.id, stall.slug
    assert client.get(f"/media/{key}").status_code == 404
    admin = client_as(app, world, "admin")
    for who, url in ((client, f"/seller/{slug}/certificates/{cert_id}/document"),
                     (admin, f"/admin/certificates/{cert_id}/document")):  # fmt: skip
        answer = fetch(who, "GET", url)
        assert answer.status_code == 200, url
        assert answer.mimetype == "application/pdf"
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert answer.headers["Content-Disposition"].startswith(("attachment", "inline"))
        assert "private" in answer.headers["Cache-Control"]
    assert fetch(app.test_client(), "GET", url).status_code in (302, 401)
