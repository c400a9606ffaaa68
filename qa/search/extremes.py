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
from enum import Enum

from ..index.store import ChunkStore
from ..ingest.chunk import Chunk
from ..ingest.tabletext import SEPARATOR, cell_texts, cells, header_names
from ..ingest.tokens import terms
from .tableheads import table_before

# English superlatives of size and count; "at least"/"at most" bound a number and are no superlative
_MOST = frozenset({"most", "largest", "highest", "biggest", "greatest", "maximum", "longest", "heaviest", "deepest"})
_LEAST = frozenset({"least", "fewest", "lowest", "smallest", "minimum", "shortest", "lightest", "shallowest"})
_BOUND = re.compile(r"\bat\s+(?:least|most)\b", re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z]+")
# a whole cell that is one number: a sign, thousands written with commas, decimals, a percent sign
_NUMBER = re.compile(r"[-−–]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?%?|[-−–]?\.\d+%?")
MIN_VALUES = 3  # a column with fewer numbers is no column of values to compare
TABLE_READ = 65_536  # characters of a table read first; four times as many again while it runs on
MAX_TABLE_CHARS = 4_194_304  # a longer table is not read whole: its extreme row is not looked for


class Extreme(str, Enum):
    MOST = "most"
    LEAST = "least"


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


def _numbers(rows: Sequence[str], column: int, width: int) -> list[float | None]:
    out: list[float | None] = []
    for row in rows:
        values = cell_texts(row)
        out.append(cell_number(values[column]) if len(values) == width else None)
    return out


def asked_column(names: Sequence[str], rows: Sequence[str], asked: Collection[str]) -> int | None:
    """The one column of numbers whose name's every term is a term of the question ("stations" of "… the most
    stations"); None when no column or more than one is named so."""
    width = len(names)
    named = []
    for column, name in enumerate(names):
        words = set(terms(name))
        if not words or not words <= set(asked):
            continue
        values = _numbers(rows, column, width)
        found = sum(value is not None for value in values)
        if found >= MIN_VALUES and 2 * found >= len(values):
            named.append(column)
    return named[0] if len(named) == 1 else None


def extreme_row(lines: Sequence[str], asked: Collection[str], extreme: Extreme) -> int | None:
    """The index in `lines` (a table's rows, from its first) of the one row whose value in the column the question
    names is the table's largest (`MOST`) or smallest (`LEAST`); None when the first row names no such column, or
    two rows share the extreme value."""
    if not lines:
        return None
    data = [i for i in range(1, len(lines)) if not SEPARATOR.match(lines[i])]
    rows = [lines[i] for i in data]
    names = header_names(lines[0], rows)
    column = asked_column(names, rows, asked) if names else None
    if column is None:
        return None
    values = [(value, i) for value, i in zip(_numbers(rows, column, len(names)), data) if value is not None]
    return the_one_extreme(values, extreme)


def the_one_extreme(values: Sequence[tuple[float, int]], extreme: Extreme) -> int | None:
    """The index paired with the largest (`MOST`) or smallest (`LEAST`) value, None when two share it."""
    if not values:
        return None
    best = max(v for v, _ in values) if extreme == Extreme.MOST else min(v for v, _ in values)
    holding = [i for v, i in values if v == best]
    return holding[0] if len(holding) == 1 else None


def table_lines(text: str) -> list[str]:
    """The rows a text opens with, up to the first line that is no table row."""
    out = []
    for line in text.split("\n"):
        if cells(line) is None:
            break
        out.append(line)
    return out


# ---------------------------------------------------------------- reading a table from the store


def _row_ends(text: str, lines: Sequence[str], size: int) -> bool:
    """Whether `lines`, the rows `text` (a slice of `size` characters) opens with, end before the slice does: a whole
    line that is no row follows them, or the document ended inside the slice."""
    after = sum(len(line) + 1 for line in lines)
    return len(text) < size or "\n" in text[after:]


def whole_table(store: ChunkStore, doc: str, start: int) -> list[str]:
    """The rows of the table whose first row starts at `start` of the document's text, read in growing slices to
    its end; none when it runs on past `MAX_TABLE_CHARS`."""
    size = TABLE_READ
    while True:
        text = store.text_slice(doc, start, start + size)
        lines = table_lines(text)
        if _row_ends(text, lines, size):
            return lines
        if size >= MAX_TABLE_CHARS:
            return []
        size *= 4


def table_in(store: ChunkStore, chunk: Chunk) -> tuple[int, list[str]] | None:
    """The first table a passage holds or stands inside: where its header row starts in the document, and its rows
    from that one on (title rows above the header left out); None when the passage holds no table row."""
    lines = chunk.text.split("\n")
    first = next((i for i, line in enumerate(lines) if cells(line) is not None), None)
    if first is None:
        return None
    offset = chunk.start + sum(len(line) + 1 for line in lines[:first])
    found = table_before(store, chunk.doc_id, offset, "\n".join(lines[first:]))
    start = found[1] if found else offset
    rows = whole_table(store, chunk.doc_id, start)
    if found and found[0] in rows:
        above = rows.index(found[0])
        start, rows = start + sum(len(row) + 1 for row in rows[:above]), rows[above:]
    return start, rows


def _holding(store: ChunkStore, doc: str, start: int, end: int) -> int | None:
    """The first passage holding the whole of `[start, end)` of the document (else the first holding part of it)."""
    found = store.passages_near(doc, start, end)
    whole = [chunk_id for chunk_id, chunk in found if chunk.start <= start and chunk.end >= end]
    return (whole or [chunk_id for chunk_id, _ in found] or [None])[0]


def extreme_passage(
    store: ChunkStore, passages: Sequence[Chunk], asked: Collection[str], extreme: Extreme
) -> tuple[int, int] | None:
    """The passage holding the extreme row (`extreme_row`) of the first table among `passages` (a ranking's
    first) that has one, and the place in `passages` of the passage that led to that table; None when none has."""
    seen: set[tuple[str, int]] = set()
    for place, chunk in enumerate(passages):
        table = table_in(store, chunk) if "|" in chunk.text else None
        if table is None or (chunk.doc_id, table[0]) in seen:
            continue
        seen.add((chunk.doc_id, table[0]))
        start, rows = table
        row = extreme_row(rows, asked, extreme)
        if row is None:
            continue
        at = start + sum(len(line) + 1 for line in rows[:row])
        holding = _holding(store, chunk.doc_id, at, at + len(rows[row]))
        if holding is not None:
            return holding, place
    return None
