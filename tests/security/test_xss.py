"""Stored XSS: payloads in every text field a user can fill come back escaped on every page.

The world is built with a payload in each field (stall, product, farm, certificate, lot, trace
event, account, checkout, review notes); then every GET route of the URL map is fetched as each
role and every HTML answer is parsed: no element may carry an on* handler, no script may run a
payload, no link may use javascript:, and {{7*7}} must never have been evaluated.
"""

from __future__ import annotations

import json
from html.parser import HTMLParser

import pytest

from catalog.models import Certificate, CertificateStatus
from marketplace.stalls.models import Stall
from tests.security.conftest import client_as, fetch, is_html, rules, url_of
from tests.security.world import build_world

PAYLOAD = '<script>alert(1)</script>"><img src=x onerror=alert(1)>{{7*7}}xq'
JSON_BREAK = "</script><script>alert(2)</script>javascript:alert(3){{7*7}}xq"
TEXT = {
    "full_name": PAYLOAD,
    "stall_name": PAYLOAD,
    "stall_description": f"{PAYLOAD}\n\n{JSON_BREAK}",
    "stall_address": PAYLOAD,
    "product_name": JSON_BREAK,
    "product_description": f"{JSON_BREAK}\n{PAYLOAD}",
    "product_unit": '"><img src=x onerror=alert(1)>',
    "farm_name": PAYLOAD,
    "farm_description": PAYLOAD,
    "cert_number": PAYLOAD,
    "cert_issuer": PAYLOAD,
    "cert_scope": JSON_BREAK,
    "review_note": PAYLOAD,
    "lot_code": "<svg/onload=alert()>",  # 20 characters of GS1's set: what a lot code allows
    "lot_unit": '"><img src=x onerror=alert(1)>',
    "event_note": PAYLOAD,
    "event_destination": JSON_BREAK,
    "contact_name": PAYLOAD,
    "street": PAYLOAD,
    "checkout_note": f"{PAYLOAD}\n{JSON_BREAK}",
}
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "srcset", "data", "poster"}


class Scanner(HTMLParser):
    """Collect every sign that a payload became markup instead of text."""

    def __init__(self, html: bool = True) -> None:
        super().__init__(convert_charrefs=True)
        self.html = html  # an <svg> inside a page is a payload; an SVG image's root is not
        self.found: list[str] = []
        self.in_script: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=…>")
            if name in URL_ATTRIBUTES and (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}={value!r}>")
        if tag in ("iframe", "object", "embed") or (tag == "svg" and self.html):
            self.found.append(f"<{tag}> element")
        if tag == "script":
            self.in_script = dict(attrs).get("type") or "text/javascript"

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self.in_script = None

    def handle_data(self, data: str) -> None:
        if self.in_script is None:
            return
        if "alert(" in data and self.in_script != "application/ld+json":
            self.found.append("a script running a payload")
        if self.in_script == "application/ld+json":
            try:
                json.loads(data)
            except ValueError:
                self.found.append("JSON-LD broken by a payload")


def dangers(body: str, html: bool = True) -> list[str]:
    """Return what is dangerous in an HTML page (or an SVG image)."""
    scanner = Scanner(html)
    scanner.feed(body)
    scanner.close()
    found = scanner.found
    if "49xq" in body:
        found.append("{{7*7}} was evaluated by a template")
    return found


@pytest.fixture
def xss_world(app, db_session):
    """The world with a payload in every text field, plus review notes the seller reads."""
    world = build_world(app, db_session, TEXT)
    stall = db_session.get(Stall, world.ids["stall"])
    stall.review_note = PAYLOAD
    rejected = Certificate(
        stall_id=stall.id, kind="organic", number=PAYLOAD, issuer=PAYLOAD, scope=PAYLOAD
    )
    rejected.status = CertificateStatus.REJECTED
    rejected.review_note = PAYLOAD
    db_session.add(rejected)
    db_session.commit()
    return world


@pytest.mark.parametrize("role", ["anonymous", "shopper", "owner", "admin"])
def test_payloads_come_back_escaped_on_every_page(app, xss_world, role):
    client = client_as(app, xss_world, role)
    problems, shown = [], []
    urls = [url_of(rule, xss_world) for rule in rules(app, {"GET"}) if not rule.arguments]
    urls += [url_of(rule, xss_world) for rule in rules(app, {"GET"}) if rule.arguments]
    urls += ["/tim-kiem?q=che", "/search?q=alert", "/api/v1/products?q=script"]
    for url in urls:
        response = fetch(client, "GET", url)
        kind = response.mimetype
        body = response.get_data(as_text=True) if kind.startswith("text/") or "svg" in kind else ""
        if is_html(response) or kind == "image/svg+xml":
            problems += [f"{url}: {danger}" for danger in dangers(body, is_html(response))]
            if ESCAPED in body:
                shown.append(url)
        elif "alert(" in body and kind not in ("text/csv", "text/plain"):
            problems.append(f"{url}: a payload served as {kind}")
    assert not problems, "\n".join(problems)
    # The payloads were really on these pages (escaped): the scan above had something to find.
    assert len(shown) >= 3, shown


def test_api_json_carries_the_text_as_data(app, xss_world):
    client = app.test_client()
    product = client.get("/api/v1/products/nan-nhan/CHE-1")
    assert product.mimetype == "application/json"
    assert product.headers["X-Content-Type-Options"] == "nosniff"
    assert product.get_json()["name"] == JSON_BREAK
    stall = client.get("/api/v1/stalls/nan-nhan").get_json()
    assert stall["name"] == PAYLOAD


def test_the_scanner_finds_real_injections():
    """The detector itself: each of these pages would be an XSS hole."""
    assert dangers("<p><img src=x onerror=alert(1)></p>")
    assert dangers(
        '<script type="application/ld+json">{"name": "</script><script>alert(2)</script>'
    )
    assert dangers('<a href="javascript:alert(1)">x</a>')
    assert dangers("<p>49xq</p>")
    assert not dangers(f"<p>{ESCAPED}&#34;&gt;&lt;img src=x onerror=alert(1)&gt;{{{{7*7}}}}xq</p>")
