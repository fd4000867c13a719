"""Shopper steps shared by the payment journeys: search, filter, cart from two stalls, checkout."""

from __future__ import annotations

from tests.e2e.journey import Journey

HANOI = "1"  # Thành phố Hà Nội
BUYER = {
    "contact_name": "Nguyễn Thị Lan",
    "phone": "0912 345 678",
    "street": "Số 12 ngõ 34 phố Huế",
}


def search(journey: Journey, words: str) -> None:
    """Type words into the header's search box and send it."""
    journey.page.locator("header form.search input[name=q]").fill(words)
    journey.submit("header form.search button[type=submit]")


def result_names(journey: Journey) -> list[str]:
    """Return the product names on a results page, in order."""
    return journey.page.locator(".product-grid .product-name").all_inner_texts()


def add_first_result(journey: Journey, label: str) -> str:
    """Open the first product of the results, add it to the cart; return its name."""
    journey.submit(journey.page.locator(".product-grid .product-card a").first)
    name = journey.page.locator("main h1").inner_text()
    journey.step(f"{label} product page")
    journey.submit("form.add-to-cart button[type=submit]")
    assert journey.page.locator(".flash").filter(has_text=name).count(), "no 'in your cart' notice"
    return name


def fill_cart_from_two_stalls(journey: Journey) -> list[str]:
    """Search without accents, filter by OCOP stars, and add products of two stalls."""
    journey.visit("/")
    journey.step("home")
    search(journey, "che tan cuong")
    names = result_names(journey)
    assert names, "no results for 'che tan cuong'"
    assert any("Chè" in name and "Tân Cương" in name for name in names), names
    journey.step("search without accents")

    journey.submit('.facet a[href*="min_stars=5"]')
    assert "min_stars=5" in journey.path()
    assert journey.page.locator(".active-filters a").count() == 1
    five_star = result_names(journey)
    assert five_star and len(five_star) <= len(names), five_star
    badges = journey.page.locator(".product-grid .badge-ocop").all_inner_texts()
    assert len(badges) == len(five_star) and all("★★★★★" in b for b in badges), badges
    journey.step("filtered by five stars")
    tea = add_first_result(journey, "tea")

    search(journey, "mat ong")
    assert any("Mật ong" in name for name in result_names(journey)), result_names(journey)
    journey.step("search honey")
    honey = add_first_result(journey, "honey")

    journey.visit("/cart")
    stalls = journey.page.locator("section.cart-stall h2").all_inner_texts()
    assert len(stalls) == 2, stalls
    text = journey.text()
    assert tea in text and honey in text
    journey.step("cart with two stalls")
    return [tea, honey]


def checkout(journey: Journey, method: str, email: str) -> None:
    """Fill the checkout form the way a phone user would, and place the order."""
    journey.submit('a[href$="/checkout/"]')
    journey.step("checkout form")
    journey.fill({**BUYER, "email": email, "province_code": HANOI})
    # Wards and fees follow the province: the form posts back (the same with or without JS).
    journey.submit("button[name=action][value=wards]")
    wards = journey.page.locator("select[name=ward_code] option:not([value=''])")
    assert wards.count() > 10, "the wards of Hà Nội were not offered"
    journey.page.locator("select[name=ward_code]").select_option(index=1)
    journey.page.locator(f'input[name=payment_method][value="{method}"]').check()
    journey.step(f"checkout filled for {method}")
    journey.submit("button[name=action][value=place]")


def order_reference(journey: Journey) -> str:
    """Return the checkout reference of the confirmation page (from its title)."""
    heading = journey.page.locator("main h1").inner_text()
    return heading.split()[-1]
