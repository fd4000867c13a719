"""Browser journeys: the demo market served on loopback, localstripe, and system Chromium.

One market per test session: a fresh SQLite file migrated to head, the demo market loaded and
the search index built, then served by `flask run` in its own process (as a deployment would
run it) with Stripe pointed at a localstripe server whose webhooks go to the app. Every test in
this folder carries the `e2e` marker, so `make test` can leave them to `make e2e`.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from marketplace.app import create_app
from marketplace.config import REPO_ROOT
from marketplace.extensions import get_database
from tests.conftest import _compile_translations
from tests.e2e.journey import VIEWS, Journey, View
from tests.payments.conftest import _SERVER as LOCALSTRIPE_SERVER
from tests.payments.conftest import STRIPE_KEY, WEBHOOK_EVENTS, WEBHOOK_SECRET, free_port

CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-dev-shm-usage",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = REPO_ROOT / "tests" / "artifacts" / "e2e"
# The market's own account for VietQR transfers (Vietcombank's NAPAS BIN).
VIETQR = {
    "VIETQR_BANK_BIN": "970436",
    "VIETQR_ACCOUNT": "0011004455667",
    "VIETQR_ACCOUNT_NAME": "CHO PHIEN",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test of this folder `e2e` (deselected by `make test`)."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.e2e)


@dataclass
class Market:
    """The served market: its address, localstripe's address, the server's log."""

    url: str
    stripe_url: str
    log: Path


def _wait_for_port(port: int, process: subprocess.Popen, log: Path, what: str) -> None:
    """Wait until something listens on the port, failing with the log if the process died."""
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"{what} did not start:\n{log.read_text()[-4000:]}")
            time.sleep(0.05)


def _stop(process: subprocess.Popen) -> None:
    """Stop a server we started, politely first."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="session")
def localstripe_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Run localstripe on loopback (memory-only state) for the card journey."""
    port = free_port()
    log = tmp_path_factory.mktemp("localstripe") / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-c", LOCALSTRIPE_SERVER.format(port=port)], stdout=out, stderr=out
        )
    _wait_for_port(port, process, log, "localstripe")
    yield f"http://127.0.0.1:{port}"
    _stop(process)


def _prepare(config: dict[str, str]) -> None:
    """Migrate a fresh database, load the demo market and build the search index."""
    _compile_translations()
    app = create_app(dict(config))
    runner = app.test_cli_runner()
    for command in (["db", "upgrade"], ["demo", "load"], ["search", "reindex"]):
        result = runner.invoke(args=command)
        assert result.exit_code == 0, f"flask {' '.join(command)}: {result.output}"
    get_database(app).engine.dispose()  # the server process owns the database from here on


@pytest.fixture(scope="session")
def market(tmp_path_factory: pytest.TempPathFactory, localstripe_url: str) -> Iterator[Market]:
    """Serve the demo market with `flask run` on a free loopback port."""
    root = tmp_path_factory.mktemp("market")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    config = {
        "SECRET_KEY": "e2e-secret-key",
        "DATABASE_URL": f"sqlite:///{root / 'market.db'}",
        "INSTANCE_PATH": str(root / "instance"),
        # Label QR codes carry this address, so a decoded label opens this very server.
        "PUBLIC_BASE_URL": url,
        "RATELIMIT_STORAGE_URI": "memory://",
        # Every journey logs in several times from the same address within minutes.
        "LOGIN_LIMIT_ACCOUNT": "200 per minute",
        "LOGIN_LIMIT_ADDRESS": "500 per minute",
        "STRIPE_SECRET_KEY": STRIPE_KEY,
        "STRIPE_PUBLISHABLE_KEY": "pk_test_cho_phien",
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "STRIPE_API_BASE": localstripe_url,
        "STRIPE_JS_URL": f"{localstripe_url}/js.stripe.com/v3/",
        **VIETQR,
    }
    _prepare(config)
    log = root / "server.log"
    env = {**os.environ, **config, "FLASK_DEBUG": "0", "PYTHONWARNINGS": "default"}
    env.pop("TEST_DATABASE_URL", None)
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "run"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--no-reload", "--no-debugger"]
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=out, stderr=out)
    _wait_for_port(port, process, log, "the market")
    form = {"url": f"{url}/webhooks/stripe", "secret": WEBHOOK_SECRET}
    form.update({f"events[{i}]": name for i, name in enumerate(WEBHOOK_EVENTS)})
    registered = requests.post(f"{localstripe_url}/_config/webhooks/market", data=form, timeout=5)
    assert registered.status_code == 200, registered.text
    yield Market(url, localstripe_url, log)
    _stop(process)
    _assert_no_server_errors(log)


def _assert_no_server_errors(log: Path) -> None:
    """Fail the session if the server logged a traceback (a 500 the pages may have hidden)."""
    text = log.read_text(errors="replace")
    assert "Traceback (most recent call last)" not in text, text[-6000:]


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    """Start Playwright once."""
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """Launch the system Chromium (never a downloaded one)."""
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


def new_context(browser: Browser, view: View) -> BrowserContext:
    """Open a fresh browser profile (no cookies) for one kind of visitor."""
    context = browser.new_context(
        viewport={"width": view.width, "height": view.height},
        device_scale_factor=1,
        is_mobile=view.width < 600,
        has_touch=view.width < 600,
        java_script_enabled=view.js,
        locale="vi-VN",
        timezone_id="Asia/Ho_Chi_Minh",
    )
    context.set_default_timeout(15_000)
    return context


@pytest.fixture(params=[v.name for v in VIEWS])
def view(request: pytest.FixtureRequest) -> View:
    """Each journey runs on a phone, on a desktop, and on a phone without JavaScript."""
    return next(v for v in VIEWS if v.name == request.param)


@pytest.fixture
def context(browser: Browser, view: View) -> Iterator[BrowserContext]:
    """Return a fresh browser profile for the view."""
    context = new_context(browser, view)
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    """Return a page in the fresh profile."""
    return context.new_page()


@pytest.fixture
def journey(request: pytest.FixtureRequest, market: Market, page: Page, view: View) -> Journey:
    """Return the step recorder for this test's journey (its name is the module's topic)."""
    name = request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_journey_")
    return Journey(page=page, name=name, view=view, base_url=market.url, artifacts=ARTIFACTS)
