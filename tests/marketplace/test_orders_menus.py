"""No dead ends: the stall menu and the admin dashboard reach lots, orders and settings."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from marketplace.orders.models import Order
from marketplace.users.models import Role
from tests.factories import add_person, make_product, make_stall, make_user
from tests.marketplace.shop import add_to_cart, english, place_order, seller_login

EVERY_ROLE = ["Lots", "Orders", "Overview", "Products"]
MANAGERS = ["Certificates", "History", "Members"]
OWNERS = ["Delivery and payment", "People", "Profile"]


class Menu(HTMLParser):
    """Collect the links of the stall menu: (label, href, marked as the current page)."""

    def __init__(self) -> None:
        super().__init__()
        self.inside = False
        self.links: list[list] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        if tag == "nav" and "seller-nav" in (a.get("class") or ""):
            self.inside = True
        elif tag == "a" and self.inside:
            self.links.append(["", a["href"], a.get("aria-current") == "page"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "nav":
            self.inside = False

    def handle_data(self, data: str) -> None:
        if self.inside and self.links and not self.links[-1][0]:
            self.links[-1][0] = data.strip()


def menu(client, url: str) -> list[list]:
    response = client.get(url)
    assert response.status_code == 200, url
    parser = Menu()
    parser.feed(response.get_data(as_text=True))
    return parser.links


@pytest.fixture
def stall(app, db_session):
    """A stall with an order, run by an owner, a manager and a staff member."""
    owner = make_user(db_session, email="owner@example.com")
    found = make_stall(db_session, owner=owner, slug="htx-che")
    add_person(db_session, found, "manager", make_user(db_session, email="manager@example.com"))
    add_person(db_session, found, "staff", make_user(db_session, email="staff@example.com"))
    tea = make_product(db_session, found, stock=5)
    db_session.commit()
    guest = english(app.test_client())
    add_to_cart(guest, found, tea, 1)
    assert place_order(guest).status_code == 302
    return found


@pytest.mark.parametrize(
    ("email", "labels"),
    [
        ("staff@example.com", EVERY_ROLE),
        ("manager@example.com", EVERY_ROLE + MANAGERS),
        ("owner@example.com", EVERY_ROLE + MANAGERS + OWNERS),
    ],
)
def test_every_stall_menu_link_opens_for_its_role(app, db_session, stall, email, labels):
    client = seller_login(app, email)
    links = menu(client, f"/seller/{stall.slug}/")
    assert sorted(label for label, _href, _current in links) == sorted(labels)
    for label, href, _current in links:
        assert client.get(href).status_code == 200, (email, label, href)


def test_the_menu_marks_the_area_of_the_page(app, db_session, stall):
    client = seller_login(app, "owner@example.com")
    reference = db_session.scalar(select(Order)).reference
    pages = {
        f"/seller/{stall.slug}/lots": "Lots",
        f"/seller/{stall.slug}/lots/new": "Lots",
        f"/seller/{stall.slug}/orders": "Orders",
        f"/seller/{stall.slug}/orders/{reference}": "Orders",
        f"/seller/{stall.slug}/settings": "Delivery and payment",
        f"/seller/{stall.slug}/products": "Products",
    }
    for url, label in pages.items():
        current = [name for name, _href, marked in menu(client, url) if marked]
        assert current == [label], url


def test_every_link_of_the_admin_dashboard_opens(app, db_session, stall):
    make_user(db_session, email="root@example.com", role=Role.ADMIN)
    db_session.commit()
    admin = seller_login(app, "root@example.com")
    page = admin.get("/admin/").get_data(as_text=True)
    main = page.split("<main", 1)[1].split("</main>", 1)[0]
    links = set(re.findall(r'href="(/admin[^"]*)"', main.replace("&amp;", "&")))
    assert {"/admin/orders/", "/admin/orders/payouts"} <= links
    for href in sorted(links):
        assert admin.get(href).status_code == 200, href
