"""Columns of a PDF page: the page's own (two columns, a sidebar beside the body) and a table's, from where the
words line up.

A page's columns: a vertical band in the middle of the page that almost no piece of text crosses is the gutter
between two columns; outside the middle, such a band with lines of prose on both sides is the gutter beside a
sidebar (a box of text set beside the body, read after it instead of merged with the body's lines into a table).

A table's columns: a line of a PDF table is split into cells where a gap between words is wide (pdflayout.py
`GAP_EM`: more than 1.5 font sizes); tight tables set their columns closer than that ("Natural Questions 79,168
58,880 8,757" came out as one cell) and a header row of short column names ("NQ TriviaQA WQ TREC SQuAD") came out
as one line, taken for a heading. Here the rows already known to form a table decide the columns: an x band that
none of their words covers is a column gutter; a gap between two words (wider than a word space, `SOFT_GAP_EM`)
that meets a gutter splits the cell there. The rows just above a table whose gaps meet two or more of its gutters
(one, for a table of two columns) are its header rows ("Top-1 Top-5 Top-20", "Sim Loss | Retrieval Accuracy"),
split alike. The gutters come from the rows below a table's first, and a one-word name set over two columns
("Train" over its original and filtered counts) is given to each: a spanning name must not close the gutter beneath
it.

Pure functions over pieces and rows that carry `x0`, `x1`, `text` and `gaps` (pdflayout.py's `Piece` and `Row`); a
split piece is a copy made with `dataclasses.replace`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

_SIDE_BAND = (0.12, 0.88)  # a sidebar's gutter may lie anywhere across this share of the page width
_SIDEBAR_CROSSING = 2  # pieces that may cross a sidebar's gutter (a full-width title, a rule's label)
_SIDEBAR_MIN_GAP = 0.015  # the gutter is at least this share of the page width
_SIDEBAR_MIN_WORDS = 4  # lines on each side of a sidebar's gutter have this many words (median): prose, not cells
SOFT_GAP_EM = 0.8  # a gap between words wider than this many font sizes may separate two table columns
HEADER_ROWS = 2  # rows above (its header) and below a table looked at as rows of it
MIN_HEADER_GAPS = 2  # a row above a table is its header when this many of its gaps meet a gutter (or all of them do)
SPANNING_WORDS = 1  # a name over several columns is spread when it is one word: two may be two names set close

Gap = tuple[int, float, float]  # where the next word starts in the piece's text, x where the gap begins and ends


def gutter(pieces: Sequence[Any], width: float) -> float | None:
    """x of a vertical band of the page that (almost) no piece crosses, with text on both sides: between two
    columns in the middle of the page, or beside a sidebar (`_sidebar_gutter`); None for a page of one column."""
    bands = _bands(pieces)
    x = _least_crossed(bands, 0.3 * width, 0.7 * width)
    if x is not None and _divides(pieces, x, 0.2):
        return x
    return _sidebar_gutter(pieces, bands, width)


def _bands(pieces: Sequence[Any]) -> list[tuple[int, float, float]]:
    """Every x band between two consecutive piece edges, left to right, with how many pieces cross it."""
    events = sorted([(p.x0, 1) for p in pieces] + [(p.x1, -1) for p in pieces])
    bands: list[tuple[int, float, float]] = []
    depth, prev = 0, None
    for x, step in events:
        if prev is not None and x > prev:
            bands.append((depth, prev, x))
        depth += step
        prev = x
    return bands


def _divides(pieces: Sequence[Any], x: float, share: float) -> bool:
    """At most a quarter of the text crosses `x`, and each side holds at least `share` of it."""
    chars = sum(len(p.text) for p in pieces)
    crossing = sum(len(p.text) for p in pieces if p.x0 < x < p.x1)
    left = sum(len(p.text) for p in pieces if p.x1 <= x)
    right = sum(len(p.text) for p in pieces if p.x0 >= x)
    return crossing <= 0.25 * chars and left >= share * chars and right >= share * chars


def _sidebar_gutter(pieces: Sequence[Any], bands: list[tuple[int, float, float]], width: float) -> float | None:
    """x of the gutter beside a sidebar: a band (outside the middle too) crossed by at most `_SIDEBAR_CROSSING`
    pieces, with prose on both sides (`_prose`): a box of text set beside the body, read after it, not merged
    with the body's lines into a table. A table's columns of short cells never qualify."""
    best: tuple[float, float] | None = None  # (width, x)
    for depth, start, end in bands:
        lo, hi = max(start, _SIDE_BAND[0] * width), min(end, _SIDE_BAND[1] * width)
        if depth <= _SIDEBAR_CROSSING and hi - lo >= _SIDEBAR_MIN_GAP * width:
            middle = (lo + hi) / 2
            if (best is None or hi - lo > best[0]) and _divides(pieces, middle, 0.05) and _prose(pieces, middle):
                best = (hi - lo, middle)
    return best[1] if best is not None else None


def _prose(pieces: Sequence[Any], x: float) -> bool:
    """Both sides of `x` hold lines of prose: at least 3 pieces each, most of several words."""
    for side in ([p for p in pieces if p.x1 <= x], [p for p in pieces if p.x0 >= x]):
        words = sorted(len(p.text.split()) for p in side)
        if len(words) < 3 or words[len(words) // 2] < _SIDEBAR_MIN_WORDS:
            return False
    return True


def _least_crossed(bands: list[tuple[int, float, float]], lo: float, hi: float) -> float | None:
    """The middle of the widest x band within [lo, hi] that the fewest pieces cross."""
    clipped = [(depth, max(start, lo), min(end, hi)) for depth, start, end in bands]
    keys = [(depth, -(b - a), (a + b) / 2) for depth, a, b in clipped if b > a]
    return min(keys)[2] if keys else None


def segments(piece: Any) -> list[tuple[float, float]]:
    """The x extents of the piece's word groups (its text cut at its recorded gaps)."""
    return _between(piece.x0, [(left, right) for _, left, right in piece.gaps], piece.x1)


def _between(x0: float, holes: Sequence[tuple[float, float]], x1: float) -> list[tuple[float, float]]:
    """The x extents from `x0` to `x1` left between the `holes` (left to right, inside it)."""
    edges = [x0, *(x for hole in holes for x in hole), x1]
    return [(edges[i], edges[i + 1]) for i in range(0, len(edges), 2)]


def gutters(rows: Sequence[Any]) -> list[tuple[float, float]]:
    """The x bands between the leftmost and rightmost word of `rows` that no word group of theirs covers."""
    spans = sorted(span for row in rows for piece in row.pieces for span in segments(piece))
    bands: list[tuple[float, float]] = []
    reach = None
    for x0, x1 in spans:
        if reach is not None and x0 > reach:
            bands.append((reach, x0))
        reach = x1 if reach is None else max(reach, x1)
    return bands


def meets(left: float, right: float, bands: Sequence[tuple[float, float]]) -> bool:
    """Whether the gap from `left` to `right` overlaps one of `bands` (a table row's gap holds its gutter; a header
    word, wider than the numbers below it, leaves a narrower gap inside the gutter)."""
    return any(left < b and a < right for a, b in bands)


def split_piece(piece: Any, bands: Sequence[tuple[float, float]]) -> list[Any]:
    """The piece cut at each of its gaps that meets one of `bands` (a column gutter)."""
    cuts = [gap for gap in piece.gaps if meets(gap[1], gap[2], bands)]
    if not cuts:
        return [piece]
    out = []
    start, x0 = 0, piece.x0
    for index, left, right in [*cuts, (len(piece.text), piece.x1, piece.x1)]:
        text = piece.text[start:index].strip()
        if text:
            inner = tuple((i - start, a, b) for i, a, b in piece.gaps if start < i < index)
            out.append(replace(piece, x0=x0, x1=left, text=text, gaps=inner))
        start, x0 = index, right
    return out


def spread_piece(piece: Any, bands: Sequence[tuple[float, float]]) -> list[Any]:
    """A column name set over two or more columns ("Train" over its original and filtered counts), once per column
    it spans: cut at each gutter that lies wholly under it, every part with the whole name. A piece of more than
    SPANNING_WORDS words is left whole: "Top-20 Top-100" is two names closer than a column gap, not one over two
    columns (where its words part is not known)."""
    under = [(a, b) for a, b in bands if piece.x0 < a and b < piece.x1]
    if not under or len(piece.text.split()) > SPANNING_WORDS or piece.gaps:
        return [piece]
    return [replace(piece, x0=a, x1=b) for a, b in _between(piece.x0, under, piece.x1)]


def split_row(row: Any, bands: Sequence[tuple[float, float]], *, header: bool = False) -> int:
    """Split the row's pieces at the gutters in `bands` (a `header` row's names spread over the columns they
    span); how many new cuts were made."""
    pieces = [part for piece in row.pieces for part in split_piece(piece, bands)]
    if header and len(pieces) <= len(bands):  # fewer names than columns: some name spans two or more
        pieces = [part for piece in pieces for part in spread_piece(piece, bands)]
    made = len(pieces) - len(row.pieces)
    if made:
        row.pieces = pieces
        row.finish()
    return made


def table_runs(flags: Sequence[bool]) -> list[tuple[int, int]]:
    """(start, end) of each run of consecutive True flags."""
    runs, start = [], None
    for i, flag in enumerate([*flags, False]):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            runs.append((start, i))
            start = None
    return runs


def align_columns(rows: list[Any], flags: Sequence[bool]) -> set[int]:
    """Split every table run's rows (`flags`: the rows known to be table rows) at the run's column gutters, and the
    rows just above (header rows) or below it whose gaps meet its gutters; the indexes of the rows split or taken
    into the table."""
    split: set[int] = set()
    for start, end in table_runs(flags):
        # the gutters of the rows below the first: a column name over two columns must not close their gutter
        bands = gutters(rows[start + 1 if end - start >= 3 else start : end])
        if not bands:
            continue
        split.update(i for i in range(start, end) if split_row(rows[i], bands, header=i == start))
        above = range(start - 1, max(-1, start - 1 - HEADER_ROWS), -1)
        below = range(end, min(len(rows), end + HEADER_ROWS))
        for side in (above, below):  # header rows above; below, a row whose cells all sit close (a last total)
            for i in side:
                if flags[i] or not _is_header(rows[i], bands):
                    break
                split_row(rows[i], bands, header=side is above)
                split.add(i)
    return split


def _is_header(row: Any, bands: Sequence[tuple[float, float]]) -> bool:
    """Column names above a table: its wide gaps (inside its pieces or between them) meet two of the table's
    gutters, or all of them meet one (two names over a table of three columns); and it is no sentence (a caption
    or the line introducing the table ends with a stop or a colon)."""
    if row.text.rstrip().endswith((".", ":", ";", ",")):
        return False
    gaps = [(left, right) for piece in row.pieces for _, left, right in piece.gaps]
    gaps += [(a.x1, b.x0) for a, b in zip(row.pieces, row.pieces[1:])]
    met = sum(meets(left, right, bands) for left, right in gaps)
    return met >= min(MIN_HEADER_GAPS, len(bands)) or 0 < met == len(gaps)
