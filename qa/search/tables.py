"""Table rows as the reader can read them: `| 1 | Zakir Hasanov | 2003 | 2013 |` under a header row becomes
"No.: 1; Name: Zakir Hasanov; Term start: 2003; Term end: 2013." — each cell named by its column.

The reader was trained on prose; in a pipe table it cannot tell which number is a term's start and which its end,
and picks cells from the wrong row. The extractors write every table as `| a | b |` lines (qa/ingest/extract/),
the first line of a table its header; a window that starts inside a table gets the header from the lines before
the window (`header_row_before`). The text given to the reader is a new string; `ReaderText.to_source` maps a span of
it back to the window, so the bold words are always the source's own characters (a span over inserted column
names shrinks to the cell values it covers).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..ingest.extract.pdfcolumns import table_runs
from ..ingest.tokens import terms

_ROW = re.compile(r"^\|(.*)\|[ \t]*$")
_SEPARATOR = re.compile(r"^\|(?:\s*:?-{3,}:?\s*\|)+\s*$")
_DIGIT = re.compile(r"\d")


@dataclass(frozen=True)
class ReaderText:
    """The text the reader reads and, for its copied pieces, where they come from: `pieces` are sorted
    (reader offset, window offset, length) triples."""

    text: str
    pieces: tuple[tuple[int, int, int], ...]

    def to_source(self, start: int, end: int) -> tuple[int, int] | None:
        """The window offsets of the copied characters inside reader span [start, end), or None if it covers
        only inserted text."""
        covered = [
            (max(start, r), min(end, r + n), w - r)
            for r, w, n in self.pieces[max(0, bisect.bisect_right(self.pieces, (start, 1 << 62, 0)) - 1) :]
            if r < end and r + n > start
        ]
        if not covered:
            return None
        return covered[0][0] + covered[0][2], covered[-1][1] + covered[-1][2]

    def from_source(self, offsets: Sequence[int]) -> list[int]:
        """The reader offsets of sorted window offsets: the same character inside a copied piece, else where the
        next copied piece starts (the end of the text after the last one). One pass over the pieces."""
        out: list[int] = []
        at = 0
        for offset in offsets:
            while at < len(self.pieces) and offset >= self.pieces[at][1] + self.pieces[at][2]:
                at += 1
            out.append(
                self.pieces[at][0] + max(0, offset - self.pieces[at][1]) if at < len(self.pieces) else len(self.text)
            )
        return out


def cells(line: str) -> list[tuple[int, int]] | None:
    """(start, end) of each cell's stripped text in a `| a | b |` line, or None when the line is not a table row."""
    match = _ROW.match(line)
    if match is None:
        return None
    out = []
    position = match.start(1)
    for raw in match.group(1).split("|"):
        stripped = raw.strip()
        offset = position + (raw.index(stripped) if stripped else 0)
        out.append((offset, offset + len(stripped)))
        position += len(raw) + 1
    return out


def header_row_before(preceding: str) -> tuple[str, int] | None:
    """The header row of the table a window starts inside — the first row of the run of table lines that ends
    `preceding` (the document text just before the window) — and where it starts in `preceding` (the table's start,
    told apart from others); None when `preceding` does not end inside a table."""
    lines = preceding.rstrip("\n").split("\n")
    first = len(lines)
    while first > 0 and cells(lines[first - 1]) is not None:
        first -= 1
    if first == len(lines):
        return None
    return lines[first], sum(len(line) + 1 for line in lines[:first])


def _names(line: str) -> list[str]:
    return [line[a:b] for a, b in cells(line) or []]


def header_names(header: str | None, rows: list[str]) -> list[str] | None:
    """The column names of a table whose first row is `header` and whose other rows are `rows`, or None when that
    row is no header: a row with fewer cells than the table's widest row is a title or caption; in a table of two
    columns the first row names the columns only when its first cell is a word over a column of numbers ("| Year |
    Revenue |" over "| 2015 | 93 |"); otherwise two columns are pairs of a key and its value, as in an infobox or a
    specification sheet ("| Founder | Netscape |"), and the first row is a pair like the rest."""
    if header is None or _SEPARATOR.match(header):
        return None
    names = _names(header)
    widths = [len(_names(row)) for row in rows if not _SEPARATOR.match(row)]
    if sum(1 for name in names if name) < max(widths, default=0):
        return None
    if len(names) > 2 or any(_SEPARATOR.match(row) for row in rows[:1]):
        return names
    return names if _word_over_numbers(names[0], rows) else None


def _word_over_numbers(name: str, rows: list[str]) -> bool:
    """A first cell without digits over a first column mostly of numbers (years, counts): a column name."""
    keys = [row_cells[0] for row_cells in map(_names, rows) if row_cells and row_cells[0]]
    numbered = sum(bool(_DIGIT.search(key)) for key in keys)
    return bool(name) and not _DIGIT.search(name) and bool(keys) and numbered * 2 > len(keys)


def _past_titles(lines: list[str], first: int, end: int) -> int:
    """The first row of a table below its title rows (rows of one cell over a table of wider rows)."""
    widest = max(len(_names(line)) for line in lines[first:end])
    while first < end - 1 and widest > 1 and len(_names(lines[first])) == 1:
        first += 1
    return first


def _column_names(
    lines: list[str], rows: list[list[tuple[int, int]] | None], header: str | None
) -> tuple[dict[int, list[str] | None], set[int]]:
    """Each table line's column names (None in a table of pairs; title rows have none) and the header lines."""
    names_of: dict[int, list[str] | None] = {}
    header_lines: set[int] = set()
    for first, end in table_runs([spans is not None for spans in rows]):
        before = header if first == 0 and header is not None else None
        if before is None:
            first = _past_titles(lines, first, end)
        top = before if before is not None else lines[first]
        names = header_names(top, lines[first + (before is None) : end])
        if names is not None and before is None:
            header_lines.add(first)
        for i in range(first, end):
            names_of[i] = names
    return names_of, header_lines


def linearize(window: str, header: str | None = None) -> ReaderText:
    """The window with every table row written as "Column: value; …." under a header row (`header_names`; header
    and separator rows themselves left out), or as "key: value." in a table of pairs; all other lines copied as
    they are. `header` is the header row of a table the window starts inside (see `header_row_before`)."""
    lines = window.split("\n")
    rows = [cells(line) for line in lines]
    names_of, header_lines = _column_names(lines, rows, header)
    out: list[str] = []
    pieces: list[tuple[int, int, int]] = []
    length = position = 0
    for i, (line, spans) in enumerate(zip(lines, rows)):
        if spans is None:
            text, copied = line, [(0, 0, len(line))]
        elif i in header_lines or _SEPARATOR.match(line):
            text, copied = "", []
        else:
            text, copied = _row_text(line, spans, names_of.get(i))  # title rows above a table: none
        pieces += [(length + r, position + w, n) for r, w, n in copied if n > 0]
        out.append(text)
        length += len(text) + 1
        position += len(line) + 1
    return ReaderText("\n".join(out), tuple(pieces))


def _row_text(
    line: str, spans: list[tuple[int, int]], names: list[str] | None
) -> tuple[str, list[tuple[int, int, int]]]:
    """A row as "Name: cell; Name: cell." under column names, else as "key: value; more." (a pair's key keeps
    its own colon: "Order: Anseriformes.")."""
    parts: list[str] = []
    copied: list[tuple[int, int, int]] = []
    written = 0
    for i, (a, b) in enumerate(spans):
        if a == b:
            continue  # an empty cell says nothing
        if names is not None:
            label = f"{names[i]}: " if i < len(names) and names[i] else ""
            prefix = ("; " if parts else "") + label
        elif not parts:
            prefix = ""
        elif len(parts) == 1 and not parts[0].rstrip().endswith(":"):
            prefix = ": "
        else:
            prefix = " " if len(parts) == 1 else "; "
        copied.append((written + len(prefix), a, b - a))
        parts.append(prefix + line[a:b])
        written += len(prefix) + b - a
    text = "".join(parts)
    return (text + "." if text else text), copied


def cell_in_named_row(
    window: str, start: int, end: int, weights: dict[str, float], header: str | None = None
) -> tuple[int, int] | None:
    """A reader's span in a table cell, in the row the question names (`named_row`): the span itself when it lies
    in that row, else the same column's cell of that row. None when the span is in no table cell or the question
    names no one row. A cell the question itself holds ("… the quake at longitude 184.1?") is no answer: the span
    goes to the one other column the question names by its header ("how many stations"), if there is one.

    The reader tells the column asked for well and the row badly (after "Kenya Airways … 283" it answers with the
    next row's airline); a question names its row by cells ("283 fatalities", "7139291291 seat kilometres"), which
    words match exactly."""
    tables = _Tables.of(window, header)
    at = bisect.bisect_right(tables.offsets, start) - 1
    column = _cell_holding(tables.rows[at], start - tables.offsets[at], end - tables.offsets[at])
    body = next((body for body in tables.bodies() if at in body), None)
    named = named_row(tables.lines, body, weights) if body is not None and column is not None else None
    if named is None or column is None:
        return None
    cells_of = tables.rows[named] or []
    asked = _asked_column(tables.lines[named], cells_of, column, tables.names_of.get(named), weights)
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


def _held_by(cell: str, weights: dict[str, float]) -> bool:
    """Every term of a cell is a term of the question (the question quotes the cell)."""
    words = set(terms(cell))
    return bool(words) and words <= set(weights)


def rows_no_answer(text: str, weights: dict[str, float], header: str | None = None) -> set[int]:
    """Where the table rows that cannot be an answer sentence start in `text`: each header row with rows after it
    (`header_names` decides: a table of key–value pairs has none, a title row above a table is not its header)
    and, in each table where the question names one row (`named_row`), every other row of it. `header`: the
    header row of a table `text` starts inside, whose first rows are then its body."""
    tables = _Tables.of(text, header)
    return tables.header_starts() | tables.passed_over(weights)


@dataclass(frozen=True)
class TableRows:
    """What one read window shows of its tables, each told by where it starts in the document: the tables under a
    header row one of whose rows the question names there, and the table its span lies in (None: no such table)."""

    named: frozenset[int]
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

    bodies = tables.bodies()
    named = frozenset(table_start(body[0]) for body in bodies if named_row(tables.lines, body, weights) is not None)
    start, end = span
    if end <= start:
        return TableRows(named, None)
    at = bisect.bisect_right(tables.offsets, start) - 1
    in_cell = _cell_holding(tables.rows[at], start - tables.offsets[at], end - tables.offsets[at]) is not None
    in_body = any(at in body for body in bodies)
    return TableRows(named, table_start(at) if in_cell and in_body else None)


def named_row(lines: list[str], body: list[int], weights: dict[str, float]) -> int | None:
    """The row of a table's `body` (line indexes) the question names: the one whose cells alone hold the most of
    the question's term weight (`weights`, IDF), if it holds any."""
    held = {j: _weight_held(lines[j], weights) for j in body}
    best = max(held, key=held.__getitem__, default=None)
    if best is None or held[best] <= 0 or list(held.values()).count(held[best]) > 1:
        return None
    return best


@dataclass(frozen=True)
class _Tables:
    """The lines of a text, where each starts, each one's cells (None: no table row) and the tables' column names
    and header lines (`_column_names`), split and read once for the rules above."""

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
        return cls(lines, offsets, rows, *_column_names(lines, rows, header))

    def header_starts(self) -> set[int]:
        """Where the header rows with rows after them start."""
        rows = self.rows
        return {self.offsets[j] for j in self.header_lines if j + 1 < len(rows) and rows[j + 1]}

    def passed_over(self, weights: dict[str, float]) -> set[int]:
        """Where the rows of each table whose one named row is another start."""
        passed: set[int] = set()
        for body in self.bodies():
            named = named_row(self.lines, body, weights)
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
            body = [j for j in body if not _SEPARATOR.match(self.lines[j])]
            for width in sorted({len(self.rows[j] or []) for j in body}):
                bodies.append([j for j in body if len(self.rows[j] or []) == width])
        return bodies


def _cell_holding(row: list[tuple[int, int]] | None, start: int, end: int) -> int | None:
    """The column of the cell of a table row that holds [start, end) (offsets in the row's line)."""
    return next((c for c, (a, b) in enumerate(row or []) if a <= start and end <= b), None)


def _weight_held(line: str, weights: dict[str, float]) -> float:
    present = set(terms(line))
    return sum(weight for term, weight in weights.items() if term in present)
