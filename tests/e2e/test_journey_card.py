"""Journey 2b: the same shopping, paid by card through Stripe.js (served by localstripe)."""

from __future__ import annotations

import re
import time

from payments.stripe_api import StripeAPI
from tests.e2e.conftest import Market
from tests.e2e.journey import Journey
from tests.e2e.shopping import checkout, fill_cart_from_two_stalls
from tests.payments.conftest import STRIPE_KEY

# A test card that asks for 3-D Secure: localstripe's fake Stripe.js implements exactly that
# step of confirmCardPayment (a dialog, then "Complete authentication").
CARD_3DS = "4000002760003184"


def pay_by_card(journey: Journey, market: Market) -> None:
    """Type the card into the (fake) Stripe element and confirm the 3-D Secure dialog."""
    root = journey.page.locator("#stripe-payment")
    secret = root.get_attribute("data-client-secret") or ""
    intent = secret.split("_secret_")[0]
    assert intent.startswith("pi_"), secret
    journey.page.locator("#card-element input").first.wait_for()
    for placeholder, value in {
        "number": CARD_3DS,
        "exp_month": "12",
        "exp_year": "34",
        "cvc": "123",
        "postal_code": "10000",
    }.items():
        journey.page.locator(f'#card-element input[placeholder="{placeholder}"]').fill(value)
    # Real Stripe.js sends the card from its iframe straight to Stripe; the fake one only does
    # the 3-D Secure step, so the card goes to localstripe here, as that iframe would send it.
    api = StripeAPI(STRIPE_KEY, api_base=market.stripe_url)
    try:
        assert (
            api.confirm_intent(intent, api.create_test_card(CARD_3DS)).status == "requires_action"
        )
    finally:
        api.close()
    journey.step("card typed", exclude=["#card-element"])
    journey.page.locator("#card-pay").click()
    with journey.page.expect_navigation():
        journey.page.get_by_role("button", name="Complete authentication").click()


def test_card_through_stripe_js(journey: Journey, market: Market) -> None:
    fill_cart_from_two_stalls(journey)
    checkout(journey, "stripe", f"lan.the.{journey.view.name}@example.com")
    assert re.search(r"/checkout/[^/]+/pay$", journey.path()), journey.path()
    if not journey.view.js:
        # Card payment needs Stripe.js: without JavaScript the page says so and offers the rest.
        assert journey.page.locator("noscript").count() == 1
        assert "JavaScript" in journey.page.locator("main").inner_text()
        journey.step("card needs javascript")
        return
    journey.step("card form", exclude=["#card-element"])
    pay_by_card(journey, market)
    assert "card=processing" in journey.path(), journey.path()
    journey.step("card processing")

    # The order becomes paid only when Stripe's signed webhook reaches the market.
    deadline = time.monotonic() + 20
    while not journey.page.locator(".payment .paid").count():
        assert time.monotonic() < deadline, "the webhook never marked the order paid"
        time.sleep(0.5)
        journey.page.reload()
    assert journey.page.locator(".badge-pay-paid").count() == 2, "both stalls' orders are paid"
    journey.step("card paid")
