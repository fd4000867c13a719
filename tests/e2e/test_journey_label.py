"""Journey 4: a shopper scans the QR code printed on a lot's label and reads its provenance."""

from __future__ import annotations

from playwright.sync_api import Browser

from tests.e2e.conftest import new_context
from tests.e2e.journey import Journey
from tests.e2e.qr import decode_pdf

SELLER = ("nongdan@chophien.example", "chophien-demo")  # the demo market's farmer
STALL, LOT, PRODUCT = "htx-che-tan-cuong", "TC2510-01", "Chè búp đặc biệt Tân Cương"


def printed_label_url(journey: Journey) -> str:
    """As the demo farmer, print the lot's labels and read the URL from the printed QR code."""
    journey.log_in(*SELLER)
    journey.visit(f"/seller/{STALL}/lots")
    journey.step("seller lots")
    journey.submit(journey.page.locator("main a", has_text=LOT).first)
    journey.step("seller lot")
    journey.submit('main a[href$="/labels"]')
    journey.fill({"copies": "3", "size": "large"})
    journey.step("labels form")
    pdf = journey.download('main form[action$="labels.pdf"] button[type=submit]', "labels", "pdf")
    codes = set(decode_pdf(pdf))
    assert len(codes) == 1, codes
    return codes.pop()


def test_scan_a_printed_label(browser: Browser, journey: Journey) -> None:
    url = printed_label_url(journey)
    assert url.startswith(journey.base_url + "/"), url

    # The shopper's phone has never visited the market: a fresh browser, no cookies.
    context = new_context(browser, journey.view)
    try:
        shopper = journey.companion(context.new_page())
        response = shopper.page.goto(url)
        assert response is not None and response.status == 200, url
        assert shopper.page.locator("h1").inner_text() == PRODUCT
        text = shopper.page.locator("main").inner_text()
        assert LOT in text
        assert shopper.page.locator(".t-chain-ok").count() == 1, "the record should be intact"
        shopper.step("provenance page")

        # From the label to the shop: the page links to the product.
        shopper.submit("main a.t-button")
        assert shopper.path() == f"/gian-hang/{STALL}/san-pham/TC-DB-500", shopper.path()
        shopper.step("product from the label")
    finally:
        context.close()
