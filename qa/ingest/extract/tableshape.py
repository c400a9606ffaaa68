"""Tables whose rows on the page are not the rows of the table: copies set side by side, tables inside cells.

Side by side: "| Index | Style | Index | Style |" over "| 01H | Thin | 08H | Medium dashed |" is one table of
eight rows set in two halves to save space, as a page prints a list of codes or a ranking ("Rank | Name | Pop."
twice, ranks 1–10 on the left, 11–20 on the right). Read across, a row pairs two unrelated records, and a question
naming "08H" finds a row whose "Style" could be "Thin". Unfolded, each half's rows follow the one before, under one
header, in the order the list runs (down the left half, then down the right): `side_by_side`.

Inside a cell: a table that is all a cell holds (lining up codes and their names) is rows of the table around it,
in the columns the cell spans, not one cell "01H Thin 02H Medium …": `with_inner_rows`; in a header, a name over
the names it spans ("Occurs in BIFF versions" over "2 | 3 | 5 | 8") names each column by both: `spread_names`.

Columns no row writes in are cut from a table's end first (`without_blank_tail`); `table_lines` does both steps.

The Word, HTML and OpenDocument readers hand their tables' rows (cell texts in their columns) here before writing.
"""

from __future__ import annotations

from collections.abc import Sequence

from .blocks import merged_names

InnerTables = dict[int, tuple[int, list[list[str]]]]  # a row's cells holding tables: column → (span, rows)

MIN_NAMES = 2  # a half has at least two columns: "| Name | Name |" is a header, not two copies of one
HEADER_ROWS = 3  # the repeated header is looked for in a table's first rows (a title row or two may stand above it)


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


def table_lines(rows: Sequence[Sequence[str]]) -> list[list[str]]:
    """A table's rows as they are written: the columns no row writes in cut from the end (`without_blank_tail`),
    then a table set side by side unfolded (`side_by_side`)."""
    return side_by_side(without_blank_tail(rows))


def without_blank_tail(rows: Sequence[Sequence[str]]) -> list[list[str]]:
    """Each row cut after the last column any row writes in. A document may give its rows more cells than its
    header names: the OpenOffice Excel format manual's "| 00E5H | MERGEDCELLS | … | ● |" rows end in four blank
    cells its seven-name header lacks, and a row of another width than its header's is read by no column name."""
    width = max((i + 1 for row in rows for i, cell in enumerate(row) if cell.strip()), default=0)
    return [list(row[:width]) for row in rows]


def side_by_side(rows: Sequence[Sequence[str]]) -> list[list[str]]:
    """The rows with a table set side by side unfolded (see the module's docstring): from its repeated header (in
    its first HEADER_ROWS rows) on, each copy's cells of every row, copy after copy; the columns before and after
    the copies stay with the first (blank in the others); a row with no text in a copy is left out of it. Rows
    above the header (a title) stay first; a table without a repeated header is returned as it is."""
    found = next(((i, shape) for i, row in enumerate(rows[:HEADER_ROWS]) if (shape := repeated_header(row))), None)
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


def with_inner_rows(cells: list[str], inner: InnerTables) -> list[list[str]]:
    """The row as the page shows it when cells hold tables of their own (`inner`: column → (columns the cell
    spans, the inner table's rows)): one line per row of the longest, each inner row's cells in the columns its
    cell spans (cells past them joined into the last), the row's other cells on its first line."""
    if not inner:
        return [cells]
    width = max([len(cells), *(column + span for column, (span, _) in inner.items())])
    lines = []
    for i in range(max(len(rows) for _, rows in inner.values())):
        line = cells + [""] * (width - len(cells)) if i == 0 else [""] * width
        for column, (span, rows) in inner.items():
            placed = rows[i] if i < len(rows) else []
            if len(placed) > span:
                placed = [*placed[: span - 1], " ".join(c for c in placed[span - 1 :] if c)]
            line[column : column + span] = placed + [""] * (span - len(placed))
        last_written = max((j + 1 for j, cell in enumerate(line) if cell), default=0)
        lines.append(line[: max(len(cells), last_written)])  # no empty cells past the row's own
    return lines


def names_over_names(inner: InnerTables) -> bool:
    """Whether each table inside the row's cells is a name over the names it spans: two rows, one cell written in
    the first and two or more in the second ("Occurs in BIFF versions" over "2 | 3 | 4 | 5 | 8")."""
    written = [[sum(1 for c in line if c.strip()) for line in lines] for _, lines in inner.values()]
    return bool(written) and all(len(counts) == 2 and counts[0] == 1 and counts[1] > 1 for counts in written)


def spread_names(lines: list[list[str]], inner: InnerTables) -> list[str]:
    """A header row whose cell holds a two-row table ("Occurs in BIFF versions" over "2 | 3 | 4 | 5 | 8") as one
    row: each column named by both rows, the upper name given to every column its cell spans ("Occurs in BIFF
    versions 2"), as a merged header is written (`blocks.merged_names`)."""
    upper = lines[0] + [""] * (len(lines[1]) - len(lines[0]))
    for column, (span, _) in inner.items():
        for j in range(column + 1, min(column + span, len(upper))):
            upper[j] = upper[j] or upper[j - 1]
    return merged_names(upper, lines[1])
