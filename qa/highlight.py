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
_RANK = (r"(?:(?:Lieutenant|Major|Colonel|Brigadier)[\s-]+General|Colonel[\s-]General|Lieutenant\s+Colonel|General|Colonel|"
         r"Major|Captain|Lieutenant|Minister|President|Commander|Director|Chief)")
_NAME_WORD = r"(?:[A-Z][a-zəçğıöşüâ'’.-]+|[A-Z]\.)"
PERSON = re.compile(rf"\b(?:{_RANK}\s+)?{_NAME_WORD}(?:\s+{_NAME_WORD}){{1,3}}")
PLACE = re.compile(rf"\b(?:in|at|to|from|near|of)\s+((?:the\s+)?{_NAME_WORD}(?:\s+(?:of\s+|district\s+of\s+)?{_NAME_WORD}){{0,4}})")

_WHEN = re.compile(r"\b(when|what (?:year|date|day|month)|which (?:year|date|day|month)|since when|how long ago)\b", re.I)
_HOW_MANY = re.compile(r"\b(how (?:many|much|long|large|big|old)|what (?:percentage|percent|share|number|proportion|fraction|amount)|which percentage)\b", re.I)
_WHO = re.compile(r"\b(who|whom|whose|which (?:person|officer|general|minister|commander))\b", re.I)
_WHERE = re.compile(r"\b(where|which (?:city|town|country|countries|district|place|region))\b", re.I)


@dataclass(frozen=True)
class HighlightSettings:
    """Weights of the answer-sentence score: similarity + lexical·overlap + neighbour·context + type·has-kind."""

    lexical_weight: float = 0.3
    neighbour_weight: float = 0.15
    type_weight: float = 0.1


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
    """'date', 'number', 'person', 'place' or None, from the question's wh-word."""
    for kind, pattern in (("number", _HOW_MANY), ("date", _WHEN), ("person", _WHO), ("place", _WHERE)):
        if pattern.search(question):
            return kind
    return None


def _candidates(kind: str, sentence: str) -> list[tuple[int, int]]:
    if kind == "date":
        return [m.span() for m in DATE.finditer(sentence)]
    if kind == "number":
        dates = [m.span() for m in DATE.finditer(sentence) if not re.fullmatch(rf"{_YEAR}s?", m.group())]
        return [m.span() for m in NUMBER.finditer(sentence) if not any(a <= m.start() < b for a, b in dates)]
    if kind == "person":
        return [m.span() for m in PERSON.finditer(sentence) if m.start() > 0 or len(m.group().split()) > 1]
    if kind == "place":
        return [m.span(1) for m in PLACE.finditer(sentence)]
    return []


def find_answer_span(question: str, sentence: str) -> tuple[int, int] | None:
    """The span of the sentence that answers a when/how-many/who/where question, relative to the sentence."""
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
        bonus = 50 if kind == "number" and span_terms & asked else 0
        score = -distance + bonus
        if best is None or score > best[0]:
            best = (score, (start, end))
    return best[1] if best else None


def _has_kind(kind: str | None, sentence: str) -> bool:
    return bool(kind) and bool(_candidates(kind, sentence))  # type: ignore[arg-type]


def choose_answer(
    question: str,
    passage: str,
    sentences: list[tuple[int, int]],
    similarities: np.ndarray,
    settings: HighlightSettings = HighlightSettings(),
) -> AnswerSentence | None:
    """Pick the best sentence of a passage. `sentences` are (start, end) relative to `passage`."""
    if not sentences:
        return None
    asked = set(terms(question))
    kind = answer_type(question)
    n = len(sentences)
    scores = []
    for i, (start, end) in enumerate(sentences):
        text = passage[start:end]
        present = asked & set(terms(text))
        overlap = len(present) / len(asked) if asked else 0.0
        neighbours = [similarities[j] for j in (i - 1, i + 1) if 0 <= j < n]
        context = float(np.mean(neighbours)) if neighbours else float(similarities[i])
        score = float(similarities[i]) + settings.lexical_weight * overlap + settings.neighbour_weight * context
        if _has_kind(kind, text):
            score += settings.type_weight
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
