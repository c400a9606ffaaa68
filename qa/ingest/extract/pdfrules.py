"""A ruled PDF table whose cells wrap: each cell's lines joined into one piece, so a row of long cells is one row.

A table of prose cells (a question, then the passage each system returned) is drawn with rules: horizontal ones
over and under each row, vertical ones between the columns. Its cells wrap over several lines, and read line by
line its rows interleave: the second line of the question beside the second lines of both passages. Here, between
two horizontal rules of the same width (a band) and across vertical rules that run the band's height (its
columns), a cell's line is joined to the one above it when it continues it: it starts at the same left edge and
its first word would not have fitted after the line above within the column (its right rule less the padding the
text keeps from its left rule). A new row starts in a band where its first column starts a line afresh and no
cell continues one, so a band holding rows without rules between them keeps them. The joined piece stands on its
row's first line, so the row's cells share one line and the layout (pdflayout.py, pdfgrid.py) reads them as one
row of cells, whatever the gap between them.

A band is left as it is when nothing in it wraps, a column holds two pieces side by side (columns set apart by
gaps under one rule: a group's name beside its rows, five numbers under "Top-20"), or a piece crosses a vertical
rule. Rules are thin filled rectangles or stroked lines as pdfium bounds them (a stroked rectangle, a cell drawn
as a box, as its four sides: pdf.py); a rule drawn in pieces (one per cell, or per line of text) is joined where
its pieces meet. Pure: pieces (pdflayout.py) and the boxes of the page's path objects (pdf.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from .blocks import join_line
from .pdflayout import Piece, hyphens_shown, lines_of

Box = tuple[float, float, float, float]  # left, bottom, right, top in points (y up), as pdfium bounds objects

RULE_WIDTH = 2.0  # a rule is at most this thick
MIN_RULE_LENGTH = 20.0  # a horizontal rule is at least this long (shorter: an underline, a glyph's stroke)
RULE_JOIN = 3.0  # pieces of a rule this close (or overlapping) along it are one rule
EDGE = 3.0  # rules meet (a table's rules share their ends, a vertical one runs a band's height) within this
MAX_PATHS = 2000  # a page with more path objects is a drawing: its rules are not looked for


def rules(boxes: Sequence[Box]) -> tuple[list[Box], list[Box]]:
    """The horizontal rules, top to bottom, and the vertical ones, left to right; a rule drawn in pieces (one per
    cell, or per line of text) is joined where its pieces meet."""
    flat = [b for b in boxes if b[3] - b[1] <= RULE_WIDTH and b[2] - b[0] > RULE_WIDTH]
    upright = [b for b in boxes if b[2] - b[0] <= RULE_WIDTH and b[3] - b[1] > RULE_WIDTH]
    horizontal = [b for b in _joined_rules(flat, across=1) if b[2] - b[0] >= MIN_RULE_LENGTH]
    return sorted(horizontal, key=lambda b: -b[3]), _joined_rules(upright, across=0)


def _joined_rules(segments: Sequence[Box], across: int) -> list[Box]:
    """Segments on one line (their `across` coordinate, 0 for x and 1 for y, within RULE_WIDTH) that meet or
    overlap along it, joined into one box each."""
    along = 1 - across
    lines: list[list[Box]] = []
    for box in sorted(segments, key=lambda b: b[across]):
        if lines and box[across] - lines[-1][0][across] <= RULE_WIDTH:
            lines[-1].append(box)
        else:
            lines.append([box])
    out: list[Box] = []
    for line in lines:
        run: Box | None = None
        for part in sorted(line, key=lambda b: b[along]):
            if run is not None and part[along] <= run[along + 2] + RULE_JOIN:
                run = (min(run[0], part[0]), min(run[1], part[1]), max(run[2], part[2]), max(run[3], part[3]))
                continue
            if run is not None:
                out.append(run)
            run = part
        out.append(run)  # type: ignore[arg-type]  # a line holds one segment at least
    return out


def edges(box: Box) -> list[Box]:
    """The four sides of a stroked rectangle (a table cell drawn as a box), each as a thin box."""
    left, bottom, right, top = box
    return [
        (left, top, right, top),
        (left, bottom, right, bottom),
        (left, bottom, left, top),
        (right, bottom, right, top),
    ]


def bands(horizontal: Sequence[Box]) -> list[Box]:
    """Each stretch between two consecutive horizontal rules of the same width (same ends): a row of a table."""
    out: list[Box] = []
    for i, upper in enumerate(horizontal):
        lower = next((b for b in horizontal[i + 1 :] if _same_ends(upper, b)), None)
        if lower is not None:
            out.append((upper[0], lower[3], upper[2], upper[1]))
    return out


def _same_ends(a: Box, b: Box) -> bool:
    return abs(a[0] - b[0]) <= EDGE and abs(a[2] - b[2]) <= EDGE


def column_edges(band: Box, vertical: Sequence[Box]) -> list[float]:
    """The x of the band's sides and of each vertical rule inside it that runs its height."""
    left, bottom, right, top = band
    inside = [
        (v[0] + v[2]) / 2
        for v in vertical
        if left + EDGE < (v[0] + v[2]) / 2 < right - EDGE and v[1] <= bottom + EDGE and v[3] >= top - EDGE
    ]
    return [left, *inside, right]


def _column_lines(pieces: Sequence[Piece], edges: Sequence[float]) -> list[list[Piece]] | None:
    """The band's pieces by column, top to bottom; None when a piece crosses a rule or shares its line with
    another piece of its column."""
    columns: list[list[Piece]] = [[] for _ in edges[1:]]
    for piece in pieces:
        inside = [i for i, (a, b) in enumerate(zip(edges, edges[1:])) if piece.x0 >= a - EDGE and piece.x1 <= b + EDGE]
        if not inside:
            return None
        columns[inside[0]].append(piece)
    for column in columns:
        column.sort(key=lambda p: -p.top)
        if any(_same_line(a, b) for a, b in zip(column, column[1:])):
            return None
    return columns


def _same_line(a: Piece, b: Piece) -> bool:
    middle = (b.top + b.bottom) / 2
    return a.bottom <= middle <= a.top


def wraps(line: Piece, following: Piece, right: float) -> bool:
    """`following` continues `line`'s text: it starts at the same left edge, is prose (no gaps wider than a word
    space: not a row of column names set close), and its first word (its width estimated from its share of the
    piece's characters) would have run past `right`, the column's text edge."""
    if following.gaps or abs(following.x0 - line.x0) > following.size:
        return False
    word = following.text.split()[0]
    width = (following.x1 - following.x0) * (len(word) + 1) / max(len(following.text), 1)
    return line.x1 + width > right


def _continuations(columns: Sequence[Sequence[Piece]], edges: Sequence[float]) -> set[int]:
    """The pieces (by id) that continue the line above them in their cell. A column's text edge is its right rule
    less the padding its text keeps from its left rule."""
    out: set[int] = set()
    for column, left, right in zip(columns, edges, edges[1:]):
        if len(column) < 2:
            continue
        padding = max(min(p.x0 for p in column) - left, 0.0)
        out |= {id(b) for a, b in zip(column, column[1:]) if wraps(a, b, right - padding)}
    return out


def _rows(columns: Sequence[Sequence[Piece]], continued: set[int]) -> list[list[list[Piece]]]:
    """The band's rows, each its cells' lines by column: a new row starts on a line where the first column starts
    a line afresh and no cell continues one (one row per line when nothing wraps)."""
    first = {id(p) for p in columns[0]}
    starts = [
        line.top
        for line in lines_of([p for c in columns for p in c])
        if any(id(p) in first for p in line.pieces) and not any(id(p) in continued for p in line.pieces)
    ]
    rows, upper = [], float("inf")
    for cut in [*starts[1:], float("-inf")]:
        rows.append([[p for p in c if cut < p.top <= upper] for c in columns])
        upper = cut
    return rows


def _joined(column: Sequence[Piece], line: Piece) -> Piece:
    """One piece of the cell's lines, standing on `line` (the row's first line)."""
    text = ""
    for piece in column:
        text = join_line(text, hyphens_shown(piece.text.strip()))
    return replace(
        column[0],
        x0=min(p.x0 for p in column),
        x1=max(p.x1 for p in column),
        bottom=line.bottom,
        top=line.top,
        bold=all(p.bold for p in column),
        italic=all(p.italic for p in column),
        text=text,
        gaps=(),
    )


def join_band(pieces: Sequence[Piece], edges: Sequence[float]) -> list[Piece] | None:
    """The band's cells, each row's as one piece per cell, or None when nothing in the band wraps (or the band is
    no grid of one piece per column and line)."""
    if len(edges) < 3:
        return None
    columns = _column_lines(pieces, edges)
    if columns is None:
        return None
    continued = _continuations(columns, edges)
    if not continued:
        return None
    out: list[Piece] = []
    for row in _rows(columns, continued):
        cells = [c for c in row if c]
        first = max((c[0] for c in cells), key=lambda p: p.top)
        out += [_joined(c, first) for c in cells]
    return out


def tables(horizontal: Sequence[Box]) -> list[list[Box]]:
    """The bands of each table: runs of bands each of which starts where the one above ends."""
    out: list[list[Box]] = []
    for band in bands(horizontal):
        last = out[-1][-1] if out else None
        if last and _same_ends(last, band) and abs(last[1] - band[3]) <= EDGE:
            out[-1].append(band)
        else:
            out.append([band])
    return out


def _inside(pieces: Sequence[Piece], band: Box) -> list[Piece]:
    left, bottom, right, top = band
    return [p for p in pieces if bottom < (p.top + p.bottom) / 2 < top and left - EDGE <= p.x0 <= p.x1 <= right + EDGE]


def join_ruled_cells(pieces: list[Piece], boxes: Sequence[Box]) -> list[Piece]:
    """The page's pieces with the cells of each ruled table that has wrapped cells joined, every piece of such a
    table marked `ruled` with the table's number (the layout keeps a table set across a page's gutter whole); the
    rest as they were."""
    if not boxes:
        return pieces
    horizontal, vertical = rules(boxes)
    out = list(pieces)
    for number, table in enumerate(tables(horizontal) if vertical else [], 1):
        out = _join_table(out, table, vertical, number)
    return out


def _join_table(pieces: list[Piece], table: Sequence[Box], vertical: Sequence[Box], number: int) -> list[Piece]:
    """The pieces with the table's joined when a band of it has wrapped cells, else as they were."""
    parts = [(_inside(pieces, band), band) for band in table]
    joined = [join_band(inside, column_edges(band, vertical)) if inside else None for inside, band in parts]
    if all(j is None for j in joined):
        return pieces
    taken = {id(p) for inside, _ in parts for p in inside}
    cells = [p for (inside, _), j in zip(parts, joined) for p in (inside if j is None else j)]
    return [p for p in pieces if id(p) not in taken] + [replace(p, ruled=number) for p in cells]
