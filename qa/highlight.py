"""Highlight stage: the answer sentence of a passage, the exact answer span inside it, and query terms.

Pure functions over strings and vectors. The answer sentence is the passage sentence that scores best on
semantic similarity to the question (with a little of its neighbours' similarity, for context), lexical
overlap with the question's content words, and whether it holds the kind of thing the question asks for
(a date for "when", a number for "how many", a name for "who", a place for "where"). The answer span is
found by rules over that sentence; offsets are relative to the passage text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from .lexical import terms, tokens_with_offsets

_MONTH = r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
_YEAR = r"(?:1[5-9]\d\d|20\d\d)"
_DAY = r"(?:[0-3]?\d(?:st|nd|rd|th)?)"
DATE = re.compile(
    rf"\b(?:{_MONTH}\.?\s+{_DAY},?\s+{_YEAR}|{_DAY}\s+{_MONTH}\.?,?\s+{_YEAR}|{_MONTH}\.?\s+{_DAY}\b(?:,?\s+{_YEAR})?"
    rf"|{_DAY}\s+{_MONTH}\b|{_MONTH},?\s+{_YEAR}|{_YEAR}\s*[-–]\s*{_YEAR}|(?:the\s+)?(?:end\s+of\s+)?{_YEAR}s?)\b"
)
_NUMBER_WORD = (r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|"
                r"seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand)")
NUMBER = re.compile(
    rf"(?<![\w.,])(?:\d+(?:[.,]\d+)*|{_NUMBER_WORD}(?:[\s-]+{_NUMBER_WORD})*)(?:\s*(?:%|percent))?"
    rf"(?:\s+(?:ton|tons)\s+and\s+\d+)?(?:\s+(?!of\b|and\b|in\b|the\b|to\b|were\b|was\b)[A-Za-z][\w-]*)?",
    re.IGNORECASE,
)
DURATION = re.compile(
    rf"(?<![\w.,])(?:\d+(?:[.,]\d+)?|{_NUMBER_WORD}(?:[\s-]+{_NUMBER_WORD})*|a|an|one and a half)[\s-]+"
    r"(?:years?|months?|moths?|weeks?|days?|hours?|decades?)\b",
    re.IGNORECASE,
)
_RANK = (r"(?:(?:Lieutenant|Major|Colonel|Brigadier)[\s-]+General|Colonel[\s-]General|Lieutenant\s+Colonel|General|Colonel|"
         r"Major|Captain|Lieutenant|Minister|President|Commander|Director|Chief)")
_NAME_WORD = r"(?:[A-Z][a-zəçğıöşüâ'’.-]+|[A-Z]\.)"
PERSON = re.compile(rf"\b(?:{_RANK}\s+)?{_NAME_WORD}(?:\s+{_NAME_WORD}){{1,3}}")
PLACE = re.compile(rf"\b(?:in|at|to|from|near|of)\s+((?:the\s+)?{_NAME_WORD}(?:\s+(?:of\s+|district\s+of\s+)?{_NAME_WORD}){{0,4}})")

_WHEN = re.compile(r"\b(when|what (?:year|date|day|month)|which (?:year|date|day|month)|since when|how long ago)\b", re.I)
_HOW_LONG = re.compile(r"\b(how long|for how many (?:years|months|weeks|days)|what (?:period|duration))\b", re.I)
_HOW_MANY = re.compile(r"\b(how (?:many|much|large|big|old)|what (?:percentage|percent|share|number|proportion|fraction|amount)|which percentage)\b", re.I)
_WHO = re.compile(r"\b(who|whom|whose|which (?:person|officer|general|minister|commander))\b", re.I)
_WHERE = re.compile(r"\b(where|which (?:city|town|country|countries|district|place|region))\b", re.I)


@dataclass(frozen=True)
class HighlightSettings:
    """Weights of the answer-sentence score: similarity + lexical·IDF-overlap + neighbour·mean neighbour similarity
    + type·kind strength + previous·previous sentence's similarity. Chosen on gold/dev.jsonl
    (benchmarks/tune_corpus.py)."""

    lexical_weight: float = 0.3
    neighbour_weight: float = 0.0
    type_weight: float = 0.2
    previous_weight: float = 0.15  # the sentence before an answer often restates the question


@dataclass(frozen=True)
class Span:
    """Offsets relative to the passage text."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Highlight:
    start: int
    end: int
    kind: str


@dataclass(frozen=True)
class AnswerSentence:
    start: int
    end: int
    text: str
    score: float
    span: Span | None


def answer_type(question: str) -> str | None:
    """'duration', 'date', 'number', 'person', 'place' or None, from the question's wh-word."""
    for kind, pattern in (("duration", _HOW_LONG), ("number", _HOW_MANY), ("date", _WHEN), ("person", _WHO), ("place", _WHERE)):
        if pattern.search(question):
            return kind
    return None


def _candidates(kind: str, sentence: str) -> list[tuple[int, int]]:
    if kind == "date":
        return [m.span() for m in DATE.finditer(sentence)]
    if kind == "duration":
        return [m.span() for m in DURATION.finditer(sentence)] or [m.span() for m in DATE.finditer(sentence) if "-" in m.group() or "–" in m.group()]
    if kind == "number":
        dates = [m.span() for m in DATE.finditer(sentence) if not re.fullmatch(rf"{_YEAR}s?", m.group())]
        return [m.span() for m in NUMBER.finditer(sentence) if not any(a <= m.start() < b for a, b in dates)]
    if kind == "person":
        return [_trim(sentence, *m.span()) for m in PERSON.finditer(sentence) if m.start() > 0 or len(m.group().split()) > 1]
    if kind == "place":
        return [_trim(sentence, *m.span(1)) for m in PLACE.finditer(sentence)]
    return []


def _trim(sentence: str, start: int, end: int) -> tuple[int, int]:
    """Drop the sentence's own closing punctuation from a name ("Novruzov." → "Novruzov")."""
    while end > start + 1 and sentence[end - 1] in ".'’-" and not sentence[end - 2 : end - 1].isupper():
        end -= 1
    return start, end


def find_answer_span(question: str, sentence: str) -> tuple[int, int] | None:
    """The span of the sentence that answers a when/how-many/who/where question, relative to the sentence."""
    found = _best_candidate(question, sentence)
    return found[1] if found else None


def _best_candidate(question: str, sentence: str) -> tuple[float, tuple[int, int]] | None:
    """(score, span) of the likeliest answer span; a score ≥ 40 means it names the unit the question asks for."""
    kind = answer_type(question)
    if kind is None:
        return None
    asked = set(terms(question))
    matches = [t for t in tokens_with_offsets(sentence) if t.term in asked]
    best: tuple[float, tuple[int, int]] | None = None
    for start, end in _candidates(kind, sentence):
        span_terms = set(terms(sentence[start:end]))
        if span_terms and span_terms <= asked:
            continue  # the question's own words are not its answer
        distance = min((abs(t.start - start) for t in matches), default=len(sentence))
        # a unit word the question names right after the number ("12 departments") is a strong sign
        bonus = 50 if (kind == "number" and span_terms & asked) or kind == "duration" else 0
        score = -distance + bonus
        if best is None or score > best[0]:
            best = (score, (start, end))
    return best


def kind_strength(question: str, sentence: str) -> float:
    """1 when the sentence holds what the question asks for with the unit it names ("115 members"),
    0.5 when it holds something of the right kind (a number, a date), else 0."""
    found = _best_candidate(question, sentence)
    if found is None:
        return 0.0
    return 1.0 if found[0] >= 40 else 0.5


def overlap(asked: dict[str, float], text: str) -> float:
    """Share of the question's term weight (IDF) present in the text: rare words count, common ones barely."""
    total = sum(asked.values())
    if total <= 0:
        return 0.0
    present = set(terms(text))
    return sum(w for t, w in asked.items() if t in present) / total


def choose_answer(
    question: str,
    passage: str,
    sentences: list[tuple[int, int]],
    similarities: np.ndarray,
    settings: HighlightSettings = HighlightSettings(),
    term_weights: dict[str, float] | None = None,
) -> AnswerSentence | None:
    """Pick the best sentence of a passage. `sentences` are (start, end) relative to `passage`;
    `term_weights` weighs the question's terms (IDF over the corpus; all 1 when not given)."""
    if not sentences:
        return None
    asked = term_weights if term_weights is not None else dict.fromkeys(terms(question), 1.0)
    n = len(sentences)
    scores = []
    for i, (start, end) in enumerate(sentences):
        text = passage[start:end]
        neighbours = [similarities[j] for j in (i - 1, i + 1) if 0 <= j < n]
        context = float(np.mean(neighbours)) if neighbours else float(similarities[i])
        previous = float(similarities[i - 1]) if i > 0 else 0.0
        score = (float(similarities[i]) + settings.lexical_weight * overlap(asked, text)
                 + settings.neighbour_weight * context + settings.type_weight * kind_strength(question, text)
                 + settings.previous_weight * previous)
        scores.append(score)
    best = int(np.argmax(scores))
    start, end = sentences[best]
    text = passage[start:end]
    local = find_answer_span(question, text)
    span = Span(start + local[0], start + local[1], text[local[0] : local[1]]) if local else None
    return AnswerSentence(start, end, text, scores[best], span)


def term_highlights(question: str, passage: str) -> list[Highlight]:
    """Where the question's content words occur in the passage (matched after stemming and folding)."""
    asked = set(terms(question))
    return [Highlight(t.start, t.end, "term") for t in tokens_with_offsets(passage) if t.term in asked]
