"""The search page without JavaScript: results, facet links, sorting, paging, help."""

from __future__ import annotations

import html
import re

import pytest

from tests.factories import make_product, make_stall
from tests.marketplace.search_market import build, category

LINK = re.compile(r'<a href="(/tim-kiem[^"]*)"[^>]*>\s*([^<(]+)')


@pytest.fixture
def market(db_session):
    found = build(db_session)
    db_session.commit()
    return found


def links(page: str) -> dict[str, str]:
    """Return the search-page links of a page by their text."""
    return {html.unescape(text).strip(): html.unescape(url) for url, text in LINK.findall(page)}


def test_results_are_product_cards_linking_to_product_pages(client, market):
    response = client.get("/tim-kiem?q=mat+ong")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Mật ong rừng Bắc Hà" in page and "Chè búp" not in page
    assert 'href="/gian-hang/ong-mat-bac-ha/san-pham/MO-1"' in page
    assert '<meta name="robots" content="noindex, follow">' in page
    assert "<script>" not in page and 'style="' not in page


def test_facet_links_filter_and_a_second_click_removes_the_filter(client, market):
    page = client.get("/tim-kiem").get_data(as_text=True)
    facets = links(page)
    assert "Lào Cai" in facets and "Chè, trà" in facets
    filtered = client.get(facets["Lào Cai"]).get_data(as_text=True)
    assert "Mật ong rừng Bắc Hà" in filtered and "Bưởi Đoan Hùng" not in filtered
    assert 'aria-current="true"' in filtered
    removed = client.get(links(filtered)["Lào Cai"]).get_data(as_text=True)
    assert "Bưởi Đoan Hùng" in removed  # the chosen value links back to all provinces


def test_sorting_uses_a_plain_form(client, market):
    page = client.get("/tim-kiem?q=mat+ong&sort=price_asc").get_data(as_text=True)
    assert '<option value="price_asc" selected>' in page
    assert page.index("Mật ong hoa bạc hà") < page.index("Mật ong rừng Bắc Hà")
    assert 'name="q" type="search" value="mat ong"' in page


def test_pages_link_to_each_other(client, db_session):
    stall = make_stall(db_session)
    for n in range(30):
        make_product(db_session, stall, sku=f"S{n}", name=f"Gạo tám thơm {n}",
                     category=category(db_session, "gao-ngu-coc"))  # fmt: skip
    db_session.commit()
    first = client.get("/tim-kiem?q=gao").get_data(as_text=True)
    assert "Page 1 of 2" in first or "Trang 1" in first
    second_url = re.search(r'rel="next" href="([^"]+)"', first).group(1)
    second = client.get(html.unescape(second_url))
    assert second.status_code == 200 and 'rel="prev"' in second.get_data(as_text=True)
    assert client.get("/tim-kiem?q=gao&page=3").status_code == 404


def test_no_results_offer_a_spelling_and_filters_to_drop(client, market):
    page = client.get("/tim-kiem?q=buoi+doan+hunggg&province=Lào+Cai").get_data(as_text=True)
    assert "no-results" in page
    found = links(page)
    assert any("Lào Cai" in text for text in found)  # the link that drops the filter
    dropped = next(url for text, url in found.items() if "Lào Cai" in text)
    assert "province" not in dropped and "q=buoi" in dropped
    typo = client.get("/tim-kiem?q=bui+doan+hung&province=Phú+Thọ").get_data(as_text=True)
    assert 'class="suggestion"' in typo and "buoi doan hung" in typo


def test_unknown_values_are_left_out_with_a_notice(client, market):
    response = client.get("/tim-kiem?q=mat+ong&min_stars=lots&sort=x&page=zz")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Mật ong rừng Bắc Hà" in page and 'role="status"' in page
    for value in ('"', "NEAR(", "*", "a" * 5000, "\x00", "🍯", "'; DROP TABLE x; --"):
        for name in ("q", "category", "province", "min_price", "certification"):
            status = client.get("/tim-kiem", query_string={name: value}).status_code
            assert status == (400 if "\x00" in value else 200), (name, value)


def test_the_header_form_and_the_old_address_lead_to_the_page(client, market):
    home = client.get("/").get_data(as_text=True)
    assert 'action="/tim-kiem"' in home
    assert 'src="/static/js/suggest.js" defer' in home
    old = client.get("/search?q=mat+ong")
    assert old.status_code == 301 and old.headers["Location"].endswith("/tim-kiem?q=mat+ong")
    with client.get("/static/js/suggest.js") as script:
        assert script.status_code == 200 and b'role", "listbox"' in script.data
