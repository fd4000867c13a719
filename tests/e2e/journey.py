"""A journey through the market in one browser profile: pages, forms, screenshots, axe."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Locator, Page, Response

from tests.e2e import axe


@dataclass(frozen=True)
class View:
    """A kind of visitor: screen size and whether JavaScript runs."""

    name: str
    width: int
    height: int
    js: bool = True


PHONE = View("phone", 360, 740)
DESKTOP = View("desktop", 1280, 800)
PHONE_NO_JS = View("phone-nojs", 360, 740, js=False)
VIEWS = (PHONE, DESKTOP, PHONE_NO_JS)


@dataclass
class Journey:
    """Drive one page through a journey, saving a screenshot and an axe check per step."""

    page: Page
    name: str
    view: View
    base_url: str
    artifacts: Path
    # Shared with companions (another visitor's browser in the same journey): one numbering.
    counter: list[int] = field(default_factory=lambda: [0])

    @property
    def folder(self) -> Path:
        """Return where this journey's screenshots go."""
        return self.artifacts / self.name

    @property
    def steps(self) -> int:
        """Return how many steps were recorded so far."""
        return self.counter[0]

    def companion(self, page: Page) -> Journey:
        """Return the same journey seen from another visitor's browser page."""
        return Journey(page, self.name, self.view, self.base_url, self.artifacts, self.counter)

    def url(self, path: str) -> str:
        """Return the absolute URL of a path on the market."""
        return path if path.startswith("http") else f"{self.base_url}{path}"

    def path(self) -> str:
        """Return the current page's path and query."""
        return self.page.url.removeprefix(self.base_url)

    def visit(self, path: str, status: int = 200) -> Response:
        """Open a page by its address and check the status."""
        response = self.page.goto(self.url(path))
        assert response is not None, path
        assert response.status == status, f"{path}: HTTP {response.status}"
        return response

    def submit(self, button: Locator | str, expect: int = 200) -> Response:
        """Press a form's submit button and wait for the page it leads to."""
        target = self.page.locator(button) if isinstance(button, str) else button
        with self.page.expect_navigation() as navigation:
            target.first.click()
        response = navigation.value
        assert response is not None
        assert response.status == expect, f"{self.path()}: HTTP {response.status}"
        return response

    def fill(self, values: dict[str, str]) -> None:
        """Fill form controls by name (text inputs, textareas and selects alike)."""
        for name, value in values.items():
            control = self.page.locator(f'main [name="{name}"]').first
            tag = control.evaluate("e => e.tagName.toLowerCase()")
            kind = control.get_attribute("type") or ""
            if tag == "select":
                control.select_option(value)
            elif kind == "checkbox":
                control.set_checked(bool(value))
            elif kind == "radio":
                self.page.locator(f'main [name="{name}"][value="{value}"]').check()
            else:
                control.fill(value)

    def step(self, label: str, *, exclude: list[str] | None = None) -> Path:
        """Record a step: a full-page screenshot, then an axe check (with or without JavaScript).

        `exclude` leaves third-party widgets out of the check (CSS selectors).
        """
        self.counter[0] += 1
        slug = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
        shot = self.folder / f"{self.steps:02d}-{slug}-{self.view.name}.png"
        shot.parent.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(shot), full_page=True)
        where = f"{self.name}/{label} ({self.view.name}) at {self.path()}"
        if self.view.js:
            axe.check(self.page, where, exclude)
        else:
            axe.check_without_javascript(self.page, where, exclude)
        return shot

    def download(self, button: str, label: str, suffix: str) -> Path:
        """Press a button that downloads a file; keep the file beside the screenshots."""
        with self.page.expect_download() as download:
            self.page.locator(button).first.click()
        self.counter[0] += 1
        path = self.folder / f"{self.steps:02d}-{label}-{self.view.name}.{suffix}"
        path.parent.mkdir(parents=True, exist_ok=True)
        download.value.save_as(path)
        return path

    def log_in(self, email: str, password: str) -> None:
        """Log in through the login form."""
        self.visit("/account/login")
        self.fill({"email": email, "password": password})
        self.step("login")
        self.submit("main form button[type=submit]")
        assert self.page.locator("header form[action$='/account/logout']").count(), "login failed"

    def text(self) -> str:
        """Return the visible text of the main content."""
        return self.page.locator("main").inner_text()
