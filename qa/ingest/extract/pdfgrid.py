"""A PDF table as a grid: every cell in its column, the header's rows merged into one row of column names, and a
group's name set beside its rows written into each of them.

A PDF has no table, only words placed on a page; pdflayout.py finds the rows and pdfcolumns.py the gutters between
columns. Written as the pieces come, a row with an empty cell shifts every cell after it one column left, a name
set over several columns ("Top-20" over five data sets) names one, and a group's name set between its rows
("Single" beside two rows of results) becomes a row of its own — the reader then takes a number of one column for
another's. Here each piece is placed in the column under it, so a row keeps its empty cells:

    | Training | Retriever | Top-20 NQ | Top-20 TriviaQA | … | Top-100 TREC |
    | Single | DPR | 78.4 | 79.4 | … | 89.1 |

- the columns are the bands between the gutters of the body rows (below the header), which a name over several
  columns would close; a first row holding a number is a row of data (no header);
- a second header row is one that splits the first's names further (more names, each with a letter, none a
  number); the first row's names are spread over the columns they stand centred over, within the room between
  their neighbours, and each column's name is its names top to bottom ("Top-100 TREC"). Two names set closer than
  a cell gap over two columns ("Sim Loss") are cut into words, unless a lower row names those columns ("Non-Hispanic
  white" over "Male | Female" is one name);
- a group name alone in the first column, whose rows leave that column empty, is written into them: as many rows
  above it as below when it stands between two rows (half a row's pitch from each: set centred beside its group)
  or just off the middle one's line, else the rows below it, up to the next row with a first cell. A group name
  that names no row stays a row of its own; one on the very line of a row ("Single" in the middle of three, read
  as that row's first cell) is left as it stands, since a name set on its group's first line reads the same.

Pure: rows as pdflayout.py makes them (pieces with `x0`, `x1`, `top`, `bottom`, `size`, `text`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from statistics import median
from typing import Any

from ..tokens import has_letter
from .pdfcolumns import gutters, split_piece

CENTRED_EM = 1.0  # a spanning name is centred over its columns within this many font sizes
CENTRED_PITCH = 0.75  # a group name nearer than this share of the row pitch to the rows on both sides is centred
ON_LINE_PITCH = 0.35  # a group name nearer than this share of the row pitch to a row stands on that row's line
_NUMBER = re.compile(r"^[\s\d.,%+\-–−()]+$")

Column = tuple[float, float]


def table_grid(rows: Sequence[Any]) -> list[list[str]] | None:
    """The table's rows as cells in their columns, header first (its rows merged; a first row holding a number is
    a row of data, not a header: "| I | 39053 | 0 |" of a table cut in groups); None when the rows are no grid
    (they are then written piece by piece, as they come): fewer than two columns, two pieces of a row over one
    column, or fewer than two rows (and than half of the rows of two or more cells) filling every column once group
    names are written in — bars of a chart with their values, numbered lines of a transcript, two columns of prose."""
    if len(rows) < 3:
        return None
    top = _header_rows(rows)
    columns = columns_of(rows[top:])
    bands = [(left[1], right[0]) for left, right in zip(columns, columns[1:])]  # the gutters between them
    body = [place(row, columns) for row in rows[top:]]
    if len(columns) < 2 or any(cells is None for cells in body):
        return None
    written = _with_group_names(rows[top:], body)
    header = header_names(rows[:top], columns, bands) if top else []
    full = sum(len(cells) == len(columns) and all(cells) for cells in written)
    if header is None or full < max(2, sum(len(cells) > 1 for cells in written) / 2):
        return None
    return [header, *written] if header else written


def _header_rows(rows: Sequence[Any]) -> int:
    """How many rows the header has: two when the second splits the first's names further, else one when the first
    row is all names, else none (a first row holding a number is data)."""
    if _second_header(rows):
        return 2
    return 1 if all(_is_name(p.text) for p in rows[0].pieces) else 0


def _second_header(rows: Sequence[Any]) -> bool:
    """Whether the second row splits the first row's names further: more names, each with a letter and none a
    number ("Top-20 | Top-100" over "NQ | TriviaQA | …"), with rows of a body below both."""
    first, second = rows[0].pieces, rows[1].pieces
    return (
        len(rows) >= 4
        and len(second) > len(first)
        and all(_is_name(p.text) for p in (*first, *second))
        and len(columns_of(rows[2:])) > len(first)
    )


def _is_name(text: str) -> bool:
    return has_letter(text) and not _NUMBER.match(text)


def columns_of(rows: Sequence[Any]) -> list[Column]:
    """The x extents of the columns: from the rows' leftmost to rightmost word, parted at their gutters."""
    pieces = [p for row in rows for p in row.pieces]
    if not pieces:
        return []
    edges = [min(p.x0 for p in pieces), *(x for band in gutters(rows) for x in band), max(p.x1 for p in pieces)]
    return [(edges[i], edges[i + 1]) for i in range(0, len(edges), 2)]


def _overlap(x0: float, x1: float, column: Column) -> float:
    return min(x1, column[1]) - max(x0, column[0])


def column_under(piece: Any, columns: Sequence[Column]) -> int:
    """The column the piece overlaps most (the leftmost of equals); the nearest one when it overlaps none."""
    best = max(range(len(columns)), key=lambda i: (_overlap(piece.x0, piece.x1, columns[i]), -i))
    if _overlap(piece.x0, piece.x1, columns[best]) > 0:
        return best
    middle = (piece.x0 + piece.x1) / 2
    return min(range(len(columns)), key=lambda i: abs((columns[i][0] + columns[i][1]) / 2 - middle))


def place(row: Any, columns: Sequence[Column]) -> list[str] | None:
    """The row's cells, one per column ("" where it has none); None when two of its pieces stand over one column
    (the columns found are not the table's)."""
    cells = [""] * len(columns)
    for piece in row.pieces:
        i = column_under(piece, columns)
        if cells[i]:
            return None
        cells[i] = piece.text
    return cells


def header_names(rows: Sequence[Any], columns: Sequence[Column], bands: Sequence[Column]) -> list[str] | None:
    """Each column's name: the names above it top to bottom (`header_pieces`); over a second header row, the first
    row's names are spread over the columns each stands centred over (`spans`). None when two names of a row stand
    over one column."""
    lower = header_pieces(rows[-1], columns, bands, set())
    below = {column_under(p, columns) for p in lower} if len(rows) == 2 else set()
    names: list[list[str]] = [[] for _ in columns]
    for depth, row in enumerate(rows):
        pieces = lower if depth == len(rows) - 1 else header_pieces(row, columns, bands, below)
        placed = (
            spans(pieces, columns) if depth == 0 and len(rows) == 2 else [(column_under(p, columns),) for p in pieces]
        )
        if len({under[0] for under in placed}) < len(placed):
            return None
        for piece, under in zip(pieces, placed):
            for i in under:
                if piece.text not in names[i]:
                    names[i].append(piece.text)
    return [" ".join(parts) for parts in names]


def header_pieces(row: Any, columns: Sequence[Column], bands: Sequence[Column], below: set[int]) -> list[Any]:
    """A header row's names: each piece cut where a wide gap in it meets a gutter of the body, and a piece set over
    as many columns as it has words cut into words (`names_over`: "Top-20 Top-100", closer than a cell gap) unless a
    lower header row names one of those columns (`below`): then it is one name over them ("Non-Hispanic white" over
    "Male | Female")."""
    out = []
    for piece in row.pieces:
        for part in split_piece(piece, bands):
            over = {i for i, column in enumerate(columns) if _overlap(part.x0, part.x1, column) > 0}
            out += [part] if over & below else names_over(part, columns)
    return out


def names_over(piece: Any, columns: Sequence[Column]) -> list[Any]:
    """A header piece of as many words as the columns it overlaps, each word over a column of its own ("Top-20
    Top-100" set closer than a cell gap), cut into one piece per word, its place estimated from its share of the
    characters; else the piece as it is ("Retrieval Accuracy" over four columns)."""
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", piece.text)]
    overlapped = [i for i, column in enumerate(columns) if _overlap(piece.x0, piece.x1, column) > 0]
    if len(words) < 2 or len(words) != len(overlapped):
        return [piece]
    scale = (piece.x1 - piece.x0) / len(piece.text)
    parts = [
        replace(piece, x0=piece.x0 + a * scale, x1=piece.x0 + b * scale, text=piece.text[a:b], gaps=())
        for a, b in words
    ]
    return parts if [column_under(part, columns) for part in parts] == overlapped else [piece]


def spans(pieces: Sequence[Any], columns: Sequence[Column]) -> list[tuple[int, ...]]:
    """The columns each name of a header row stands over, left to right: of the columns between the last one its
    left neighbour took and the one under its right neighbour, the widest run holding the column under it whose
    middle is within `CENTRED_EM` of the name's middle (no nearer run than that: a name over one column of two
    stays over one)."""
    under = [column_under(piece, columns) for piece in pieces]
    out: list[tuple[int, ...]] = []
    for j, piece in enumerate(pieces):
        low = max(under[j - 1], out[-1][-1]) + 1 if j > 0 else 0
        high = under[j + 1] - 1 if j + 1 < len(pieces) else len(columns) - 1
        middle = (piece.x0 + piece.x1) / 2
        runs = [(a, b) for a in range(low, under[j] + 1) for b in range(under[j], high + 1)]
        offsets = {run: abs((columns[run[0]][0] + columns[run[1]][1]) / 2 - middle) for run in runs}
        nearest = min(offsets.values(), default=0.0)
        fits = [run for run in runs if offsets[run] <= nearest + CENTRED_EM * piece.size]
        first, last = max(fits, key=lambda run: (run[1] - run[0], -offsets[run]), default=(under[j], under[j]))
        out.append(tuple(range(first, last + 1)))
    return out


def _with_group_names(rows: Sequence[Any], cells: list[list[str]]) -> list[list[str]]:
    """The body rows with each group name written into the first cell of the rows it names (its own row left
    out); a group name that names no row is written alone, as it stands."""
    names = [i for i, row in enumerate(rows) if _group_name(row, cells[i])]
    others = [i for i in range(len(rows)) if i not in names]
    named: dict[int, int] = {}
    if names and len(others) >= 2:
        pitch = median(_middle(rows[a]) - _middle(rows[b]) for a, b in zip(others, others[1:]))
        for j in names:
            for i in _named_rows(j, rows, cells, pitch, set(names) | set(named)):
                named[i] = j
    used = set(named.values())
    out = []
    for i, row_cells in enumerate(cells):
        if i in named:
            out.append([cells[named[i]][0], *row_cells[1:]])
        elif i not in names:
            out.append(row_cells)
        elif i not in used:
            out.append([row_cells[0]])
    return out


def _group_name(row: Any, cells: list[str]) -> bool:
    """A row of one piece, in the first column."""
    return len(row.pieces) == 1 and bool(cells[0]) and not any(cells[1:])


def _middle(row: Any) -> float:
    return (row.top + row.bottom) / 2


def _named_rows(j: int, rows: Sequence[Any], cells: list[list[str]], pitch: float, taken: set[int]) -> list[int]:
    """The rows the group name in row `j` names: rows with an empty first cell and two or more cells, next to it
    and to each other. A name set centred beside its rows names as many above as below it: standing between two
    rows (nearer to each than `CENTRED_PITCH` of a row's pitch), or on the line of the middle one of an odd number
    (nearer to it than `ON_LINE_PITCH`), which it names too; any other name names the rows below it."""

    def run(step: int) -> list[int]:
        found, i = [], j + step
        while 0 <= i < len(rows) and i not in taken and not cells[i][0] and sum(map(bool, cells[i])) >= 2:
            found.append(i)
            i += step
        return found

    above, below = run(-1), run(1)
    gaps = {k: abs(_middle(rows[k]) - _middle(rows[j])) for k in (above[:1] + below[:1])}
    on_line = [k for k, gap in gaps.items() if gap < ON_LINE_PITCH * pitch]
    if len(on_line) == 1:  # the middle row of the group (next to the name): as many rows on each side of it
        middle = on_line[0]
        before, after = (above, below[1:]) if middle in below else (above[1:], below)
        count = min(len(before), len(after))
        return [*before[:count], middle, *after[:count]]
    if len(gaps) == 2 and all(gap < CENTRED_PITCH * pitch for gap in gaps.values()):
        count = min(len(above), len(below))
        return above[:count] + below[:count]
    return below
