"""Journey 5: the language switch, Vietnamese by default, English on request, and back."""

from __future__ import annotations

from tests.e2e.journey import Journey

PRODUCT = "/gian-hang/htx-che-tan-cuong/san-pham/TC-DB-500"


def language(journey: Journey) -> str:
    """Return the language the page declares."""
    return journey.page.locator("html").get_attribute("lang") or ""


def switch_to(journey: Journey, code: str) -> None:
    """Follow the language link of the header."""
    journey.submit(f'nav.langs a[hreflang="{code}"]')


def test_switch_between_vietnamese_and_english(journey: Journey) -> None:
    journey.visit("/")
    assert language(journey) == "vi"
    assert "Giỏ hàng" in journey.page.locator("header").inner_text()
    journey.step("home in vietnamese")

    switch_to(journey, "en")
    assert language(journey) == "en"
    assert journey.path() == "/", "the switch should come back to the same page"
    assert "Cart" in journey.page.locator("header").inner_text()
    journey.step("home in english")

    # The choice is remembered on the next page.
    journey.visit(PRODUCT)
    assert language(journey) == "en"
    assert journey.page.locator("nav.breadcrumb").inner_text().startswith("Home")
    journey.step("product in english")

    switch_to(journey, "vi")
    assert language(journey) == "vi"
    assert journey.path() == PRODUCT
    assert journey.page.locator("nav.breadcrumb").inner_text().startswith("Trang chủ")
    journey.step("product in vietnamese")
