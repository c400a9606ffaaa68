"""Typed answer candidates in a sentence: dates, quantities, durations, names and places.

Every rule here is about English grammar or about Unicode, never about one corpus:

* dates: English month names, day numbers and four-digit years (regex);
* quantities and durations: quantulum3 (a maintained parser of numbers with units, number words included);
  two quantities of the same physical kind joined by "and" are one amount ("1 ton and 329 kilograms");
  a bare count takes the noun it counts ("115 members");
* names: runs of capitalized words over any script with case (Unicode letter categories: "José Müller",
  "Łukasz Nowak", "Vilayət Eyvazov"), optionally joined by "of"; places are names after a preposition.

Spans are (start, end) character offsets into the sentence.
"""

from __future__ import annotations

import threading
from functools import lru_cache

import regex

_MONTH = r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
YEAR = r"(?:1[5-9]\d\d|20\d\d)"
_DAY = r"(?:[0-3]?\d(?:st|nd|rd|th)?)"
DATE = regex.compile(
    rf"\b(?:{_MONTH}\.?\s+{_DAY},?\s+{YEAR}|{_DAY}\s+{_MONTH}\.?,?\s+{YEAR}|{_MONTH}\.?\s+{_DAY}\b(?:,?\s+{YEAR})?"
    rf"|{_DAY}\s+{_MONTH}\b|{_MONTH},?\s+{YEAR}|{YEAR}\s*[-–]\s*{YEAR}|(?:the\s+)?(?:end\s+of\s+)?{YEAR}s?)\b"
)
# a capitalized word in any cased script, or an initial ("N."); apostrophes and inner hyphens belong to the name
NAME_WORD = r"(?:\p{Lu}\.|[\p{Lu}\p{Lt}](?:[\p{L}\p{M}'’-]*[\p{L}\p{M}])?)"
_NAME = rf"{NAME_WORD}(?:\s+(?:of\s+(?:the\s+)?)?{NAME_WORD})*"
NAME = regex.compile(rf"(?<![\p{{L}}\p{{M}}\p{{N}}]){_NAME}")
PERSON = regex.compile(rf"(?<![\p{{L}}\p{{M}}\p{{N}}]){NAME_WORD}(?:\s+{NAME_WORD}){{1,3}}(?![\p{{L}}\p{{M}}])")
PLACE = regex.compile(rf"\b(?:in|at|to|from|near|of)\s+((?:the\s+)?{_NAME})")
_NEXT_WORD = regex.compile(r"\s+([\p{Ll}][\p{L}\p{M}-]*)")
_FUNCTION_WORDS = frozenset("of and or in on at to the a an was were is are for by with from as than that".split())

_quantulum_lock = threading.Lock()
# quantulum3 costs ~2 ms a sentence: only sentences with a digit or an English number word are parsed
_MAY_HOLD_NUMBER = regex.compile(
    r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|"
    r"seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand|million|"
    r"billion|dozen|half|quarter)\b", regex.IGNORECASE)


@lru_cache(maxsize=1)
def _quantity_parser():  # type: ignore[no-untyped-def]
    """quantulum3's parser with its dictionary disambiguation (its pickled sklearn classifier does not load with
    current scikit-learn; the dictionary needs no model)."""
    from quantulum3 import classifier, parser

    classifier.USE_CLF = False
    return parser


@lru_cache(maxsize=4096)
def _quantities(sentence: str) -> tuple[tuple[int, int, str], ...]:
    """(start, end, kind) of every quantity: kind is the unit's physical entity ('time', 'mass', 'dimensionless',
    'percentage' …)."""
    if not _MAY_HOLD_NUMBER.search(sentence):
        return ()
    parser = _quantity_parser()
    with _quantulum_lock:  # quantulum3 keeps module-level caches
        try:
            found = parser.parse(sentence)
        except Exception:  # noqa: BLE001 - a parser failure on odd text means "no quantity", not a crash
            return ()
    out = []
    for q in found:
        start, end = q.span
        kind = "percentage" if q.unit.name == "percentage" else q.unit.entity.name
        out.append((start, end, kind))
    return tuple(out)


def dates(sentence: str) -> list[tuple[int, int]]:
    return [m.span() for m in DATE.finditer(sentence)]


def durations(sentence: str) -> list[tuple[int, int]]:
    """Amounts of time ("12 months", "four years"); else a year range ("2003–2013")."""
    found = [(a, b) for a, b, kind in _quantities(sentence) if kind == "time"]
    return found or [m.span() for m in DATE.finditer(sentence) if "-" in m.group() or "–" in m.group()]


def quantities(sentence: str) -> list[tuple[int, int]]:
    """Numbers with what they measure, outside dates: same-kind amounts joined by "and" are merged, and a bare
    count takes the noun after it ("115 members")."""
    date_spans = [m.span() for m in DATE.finditer(sentence) if not regex.fullmatch(rf"{YEAR}s?", m.group())]
    found = [q for q in _quantities(sentence) if not any(a <= q[0] < b for a, b in date_spans)]
    merged: list[list] = []
    for start, end, kind in found:
        if (merged and kind not in ("dimensionless", "percentage") and merged[-1][2] == kind
                and regex.fullmatch(r"\s*(?:and|,)\s*", sentence[merged[-1][1] : start])):
            merged[-1][1] = end
        else:
            merged.append([start, end, kind])
    out = []
    for start, end, kind in merged:
        if kind == "dimensionless":
            following = _NEXT_WORD.match(sentence, end)
            if following and following.group(1).lower() not in _FUNCTION_WORDS:
                end = following.end()
        out.append((start, end))
    return out


def names(sentence: str) -> list[tuple[int, int]]:
    """Capitalized phrases, except a lone capitalized word opening the sentence (any sentence's first word) and
    month names inside dates."""
    in_dates = dates(sentence)
    return [trim(sentence, *m.span()) for m in NAME.finditer(sentence)
            if (m.start() > 0 or " " in m.group()) and not any(a <= m.start() < b for a, b in in_dates)]


def persons(sentence: str) -> list[tuple[int, int]]:
    return [trim(sentence, *m.span()) for m in PERSON.finditer(sentence)]


def places(sentence: str) -> list[tuple[int, int]]:
    return [trim(sentence, *m.span(1)) for m in PLACE.finditer(sentence)]


def trim(sentence: str, start: int, end: int) -> tuple[int, int]:
    """Drop the sentence's own closing punctuation from a name ("Novruzov." → "Novruzov")."""
    while end > start + 1 and sentence[end - 1] in ".'’-" and not sentence[end - 2 : end - 1].isupper():
        end -= 1
    return start, end
