"""Read the forms of the market's pages, so tests can send them as a browser would."""

from __future__ import annotations

from html.parser import HTMLParser

from tests.security.conftest import fetch, is_html, rules, url_of
from tests.security.world import World


class Forms(HTMLParser):
    """Collect the forms of a page: method, action, field values, buttons and file fields."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self.select: str | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            method = a.get("method", "get").upper()
            self.forms.append(
                {
                    "method": method,
                    "action": a.get("action", ""),
                    "values": {},
                    "files": {},
                    "buttons": [],
                }
            )
            return
        if not self.forms or not a.get("name"):
            if tag == "option" and self.forms and self.select and a.get("value"):
                self._option(a)
            return
        form = self.forms[-1]
        if tag == "input" and a.get("type") == "file":
            form["files"][a["name"]] = a.get("accept", "")
        elif tag == "input" and a.get("type") not in ("checkbox", "radio", "submit"):
            form["values"].setdefault(a["name"], a.get("value", ""))
        elif tag == "input" and "checked" in a:
            form["values"].setdefault(a["name"], a.get("value", "y"))
        elif tag in ("input", "button") and a.get("type", "submit") == "submit":
            form["buttons"].append((a["name"], a.get("value", "")))
        elif tag == "textarea":
            form["values"].setdefault(a["name"], "")
        elif tag == "select":
            self.select = a["name"]

    def _option(self, a: dict) -> None:
        values = self.forms[-1]["values"]
        if "selected" in a:
            values[self.select] = a["value"]
        else:
            values.setdefault(self.select, a["value"])  # the first real choice


def page_forms(app, world: World, client) -> list[tuple[str, dict]]:
    """Return (page, form) for every form on the pages the client can open."""
    found = []
    for rule in rules(app, {"GET"}):
        if rule.endpoint.startswith("i18n."):
            continue  # switching language would change the owner's language for good
        page = url_of(rule, world)
        response = fetch(client, "GET", page)
        if response.status_code != 200 or not is_html(response):
            continue
        parser = Forms()
        parser.feed(response.get_data(as_text=True))
        found += [(page, form) for form in parser.forms]
    return found
