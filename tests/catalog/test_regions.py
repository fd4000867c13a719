"""Provinces and wards after the 1 July 2025 reform, and matching typed names to them."""

from __future__ import annotations

import unicodedata

import pytest

from catalog import regions
from catalog.search.text import fold

# The 34 units by official code and full name, typed from the published list.
PROVINCES = {
    1: "Thành phố Hà Nội",
    4: "Cao Bằng",
    8: "Tuyên Quang",
    11: "Điện Biên",
    12: "Lai Châu",
    14: "Sơn La",
    15: "Lào Cai",
    19: "Thái Nguyên",
    20: "Lạng Sơn",
    22: "Quảng Ninh",
    24: "Bắc Ninh",
    25: "Phú Thọ",
    31: "Thành phố Hải Phòng",
    33: "Hưng Yên",
    37: "Ninh Bình",
    38: "Thanh Hóa",
    40: "Nghệ An",
    42: "Hà Tĩnh",
    44: "Quảng Trị",
    46: "Thành phố Huế",
    48: "Thành phố Đà Nẵng",
    51: "Quảng Ngãi",
    52: "Gia Lai",
    56: "Khánh Hòa",
    66: "Đắk Lắk",
    68: "Lâm Đồng",
    75: "Đồng Nai",
    79: "Thành phố Hồ Chí Minh",
    80: "Tây Ninh",
    82: "Đồng Tháp",
    86: "Vĩnh Long",
    91: "An Giang",
    92: "Thành phố Cần Thơ",
    96: "Cà Mau",
}

# Pre-reform province -> code of the province that absorbed it (Resolution 202/2025/QH15).
FORMER = {
    "Hà Giang": 8,
    "Yên Bái": 15,
    "Bắc Kạn": 19,
    "Vĩnh Phúc": 25,
    "Hòa Bình": 25,
    "Hoà Bình": 25,
    "Bắc Giang": 24,
    "Thái Bình": 33,
    "Hải Dương": 31,
    "Hà Nam": 37,
    "Nam Định": 37,
    "Quảng Bình": 44,
    "Quảng Nam": 48,
    "Kon Tum": 51,
    "Bình Định": 52,
    "Ninh Thuận": 56,
    "Đắk Nông": 68,
    "Bình Thuận": 68,
    "Phú Yên": 66,
    "Bình Dương": 79,
    "Bà Rịa - Vũng Tàu": 79,
    "Bà Rịa–Vũng Tàu": 79,
    "Bà Rịa-Vũng Tàu": 79,
    "BRVT": 79,
    "Bình Phước": 75,
    "Long An": 80,
    "Sóc Trăng": 92,
    "Hậu Giang": 92,
    "Bến Tre": 86,
    "Trà Vinh": 86,
    "Tiền Giang": 82,
    "Bạc Liêu": 96,
    "Kiên Giang": 91,
    "Thừa Thiên Huế": 46,
    "Thừa Thiên - Huế": 46,
}


def short(name: str) -> str:
    return name.removeprefix("Thành phố ")


def spellings(name: str) -> list[str]:
    """Return the ways a shopper might type `name`."""
    return [name, name.upper(), fold(name), fold(name).upper(), unicodedata.normalize("NFD", name)]


def test_counts():
    assert len(regions.provinces()) == 34
    assert sum(len(regions.wards(p.code)) for p in regions.provinces()) == 3321


def test_provinces_are_the_published_34():
    assert {p.code: p.name for p in regions.provinces()} == PROVINCES
    for p in regions.provinces():
        assert p.short_name == short(p.name)
        assert p.province_code is None


def test_ho_chi_minh_city_names():
    hcm = regions.province(79)
    assert hcm is not None
    assert hcm.name == "Thành phố Hồ Chí Minh"
    assert hcm.short_name == "Hồ Chí Minh"


def test_provinces_sorted_by_unaccented_short_name():
    keys = [fold(p.short_name) for p in regions.provinces()]
    assert keys == sorted(keys)
    assert regions.province_choices() == [(p.code, p.short_name) for p in regions.provinces()]


def test_province_and_ward_by_code():
    assert regions.province(25).short_name == "Phú Thọ"
    assert regions.province(2) is None
    hoan_kiem = regions.ward(70)
    assert hoan_kiem is not None
    assert (hoan_kiem.name, hoan_kiem.province_code) == ("Phường Hoàn Kiếm", 1)
    assert regions.ward(0) is None
    assert regions.wards(999) == []
    assert regions.ward_choices(999) == []


def test_every_ward_belongs_to_its_province_and_round_trips():
    for p in regions.provinces():
        for w in regions.wards(p.code):
            assert w.province_code == p.code
            assert regions.ward(w.code) == w
            assert w.short_name == w.name
            assert w.name.startswith(("Phường ", "Xã ", "Đặc khu "))
            assert "  " not in w.name  # the package has a few double spaces; we tidy them


def test_ward_choices_sorted_by_unaccented_name_without_type_word():
    choices = regions.ward_choices(1)
    assert len(choices) == len(regions.wards(1))
    names = [fold(name.split(" ", 1)[1]) for _, name in choices]  # Hà Nội has no đặc khu
    assert names == sorted(names)


@pytest.mark.parametrize(("code", "name"), PROVINCES.items())
def test_every_province_matches_its_own_names(code, name):
    for typed in [*spellings(name), *spellings(short(name))]:
        match = regions.match_province(typed)
        assert match is not None, typed
        assert match.code == code, typed


@pytest.mark.parametrize(("code", "name"), PROVINCES.items())
def test_provinces_match_with_type_prefixes(code, name):
    for prefix in ("Tỉnh ", "tinh ", "Thành phố ", "TP. ", "TP ", "tp.", "T.P. "):
        assert regions.match_province(prefix + short(name)).code == code


@pytest.mark.parametrize(("former", "code"), FORMER.items())
def test_former_provinces_map_to_the_province_that_absorbed_them(former, code):
    for typed in spellings(former):
        match = regions.match_province(typed)
        assert match is not None, typed
        assert match.code == code, typed


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("thanh pho ha noi", 1),
        ("  Hà   Nội ", 1),
        ("Hanoi", 1),
        ("HN", 1),
        ("TP. Hồ Chí Minh", 79),
        ("tp hcm", 79),
        ("TP.HCM", 79),
        ("TPHCM", 79),
        ("HCM", 79),
        ("Sài Gòn", 79),
        ("Tỉnh Bà Rịa - Vũng Tàu", 79),
        ("Tỉnh Hoà Bình", 25),
        ("Daklak", 66),
        ("Huế", 46),
    ],
)
def test_common_ways_of_writing_provinces(typed, code):
    assert regions.match_province(typed).code == code


@pytest.mark.parametrize(
    "typed",
    ["", "   ", "xyz", "Thành phố", "Tỉnh", "TP", "Việt Nam", "Hoàn Kiếm", "Phường Hòa Bình", "Q1"],
)
def test_nonsense_and_wards_are_not_provinces(typed):
    assert regions.match_province(typed) is None


@pytest.mark.parametrize(
    ("province_code", "official", "typed"),
    [
        (1, "Phường Hoàn Kiếm", ["Hoàn Kiếm", "hoan kiem", "P. Hoàn Kiếm", " phuong  hoan kiem "]),
        (1, "Phường Văn Miếu - Quốc Tử Giám", ["Văn Miếu – Quốc Tử Giám", "van mieu quoc tu giam"]),
        # A bare name that starts with the same letters as a type word.
        (1, "Phường Phương Liệt", ["Phương Liệt", "phuong liet", "Phường phương liệt"]),
        (19, "Xã Tân Cương", ["Tân Cương", "xa tan cuong", "X. Tân Cương"]),
        (25, "Xã Đoan Hùng", ["Đoan Hùng", "doan hung"]),
        (25, "Phường Hòa Bình", ["Hoà Bình", "phuong hoa binh"]),
        (79, "Phường Bến Thành", ["Bến Thành", "ben thanh"]),
        (79, "Đặc khu Côn Đảo", ["Côn Đảo", "dac khu con dao"]),
        (91, "Đặc khu Phú Quốc", ["Phú Quốc", "phu quoc"]),
        (66, "Xã M’Drắk", ["M'Drắk", "mdrak", "Xã M’Drắk"]),
        (68, "Phường 1 Bảo Lộc", ["1 Bảo Lộc", "phuong 1 bao loc"]),
    ],
)
def test_match_ward_with_and_without_type_word(province_code, official, typed):
    for text in [official, *spellings(official), *typed]:
        match = regions.match_ward(province_code, text)
        assert match is not None, text
        assert (match.name, match.province_code) == (official, province_code), text


def test_match_ward_only_looks_in_the_given_province():
    assert regions.match_ward(79, "Phường Hoàn Kiếm") is None
    assert regions.match_ward(1, "Bến Thành") is None
    assert regions.match_ward(999, "Hoàn Kiếm") is None


def test_match_ward_does_not_forgive_a_wrong_type_word():
    assert regions.match_ward(1, "Xã Hoàn Kiếm") is None


@pytest.mark.parametrize("typed", ["", "  ", "!!!", "Phường", "xyz", "Quận 1"])
def test_match_ward_nonsense(typed):
    assert regions.match_ward(1, typed) is None


@pytest.mark.parametrize(
    ("province_code", "typed", "official"),
    [
        # Đồng Tháp has both Phường Mỹ Tho and Xã Mỹ Thọ.
        (82, "my tho", None),
        (82, "Mỹ Tho", "Phường Mỹ Tho"),
        (82, "Mỹ Thọ", "Xã Mỹ Thọ"),
        (82, "phuong my tho", "Phường Mỹ Tho"),
        (82, "xa my tho", "Xã Mỹ Thọ"),
        # Tây Ninh has Xã Tân Thành and Xã Tân Thạnh: no type word to tell them apart.
        (80, "tan thanh", None),
        (80, "Xã Tân Thành", "Xã Tân Thành"),
        (80, "tân thạnh", "Xã Tân Thạnh"),
        # Thanh An has no accents itself, but unaccented input cannot pick it over Thạnh An.
        (79, "thanh an", None),
        (79, "Thạnh An", "Xã Thạnh An"),
    ],
)
def test_match_ward_names_that_fold_alike(province_code, typed, official):
    match = regions.match_ward(province_code, typed)
    assert (match.name if match else None) == official
