"""HTML tables as rows of cells in their columns: a cell spanning rows holds its column in the rows below (its text
repeated there when a short label), a cell spanning columns is followed by empty cells, a header of two rows is
written as one. Pure over selectolax nodes; the cell text is read by the caller's reader (html.py's `_text`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .blocks import SPANNED_LABEL_CHARS, merged_names


def children(node):  # type: ignore[no-untyped-def]
    """A node's children, in order."""
    child = node.child
    while child is not None:
        yield child
        child = child.next


def table_rows(table, text_of: Callable[[Any], str]) -> list[list[str]]:  # type: ignore[no-untyped-def]
    """The table's rows (not those of tables nested in it) as cell texts in their columns (`_grid`), each cell's
    text as `text_of` reads it."""
    return _grid(_own_rows(table), text_of)


def _span(cell, name: str) -> int:  # type: ignore[no-untyped-def]
    """A cell's `rowspan` or `colspan` (1 when it has none); a runaway one read by its first 12 digits (the callers
    cap it at the table's size), since int() refuses more than 4,300."""
    value = (cell.attributes.get(name) or "").strip()
    return int(value[:12]) if value.isdigit() else 1


def _grid(rows: list, text_of: Callable[[Any], str]) -> list[list[str]]:  # type: ignore[type-arg]
    """Each row's cell texts in the columns they stand in: a cell spanning rows (`rowspan`: "Single" beside the
    two rows of its group, a year over its quarters) holds its column in the rows below it too, its text repeated
    there when it is a short label (`SPANNED_LABEL_CHARS`, no picture), else left empty; a cell spanning columns
    is followed by empty cells, up to the width of the table's widest row (so no attribute makes a row longer than
    the table). A row of one filled cell (a sub-heading inside the table) stays one cell."""
    cells_of = [[cell for cell in children(row) if cell.tag in ("td", "th")] for row in rows]
    width = max((len(cells) for cells in cells_of), default=0)
    below: dict[int, tuple[int, str]] = {}  # column → (rows it still holds, text repeated there)
    grid = []
    for cells in cells_of:
        texts = [text_of(cell) for cell in cells]
        if not below and (len(texts) == 1 or sum(1 for text in texts if text) == 1):
            grid.append([text for text in texts if text])  # a row spanning the table: a sub-heading inside it
        else:
            grid.append(_placed(cells, texts, below, width, len(rows)))
    return _merged_header(cells_of, grid, width, text_of)


def _merged_header(
    cells_of: list,
    grid: list[list[str]],
    width: int,
    text_of: Callable[[Any], str],  # type: ignore[type-arg]
) -> list[list[str]]:
    """The grid with a header of two rows written as one: when the first row below any title rows is all column
    names (`th`) and one of them spans several columns ("Votes" over "Number | %"), and the row below it is all
    names too, each column is named by both ("Votes Number", "Votes %"; a name spanning both rows once). The reader
    then tells the share from the count."""
    top = 0
    while top < len(grid) and len(grid[top]) <= 1:  # title rows above the table
        top += 1
    if top + 2 >= len(grid) or not all(_is_header_row(cells_of[top + i]) for i in (0, 1)):
        return grid
    spread = [text for cell in cells_of[top] for text in [text_of(cell)] * min(_span(cell, "colspan"), width)]
    if not any(1 < _span(cell, "colspan") < width for cell in cells_of[top]) or len(spread) != len(grid[top + 1]):
        return grid
    return [*grid[:top], merged_names(spread, grid[top + 1]), *grid[top + 2 :]]


def _is_header_row(cells: list) -> bool:  # type: ignore[type-arg]
    return bool(cells) and all(cell.tag == "th" for cell in cells)


def _placed(cells: list, texts: list[str], below: dict[int, tuple[int, str]], width: int, height: int) -> list[str]:  # type: ignore[type-arg]
    """One row's texts in their columns, after the cells of rows above that still hold a column (`below`, updated
    with this row's cells spanning rows)."""
    line: list[str] = []
    for cell, text in zip(cells, texts):
        _fill_held(line, below)
        first, rows_held = len(line), min(_span(cell, "rowspan"), height)
        pictured = cell.css_first("img") is not None  # pictures beside the rows, not a label of theirs
        label = text if len(text) <= SPANNED_LABEL_CHARS and not pictured else ""
        for column in range(first, min(first + _span(cell, "colspan"), max(width, first + 1))):
            if rows_held > 1:
                below[column] = (rows_held - 1, label if column == first else "")
            line.append(text if column == first else "")
    _fill_held(line, below)
    return line


def _fill_held(line: list[str], below: dict[int, tuple[int, str]]) -> None:
    """`line` extended over the columns that cells of rows above still hold, each with its repeated text (counting
    down the rows it holds)."""
    while len(line) in below:
        left, text = below[len(line)]
        if left > 1:
            below[len(line)] = (left - 1, text)
        else:
            del below[len(line)]
        line.append(text)


def _own_rows(table) -> list:  # type: ignore[no-untyped-def]
    """The `<tr>`s of this table, not of tables nested in it, in document order (one pass, no walk up per row)."""
    rows = []
    stack: list[object] = []
    child = table.child
    while True:
        while child is None:
            if not stack:
                return rows
            child = stack.pop()
        if child.tag == "tr":
            rows.append(child)
        if child.tag != "table" and child.child is not None:
            stack.append(child.next)
            child = child.child
            continue
        child = child.next
