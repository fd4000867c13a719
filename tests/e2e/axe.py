"""Run axe-core (from node_modules, never a CDN) in a page; fail on serious or critical findings."""

from __future__ import annotations

from functools import cache

from playwright.sync_api import Page

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
