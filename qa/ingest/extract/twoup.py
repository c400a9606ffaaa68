"""Tables set side by side: a long two-column list printed as two (or more) copies of one table next to each other.

"| Index | Style | Index | Style |" with "| 01H | Thin | 08H | Medium dashed |" below is one table of eight rows
set in two halves to save space, as a page prints a list of codes or a ranking ("Rank | Name | Pop." twice, ranks
1–10 on the left, 11–20 on the right). Read across, a row pairs two unrelated records, and a question naming "08H"
finds a row whose "Style" could be "Thin". Unfolded, each half's rows follow the one before, under one header, in
the order the list runs (down the left half, then down the right). The word and HTML readers and the OpenDocument
reader hand their tables' rows here before writing them; the rows are cell texts in their columns.
"""

from __future__ import annotations

from collections.abc import Sequence

MIN_NAMES = 2  # a half has at least two columns: "| Name | Name |" is a header, not two copies of one


def repeated_header(cells: Sequence[str]) -> tuple[int, int, int] | None:
    """(offset, names per copy, copies) when the row's cells, empty ones at either end aside, are one sequence of
    names written two or more times ("Rank | Name | Rank | Name"); None otherwise. Every name is written (an empty
    name could be any column) and a copy's names are not all the same."""
    start = next((i for i, c in enumerate(cells) if c.strip()), len(cells))
    end = len(cells) - next((i for i, c in enumerate(reversed(cells)) if c.strip()), len(cells))
    core = [c.strip() for c in cells[start:end]]
    for width in range(MIN_NAMES, len(core) // 2 + 1):
        if len(core) % width:
            continue
        names = core[:width]
        if not all(names) or len(set(names)) == 1:
            continue
        if all(core[i : i + width] == names for i in range(0, len(core), width)):
            return start, width, len(core) // width
    return None


def side_by_side(rows: Sequence[Sequence[str]]) -> list[list[str]]:
    """The rows with a table set side by side unfolded (see the module's docstring): from its repeated header on,
    each copy's cells of every row, copy after copy; the columns before and after the copies stay with the first
    (blank in the others); a row with no text in a copy is left out of it. Rows above the header (a
    title) stay first; a table without a repeated header is returned as it is."""
    found = next(((i, shape) for i, row in enumerate(rows) if (shape := repeated_header(row))), None)
    if found is None:
        return [list(row) for row in rows]
    at, (offset, width, copies) = found
    end = offset + width * copies
    unfolded = [list(row) for row in rows[:at]]
    for copy in range(copies):
        lo = offset + copy * width
        for row in rows[at + 1 if copy else at :]:
            row = list(row) + [""] * (len(rows[at]) - len(row))  # a short row: its missing cells are empty
            outside = row[:offset] + row[end:]
            if copy:
                outside = [""] * len(outside)
            part = row[lo : lo + width]
            if any(c.strip() for c in part + outside):
                unfolded.append(outside[:offset] + part + outside[offset:])
    return unfolded
