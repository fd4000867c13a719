"""Every user-facing string has a Vietnamese translation, and the template is current."""

from __future__ import annotations

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from marketplace.config import REPO_ROOT

KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
METHODS = [
    ("marketplace/**.py", "python"),
    ("catalog/**.py", "python"),
    ("traceability/**.py", "python"),
    ("payments/**.py", "python"),
    ("templates/**.html", "jinja2"),
    ("templates/**.txt", "jinja2"),
]


def _visible(dirpath: str) -> bool:
    name = dirpath.rstrip("/").rsplit("/", 1)[-1]
    return not name.startswith(".") and name not in ("node_modules", "tests", "instance")


def _source_messages() -> set[str]:
    found = set()
    # Babel skips folders starting with "_" by default; our partials live in them.
    for _file, _line, message, _comments, _ctx in extract_from_dir(
        str(REPO_ROOT), METHODS, keywords=KEYWORDS, directory_filter=_visible
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def _singular(msgid: str | tuple[str, ...]) -> str:
    return msgid if isinstance(msgid, str) else msgid[0]


def _catalog(lang: str):
    path = REPO_ROOT / "marketplace" / "translations" / lang / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        return read_po(handle)


def test_every_source_string_is_translated_to_vietnamese():
    catalog = _catalog("vi")
    missing = []
    for msgid in sorted(_source_messages()):
        message = catalog.get(msgid) or next(
            (m for m in catalog if m.id and _singular(m.id) == msgid), None
        )
        text = message.string if message is not None else ""
        if message is None or not (text if isinstance(text, str) else all(text)) or message.fuzzy:
            missing.append(msgid)
    assert missing == [], "run `make translations` and translate: " + "; ".join(missing)


def test_no_stale_vietnamese_entries():
    source = _source_messages()
    stale = [m.id for m in _catalog("vi") if m.id and _singular(m.id) not in source]
    assert stale == [], "run `make translations` to drop: " + "; ".join(map(str, stale))


def test_placeholders_survive_translation():
    for message in _catalog("vi"):
        if message.id and message.string:
            for placeholder in ("%(name)s", "%(n)d", "%(q)s", "%(code)s"):
                assert (placeholder in message.id) == (placeholder in message.string), message.id
