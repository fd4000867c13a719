"""Tokens both backends match on, and the ranking model they share.

Product text and queries go through the same steps here, so the embedded and the
Elasticsearch backends see the same words:

* NFC, case folding, words = runs of letters and digits (punctuation, emoji and control
  characters separate words);
* each word's tone mark is moved to one canonical vowel ("hòa" and "hoà" both become
  "hoà"), giving its *accent form*; folding that (đ→d, marks dropped) gives its *folded form*.

Matching, per query word, in three field groups (name ×10; category + stall + farm ×3;
description ×1), each of these counting when true in the group:

=========  ======  ======================================================================
kind       weight  true when a word of the group ...
=========  ======  ======================================================================
exact      4       has the same folded form
accent     2       has the same accent form (only for a query word typed with accents)
prefix     2       starts with the folded form (last query word only, up to 20 letters)
fuzzy      1       is within one edit of the folded form (query words of 4+ letters)
=========  ======  ======================================================================

A word's score is the best group's weight times the sum of its true kinds; a product
matches when every query word scores, and its relevance is the sum of word scores plus a
boost for being in stock and for verified OCOP stars. Ties go to the newest product, then
the highest id. All numbers are small integers so both backends compute them exactly.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from catalog.search.base import MAX_QUERY_CHARS, MAX_QUERY_WORDS
from catalog.search.text import fold

# A word found as such in the name (10 x 4) outscores the same word found any other way
# (a typo or prefix in the name, 10 x 3; anything in the category, stall or farm, 3 x 9) by
# more than the largest boost, so in-stock and starred products never jump above better text.
GROUP_WEIGHTS = {"name": 10, "meta": 3, "description": 1}
EXACT, ACCENT, PREFIX, FUZZY = 4, 2, 2, 1
IN_STOCK_BOOST = 2
MAX_BOOST = IN_STOCK_BOOST + 3
FUZZY_MIN_LENGTH = 4
FUZZY_MAX_LENGTH = 30  # longer "words" are codes or garbage; typo tolerance would not help
PREFIX_MAX_LENGTH = 20  # the longest edge n-gram Elasticsearch indexes
FUZZY_MAX_EXPANSIONS = 50  # Elasticsearch's default for fuzzy match queries

_WORD = re.compile(r"[^\W_]+")
_TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")
_VOWELS = frozenset("aăâeêioôơuưy")
_MARKED_VOWELS = frozenset("ăâêôơư")
# Latin letters that Unicode does not decompose but Elasticsearch's asciifolding folds;
# folding them here too keeps the two backends' folded words equal.
_EXTRA_FOLD = str.maketrans(
    {"æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "þ": "th", "ħ": "h", "ŧ": "t", "ı": "i"}
)


def stars_boost(stars: int | None) -> int:
    """Return the relevance boost for verified OCOP stars: 1 for 3 stars up to 3 for 5."""
    return max(0, stars - 2) if stars else 0


def doc_boost(in_stock: bool, stars: int | None) -> int:
    """Return the relevance boost of a product for its stock and stars."""
    return (IN_STOCK_BOOST if in_stock else 0) + stars_boost(stars)


@lru_cache(maxsize=200_000)
def word_forms(word: str) -> tuple[str, str]:
    """Return the (folded, accent) forms of one lower-case NFC word."""
    # ð is what Đ/đ become when Vietnamese text is decoded with the wrong code page.
    accent = _canonical_tone(word.replace("ð", "đ"))
    return fold(accent).translate(_EXTRA_FOLD), accent


def words(text: str) -> list[str]:
    """Split `text` into lower-case NFC words of letters and digits."""
    # Control characters and spacing are not word characters, so findall already splits on
    # them; no need to replace or collapse them first.
    return _WORD.findall(unicodedata.normalize("NFC", text).casefold())


@lru_cache(maxsize=20_000)
def field_forms(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Return the folded words of `text` and its accent forms that differ from them."""
    folded: list[str] = []
    accented: list[str] = []
    for word in words(text):
        plain, accent = word_forms(word)
        folded.append(plain)
        if accent != plain:
            accented.append(accent)
    # Category, stall and farm names repeat across many products: cached, hence tuples.
    return tuple(folded), tuple(accented)


def accent_text(text: str) -> str:
    """Return `text` as space-separated accent forms, the form Elasticsearch analyses."""
    return " ".join(word_forms(word)[1] for word in words(text))


@dataclass(frozen=True, slots=True)
class QueryWord:
    """One word of a query with what it may match."""

    folded: str
    accent: str | None  # set only when the shopper typed accents
    last: bool

    @property
    def prefix(self) -> bool:
        """Whether the word also matches as the start of a longer word."""
        return self.last and len(self.folded) <= PREFIX_MAX_LENGTH

    @property
    def fuzzy(self) -> bool:
        """Whether the word tolerates one typo."""
        return FUZZY_MIN_LENGTH <= len(self.folded) <= FUZZY_MAX_LENGTH


def query_words(text: str) -> list[QueryWord]:
    """Parse shopper input into at most 12 query words; never raises."""
    raw = words(text[: MAX_QUERY_CHARS * 4])
    kept: list[str] = []
    length = 0
    for word in raw[:MAX_QUERY_WORDS]:
        length += len(word) + 1
        if length > MAX_QUERY_CHARS + 1:
            # One over-long word is cut rather than dropped, so it still finds nothing.
            if not kept:
                kept.append(word[:MAX_QUERY_CHARS])
            break
        kept.append(word)
    result = []
    for position, word in enumerate(kept):
        folded, accent = word_forms(word)
        result.append(
            QueryWord(folded, accent if accent != folded else None, position == len(kept) - 1)
        )
    return result


def _canonical_tone(word: str) -> str:
    """Return `word` with its tone mark on the vowel Vietnamese new-style spelling uses."""
    decomposed = unicodedata.normalize("NFD", word)
    tones = "".join(c for c in decomposed if c in _TONE_MARKS)
    if not tones:
        return word
    base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _TONE_MARKS))
    where = _tone_position(base)
    if where is None:
        return word
    return unicodedata.normalize("NFC", base[: where + 1] + tones + base[where + 1 :])


def _tone_position(base: str) -> int | None:
    """Return the index of the vowel that carries the tone in a toneless syllable."""
    start = 0
    # In "qu" and in "gi" before another vowel the u / i belongs to the consonant.
    if base[:2] in ("qu", "gi") and len(base) > 2 and base[2] in _VOWELS:
        start = 2
    first = next((i for i in range(start, len(base)) if base[i] in _VOWELS), None)
    if first is None:
        return None
    end = first
    while end + 1 < len(base) and base[end + 1] in _VOWELS:
        end += 1
    marked = [i for i in range(first, end + 1) if base[i] in _MARKED_VOWELS]
    if marked:
        return marked[-1]
    if end == first:
        return first
    if end + 1 < len(base):  # a closed syllable: "toán", "hoàng"
        return end
    cluster = base[first : end + 1]
    if cluster in ("oa", "oe", "uy") or len(cluster) >= 3:
        return first + 1
    return first


def edit_distance(a: str, b: str, limit: int = 2) -> int:
    """Return the optimal-string-alignment distance of a and b, or limit + 1 if larger."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                value = min(value, previous2[j - 2] + 1)
            current[j] = value
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return min(previous[len(b)], limit + 1)


def corrections(word: QueryWord, options: list[tuple[str, int]], keep: int = 3) -> list[str]:
    """Rank indexed (term, frequency) pairs as "did you mean" replacements for `word`.

    A candidate must be close for its length: one edit for words of up to 4 letters, two
    beyond, and no more edits than half the shorter word (Lucene's spell checker default,
    which Elasticsearch's term suggester applies). Closest, then most frequent, first.
    """
    limit = 1 if len(word.folded) <= 4 else 2
    ranked = []
    for term, frequency in options:
        distance = edit_distance(word.folded, term, 2)
        if frequency > 0 and distance <= limit and 2 * distance <= min(len(term), len(word.folded)):
            ranked.append((distance, -frequency, term))
    return [term for _, _, term in sorted(ranked)[:keep]]


def did_you_mean(
    words: list[QueryWord],
    options: Callable[[int, QueryWord], list[tuple[str, int]]],
    count: Callable[[str], int],
    total: int,
) -> str | None:
    """Return the query with misspelt words corrected, if that finds more than `total`.

    `options(i, word)` gives indexed (term, frequency) pairs close to word i when the word
    itself is not indexed (else nothing); `count(text)` counts the matches of a query. Each
    word keeps the candidate that finds the most, so "bui doan hung" becomes "buoi doan
    hung" although "búp" is more frequent than "bưởi".
    """
    current = [word.accent or word.folded for word in words]
    best = total
    changed = False
    for i, word in enumerate(words):
        choice = None
        for term in corrections(word, options(i, word)):
            found = count(" ".join([*current[:i], term, *current[i + 1 :]]))
            if found > best:
                best, choice = found, term
        if choice is not None:
            current[i] = choice
            changed = True
    return " ".join(current) if changed else None


def deletions(term: str) -> set[str]:
    """Return every string made by deleting one character of `term`."""
    return {term[:i] + term[i + 1 :] for i in range(len(term))}
