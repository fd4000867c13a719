"""Run axe-core (from node_modules, never a CDN) in a page; fail on serious or critical findings."""

from __future__ import annotations

from functools import cache

from playwright.sync_api import Page, Route

from marketplace.config import REPO_ROOT

AXE_JS = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"
FAILING_IMPACTS = ("serious", "critical")
# WCAG 2.1 A and AA plus axe's best practices (landmarks, one h1, heading order, …).
RUN_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"],
    },
    "resultTypes": ["violations"],
}


@cache
def axe_source() -> str:
    """Return axe-core's source, read from disk (run `npm ci` if it is missing)."""
    if not AXE_JS.exists():
        raise FileNotFoundError(f"{AXE_JS} is missing: run `npm ci` in {REPO_ROOT}")
    return AXE_JS.read_text(encoding="utf-8")


def inject(page: Page) -> None:
    """Load axe into the page.

    Our pages forbid inline scripts (CSP script-src 'self'), so a <script> tag added to the
    page would be blocked; Playwright's evaluate runs through the DevTools protocol, which the
    page's CSP does not govern, and leaves the page's own policy untouched for the test.
    """
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(f"() => {{ {axe_source()}\n; window.axe = axe; }}")


def violations(page: Page, exclude: list[str] | None = None) -> list[dict]:
    """Return axe's violations on the page as it is now (minus the excluded selectors)."""
    inject(page)
    context = {"include": ["html"], "exclude": [[selector] for selector in exclude or []]}
    return page.evaluate(
        "([context, options]) => axe.run(context, options).then(r => r.violations)",
        [context, RUN_OPTIONS],
    )


def serious(found: list[dict]) -> list[dict]:
    """Keep the violations that fail a journey."""
    return [v for v in found if v.get("impact") in FAILING_IMPACTS]


def describe(found: list[dict]) -> str:
    """Return a readable report: rule, impact, help, and the offending elements."""
    lines = []
    for violation in found:
        lines.append(f"[{violation['impact']}] {violation['id']}: {violation['help']}")
        lines.append(f"    {violation['helpUrl']}")
        for node in violation["nodes"][:8]:
            lines.append(f"    at {', '.join(map(str, node['target']))}: {node['html'][:160]}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            if summary:
                lines.append(f"       {summary[:300]}")
    return "\n".join(lines)


def check(page: Page, where: str, exclude: list[str] | None = None) -> None:
    """Fail with a report if the page has a serious or critical accessibility violation."""
    bad = serious(violations(page, exclude))
    if bad:
        print(describe(bad))
        raise AssertionError(
            f"axe: {len(bad)} serious/critical violation(s) on {where}:\n{describe(bad)}"
        )


# The page as a visitor without JavaScript sees it: scripts gone, <noscript> content shown.
STATIC_COPY = """() => {
    const root = document.documentElement.cloneNode(true);
    root.querySelectorAll("script").forEach((e) => e.remove());
    root.querySelectorAll("noscript").forEach((e) => {
        const shown = document.createElement("div");
        shown.innerHTML = e.innerHTML;
        e.replaceWith(shown);
    });
    return "<!DOCTYPE html>" + root.outerHTML;
}"""


# One scripting page per browser and screen size replays the pages seen without JavaScript;
# reusing it spares a new renderer process per check. Address -> the HTML to serve there.
_replays: dict[tuple[int, int, int], Page] = {}
_pending: dict[str, str] = {}


def _serve_pending(route: Route) -> None:
    """Answer the replay page's navigation with the captured HTML."""
    html = _pending.pop(route.request.url)
    route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html)


def _replay_page(page: Page) -> Page:
    """Return the scripting page (same screen size) that replays pages seen without JavaScript."""
    browser = page.context.browser
    assert browser is not None
    viewport = page.viewport_size or {"width": 360, "height": 740}
    key = (id(browser), viewport["width"], viewport["height"])
    replay = _replays.get(key)
    if replay is None or replay.is_closed():
        replay = browser.new_context(viewport=viewport, device_scale_factor=1).new_page()
        replay.route(lambda url: url in _pending, _serve_pending)
        _replays[key] = replay
    return replay


def check_without_javascript(page: Page, where: str, exclude: list[str] | None = None) -> None:
    """Check a page opened with JavaScript off, where axe itself cannot run.

    axe waits on timers, which never fire while scripts are disabled, so the page as it stands
    (noscript content shown, no scripts) is replayed at its own address in a scripting page of
    the same size: stylesheets and images load from the market as before, for contrast checks.
    """
    address = page.url.split("#")[0]
    _pending[address] = page.evaluate(STATIC_COPY)
    replay = _replay_page(page)
    replay.goto(address)
    check(replay, where, exclude)
