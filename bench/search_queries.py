"""The benchmark's query mix: what shoppers type, drawn from the catalog's own vocabulary."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from bench.search_data import KINDS, PLACES, PROCESS, QUALITIES, TASTES
from catalog import regions
from catalog.search.text import fold

KIND_NAMES = ("accent-free", "accented", "typo", "prefix", "description", "filters only")
CERTS = ("vietgap", "organic", "globalgap", "ocop")


@dataclass(frozen=True)
class Query:
    """One benchmark query: its kind, text and filters."""

    kind: str
    text: str
    filters: dict[str, object] = field(default_factory=dict)


def _phrase(rng: random.Random) -> str:
    """Return a product phrase as a shopper would think of it (accented)."""
    nouns, _units, _prices = KINDS[rng.choice(list(KINDS))]
    noun = rng.choice(nouns)
    extra = rng.choice([rng.choice(PLACES), rng.choice(QUALITIES), ""])
    return f"{noun} {extra}".strip()


def _typo(rng: random.Random, text: str) -> str:
    """Return `text` with one edit in one of its words of 4+ letters."""
    words = text.split()
    long = [i for i, w in enumerate(words) if len(w) >= 4]
    if not long:
        return text + "x"
    i = rng.choice(long)
    word = words[i]
    at = rng.randrange(1, len(word) - 1)
    edit = rng.choice(["drop", "swap", "double", "change"])
    if edit == "drop":
        word = word[:at] + word[at + 1 :]
    elif edit == "swap":
        word = word[: at - 1] + word[at] + word[at - 1] + word[at + 1 :]
    elif edit == "double":
        word = word[:at] + word[at] + word[at:]
    else:
        word = word[:at] + rng.choice("aeiounhtg") + word[at + 1 :]
    words[i] = word
    return " ".join(words)


def _filters(rng: random.Random) -> dict[str, object]:
    """Return one or two random filters."""
    provinces = [p.short_name for p in regions.provinces()]
    options: list[dict[str, object]] = [
        {"category": rng.choice(list(KINDS))},
        {"category": rng.choice(["thuc-pham", "do-uong", "thao-duoc"])},
        {"province": rng.choice(provinces)},
        {"min_stars": rng.choice([3, 4, 5])},
        {"certification": rng.choice(CERTS)},
        {"min_price": rng.choice([50, 100, 200]) * 1000, "max_price": 900_000},
        {"sort": rng.choice(["price_asc", "price_desc", "newest"])},
    ]
    chosen: dict[str, object] = {}
    for option in rng.sample(options, rng.choice([1, 1, 2])):
        chosen.update(option)
    return chosen


def query_mix(seed: int, per_kind: int) -> list[Query]:
    """Return `per_kind` queries of each kind, half of them with filters."""
    rng = random.Random(seed)
    queries = []
    for n in range(per_kind):
        filters = _filters(rng) if n % 2 else {}
        phrase = _phrase(rng)
        queries.append(Query("accent-free", fold(phrase), filters))
        queries.append(Query("accented", _phrase(rng), filters))
        queries.append(Query("typo", _typo(rng, fold(_phrase(rng))), filters))
        words = _phrase(rng).split()
        cut = words[-1][: max(1, len(words[-1]) // 2)]
        queries.append(Query("prefix", " ".join([*words[:-1], cut]), filters))
        describe = rng.choice([rng.choice(PROCESS), rng.choice(TASTES)]).split()
        start = rng.randrange(0, max(1, len(describe) - 1))
        queries.append(Query("description", " ".join(describe[start : start + 2]), filters))
        queries.append(Query("filters only", "", _filters(rng)))
    return queries
