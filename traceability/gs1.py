"""GS1 Digital Link URIs for GTINs: parse (strict or lenient) and build (Flask-free)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import quote, unquote

from catalog.gtin import InvalidGTIN, check_digit, normalise_gtin

CANONICAL_STEM = "https://id.gs1.org"
QUALIFIERS = ("22", "10", "21")  # the only permitted order after (01)
DATE_AIS = frozenset({"11", "12", "13", "15", "16", "17", "7006"})

_CSET82 = r"[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]"
# The AIs this resolver knows: value pattern and the role the AI may play after (01).
_AI_TABLE: list[tuple[str, str, str]] = [
    (r"01", r"[0-9]{14}", "key"),
    (r"00", r"[0-9]{18}", "other"),  # SSCC: a key of its own, never an attribute of a GTIN
    (r"22", _CSET82 + r"{1,20}", "qualifier"),
    (r"10", _CSET82 + r"{1,20}", "qualifier"),
    (r"21", _CSET82 + r"{1,20}", "qualifier"),
    (r"1[123567]", r"[0-9]{6}", "attribute"),
    (r"20", r"[0-9]{2}", "attribute"),
    (r"3[07]", r"[0-9]{1,8}", "attribute"),
    (r"24[01]|25[01]", _CSET82 + r"{1,30}", "attribute"),
    (r"242", r"[0-9]{1,6}", "attribute"),
    (r"243|254", _CSET82 + r"{1,20}", "attribute"),
    (r"3(?:1[0-6]|2[0-9]|3[0-7]|4[0-9]|5[0-7]|6[0-9])[0-9]", r"[0-9]{6}", "attribute"),
    (r"39[02][0-9]", r"[0-9]{1,15}", "attribute"),
    (r"39[13][0-9]", r"[0-9]{4,18}", "attribute"),
    (r"394[0-3]", r"[0-9]{4}", "attribute"),
    (r"395[0-5]", r"[0-9]{6}", "attribute"),
    (r"42[246]", r"[0-9]{3}", "attribute"),
    (r"42[35]", r"[0-9]{4,15}", "attribute"),
    (r"432[123]", r"[01]", "needs_sscc"),  # dangerous-goods flags require AI (00)
    (r"7003", r"[0-9]{10}", "attribute"),
    (r"7005", _CSET82 + r"{1,12}", "attribute"),
    (r"7006", r"[0-9]{6}", "attribute"),
    (r"7007", r"[0-9]{6}(?:[0-9]{6})?", "attribute"),  # harvest date or date range
    (r"7008", _CSET82 + r"{1,3}", "attribute"),
    (r"7009", _CSET82 + r"{1,10}", "attribute"),
    (r"7010", _CSET82 + r"{1,2}", "attribute"),
    (r"8200", _CSET82 + r"{1,70}", "other"),  # product URL: not a Digital Link attribute
    (r"9[0-9]", _CSET82 + r"{1,90}", "attribute"),
]
_AIS = [(re.compile(ai), re.compile(value), role) for ai, value, role in _AI_TABLE]
_CSET82_RE = re.compile(_CSET82 + "*")
# Characters that may appear raw in a URI (RFC 3986), plus well-formed percent escapes.
_URI_CHARS = re.compile(r"(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*")
_SCHEME = re.compile(r"(?:https?|HTTPS?)://")
_AUTHORITY = re.compile(
    r"(?:[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.?|\[[0-9A-Fa-f:.]+\])(?::[0-9]{0,5})?"
)


class InvalidDigitalLink(ValueError):
    """A URI that is not an acceptable GS1 Digital Link; `code` says why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class DigitalLink:
    """A parsed Digital Link: GTIN, qualifiers, AI attributes and other query parameters."""

    gtin: str
    cpv: str | None = None
    lot: str | None = None
    serial: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)  # non-AI keys such as linkType
    stem: str = ""

    def pairs(self) -> list[tuple[str, str]]:
        """Return the (AI, value) pairs: key, qualifiers in order, then attributes."""
        found = [("01", self.gtin)]
        found += [
            (ai, v)
            for ai, v in zip(QUALIFIERS, (self.cpv, self.lot, self.serial), strict=True)
            if v
        ]
        return found + list(self.attributes.items())

    @property
    def element_string(self) -> str:
        """Return the bracketed element string, e.g. (01)…(10)…"""
        return "".join(f"({ai}){value}" for ai, value in self.pairs())

    def date(self, ai: str) -> date | None:
        """Return a YYMMDD date attribute (11, 13, 15, 17 …) as a date, or None."""
        value = self.attributes.get(ai)
        return yymmdd_to_date(value) if value and ai in DATE_AIS else None


def _role(ai: str) -> tuple[re.Pattern[str], str] | None:
    for ai_re, value_re, role in _AIS:
        if ai_re.fullmatch(ai):
            return value_re, role
    return None


def _fail(code: str, message: str) -> InvalidDigitalLink:
    return InvalidDigitalLink(code, message)


def _days_in_month(year: int, month: int) -> int:
    if month == 2:
        return 29 if year % 4 == 0 else 28  # two-digit years all fall in 2000-2099 here
    return 30 if month in (4, 6, 9, 11) else 31


def _valid_yymmdd(value: str) -> bool:
    year, month, day = 2000 + int(value[:2]), int(value[2:4]), int(value[4:6])
    # Day 00 means "end of the month" in GS1 dates.
    return 1 <= month <= 12 and day <= _days_in_month(year, month)


def yymmdd_to_date(value: str) -> date:
    """Return the date of a GS1 YYMMDD value (day 00 = last day of the month)."""
    year, month, day = 2000 + int(value[:2]), int(value[2:4]), int(value[4:6])
    return date(year, month, day or _days_in_month(year, month))


def check_value(ai: str, value: str) -> None:
    """Raise InvalidDigitalLink unless `value` is a valid decoded value for `ai`."""
    known = _role(ai)
    if known is None:
        raise _fail("unknown_ai", f"({ai}) is not a known GS1 Application Identifier")
    if not value:
        raise _fail("empty_value", f"AI ({ai}) has an empty value")
    if "\x00" in value:
        raise _fail("nul_character", f"AI ({ai}) contains a NUL character")
    if not _CSET82_RE.fullmatch(value):
        raise _fail("bad_character", f"AI ({ai}) contains characters outside GS1 CSET 82")
    if not known[0].fullmatch(value):
        raise _fail("bad_value", f"AI ({ai}) value {value!r} has the wrong length or format")
    if ai == "01" and check_digit(value[:-1]) != int(value[-1]):
        raise _fail("bad_check_digit", f"GTIN {value} has an incorrect check digit")
    dates = [value[i : i + 6] for i in range(0, len(value), 6)] if ai in DATE_AIS | {"7007"} else []
    if ai == "7003":
        dates = [value[:6]]
        if int(value[6:8]) > 23 or int(value[8:10]) > 59:
            raise _fail("bad_date", f"AI ({ai}) has an impossible time")
    if not all(_valid_yymmdd(d) for d in dates):
        raise _fail("bad_date", f"AI ({ai}) has an impossible date {value!r}")


def _gtin(raw: str, lenient: bool) -> str:
    if lenient and len(raw) in (8, 12, 13):
        try:
            return normalise_gtin(raw)
        except InvalidGTIN as exc:
            raise _fail(f"gtin_{exc.code}", str(exc)) from exc
    check_value("01", raw)
    return raw


def _decode(raw: str, ai: str, *, plus_is_space: bool) -> str:
    try:
        return unquote(raw.replace("+", " ") if plus_is_space else raw, errors="strict")
    except UnicodeDecodeError as exc:
        raise _fail("bad_character", f"AI ({ai}) is not valid UTF-8 once decoded") from exc


def _split_path(path: str) -> tuple[str, list[tuple[str, str]]]:
    """Walk (AI, value) pairs back from the end until the GTIN key; return stem and pairs."""
    segments = path.split("/")[1:] if path.startswith("/") else []
    pairs: list[tuple[str, str]] = []
    # Walk from the right: a stem before the key may itself look like "/01/faux".
    while len(segments) >= 2 and segments[-2].isascii() and segments[-2].isdigit():
        if _role(segments[-2]) is None:
            break
        ai, value = segments[-2], segments[-1]
        pairs.insert(0, (ai, value))
        segments = segments[:-2]
        if ai == "01":
            return "/" + "/".join(segments) if segments else "", pairs
    raise _fail("no_key", "No GS1 Digital Link key (/01/{GTIN}) found in the path")


def parse_digital_link(path_or_uri: str, *, lenient: bool = False) -> DigitalLink:
    """Parse a Digital Link URI or path (`/01/…`); lenient pads GTIN-8/12/13 to 14 digits."""
    text = path_or_uri
    if not _URI_CHARS.fullmatch(text):
        raise _fail("illegal_character", "The URI contains characters not allowed in a URI")
    if not text.startswith("/"):
        scheme = _SCHEME.match(text)
        if not scheme:
            raise _fail("not_digital_link", "A Digital Link starts with http:// or https://")
        rest = text[scheme.end() :]
        end = min((i for i in (rest.find(c) for c in "/?#") if i >= 0), default=len(rest))
        if not _AUTHORITY.fullmatch(rest[:end]):
            raise _fail("bad_host", "The host name of the URI is not valid")
        text = rest[end:]
    text = text.split("#", 1)[0]
    path, _, query = text.partition("?")
    stem, raw_pairs = _split_path(path)
    pairs = [(ai, _decode(value, ai, plus_is_space=False)) for ai, value in raw_pairs]
    gtin = _gtin(pairs[0][1], lenient)
    qualifiers: dict[str, str] = {}
    for ai, value in pairs[1:]:
        rank = QUALIFIERS.index(ai) if ai in QUALIFIERS else -1
        if rank < 0 or any(QUALIFIERS.index(seen) >= rank for seen in qualifiers):
            raise _fail("bad_sequence", "Path qualifiers must be (22), (10), (21) in that order")
        check_value(ai, value)
        qualifiers[ai] = value
    attributes, params = _parse_query(query, {"01", *qualifiers})
    return DigitalLink(
        gtin=gtin,
        cpv=qualifiers.get("22"),
        lot=qualifiers.get("10"),
        serial=qualifiers.get("21"),
        attributes=attributes,
        params=params,
        stem=stem,
    )


def _parse_query(query: str, seen: set[str]) -> tuple[dict[str, str], dict[str, str]]:
    attributes: dict[str, str] = {}
    params: dict[str, str] = {}
    for item in query.split("&"):
        if not item:
            continue  # stray separators are harmless
        key, has_value, raw = item.partition("=")
        if not (key.isascii() and key.isdigit()):
            # Non-AI parameters (linkType, singletons, tracking ids) are not part of the identity.
            params[unquote(key)] = _decode(raw, key, plus_is_space=True) if has_value else ""
            continue
        if key in seen or key in attributes:
            raise _fail("duplicate_ai", f"AI ({key}) appears more than once")
        known = _role(key)
        if known is None:
            raise _fail("unknown_ai", f"({key}) is not a known GS1 Application Identifier")
        if key == "10":
            raise _fail("lot_in_query", "The batch/lot (10) belongs in the path, not the query")
        if known[1] == "needs_sscc":
            raise _fail("requires_sscc", f"AI ({key}) may only accompany an SSCC (00)")
        if known[1] != "attribute":
            raise _fail("not_attribute", f"AI ({key}) is not a Digital Link data attribute")
        value = _decode(raw, key, plus_is_space=True)
        check_value(key, value)
        attributes[key] = value
    return attributes, params


def build_digital_link(
    base_url: str | None,
    gtin: str,
    lot: str | None = None,
    serial: str | None = None,
    attributes: Mapping[str, str | date] | None = None,
    *,
    cpv: str | None = None,
) -> str:
    """Return the Digital Link URI on `base_url` (None: id.gs1.org), 14-digit GTIN, sorted query."""
    try:
        gtin14 = normalise_gtin(gtin)
    except InvalidGTIN as exc:
        raise _fail(f"gtin_{exc.code}", str(exc)) from exc
    path = f"/01/{gtin14}"
    for ai, value in zip(QUALIFIERS, (cpv, lot, serial), strict=True):
        if value is not None:
            check_value(ai, value)
            path += f"/{ai}/{quote(value, safe='')}"
    query = []
    for ai, raw in sorted((attributes or {}).items()):
        value = raw.strftime("%y%m%d") if isinstance(raw, date) else raw
        known = _role(ai) if ai.isascii() and ai.isdigit() else None
        if known is None:
            raise _fail("unknown_ai", f"({ai}) is not a known GS1 Application Identifier")
        if known[1] != "attribute":
            raise _fail("not_attribute", f"AI ({ai}) is not a Digital Link data attribute")
        check_value(ai, value)
        query.append(f"{ai}={quote(value, safe='')}")
    stem = (base_url or CANONICAL_STEM).rstrip("/")
    return stem + path + ("?" + "&".join(query) if query else "")
