"""Which table row a question names, and what a reader's span in a table becomes: the same column's cell of that
row, or no answer when another read window shows the row named better. Tables are read as text by
qa/ingest/tabletext.py; these rules add the question (its terms' IDF weights).
"""

from __future__ import annotations

import bisect
from collections.abc import Collection
from dataclasses import dataclass

from ..ingest.extract.pdfcolumns import table_runs
from ..ingest.tabletext import SEPARATOR, cells, column_names, folds
from ..ingest.tokens import has_letter, terms


def cell_in_named_row(
    window: str, start: int, end: int, weights: dict[str, float], header: str | None = None
) -> tuple[int, int] | None:
    """A reader's span in a table cell, in the row the question names (`named_row`): the span itself when it lies
    in that row, else the same column's cell of that row; the cell under the one column the question names by its
    header (`named_column`: "what draft does the Borealis have?") wherever the reader's lies. None when the span is
    in no table cell or the question names no one row. A cell the question itself holds ("… the quake at longitude
    184.1?") is no answer: the span goes to the one other column the question names by its header ("how many
    stations"), if there is one.

    The reader tells the row badly (after "Kenya Airways … 283" it answers with the next row's airline) and often the
    column too; a question names its row by cells ("283 fatalities", "7139291291 seat kilometres"), which words
    match exactly, and its column, when it does, by the header's words."""
    tables = _Tables.of(window, header)
    at = bisect.bisect_right(tables.offsets, start) - 1
    column = _cell_holding(tables.rows[at], start - tables.offsets[at], end - tables.offsets[at])
    body = next((body for body in tables.bodies() if at in body), None)
    named = named_row(tables, body, weights) if body is not None and column is not None else None
    if named is None or column is None:
        return None
    cells_of = tables.rows[named] or []
    by_header = named_column(tables.lines[named], cells_of, tables.names_of.get(named), weights)
    asked = (
        by_header
        if by_header is not None
        else _asked_column(tables.lines[named], cells_of, column, tables.names_of.get(named), weights)
    )
    asked = _in_named_record(tables.lines[named], cells_of, asked, tables.names_of.get(named), weights)
    if named == at and asked == column:
        return start, end
    a, b = cells_of[asked]
    return (tables.offsets[named] + a, tables.offsets[named] + b) if b > a else None


def _asked_column(
    line: str, spans: list[tuple[int, int]], column: int, names: list[str] | None, weights: dict[str, float]
) -> int:
    """`column`, unless the question itself holds its cell and names exactly one other column by its header (the
    cell there not held by the question too): then that column."""
    if not _held_by(line[slice(*spans[column])], weights) or not names:
        return column
    named_by_header = [
        c
        for c, name in enumerate(names[: len(spans)])
        if c != column and set(terms(name)) & set(weights) and not _held_by(line[slice(*spans[c])], weights)
    ]
    return named_by_header[0] if len(named_by_header) == 1 else column


def _in_named_record(
    line: str, spans: list[tuple[int, int]], column: int, names: list[str] | None, weights: dict[str, float]
) -> int:
    """In a folded table (`folds`), `column` moved to the record of the row the question names (the one whose cells
    hold the most of its term weight): "Tauranga"'s population, not that of the town beside it."""
    fold = folds(names)
    if fold is None or column < fold[0]:
        return column
    first, width = fold
    records = range(first, min(len(spans), len(names or [])), width)
    record_text = {start: " ".join(line[a:b] for a, b in spans[start : start + width]) for start in records}
    held = {start: _weight_held(text, weights) for start, text in record_text.items()}
    best = max(held, key=held.__getitem__)
    position = (column - first) % width
    return best + position if held[best] > 0 and best + position < len(spans) else column


def _held_by(cell: str, weights: dict[str, float]) -> bool:
    """Every term of a cell is a term of the question (the question quotes the cell)."""
    words = set(terms(cell))
    return bool(words) and words <= set(weights)


@dataclass(frozen=True)
class TableRows:
    """What one read window shows of its tables, each told by where it starts in the document: the tables under a
    header row one of whose rows the question names there, with the question's term weight that row holds, and the
    table its span lies in (None: no such table)."""

    named: dict[int, float]
    span_in: int | None


def table_rows(
    window: str, origin: int, span: tuple[int, int], weights: dict[str, float], before: tuple[str, int] | None = None
) -> TableRows:
    """The tables of a window text (starting at document offset `origin`) whose rows the question names
    (`named_row`), and the table holding the span (offsets in `window`). `before`: the header row of a table the
    window starts inside and where that table starts in the document."""
    tables = _Tables.of(window, before[0] if before else None)
    runs = table_runs([r is not None for r in tables.rows])

    def table_start(line: int) -> int:
        first = next(a for a, b in runs if a <= line < b)
        return before[1] if before and first == 0 else origin + tables.offsets[first]

    named: dict[int, float] = {}
    bodies = tables.bodies()
    for body in bodies:
        weighed = weighed_named_row(tables, body, weights)
        if weighed is not None:
            start = table_start(body[0])
            named[start] = max(named.get(start, 0.0), weighed[1])
    start, end = span
    if end <= start:
        return TableRows(named, None)
    at = bisect.bisect_right(tables.offsets, start) - 1
    in_cell = _cell_holding(tables.rows[at], start - tables.offsets[at], end - tables.offsets[at]) is not None
    in_body = any(at in body for body in bodies)
    return TableRows(named, table_start(at) if in_cell and in_body else None)


def named_row(tables: _Tables, body: list[int], weights: dict[str, float]) -> int | None:
    """The row of a table's `body` (line indexes) the question names (`weighed_named_row`), or None."""
    weighed = weighed_named_row(tables, body, weights)
    return weighed[0] if weighed is not None else None


def weighed_named_row(tables: _Tables, body: list[int], weights: dict[str, float]) -> tuple[int, float] | None:
    """The row of a table's `body` the question names, with the term weight it holds: the one whose cells alone
    hold the most of the question's term weight (`weights`, IDF; `row_weight`), if it holds any; of rows holding
    as much, the one naming the fewest other things (words the question does not use: "DPR" over "BM25 + DPR" for
    "… the DPR retriever")."""
    lines = tables.lines
    held = {j: row_weight(tables, j, weights) for j in body}
    most = max(held.values(), default=0.0)
    if most <= 0:
        return None
    tied = [j for j in body if held[j] == most]
    if len(tied) > 1:
        unasked = {j: len({term for term in terms(lines[j]) if has_letter(term)} - set(weights)) for j in tied}
        tied = [j for j in tied if unasked[j] == min(unasked.values())]
    return (tied[0], most) if len(tied) == 1 else None


def row_weight(tables: _Tables, line: int, weights: dict[str, float]) -> float:
    """The question's term weight a table row holds: the terms of its cells, and those of the header of each column
    whose cell the question quotes (`_held_by`). A value is named with its column: for "… the event that 123
    stations reported" the row with 123 under "stations" holds more than those with a depth of 123."""
    text = tables.lines[line]
    present = set(terms(text))
    names, spans = tables.names_of.get(line), tables.rows[line]
    if names and spans and len(names) == len(spans):
        for name, (a, b) in zip(names, spans):
            if _held_by(text[a:b], weights):
                present.update(terms(name))
    return _weight_of(present, weights)


@dataclass(frozen=True)
class _Tables:
    """The lines of a text, where each starts, each one's cells (None: no table row) and the tables' column names
    and header lines (`column_names`), split and read once for the rules above."""

    lines: list[str]
    offsets: list[int]
    rows: list[list[tuple[int, int]] | None]
    names_of: dict[int, list[str] | None]
    header_lines: set[int]

    @classmethod
    def of(cls, text: str, header: str | None) -> _Tables:
        lines = text.split("\n")
        offsets = [0]
        for line in lines[:-1]:
            offsets.append(offsets[-1] + len(line) + 1)
        rows = [cells(line) for line in lines]
        return cls(lines, offsets, rows, *column_names(lines, rows, header))

    def header_starts(self) -> set[int]:
        """Where the header rows with rows after them start."""
        rows = self.rows
        return {self.offsets[j] for j in self.header_lines if j + 1 < len(rows) and rows[j + 1]}

    def passed_over(self, weights: dict[str, float]) -> set[int]:
        """Where the rows of each table whose one named row is another start."""
        passed: set[int] = set()
        for body in self.bodies():
            named = named_row(self, body, weights)
            if named is not None:
                passed.update(self.offsets[j] for j in body if j != named)
        return passed

    def bodies(self) -> list[list[int]]:
        """The body rows (line indexes) of each table under a header row, split by width (a title row, a total row
        of fewer cells is another group). Only under a header: in a table of key–value pairs the question names the
        key, and a word of it ("founded") also matches keys not asked for ("Founder")."""
        bodies: list[list[int]] = []
        for first, last in table_runs([r is not None for r in self.rows]):
            body = [j for j in range(first, last) if self.names_of.get(j) is not None and j not in self.header_lines]
            body = [j for j in body if not SEPARATOR.match(self.lines[j])]
            for width in sorted({len(self.rows[j] or []) for j in body}):
                bodies.append([j for j in body if len(self.rows[j] or []) == width])
        return bodies

    def asked_cell(self, weights: dict[str, float]) -> tuple[int, int] | None:
        """See the module's `asked_cell`."""
        found = []
        for body in self.bodies():
            row = named_row(self, body, weights)
            spans = self.rows[row] if row is not None else None
            if row is None or not spans:
                continue
            column = named_column(self.lines[row], spans, self.names_of.get(row), weights)
            if column is not None and spans[column][1] > spans[column][0]:
                found.append((self.offsets[row] + spans[column][0], self.offsets[row] + spans[column][1]))
        return found[0] if len(found) == 1 else None


def _cell_holding(row: list[tuple[int, int]] | None, start: int, end: int) -> int | None:
    """The column of the cell of a table row that holds [start, end) (offsets in the row's line)."""
    return next((c for c, (a, b) in enumerate(row or []) if a <= start and end <= b), None)


def _weight_held(line: str, weights: dict[str, float]) -> float:
    return _weight_of(set(terms(line)), weights)


def _weight_of(present: set[str], weights: dict[str, float]) -> float:
    """The question's term weight among the terms `present`."""
    return sum(weight for term, weight in weights.items() if term in present)


def asked_cell(window: str, weights: dict[str, float], header: str | None = None) -> tuple[int, int] | None:
    """The cell a question names on both axes: in the one table of `window` where it names one row (`named_row`),
    the column whose header it names (`named_column`), if that cell is not empty. None otherwise."""
    return _Tables.of(window, header).asked_cell(weights)


def sentence_rules(
    text: str, weights: dict[str, float], header: str | None = None
) -> tuple[set[int], tuple[int, int] | None]:
    """What the tables of `text` tell the answer sentence, read once: where the rows that cannot be an answer start
    — each header row with rows after it (`header_names` decides: a table of key–value pairs has none, a title row
    above a table is not its header) and, in each table where the question names one row (`named_row`), every other
    row of it — and the cell the question names on both axes (`asked_cell`). `header`: the header row of a table
    `text` starts inside, whose first rows are then its body."""
    tables = _Tables.of(text, header)
    return tables.header_starts() | tables.passed_over(weights), tables.asked_cell(weights)


def names_column(name: str, asked: Collection[str]) -> bool:
    """Whether a question (its terms: `asked`) names a column by its header: every term of the name is one of them."""
    words = set(terms(name))
    return bool(words) and words <= set(asked)


def named_column(
    line: str, spans: list[tuple[int, int]], names: list[str] | None, weights: dict[str, float]
) -> int | None:
    """The one column whose header's every term is a term of the question ("Top-5" of "what top-5 accuracy …"),
    its cell in `line` not quoted by the question; None when the question names two ("… training questions were
    used …" names both "Train" and "Used"). Only in a row with a cell under every name: a shorter row ("| Single |"
    over a group of rows) is a label, not data."""
    if not names or len(spans) != len(names):
        return None
    named = [
        c
        for c, name in enumerate(names)
        if names_column(name, weights) and not _held_by(line[slice(*spans[c])], weights)
    ]
    return named[0] if len(named) == 1 else None
