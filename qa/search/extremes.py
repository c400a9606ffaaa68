"""Questions after the row that holds a column's largest or smallest value ("which quake was recorded by the most
stations?", "fewest deaths").

No passage says which row that is: it is a reading of the whole column, so neither BM25 nor dense search can find
the row, only the table. The hybrid ranking finds the table among its first hits; this module finds, in a table
whose header names one of its numeric columns in the question's words, the one row holding that column's extreme
value. A tie, a column the question names ambiguously, or a question with both a "most" and a "least" word finds
nothing: the ranking is left as it was.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from enum import Enum

from ..index.store import ChunkStore
from ..ingest.chunk import Chunk
from ..ingest.tabletext import SEPARATOR, TITLE_LOOKAHEAD, cell_texts, cells, header_names, is_row
from .highlight import AnswerSentence, Span
from .tableheads import table_before
from .tables import names_column

# English superlatives of size and count; "at least"/"at most" bound a number and are no superlative
_MOST = frozenset({"most", "largest", "highest", "biggest", "greatest", "maximum", "longest", "heaviest", "deepest"})
_LEAST = frozenset({"least", "fewest", "lowest", "smallest", "minimum", "shortest", "lightest", "shallowest"})
_BOUND = re.compile(r"\bat\s+(?:least|most)\b", re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z]+")
# a whole cell that is one number: a sign, thousands written with commas, decimals, a percent sign
_NUMBER = re.compile(r"[-−–]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?%?|[-−–]?\.\d+%?")
MIN_VALUES = 3  # a column with fewer numbers is no column of values to compare
TABLE_READ = 65_536  # characters of a table read at a time, on to its end
MAX_TABLE_CHARS = 4_194_304  # a longer table is not read whole: its extreme row is not looked for


class Extreme(str, Enum):
    MOST = "most"
    LEAST = "least"


@dataclass(frozen=True)
class ExtremeRow:
    """The one row of a table holding its column's extreme value: `row` indexes the table's lines, `value` is the
    cell as written ("9,876")."""

    row: int
    value: str
    column: int = 0
    names: tuple[str, ...] = ()


@dataclass(frozen=True)
class ExtremePassage:
    """The passage holding an extreme row (`chunk`), the place among the passages searched of the one that led to
    its table, and the extreme value as written: the question is then read as naming it. `row` and `cells` are
    document offsets of the row and of each of its cells, `column` the one holding the value, `names` the header's."""

    chunk: int
    place: int
    value: str
    row: tuple[int, int] = (0, 0)
    cells: tuple[tuple[int, int], ...] = ()
    column: int = 0
    names: tuple[str, ...] = ()


def asked_extreme(question: str) -> Extreme | None:
    """Whether the question asks for the most or the least of something (None: neither, or both words)."""
    words = {word.casefold() for word in _WORD.findall(_BOUND.sub(" ", question))}
    most, least = bool(words & _MOST), bool(words & _LEAST)
    if most == least:
        return None
    return Extreme.MOST if most else Extreme.LEAST


def cell_number(cell: str) -> float | None:
    """The number a cell holds when the cell is one number ("1,234", "-3.5", "12%"), else None."""
    text = cell.strip()
    if not _NUMBER.fullmatch(text):
        return None
    return float(text.replace(",", "").replace("%", "").replace("−", "-").replace("–", "-"))


def _numbers(table: Sequence[list[str]], column: int, width: int) -> list[float | None]:
    return [cell_number(cells_of[column]) if len(cells_of) == width else None for cells_of in table]


def asked_column(names: Sequence[str], table: Sequence[list[str]], asked: Collection[str]) -> int | None:
    """The one column of numbers (`table`: each data row's cells) whose name's every term is a term of the question
    ("stations" of "… the most stations"); None when no column or more than one is named so."""
    width = len(names)
    named = []
    for column, name in enumerate(names):
        if not names_column(name, asked):
            continue
        values = _numbers(table, column, width)
        found = sum(value is not None for value in values)
        if found >= MIN_VALUES and 2 * found >= len(values):
            named.append(column)
    return named[0] if len(named) == 1 else None


def extreme_row(lines: Sequence[str], asked: Collection[str], extreme: Extreme) -> ExtremeRow | None:
    """The one row of `lines` (a table's rows, from its first) whose value in the column the question names is the
    table's largest (`MOST`) or smallest (`LEAST`); None when the first row names no such column, or two rows share
    the extreme value."""
    if not lines:
        return None
    data = [i for i in range(1, len(lines)) if not SEPARATOR.match(lines[i])]
    names = header_names(lines[0], [lines[i] for i in data[:TITLE_LOOKAHEAD]])
    if not names:
        return None
    table = [cell_texts(lines[i]) for i in data]
    column = asked_column(names, table, asked)
    if column is None:
        return None
    values = [(value, i) for value, i in zip(_numbers(table, column, len(names)), data) if value is not None]
    row = the_one_extreme(values, extreme)
    return ExtremeRow(row, table[data.index(row)][column], column, tuple(names)) if row is not None else None


def the_one_extreme(values: Sequence[tuple[float, int]], extreme: Extreme) -> int | None:
    """The index paired with the largest (`MOST`) or smallest (`LEAST`) value, None when two share it."""
    if not values:
        return None
    best = max(v for v, _ in values) if extreme == Extreme.MOST else min(v for v, _ in values)
    holding = [i for v, i in values if v == best]
    return holding[0] if len(holding) == 1 else None


def whole_table(store: ChunkStore, doc: str, start: int) -> list[str]:
    """The rows of the table whose first row starts at `start` of the document's text, read `TABLE_READ` characters
    at a time to the first line that is no row; none when it runs on past `MAX_TABLE_CHARS`."""
    rows: list[str] = []
    at = start
    while at - start <= MAX_TABLE_CHARS:
        text = store.text_slice(doc, at, at + TABLE_READ)
        ended = len(text) < TABLE_READ  # the document ends inside this slice
        lines = text.split("\n")
        whole = lines if ended else lines[:-1]  # the last line of a full slice may be cut
        for line in whole:
            if not is_row(line):
                return rows
            rows.append(line)
        if ended or not whole:  # the end of the text, or a line longer than a slice: no table row
            return rows if ended else []
        at += sum(len(line) + 1 for line in whole)
    return []


def table_start(store: ChunkStore, chunk: Chunk) -> tuple[int, str | None] | None:
    """Where the first table a passage holds or stands inside starts in the document, and its header row when the
    passage starts below it (None: the passage holds its first row); None when the passage holds no table row."""
    lines = chunk.text.split("\n")
    first = next((i for i, line in enumerate(lines) if is_row(line)), None)
    if first is None:
        return None
    offset = chunk.start + sum(len(line) + 1 for line in lines[:first])
    found = table_before(store, chunk.doc_id, offset, "\n".join(lines[first:]))
    return (found[1], found[0]) if found else (offset, None)


def table_rows(store: ChunkStore, doc: str, start: int, header: str | None) -> tuple[int, list[str]]:
    """The table's rows from its header row on (title rows above it left out), and where that row starts."""
    rows = whole_table(store, doc, start)
    if header is not None and header in rows:
        above = rows.index(header)
        start, rows = start + sum(len(row) + 1 for row in rows[:above]), rows[above:]
    return start, rows


def _holding(store: ChunkStore, doc: str, start: int, end: int) -> int | None:
    """The first passage holding the whole of `[start, end)` of the document (else the first holding part of it)."""
    found = store.passages_near(doc, start, end)
    whole = [chunk_id for chunk_id, chunk in found if chunk.start <= start and chunk.end >= end]
    return (whole or [chunk_id for chunk_id, _ in found] or [None])[0]


def extreme_passage(
    store: ChunkStore, passages: Sequence[Chunk], asked: Collection[str], extreme: Extreme
) -> ExtremePassage | None:
    """The passage holding the extreme row (`extreme_row`) of the first table among `passages` (a ranking's
    first) that has one; None when none has."""
    seen: set[tuple[str, int]] = set()
    for place, chunk in enumerate(passages):
        found = table_start(store, chunk) if "|" in chunk.text else None
        if found is None or (chunk.doc_id, found[0]) in seen:
            continue
        seen.add((chunk.doc_id, found[0]))
        start, rows = table_rows(store, chunk.doc_id, *found)
        found_row = extreme_row(rows, asked, extreme)
        if found_row is None:
            continue
        line = rows[found_row.row]
        at = start + sum(len(row) + 1 for row in rows[: found_row.row])
        holding = _holding(store, chunk.doc_id, at, at + len(line))
        if holding is not None:
            spans = tuple((at + a, at + b) for a, b in cells(line) or [])
            row_at = (at, at + len(line))
            return ExtremePassage(holding, place, found_row.value, row_at, spans, found_row.column, found_row.names)
    return None


def extreme_answer(
    answer: AnswerSentence | None, text: str, origin: int, found: ExtremePassage, asked: Collection[str]
) -> AnswerSentence | None:
    """The answer shown for the passage holding an extreme row (`text`, starting at document offset `origin`): the
    row, its bold words the reader's when they lie in a cell of the row under a column the question names ("Which
    gauge …" bolds the gauge), else the extreme value itself (for "quake most stations" the reader marks the depth
    of the row; the stations are asked for). The answer as it was when the row is not in `text`."""
    (row_start, row_end), end = found.row, origin + len(text)
    if not origin <= row_start <= row_end <= end:
        return answer
    bold = answer.span if answer is not None else None
    column = next((c for c, (a, b) in enumerate(found.cells) if bold and a <= origin + bold.start < b), None)
    if column is None or column >= len(found.names) or not names_column(found.names[column], asked):
        a, b = found.cells[found.column]
        bold = Span(a - origin, b - origin, text[a - origin : b - origin])
    start, stop = row_start - origin, row_end - origin
    return AnswerSentence(start, stop, text[start:stop], answer.score if answer is not None else 0.0, bold)
