"""Journey 3: a farmer registers, applies, is approved, adds a product, records a lot's harvest,
prints its QR labels; shoppers then find the product by searching without accents."""

from __future__ import annotations

from playwright.sync_api import Browser

from tests.e2e.conftest import new_context
from tests.e2e.journey import Journey
from tests.e2e.qr import decode_pdf

THAI_NGUYEN = "19"
ADMIN = ("admin@chophien.example", "chophien-demo")
PASSWORD = "mat-khau-nong-dan"


def register_and_apply(journey: Journey, slug: str, email: str) -> None:
    """Open a seller account and send a stall application."""
    journey.visit("/account/register")
    journey.step("register form")
    journey.fill(
        {
            "full_name": "Lương Văn Núi",
            "email": email,
            "phone": "0987 654 321",
            "password": PASSWORD,
            "confirm": PASSWORD,
            "wants_to_sell": "y",
        }
    )
    journey.submit("main form button[type=submit]")
    journey.step("registered")

    journey.submit('header a[href="/seller/"]')
    journey.step("no stall yet")
    journey.submit('main a[href="/seller/apply"]')
    journey.fill(
        {
            "name": f"HTX Chè Núi Cốc {journey.view.name}",
            "slug": slug,
            "kind": "cooperative",
            "province_code": THAI_NGUYEN,
        }
    )
    journey.submit("button[name=action][value=wards]")
    journey.page.locator("select[name=ward_code]").select_option(index=1)
    journey.fill({"phone": "0987 654 321", "description": "Chè búp hái tay bên hồ Núi Cốc."})
    journey.step("application filled")
    journey.submit("button[name=action][value=apply]")
    assert journey.page.locator(".badge-pending").count(), "the stall should wait for approval"
    journey.step("waiting for approval")


def approve(browser: Browser, journey: Journey, stall_name: str) -> None:
    """An administrator, in a browser of their own, approves the application."""
    context = new_context(browser, journey.view)
    try:
        admin = journey.companion(context.new_page())
        admin.log_in(*ADMIN)
        admin.visit("/admin/stalls?status=pending")
        admin.step("admin pending stalls")
        admin.submit(admin.page.locator("main a", has_text=stall_name))
        admin.step("admin reviews the stall")
        admin.submit("button[name=action][value=approve]")
        assert admin.page.locator(".status-approved").count(), "the stall was not approved"
        admin.step("admin approved")
    finally:
        context.close()


def add_product(journey: Journey, slug: str, sku: str, name: str) -> None:
    """Add an active tea product to the approved stall."""
    journey.visit(f"/seller/{slug}/")
    journey.step("stall dashboard")
    journey.visit(f"/seller/{slug}/products/new")
    tea = journey.page.locator("select[name=category_id] option", has_text="Chè, trà").first
    journey.fill(
        {
            "name": name,
            "sku": sku,
            "category_id": tea.get_attribute("value") or "",
            "price_vnd": "260.000",
            "unit": "hộp 200g",
            "stock": "50",
            "province_code": THAI_NGUYEN,
            "status": "active",
            "description": "Chè xanh hái tay bên hồ Núi Cốc, sao chảo gang.",
        }
    )
    journey.step("product form")
    journey.submit("main form button[type=submit]")
    journey.step("product saved")


def lot_with_harvest(journey: Journey, slug: str, name: str) -> str:
    """Create a lot of the product and record its harvest; return the lot's public link."""
    journey.visit(f"/seller/{slug}/lots")
    journey.step("lots")
    journey.submit(f'main a[href="/seller/{slug}/lots/new"]')
    journey.step("which product")
    journey.submit(journey.page.locator("main a", has_text=name))
    journey.fill({"quantity": "120", "unit": "hộp"})
    journey.step("lot form")
    journey.submit("main form button[type=submit]")
    trace_url = journey.page.locator("dl.facts dd a").first.inner_text()
    journey.step("lot created")

    journey.submit('main a[href*="kind=harvest"]')
    journey.fill({"quantity": "36", "unit": "kg", "note": "Hái sáng sớm, một tôm hai lá."})
    journey.step("harvest form")
    journey.submit("main form button[type=submit]")
    assert journey.page.locator("ol.events li").count() >= 1, "the harvest is not listed"
    journey.step("harvest recorded")
    return trace_url


def print_labels(journey: Journey, trace_url: str) -> None:
    """Download the labels PDF and check every printed QR code carries the lot's link."""
    journey.submit('main a[href$="/labels"]')
    journey.step("labels form")
    journey.fill({"copies": "6"})
    pdf = journey.download('main form[action$="labels.pdf"] button[type=submit]', "labels", "pdf")
    assert pdf.read_bytes().startswith(b"%PDF")
    codes = decode_pdf(pdf)
    assert codes, "no QR code could be read from the printed labels"
    assert set(codes) == {trace_url}, codes


def test_farmer_opens_a_stall_and_labels_a_lot(browser: Browser, journey: Journey) -> None:
    tag = journey.view.name.replace("-", "")
    slug, sku = f"htx-che-nui-coc-{tag}", f"NC-{tag.upper()}"
    name = f"Chè móc câu Núi Cốc {tag}"
    register_and_apply(journey, slug, f"nong.dan.{tag}@example.com")
    approve(browser, journey, f"HTX Chè Núi Cốc {journey.view.name}")
    add_product(journey, slug, sku, name)
    trace_url = lot_with_harvest(journey, slug, name)
    print_labels(journey, trace_url)

    # Shoppers find it without typing accents.
    journey.visit("/")
    journey.page.locator("header form.search input[name=q]").fill(f"che moc cau nui coc {tag}")
    journey.submit("header form.search button[type=submit]")
    found = journey.page.locator(f'.product-grid a[href="/gian-hang/{slug}/san-pham/{sku}"]')
    assert found.count() == 1, journey.text()
    journey.step("found by search")
