"""Highlight stage: the answer sentence of a passage, the exact answer span inside it, and query terms.

Pure functions over strings and vectors. The answer sentence is the passage sentence that scores best on
semantic similarity to the question (with a little of its neighbours' similarity, for context), lexical
overlap with the question's content words, and whether it holds the kind of thing the question asks for
(a date for "when", a number for "how many", a name for "who", a place for "where"). The answer span is
found by the general rules of `qa.search.spans` over that sentence; offsets are relative to the passage text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ..ingest.chunk import CAPTION_LABEL
from ..ingest.sentences import item_depth
from ..ingest.tabletext import cells
from ..ingest.tokens import joined_terms, split_words, terms, tokens_with_offsets
from . import spans
from .labels import cell_naming_weights
from .tables import sentence_rules

# What the question asks for, from English interrogatives (closed classes of question words and of time and
# quantity nouns; nothing taken from a particular question set).
_WHEN = re.compile(r"\b(when|(?:what|which) (?:year|date|day|month|decade|century)|how long ago)\b", re.I)
_HOW_LONG = re.compile(
    r"\b(how long|for how many (?:years|months|weeks|days|hours|minutes)|(?:what|which) (?:period|duration))\b", re.I
)
_SHARE = re.compile(
    r"\b((?:what|which) (?:percentage|percent|share|proportion|fraction)|how much of|how many percent)\b", re.I
)
_MEASURES = r"(?:accuracy|score|size|length|population|price|cost|weight|height|speed|temperature|distance)"
_HOW_MANY = re.compile(
    r"\b(how (?:many|much|large|big|old|far|tall|high)|(?:what|which) (?:number|amount|quantity|ratio|rate|"
    r"total|count)"
    # a measure, perhaps after a numbered modifier ("what top-20 accuracy", "which F1 score"), or after any modifier
    # when the question goes on with its verb ("what exact match score does ORQA get", not "what determines the cost")
    rf"|(?:what|which) (?:[\w]*[\d-][\w-]*\s+){{0,2}}{_MEASURES}"
    rf"|(?:what|which) (?:[\w-]+\s+){{1,2}}{_MEASURES}\s+(?:does|did|do|is|was|are|were|has|have|had))\b",
    re.I,
)
_WHO = re.compile(r"\b(who|whom|whose|(?:what|which) (?:person|people|man|woman))\b", re.I)
_WHERE = re.compile(
    r"\b(where|(?:what|which) (?:city|town|village|country|countries|state|province|region|place|location"
    r"|continent))\b",
    re.I,
)
_WHICH = re.compile(
    r"\b(?:which|what) (?!is\b|are\b|was\b|were\b|does\b|do\b|did\b|has\b|have\b|can\b|kind\b|type\b|sort\b)[a-z]+",
    re.I,
)


@dataclass(frozen=True)
class HighlightSettings:
    """Weights of the answer-sentence score: similarity + lexical·IDF-overlap + neighbour·mean neighbour similarity
    + type·kind strength + previous·previous sentence's similarity. Chosen on gold/dev.jsonl
    (benchmarks/tune_corpus.py)."""

    lexical_weight: float = 0.3
    neighbour_weight: float = 0.0
    type_weight: float = 0.2
    previous_weight: float = 0.15  # the sentence before an answer often restates the question
    lead_in_weight: float = 0.3  # a lead-in ("Token tConcat, BIFF2-BIFF8:") loses this much (gold/docs-dev.jsonl)


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
    """'duration', 'date', 'share' (a percentage or fraction), 'number', 'person', 'place', 'name' (which + noun:
    a proper name) or None, from the question's wh-words."""
    for kind, pattern in (
        ("duration", _HOW_LONG),
        ("share", _SHARE),
        ("number", _HOW_MANY),
        ("date", _WHEN),
        ("person", _WHO),
        ("place", _WHERE),
        ("name", _WHICH),
    ):
        if pattern.search(question):
            return kind
    return None


@lru_cache(maxsize=1 << 14)
def _candidates(kind: str, sentence: str) -> tuple[tuple[int, int], ...]:
    """Typed spans of a sentence (cached: the same passages come back question after question)."""
    finders = {
        "date": spans.dates,
        "duration": spans.durations,
        "share": spans.shares,
        "number": spans.quantities,
        "person": spans.persons,
        "place": spans.places,
        "name": spans.names,
    }
    return tuple(finders[kind](sentence))


_LINE_LABEL = re.compile(r"(?m)^\s*" + CAPTION_LABEL.pattern)  # a label opening a line: "Table 1: …"


def typed_spans(kind: str | None, text: str) -> list[tuple[int, int]]:
    """Where `text` holds things of the kind a question asks for (`answer_type`): numbers, dates, names, … The
    number of a caption's label opening a line ("Table 1: …") is no amount."""
    if kind is None:
        return []
    labels = [m.span() for m in _LINE_LABEL.finditer(text)]
    return [(a, b) for a, b in _candidates(kind, text) if not any(s <= a < e for s, e in labels)]


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
        bonus = 50 if (kind == "number" and span_terms & asked) or kind in ("duration", "share") else 0
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


SUB_ITEMS_MAX_WORDS = 60  # an item with more below it than this answers alone


def through_sub_items(
    passage: str, sentences: list[tuple[int, int]], index: int, max_words: int = SUB_ITEMS_MAX_WORDS
) -> int:
    """The last sentence an answer sentence reaches: a list item with sub-items below it answers with them (a
    slide's "Access Control" over "Bad: Deny from example.com" and "Good: Deny from 172.160.234.5"), up to
    `max_words` words in all; any other sentence reaches only itself."""
    depth = _opened_item_depth(passage, sentences[index][0])
    if depth is None:
        return index
    last, children = index, 0
    for j in range(index + 1, len(sentences)):
        line = _line_opened_by(passage, sentences[j][0])
        below = item_depth(line) if line is not None else None
        if line is not None and (below is None or below <= depth):
            break  # prose, or an item at the same level or higher
        children += line is not None
        last = j  # a sub-item, or a further sentence on the line before
    words = len(passage[sentences[index][0] : sentences[last][1]].split())
    return last if children and words <= max_words else index


def through_introduced(passage: str, sentences: list[tuple[int, int]], index: int) -> int:
    """The last sentence an answer sentence reaches (`through_sub_items`); a lead-in chosen all the same (the
    question names what it names: "Thread unsafety example:") reaches through what it introduces, the next sentence
    ("Consider a global variable. …") with its sub-items, which is where the answer is. Not a table row: the table
    rules choose among rows."""
    last = through_sub_items(passage, sentences, index)
    if last != index or index + 1 >= len(sentences) or not is_lead_in(passage[slice(*sentences[index])]):
        return last
    if cells(passage[sentences[index + 1][0] :].split("\n", 1)[0]) is not None:
        return last
    return through_sub_items(passage, sentences, index + 1)


def _line_opened_by(passage: str, start: int) -> str | None:
    """The passage line a sentence starting at `start` opens (its indentation included), None when the sentence
    starts inside a line."""
    line_start = passage.rfind("\n", 0, start) + 1
    if passage[line_start:start].strip():
        return None
    line_end = passage.find("\n", start)
    return passage[line_start : line_end if line_end >= 0 else len(passage)]


def _opened_item_depth(passage: str, start: int) -> int | None:
    line = _line_opened_by(passage, start)
    return item_depth(line) if line is not None else None


def is_lead_in(sentence: str) -> bool:
    """A sentence ending in a colon introduces what follows it (a table, a list, a definition): it names what the
    question names, and the answer is below it."""
    return sentence.rstrip().endswith(":")


def choose_answer(
    question: str,
    passage: str,
    sentences: list[tuple[int, int]],
    similarities: np.ndarray,
    settings: HighlightSettings = HighlightSettings(),
    term_weights: dict[str, float] | None = None,
    *,
    table_header: str | None = None,
    heading: str = "",
) -> AnswerSentence | None:
    """Pick the best sentence of a passage. `sentences` are (start, end) relative to `passage`;
    `term_weights` weighs the question's terms (IDF over the corpus; all 1 when not given). A table's header row is
    no answer while rows of the table follow it: it names the columns the question names ("weight", "feed") and
    would outscore the row that answers (`table_header`: the header row of the table the passage starts inside,
    below it). When the question names one row of a table by its cells ("the chick weighing 108"), the table's other
    rows are no answer either: a row of numbers is as similar to the question as the next (`sentence_rules`). A
    lead-in with something after it loses `lead_in_weight` (`is_lead_in`). Nor is a first sentence that is the
    passage's `heading` (a slide's title), while sentences follow it: it names the topic the question names too."""
    if not sentences:
        return None
    asked = term_weights if term_weights is not None else dict.fromkeys(terms(question), 1.0)
    n = len(sentences)
    passed, cell = sentence_rules(passage, cell_naming_weights(question, asked, passage), table_header)
    passed |= _opening_heading(passage, sentences, heading)
    scores = []
    for i, (start, end) in enumerate(sentences):
        if start in passed:
            scores.append(-np.inf)
            continue
        text = passage[start:end]
        neighbours = [similarities[j] for j in (i - 1, i + 1) if 0 <= j < n]
        context = float(np.mean(neighbours)) if neighbours else float(similarities[i])
        previous = float(similarities[i - 1]) if i > 0 else 0.0
        score = (
            float(similarities[i])
            + settings.lexical_weight * overlap(asked, text)
            + settings.neighbour_weight * context
            + settings.type_weight * kind_strength(question, text)
            + settings.previous_weight * previous
            - settings.lead_in_weight * (i < n - 1 and is_lead_in(text))
        )
        scores.append(score)
    named = [i for i, (start, end) in enumerate(sentences) if cell is not None and start <= cell[0] < end]
    best = named[0] if named else int(np.argmax(scores))
    start, end = sentences[best][0], sentences[through_introduced(passage, sentences, best)][1]
    text = passage[start:end]
    local = find_answer_span(question, text)
    span = Span(start + local[0], start + local[1], text[local[0] : local[1]]) if local else None
    return AnswerSentence(start, end, text, scores[best], span)


def _opening_heading(passage: str, sentences: list[tuple[int, int]], heading: str) -> set[int]:
    """The start of the first sentence when it is the passage's `heading` and sentences follow it (else none)."""
    first = sentences[0]
    return {first[0]} if len(sentences) > 1 and heading and passage[first[0] : first[1]] == heading else set()


def term_highlights(question: str, passage: str) -> list[Highlight]:
    """Where the question's content words occur in the passage (matched after stemming and folding), and words it
    writes apart that the passage writes as one ("max clients": "MaxClients", `joined_terms`), and the parts of a
    word it writes whole that the passage writes in parts ("folioNextPos": "folio_next_pos", `split_words`)."""
    asked = set(terms(question)) | set(joined_terms(question))
    tokens = tokens_with_offsets(passage)
    held = {t.term for t in tokens}
    asked |= {part for split in split_words(question) if split.term not in held for part in split.parts}
    return [Highlight(t.start, t.end, "term") for t in tokens if t.term in asked]
