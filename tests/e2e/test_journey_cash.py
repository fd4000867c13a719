"""Journey 1: a shopper finds tea and honey without typing accents and pays cash on delivery."""

from __future__ import annotations

from tests.e2e.journey import Journey
from tests.e2e.shopping import checkout, fill_cart_from_two_stalls, order_reference


def test_search_filter_cart_and_cash_on_delivery(journey: Journey) -> None:
    names = fill_cart_from_two_stalls(journey)
    checkout(journey, "cod", f"lan.cod.{journey.view.name}@example.com")

    assert journey.path().startswith("/orders/status/"), journey.path()
    reference = order_reference(journey)
    assert journey.page.locator(".flash").filter(has_text=reference).count()
    assert journey.page.locator(".payment .cod").count() == 1
    # One order per stall, both under the one checkout.
    assert journey.page.locator("section.order").count() == 2
    text = journey.text()
    assert all(name in text for name in names)
    journey.step("confirmation")

    # The cart is empty now.
    journey.visit("/cart")
    assert journey.page.locator("section.cart-stall").count() == 0
    journey.step("empty cart")
