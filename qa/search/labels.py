"""Numbered things a question names ("Table 5", "Phase 2", "Fig. 7-26", "BIFF8"): finding them in passages,
telling the passage that captions one from a passage that only refers to it, keeping their numbers out of the
words that name a table's rows and columns, and finding the tables written for another number ("Record BOF,
BIFF5:" when BIFF8 is asked).

Pure functions over strings and term weights.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from ..ingest.extract.pdfcolumns import table_runs
from ..ingest.tabletext import cells
from ..ingest.tokens import terms
from .spans import MONTH

_NUMBERED = re.compile(r"\b([^\W\d_]{3,})\.?\s(\d+(?:[.-]\d+)*|[IVXLC]+)\b")  # "Phase 2", "Fig. 7-26", "Part IV"
_FUSED = re.compile(r"\b([A-Z]{2,})(\d+)\b")  # "BIFF8", "HTML5": a capitalised name, its number written on
_FUSED_RANGE = re.compile(r"\b([A-Z]{2,})(\d+)\s*[-–]\s*(?:\1)?(\d+)\b")  # "BIFF2-BIFF5", "BIFF3–4"
_MONTH = re.compile(MONTH, re.I)  # "June 2010" is a date, not the 2010th of something


def _labelled(match: re.Match[str]) -> bool:
    """Whether a `_NUMBERED` match is a label: a content word (not "in 2015", "the 127"), not a month ("June 2010"
    is a date)."""
    word = match.group(1)
    return bool(terms(word)) and not _MONTH.fullmatch(word)


def numbered_labels(text: str) -> set[tuple[str, str]]:
    """The numbered things a text names, as (label, number): "Phase 2" → ("phase", "2"), "Table 4:" → ("table",
    "4"), "BIFF8" → ("biff", "8"); a label is a content word (not "in 2015", "the 127"), or two capitals or more
    with the number written on, and a date is no label ("June 2010")."""
    spaced = {(m.group(1).casefold(), m.group(2).casefold()) for m in _NUMBERED.finditer(text) if _labelled(m)}
    return spaced | {(m.group(1).casefold(), m.group(2)) for m in _FUSED.finditer(text)}


def _choices(asked: set[tuple[str, str]]) -> str:
    return "|".join(rf"{re.escape(label)}\.?\s?{re.escape(number)}" for label, number in sorted(asked))


def numbered_pattern(asked: set[tuple[str, str]]) -> re.Pattern[str]:
    """A pattern finding any of the `asked` numbered things (`numbered_labels`) in a text, as written there ("Table
    5", "table 5:", "Fig. 5"): one search a passage, not a scan of all its numbered things."""
    return re.compile(rf"\b(?:{_choices(asked)})(?![\w.-]*\d)", re.I)


def caption_pattern(asked: set[tuple[str, str]]) -> re.Pattern[str]:
    """A pattern finding the caption of any of the `asked` numbered things: the label opening a line and followed
    by a colon or full stop ("Table 5: Retrieval accuracy …", "Figure 7-27. Stainless steel …"), where a passage
    that only refers to it writes "Table 5 shows …"."""
    return re.compile(rf"(?:^|\n)[ \t]*(?:{_choices(asked)})[ \t]*[:.](?!\d)", re.I)


def cell_naming_weights(question: str, weights: Mapping[str, float], text: str) -> dict[str, float]:
    """The question's term weights, less the terms it writes only inside a numbered label that `text` captions:
    the 5 of "In Table 5, what top-1 accuracy …" names the table under "Table 5: …", not its column "Top-5" or a
    row "5". A term the question also writes elsewhere ("what top-5 accuracy does Table 5 give?") stays, and so
    does the number of a label `text` holds but does not caption ("which BIFF version does Excel 5.0 write?" names
    the row "Excel 5.0")."""
    captioned = [
        m
        for m in _NUMBERED.finditer(question)
        if _labelled(m) and caption_pattern({(m.group(1).casefold(), m.group(2).casefold())}).search(text)
    ]
    if not captioned:
        return dict(weights)
    numbers = {term for m in captioned for term in terms(m.group(2))}
    outside = set(terms("".join(_pieces_between(question, captioned))))
    return {term: weight for term, weight in weights.items() if term not in numbers or term in outside}


def _pieces_between(text: str, matches: list[re.Match[str]]) -> list[str]:
    """`text` less the `matches`, a space for each."""
    pieces, at = [], 0
    for m in matches:
        pieces += [text[at : m.start()], " "]
        at = m.end()
    return [*pieces, text[at:]]


def _covers(line: str, asked: set[tuple[str, str]]) -> bool:
    """Whether `line` names one of the `asked` numbered things, alone or inside a range ("BIFF2-BIFF5" covers 4)."""
    if numbered_labels(line) & asked:
        return True
    for m in _FUSED_RANGE.finditer(line):
        label, low, high = m.group(1).casefold(), int(m.group(2)), int(m.group(3))
        if any(label == a and number.isdigit() and low <= int(number) <= high for a, number in asked):
            return True
    return False


def other_version_tables(text: str, asked: set[tuple[str, str]]) -> list[tuple[int, int]]:
    """The (start, end) of each table in `text` (a run of table rows, `tabletext.cells`) introduced by a line
    ending in a colon that names another number of a label the question asks about and not the asked one ("Record
    WRITEACCESS, BIFF5:" above its rows, for a question on BIFF8): its rows answer for another version. The
    introducing line is the last written line above the table that is no table row."""
    labels = {label for label, _ in asked}
    lines = text.split("\n")
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)
    rows = [cells(line) is not None for line in lines]
    out = []
    for first, last in table_runs(rows):
        intro = next((lines[i] for i in range(first - 1, -1, -1) if lines[i].strip() and not rows[i]), "")
        if _barred(intro, labels, asked):
            out.append((starts[first], min(starts[last], len(text))))
    return out


def _barred(intro: str, labels: set[str], asked: set[tuple[str, str]]) -> bool:
    """Whether a table's introducing line (it ends in a colon) names another number of an asked label, and not the
    asked one: a line naming no asked label bars nothing."""
    return (
        intro.rstrip().endswith(":")
        and any(label in labels for label, _ in numbered_labels(intro))
        and not _covers(intro, asked)
    )
