"""A spreadsheet's sheets as text, whichever file they come from (`.xlsx`, `.ods`): one `# Sheet name` section per
sheet holding its filled rows as one `| a | b |` table whose first row is its header, a lone cell above the
table (a sheet title) as a paragraph before it, columns empty on every row left out. The readers count the
filled cells against MAX_CELLS while they read, so a sheet of a million rows cannot swamp the index."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence

from .blocks import SPANNED_LABEL_CHARS, Writer, merged_names

MAX_CELLS = 200_000  # filled cells in all sheets together: far more than a table a question can be answered from
MAX_MERGES = 10_000  # merged ranges of a sheet read; a sheet with more keeps the rest as the file stores them

Merge = tuple[int, int, int, int]  # first row, first column, last row, last column: 0-based, inclusive


class TooManyCells(ValueError):
    """A workbook past MAX_CELLS: refused whichever way it is read."""


class CellBudget:
    """The filled cells a workbook may still hold; `spend` raises TooManyCells (a ValueError) naming the sheet
    past the limit."""

    def __init__(self, limit: int | None = None) -> None:
        self.limit = MAX_CELLS if limit is None else limit
        self.left = self.limit

    def spend(self, filled: int, sheet: str) -> None:
        self.left -= filled
        if self.left < 0:
            raise TooManyCells(
                f"the workbook has more than {self.limit:,} filled cells (limit reached in sheet "
                f"'{sheet[:60]}'); split it or export the part that matters"
            )


def filled(cells: list[str]) -> int:
    return sum(1 for c in cells if c)


def write_sheet(out: Writer, name: str, rows: list[list[str]]) -> None:
    """Write one sheet's filled rows (text cells) under its name; an empty sheet is no section."""
    rows = used_columns(rows)
    if not rows:
        return
    out.heading(name, 1)
    if len(rows) > 1 and filled(rows[0]) == 1 and filled(rows[1]) > 1:
        out.paragraph(next(c for c in rows[0] if c))  # a title line above the table
        rows = rows[1:]
    out.end_run()
    for cells in rows:
        out.row(cells)
    out.end_run()


def used_columns(rows: list[list[str]]) -> list[list[str]]:
    """The rows without the columns that are empty in every row, and without trailing empty cells."""
    width = max((len(r) for r in rows), default=0)
    used = [i for i in range(width) if any(i < len(r) and r[i] for r in rows)]
    kept = [[r[i] if i < len(r) else "" for i in used] for r in rows]
    for cells in kept:
        while cells and not cells[-1]:
            cells.pop()
    return kept


def with_merges(rows: Sequence[tuple[int, list[str]]], merges: Sequence[Merge]) -> list[list[str]]:
    """A sheet's filled rows (each with its 0-based row number) with its merged cells read as a person reads them.
    A file stores a merged cell's value in its first cell only, so a label merged down rows ("North Island" beside
    its cities) names the first row alone: it is written into each row of the range that holds other cells, when
    it is a label (`blocks.SPANNED_LABEL_CHARS`), as Word, OpenDocument and HTML tables are read. A header of two
    rows whose first names a group of columns by a cell merged across them ("Votes" over "Number | %") is one row
    of column names ("Votes Number", "Votes %"; `blocks.merged_names`) when the second row fills each of those
    columns and nothing else of its own (`_header_of_two`)."""
    numbers = [number for number, _ in rows]
    cells_of = {number: list(cells) for number, cells in rows}
    for merge in merges[:MAX_MERGES]:
        _repeat_label(cells_of, numbers, merge)
    out = [cells_of[number] for number in numbers]
    if len(numbers) > 1 and numbers[1] == numbers[0] + 1:
        header = _header_of_two(out[0], out[1], [m for m in merges[:MAX_MERGES] if m[0] == m[2] == numbers[0]])
        if header is not None:
            return [header, *out[2:]]
    return out


def _repeat_label(cells_of: dict[int, list[str]], numbers: list[int], merge: Merge) -> None:
    """The label a range merged down rows holds in its first row written into the empty first-column cell of each of
    its other rows that the sheet fills (`numbers`: those rows, sorted); a long text is no label."""
    first, column, last, _ = merge
    label = _cell(cells_of.get(first), column)
    if last <= first or not label or len(label) > SPANNED_LABEL_CHARS:
        return
    for number in numbers[bisect_right(numbers, first) : bisect_left(numbers, last + 1)]:
        cells = cells_of[number]
        if not _cell(cells, column):
            cells.extend([""] * (column + 1 - len(cells)))
            cells[column] = label


def _cell(cells: list[str] | None, column: int) -> str:
    return cells[column] if cells is not None and column < len(cells) else ""


def _header_of_two(first: list[str], second: list[str], across: Sequence[Merge]) -> list[str] | None:
    """One header row from two when the first (more than a title: two cells or more) names columns by cells merged
    `across` them (one row each), the second fills every one of those columns ("Number | %", or years), and
    elsewhere the second holds nothing but what the first does (a label merged down both rows): a row of data
    under a merged name ("North | 100 | 200") has a cell of its own outside it. None otherwise."""
    spans = [(column, last) for _, column, _, last in across if last > column and _cell(first, column)]
    inside = {c for column, last in spans for c in range(column, last + 1)}
    if not spans or filled(first) < 2 or not all(_cell(second, c) for c in inside):
        return None
    if any(name and c not in inside and name != _cell(first, c) for c, name in enumerate(second)):
        return None
    spread = list(first) + [""] * max(0, max(inside) + 1 - len(first))
    for column, last in spans:
        spread[column + 1 : last + 1] = [spread[column]] * (last - column)
    return merged_names(spread, second)
