"""Typed answer candidates in a sentence: dates, quantities, durations, names and places.

Every rule here is about English grammar or about Unicode, never about one corpus:

* dates: English month names, day numbers and four-digit years (regex);
* quantities and durations: amounts (digits, English number words, currency signs) with the unit after them,
  by what the unit measures (time, mass, length, percentage, currency … in English and SI spelling); two
  quantities of the same physical kind joined by "and" are one amount ("1 ton and 329 kilograms");
  a bare count takes the noun it counts ("115 members");
* names: runs of capitalized words over any script with case (Unicode letter categories: "José Müller",
  "Łukasz Nowak", "Nilüfer Şahin"), optionally joined by "of"; places are names after a preposition.

Spans are (start, end) character offsets into the sentence.
"""

from __future__ import annotations

from functools import lru_cache

import regex

MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?"
    r"|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
YEAR = r"(?:1[5-9]\d\d|20\d\d)"
_DAY = r"(?:[0-3]?\d(?:st|nd|rd|th)?)"
DATE = regex.compile(
    rf"\b(?:{MONTH}\.?\s+{_DAY},?\s+{YEAR}|{_DAY}\s+{MONTH}\.?,?\s+{YEAR}|{MONTH}\.?\s+{_DAY}\b(?:,?\s+{YEAR})?"
    rf"|{_DAY}\s+{MONTH}\b|{MONTH},?\s+{YEAR}|{YEAR}\s*[-–]\s*{YEAR}|(?:the\s+)?(?:end\s+of\s+)?{YEAR}s?)\b"
)
# a capitalized word in any cased script, or an initial ("N."); apostrophes and inner hyphens belong to the name
NAME_WORD = r"(?:\p{Lu}\.|[\p{Lu}\p{Lt}](?:[\p{L}\p{M}'’-]*[\p{L}\p{M}])?)"
_NAME = rf"{NAME_WORD}(?:\s+(?:of\s+(?:the\s+)?)?{NAME_WORD})*"
NAME = regex.compile(rf"(?<![\p{{L}}\p{{M}}\p{{N}}]){_NAME}")
PERSON = regex.compile(rf"(?<![\p{{L}}\p{{M}}\p{{N}}]){NAME_WORD}(?:\s+{NAME_WORD}){{1,3}}(?![\p{{L}}\p{{M}}])")
PLACE = regex.compile(rf"\b(?:in|at|to|from|near|of)\s+((?:the\s+)?{_NAME})")
_NEXT_WORD = regex.compile(r"\s+([\p{Ll}][\p{L}\p{M}-]*)")
_FUNCTION_WORDS = frozenset("of and or in on at to the a an was were is are for by with from as than that".split())

_NUMBER_WORD = (
    r"(?:zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
    r"sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|"
    r"thousand|million|billion|trillion|dozen|half|quarter)"
)
_AMOUNT = (
    rf"(?:[$€£¥]\s?)?(?:\d+(?:[.,]\d+)*(?:\s?(?:thousand|million|billion|trillion))?"
    rf"|{_NUMBER_WORD}(?:[\s-]+(?:and\s+)?{_NUMBER_WORD})*)"
)
# units of measure in English and SI spelling, by what they measure: general, not any corpus's vocabulary
_UNITS = {
    "time": r"(?:milli)?seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?|fortnights?|months?|years?|yrs?|"
    r"decades?|"
    r"centur(?:y|ies)|millenni(?:um|a)",
    "percentage": r"percent|per\s+cent|%|percentage\s+points?",
    "mass": r"(?:milli|kilo)?grams?|[mk]?g|tonnes?|tons?|pounds?|lbs?|ounces?|oz|stones?|carats?",
    "length": r"(?:milli|centi|kilo)?met(?:re|er)s?|[mck]?m|inch(?:es)?|feet|foot|ft|yards?|yd|miles?|"
    r"nautical\s+miles?|"
    r"light[\s-]years?",
    "area": r"(?:square|sq)\s+(?:kilomet(?:re|er)s?|met(?:re|er)s?|miles?|feet|km|m|mi|ft)|km2|km²|m²|acres?|hectares?",
    "volume": r"(?:milli)?lit(?:re|er)s?|ml|gallons?|gal|barrels?|bbl|cubic\s+\w+",
    "temperature": r"°\s?[CF]|degrees?\s+(?:Celsius|Fahrenheit|C|F)|kelvins?",
    "speed": r"km/h|kph|mph|m/s|knots?",
    "energy": r"(?:kilo|mega|giga)?(?:watt|joule)s?|[kMG]?W|[kMG]?J|kWh|MWh|GWh|calories?|kcal|volts?|V|amperes?|amps?|"
    r"hertz|[kMG]?Hz|newtons?|pascals?",
    "currency": r"dollars?|euros?|pounds\s+sterling|yen|yuan|rupees?|francs?|roubles?|rubles?|manats?|cents?",
}
_UNIT_OF = {
    kind: regex.compile(rf"(?:{pattern})", regex.IGNORECASE if kind not in ("energy", "temperature") else 0)
    for kind, pattern in _UNITS.items()
}
_ALL_UNITS = "|".join(rf"(?P<{kind}>{pattern})" for kind, pattern in _UNITS.items())
_QUANTITY = regex.compile(
    rf"(?<![\p{{L}}\p{{N}}]){_AMOUNT}(?:\s?(?:{_ALL_UNITS})(?![\p{{L}}\p{{N}}]))?", regex.IGNORECASE
)


@lru_cache(maxsize=4096)
def _quantities(sentence: str) -> tuple[tuple[int, int, str], ...]:
    """(start, end, kind) of every amount: kind is what its unit measures ('time', 'mass', 'percentage' …), or
    'dimensionless' for a bare number."""
    out = []
    for m in _QUANTITY.finditer(sentence):
        kind = next((k for k in _UNITS if m.group(k)), None)
        if m.group().strip()[:1] in "$€£¥":
            kind = kind or "currency"
        if kind in ("energy", "temperature") and not _UNIT_OF[kind].fullmatch(m.group(kind)):
            kind = None
        unit_kind = next((k for k in _UNITS if m.group(k)), None)
        end = m.end(unit_kind) if unit_kind and kind == unit_kind else _amount_end(sentence, m)
        out.append((m.start(), end, kind or "dimensionless"))
    return tuple(out)


def _amount_end(sentence: str, match: regex.Match) -> int:
    """Where the number itself ends (a unit group that did not count is not part of it)."""
    amount = regex.match(rf"{_AMOUNT}", sentence[match.start() :], regex.IGNORECASE)
    return match.start() + (amount.end() if amount else len(match.group()))


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
        if (
            merged
            and kind not in ("dimensionless", "percentage")
            and merged[-1][2] == kind
            and regex.fullmatch(r"\s*(?:and|,)\s*", sentence[merged[-1][1] : start])
        ):
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


_SHARE_WORDS = regex.compile(
    r"(?<![\p{L}])(?:(?:a|one|two|three|four)[\s-]+)?(?:half|halves|thirds?|quarters?|fifths?|tenths?)(?![\p{L}])"
    r"|(?<![\p{L}\p{N}])(?:one|\d+)\s+(?:in|out\s+of)\s+(?:\d+|two|three|four|five|six|seven|eight|nine|ten)"
    r"(?![\p{L}\p{N}])",
    regex.IGNORECASE,
)


def shares(sentence: str) -> list[tuple[int, int]]:
    """Percentages and fractions: what "what share/proportion/percentage …" asks for ("80 percent", "two thirds",
    "one in five"); a plain amount of money or a count is not a share."""
    percent = [(a, b) for a, b in quantities(sentence) if _UNIT_OF["percentage"].search(sentence[a:b])]
    words = [m.span() for m in _SHARE_WORDS.finditer(sentence)]
    return sorted(set(percent + [w for w in words if not any(a <= w[0] < b for a, b in percent)]))


def names(sentence: str) -> list[tuple[int, int]]:
    """Capitalized phrases, except a lone capitalized word opening the sentence (any sentence's first word) and
    month names inside dates."""
    in_dates = dates(sentence)
    found = [
        without_function_words(sentence, *trim(sentence, *m.span()))
        for m in NAME.finditer(sentence)
        if (m.start() > 0 or " " in m.group()) and not any(a <= m.start() < b for a, b in in_dates)
    ]
    return [(a, b) for a, b in found if b > a and (a > 0 or " " in sentence[a:b])]


def without_function_words(sentence: str, start: int, end: int) -> tuple[int, int]:
    """A capitalized run without a closing function word ("USER The" → "USER"); a lone one ("A", "The") or a
    single letter is no name at all (start == end)."""
    words = list(regex.finditer(r"\S+", sentence[start:end]))
    while words and words[-1].group().lower().strip(".,") in _FUNCTION_WORDS:
        words.pop()
    if not words or (len(words) == 1 and len(words[0].group().strip(".")) == 1):
        return start, start
    return start, start + words[-1].end()


def persons(sentence: str) -> list[tuple[int, int]]:
    return [trim(sentence, *m.span()) for m in PERSON.finditer(sentence)]


def places(sentence: str) -> list[tuple[int, int]]:
    return [trim(sentence, *m.span(1)) for m in PLACE.finditer(sentence)]


def trim(sentence: str, start: int, end: int) -> tuple[int, int]:
    """Drop the sentence's own closing punctuation from a name ("Novruzov." → "Novruzov")."""
    while end > start + 1 and sentence[end - 1] in ".'’-" and not sentence[end - 2 : end - 1].isupper():
        end -= 1
    return start, end
