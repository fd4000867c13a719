"""Journey 2a: the same shopping, paid by a VietQR bank transfer read off the screen."""

from __future__ import annotations

import re
import time

from playwright.sync_api import Locator

from payments.vietqr import parse_payload
from tests.e2e.conftest import VIETQR
from tests.e2e.journey import Journey
from tests.e2e.qr import decode_png
from tests.e2e.shopping import checkout, fill_cart_from_two_stalls, order_reference


def whole_dong(text: str) -> int:
    """Return the amount of a price as shown ("1.250.000 ₫" -> 1250000)."""
    return int(re.sub(r"[^0-9]", "", text))


def read_on_screen(journey: Journey, image: Locator) -> str:
    """Return the text of the QR code shown by an image (once the browser has painted it)."""
    shot = journey.folder / f"{journey.steps:02d}-vietqr-code-{journey.view.name}.png"
    for _attempt in range(20):
        image.screenshot(path=str(shot))
        found = decode_png(shot.read_bytes())
        if found:
            assert len(found) == 1, found
            return found[0]
        time.sleep(0.1)
    raise AssertionError(f"the QR code on the screen could not be read: see {shot}")


def test_vietqr_transfer(journey: Journey) -> None:
    fill_cart_from_two_stalls(journey)
    checkout(journey, "vietqr", f"lan.qr.{journey.view.name}@example.com")
    reference = order_reference(journey)
    code = journey.page.locator("figure.vietqr img")
    assert code.count() == 1, "no VietQR code on the confirmation"
    journey.step("vietqr confirmation")

    # Read the code from the screen, as the shopper's banking app would.
    payload = read_on_screen(journey, code)
    fields = parse_payload(payload)
    assert fields["bank_bin"] == VIETQR["VIETQR_BANK_BIN"]
    assert fields["account_or_card"] == VIETQR["VIETQR_ACCOUNT"]
    # The code carries what the page tells the shopper to type: amount and reference.
    account, amount, said = journey.page.locator("dl.transfer dd.copy").all_inner_texts()
    assert account.strip() == VIETQR["VIETQR_ACCOUNT"]
    assert fields["amount_vnd"] == whole_dong(amount.split("(")[0])
    total = journey.page.locator("main > p.muted").first.inner_text().rsplit(":", 1)[-1]
    assert fields["amount_vnd"] == whole_dong(total), total
    assert said.strip() == reference
    assert reference in fields["additional_data"].values(), fields
