"""Vietnam's two-level administrative units (34 provinces, 3,321 wards since 1 July 2025)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

from vietnam_provinces import Province, VietNamDivisionType, Ward

from catalog.search.text import accent_tokens, fold, normalise, tokens


@dataclass(frozen=True)
class Region:
    """A province-level or ward-level unit; wards also carry their province's code."""

    code: int
    name: str
    short_name: str
    province_code: int | None = None


# Provinces merged by Resolution 202/2025/QH15, by their pre-reform names, mapped to the
# short name of the province that absorbed them. Provinces that kept their name need no entry.
FORMER_PROVINCES: dict[str, str] = {
    "Hà Giang": "Tuyên Quang",
    "Yên Bái": "Lào Cai",
    "Bắc Kạn": "Thái Nguyên",
    "Vĩnh Phúc": "Phú Thọ",
    "Hòa Bình": "Phú Thọ",
    "Bắc Giang": "Bắc Ninh",
    "Thái Bình": "Hưng Yên",
    "Hải Dương": "Hải Phòng",
    "Hà Nam": "Ninh Bình",
    "Nam Định": "Ninh Bình",
    "Quảng Bình": "Quảng Trị",
    "Quảng Nam": "Đà Nẵng",
    "Kon Tum": "Quảng Ngãi",
    "Bình Định": "Gia Lai",
    "Ninh Thuận": "Khánh Hòa",
    "Đắk Nông": "Lâm Đồng",
    "Bình Thuận": "Lâm Đồng",
    "Phú Yên": "Đắk Lắk",
    "Bình Dương": "Hồ Chí Minh",
    "Bà Rịa - Vũng Tàu": "Hồ Chí Minh",
    "Bình Phước": "Đồng Nai",
    "Long An": "Tây Ninh",
    "Sóc Trăng": "Cần Thơ",
    "Hậu Giang": "Cần Thơ",
    "Bến Tre": "Vĩnh Long",
    "Trà Vinh": "Vĩnh Long",
    "Tiền Giang": "Đồng Tháp",
    "Bạc Liêu": "Cà Mau",
    "Kiên Giang": "An Giang",
    # Renamed rather than merged: Thừa Thiên Huế became Thành phố Huế in 2025.
    "Thừa Thiên Huế": "Huế",
}

# Abbreviations people write in addresses and chat.
PROVINCE_ABBREVIATIONS: dict[str, str] = {
    "HCM": "Hồ Chí Minh",
    "TPHCM": "Hồ Chí Minh",
    "Sài Gòn": "Hồ Chí Minh",
    "HN": "Hà Nội",
    "BRVT": "Hồ Chí Minh",
}

# Folded leading words that name the unit type rather than the unit. "TP", "T.P." and
# "Tỉnh" appear in hand-typed addresses but never in the official data.
_PROVINCE_PREFIXES: tuple[tuple[str, ...], ...] = (("thanh", "pho"), ("tinh",), ("tp",), ("t", "p"))

# Ward prefixes as typed, mapped to the type word used in the index keys.
_WARD_PREFIXES: dict[tuple[str, ...], str] = {
    ("phuong",): "phuong",
    ("p",): "phuong",
    ("xa",): "xa",
    ("x",): "xa",
    ("dac", "khu"): "dackhu",
}

_WARD_TYPE_WORDS = {
    VietNamDivisionType.PHUONG: "Phường",
    VietNamDivisionType.XA: "Xã",
    VietNamDivisionType.DAC_KHU: "Đặc khu",
}


@dataclass(frozen=True)
class _Tables:
    provinces: tuple[Region, ...]
    province_by_code: dict[int, Region]
    province_by_key: dict[str, Region]
    ward_by_code: dict[int, Region]
    wards_by_province: dict[int, tuple[Region, ...]]
    # (province code, folded key) -> codes; keys with and without the type word share the map.
    ward_codes_by_key: dict[tuple[int, str], tuple[int, ...]]
    # ward code -> accent-keeping keys (with and without the type word), to break ties
    # between names that fold alike ("Tân Thành" and "Tân Thạnh").
    ward_accent_keys: dict[int, frozenset[str]]


def _split_prefix(
    words: Sequence[str], prefixes: Iterable[tuple[str, ...]]
) -> tuple[tuple[str, ...] | None, Sequence[str]]:
    """Split a leading type prefix off `words`, leaving at least one word."""
    for prefix in prefixes:
        if tuple(words[: len(prefix)]) == prefix and len(words) > len(prefix):
            return prefix, words[len(prefix) :]
    return None, words


def _province_key(text: str) -> str:
    """Return the lookup key of a province name or alias: folded, unprefixed, unspaced."""
    _, rest = _split_prefix(tokens(text), _PROVINCE_PREFIXES)
    # Joining without spaces lets "Hanoi", "Daklak" and "Ha Noi", "Dak Lak" meet.
    return "".join(rest)


def _short_province_name(name: str) -> str:
    """Drop the "Thành phố "/"Tỉnh " type prefix from an official province name."""
    for prefix in ("Thành phố ", "Tỉnh "):
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


@cache
def _tables() -> _Tables:
    """Build every lookup table once; the package data never changes while running."""
    provinces = sorted(
        (
            Region(
                code=int(p.code),
                name=normalise(p.name),
                short_name=_short_province_name(normalise(p.name)),
            )
            for p in Province.iter_all()
        ),
        key=lambda r: (fold(r.short_name), r.code),
    )
    by_short = {r.short_name: r for r in provinces}
    province_by_key: dict[str, Region] = {}

    def add(alias: str, region: Region) -> None:
        existing = province_by_key.setdefault(_province_key(alias), region)
        if existing != region:  # a new data release must not make names ambiguous
            raise RuntimeError(f"{alias!r} matches both {existing.name} and {region.name}")

    for region in provinces:
        add(region.name, region)
        add(region.short_name, region)
    for alias, short_name in (FORMER_PROVINCES | PROVINCE_ABBREVIATIONS).items():
        add(alias, by_short[short_name])

    ward_by_code: dict[int, Region] = {}
    grouped: dict[int, list[Region]] = {r.code: [] for r in provinces}
    cores: dict[int, str] = {}
    codes_by_key: dict[tuple[int, str], list[int]] = {}
    accent_keys: dict[int, frozenset[str]] = {}
    for unit in Ward.iter_all():
        name = normalise(unit.name)  # a few names in the data carry double spaces
        region = Region(int(unit.code), name, name, int(unit.province_code))
        core = name.removeprefix(_WARD_TYPE_WORDS[unit.division_type] + " ")
        ward_by_code[region.code] = region
        grouped[int(unit.province_code)].append(region)
        cores[region.code] = core
        for key in {"".join(tokens(name)), "".join(tokens(core))}:
            codes_by_key.setdefault((int(unit.province_code), key), []).append(region.code)
        accent_keys[region.code] = frozenset(
            {"".join(accent_tokens(name)), "".join(accent_tokens(core))}
        )

    return _Tables(
        provinces=tuple(provinces),
        province_by_code={r.code: r for r in provinces},
        province_by_key=province_by_key,
        ward_by_code=ward_by_code,
        wards_by_province={
            code: tuple(sorted(units, key=lambda r: (fold(cores[r.code]), r.code)))
            for code, units in grouped.items()
        },
        ward_codes_by_key={key: tuple(codes) for key, codes in codes_by_key.items()},
        ward_accent_keys=accent_keys,
    )


def provinces() -> list[Region]:
    """Return the 34 provinces and centrally run cities, sorted by unaccented short name."""
    return list(_tables().provinces)


def province(code: int) -> Region | None:
    """Return the province with this code, or None."""
    return _tables().province_by_code.get(code)


def wards(province_code: int) -> list[Region]:
    """Return the wards, communes and special zones of a province, sorted by unaccented name."""
    return list(_tables().wards_by_province.get(province_code, ()))


def ward(code: int) -> Region | None:
    """Return the ward with this code, or None."""
    return _tables().ward_by_code.get(code)


def match_province(text: str) -> Region | None:
    """Return the province named by `text`, current or pre-2025, ignoring accents and case."""
    key = _province_key(text)
    return _tables().province_by_key.get(key) if key else None


def match_ward(province_code: int, text: str) -> Region | None:
    """Return the ward of a province named by `text`, or None when unknown or ambiguous."""
    tables = _tables()
    words = tokens(text)
    if not words:
        return None
    prefix, rest = _split_prefix(words, _WARD_PREFIXES)
    # The whole text may be a bare name that starts like a type word ("Phương Liệt").
    keys = {"".join(words)}
    if prefix:
        # A mismatched type word is not forgiven: "Xã Tân An" must not land in "Phường
        # Tân An", which may be a different place after the 2025 mergers.
        keys.add(_WARD_PREFIXES[prefix] + "".join(rest))
    codes = {c for k in keys for c in tables.ward_codes_by_key.get((province_code, k), ())}
    if len(codes) == 1:
        return tables.ward_by_code[codes.pop()]
    if not codes:
        return None
    # Several names fold alike; the accents the user typed decide, if they single one out.
    # Text typed without accents decides nothing, even if one name happens to have none
    # ("thanh an" may mean "Thanh An" or "Thạnh An").
    accented = accent_tokens(text)
    if "".join(words) == "".join(accented):
        return None
    typed = {"".join(accented)}
    if prefix and len(accented) == len(words):
        typed.add("".join(accented[len(prefix) :]))
    chosen = [c for c in codes if tables.ward_accent_keys[c] & typed]
    return tables.ward_by_code[chosen[0]] if len(chosen) == 1 else None


def province_choices() -> list[tuple[int, str]]:
    """Return (code, short name) pairs of all provinces for a form's select field."""
    return [(r.code, r.short_name) for r in _tables().provinces]


def ward_choices(province_code: int) -> list[tuple[int, str]]:
    """Return (code, name) pairs of a province's wards for a form's select field."""
    return [(r.code, r.short_name) for r in wards(province_code)]
