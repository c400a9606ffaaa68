"""The layout of one PDF page: pieces of text (a run of words on a line, with its box, size and style) into
blocks of rows in reading order. Rows are pieces sharing a baseline; consecutive rows of cells are a table (its
columns found by pdfcolumns.py); a gutter makes two columns, read left then right between full-width rows, except
a table set across both, which stays whole; rotated text is set aside. Pure: the text layer (pdf.py) and OCR
(ocr_layout.py) both give pieces.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .pdfcolumns import Gap, align_columns, gutter

GAP_EM = 1.5  # a gap wider than this many font sizes between words splits a line into pieces
HEADING_MAX_WORDS = 14  # a heading is a short line: at most this many words
SENTENCE_END = tuple(".!?:")
_BULLETS = frozenset("•·▪●◦‣–-*○►▸▹▶◆◇■□❖➢➤✓✔➔→")
# Bullets drawn with a symbol font often come out as private-use code points, or as shapes, dingbats or arrows
_BULLET_BLOCKS = ((0xE000, 0xF8FF), (0x25A0, 0x25FF), (0x2700, 0x27BF), (0x2190, 0x21FF))
_LABEL_WORDS = 3  # a line of at most this many words between two table rows is a label of the table
_CELL_WORDS = 5  # the cells of a table set across both columns of a page have at most this many words
_TABLE_ROWS = 3  # rows of such cells in a row that make a table inside a band of two-column prose
# A figure's or table's caption opens with its label: "Figure 7-26.", "Fig. 3:", "Table 2.1."
_FLOAT_CAPTION = re.compile(r"[^\W\d_]{2,12}\.?\s?\d+(?:[.\-–]\d+)*[.:](?:\s|$)")
_CAPTION_LINES = 3  # a caption ending a column has at most this many lines


@dataclass
class Piece:
    """A run of words on one line of a page, in points (y up), set apart from its neighbours by wide gaps."""

    x0: float
    x1: float
    bottom: float
    top: float
    size: float
    bold: bool
    text: str
    italic: bool = False
    gaps: tuple[Gap, ...] = ()  # gaps between its words wider than a word space (pdfcolumns.py: table columns)
    ruled: int = 0  # the number of its ruled table of wrapped cells (pdfrules.py), kept whole across a gutter


@dataclass
class Row:
    """Pieces sharing a baseline; `finish` sets the row's box, size, style and text from them."""

    pieces: list[Piece]
    x0: float = 0.0
    x1: float = 0.0
    bottom: float = 0.0
    top: float = 0.0
    size: float = 0.0
    bold: bool = False
    italic: bool = False
    table: bool = False
    margin: bool = False  # rotated text beside the page body (a stamp, a running title set sideways)
    aligned: bool = False  # its cells were split at a table's column gutters (pdfcolumns.py)
    text: str = field(default="")

    def finish(self) -> Row:
        self.pieces.sort(key=lambda p: p.x0)
        self.x0 = min(p.x0 for p in self.pieces)
        self.x1 = max(p.x1 for p in self.pieces)
        self.bottom = min(p.bottom for p in self.pieces)
        self.top = max(p.top for p in self.pieces)
        self.size = max(p.size for p in self.pieces)
        self.bold = all(p.bold for p in self.pieces)
        self.italic = all(p.italic for p in self.pieces)
        self.text = " ".join(p.text for p in self.pieces)
        return self


def rows_of(pieces: list[Piece]) -> list[Row]:
    """Pieces sharing a baseline, top to bottom, as a block's rows: bullets joined to their items, tables marked
    and their columns found."""
    rows = [_bulleted(row) for row in lines_of(pieces)]
    _mark_tables(rows)
    for i in align_columns(rows, [row.table for row in rows]):  # columns set closer than a wide gap
        rows[i].aligned = True
    _mark_tables(rows)
    return rows


def lines_of(pieces: list[Piece]) -> list[Row]:
    """Pieces sharing a baseline (their vertical middles within each other's box), top to bottom, as they are."""
    rows: list[Row] = []
    for piece in sorted(pieces, key=lambda p: (-p.top, p.x0)):
        middle = (piece.top + piece.bottom) / 2
        if rows and rows[-1].bottom <= middle <= rows[-1].top:
            rows[-1].pieces.append(piece)
            rows[-1].bottom = min(rows[-1].bottom, piece.bottom)
        else:
            rows.append(Row([piece], bottom=piece.bottom, top=piece.top))
    return [row.finish() for row in rows]


def _mark_tables(rows: list[Row]) -> None:
    """A table: two or more consecutive rows of cells; a label between two rows of cells (`_label`: the name of a
    group of rows, "Single", "Multi") is a row of it too."""
    cells = [_cells(row) for row in rows]
    for i in range(1, len(rows) - 1):
        cells[i] = cells[i] or (cells[i - 1] and cells[i + 1] and _label(rows[i], rows[i - 1], rows[i + 1]))
    for i, row in enumerate(rows):
        row.table = cells[i] and any(0 <= j < len(rows) and cells[j] for j in (i - 1, i + 1))


def _label(row: Row, above: Row, below: Row) -> bool:
    """A few words alone in the first column between two rows of three or more cells, in their type (not a
    heading's larger or bold one), no sentence: a row group's name. A heading between a running header and a
    definition's line ("Chapter 4 … 9", "int f (…)  [Function]") is none."""
    return (
        len(row.pieces) == 1
        and len(row.text.split()) <= _LABEL_WORDS
        and min(len(above.pieces), len(below.pieces)) >= 3
        and row.x0 <= min(above.x0, below.x0) + 0.5 * row.size
        and row.size <= max(above.size, below.size)
        and not (row.bold and not (above.bold or below.bold))
        and not row.text.rstrip().endswith(SENTENCE_END + (".",))
    )


def hyphens_shown(text: str) -> str:
    """pdfium's marks for a word hyphenated at a line's end ("\ufffe", "\x02") written as the "-" the page shows."""
    return text.replace("\ufffe", "-").replace("\x02", "-")


def is_bullet(glyph: str) -> bool:
    """One character that draws a list bullet: a known bullet, a shape, a dingbat, an arrow or a private-use
    glyph of a symbol font."""
    if len(glyph) != 1:
        return False
    return glyph in _BULLETS or any(low <= ord(glyph) <= high for low, high in _BULLET_BLOCKS)


def visible_bullet(text: str) -> str:
    """A row's text with the private-use glyph that draws its bullet (Word's Symbol-font bullet is U+F0B7) written
    as "•": `clean` drops private-use characters, a font's icons, and the item would lose its bullet."""
    stripped = text.lstrip()
    if len(stripped) > 2 and 0xE000 <= ord(stripped[0]) <= 0xF8FF and stripped[1].isspace():
        return "•" + stripped[1:]
    return text


def _bulleted(row: Row) -> Row:
    """A bullet glyph set apart from its item's text (a tab or a gap after it) joins the text as "• item": a
    list item, not a two-column table."""
    if len(row.pieces) == 2 and is_bullet(row.pieces[0].text.strip()):
        row.pieces = row.pieces[1:]
        row.finish()
        row.text = "• " + row.text
    return row


def _cells(row: Row) -> bool:
    """Two or more pieces side by side with wide gaps between them (not a formula's sub- and superscripts), or
    with rules between them (cells of a ruled table, `Piece.ruled`)."""
    if len(row.pieces) < 2:
        return False
    if row.aligned or all(p.ruled for p in row.pieces):
        return True
    return all(b.x0 - a.x1 >= GAP_EM * min(a.size, b.size) for a, b in zip(row.pieces, row.pieces[1:]))


def layout(pieces: list[Piece], width: float) -> list[list[Row]]:
    """Blocks of rows in reading order: vertical text (e.g. a margin stamp) row by row, then the upright text, so
    the stamp does not cut a sentence running on to the next page."""
    rotated = [p for p in pieces if p.top - p.bottom > 2.5 * p.size]
    upright = [p for p in pieces if p.top - p.bottom <= 2.5 * p.size] if rotated else pieces
    return [*([Row([p], margin=True).finish()] for p in rotated), *floats_after_sentences(_upright(upright, width))]


# Marks that close a quotation, bracket or (in a LaTeX manual's source) a group: a line may end in them mid-sentence
# ("… called “dense”" | "retrieval …"), so the letter before them decides
CLOSING_MARKS = "\"')]}»”’"


def runs_on(end: str, start: str) -> bool:
    """Whether a line ending `end` is cut mid-sentence and a line starting `start` goes on with it: the first
    ends in a small letter, a digit or a comma (before any closing quotation marks or brackets), the second
    starts with a small letter."""
    end, start = end.rstrip().rstrip(CLOSING_MARKS), start.lstrip()
    return bool(end and start) and (end[-1].islower() or end[-1].isdigit() or end[-1] == ",") and start[0].islower()


def floats_after_sentences(blocks: list[list[Row]]) -> list[list[Row]]:
    """A figure or table ending a column where a sentence breaks off and runs on into the next column ("The wing
    type that is" | the figure's labels, "Figure 7-26. Self-locking nuts." | "the most common …") goes to the end of
    that next column; one opening the next column ("DPR is able to return" | Table 5, its caption | "the correct
    answer, …") goes after the paragraph the sentence ends: the sentence reads whole (the writer joins it across
    the columns)."""
    out: list[list[Row]] = []
    for i, block in enumerate(blocks):
        after = blocks[i + 1] if i + 1 < len(blocks) else []
        start = _float_start(block)
        if start is not None and after and _goes_on(block[start - 1], after[0]):
            blocks[i + 1] = after + block[start:]
            block = block[:start]
        end = _float_end(block, out[-1][-1]) if out and out[-1] else None
        if end is not None:
            rest = _paragraph_end(block, end)
            out += [block[end:rest], block[:end]]
            block = block[rest:]
        if block:
            out.append(block)
    return out


def floats_after_cut(blocks: list[list[Row]], cut: Row | None) -> list[list[Row]]:
    """A page opening with a figure or table where the sentence the page before broke off (`cut`, its last row)
    goes on after it ("From the table, we can" | Table 4, its caption, its notes | "see that higher …"): the float
    (which may fill blocks of its own) goes after the paragraph the sentence ends, as `floats_after_sentences` does
    for a column."""
    if cut is None or not blocks:
        return blocks
    end = _float_end([row for block in blocks for row in block], cut)
    if end is None:
        return blocks
    at = 0
    while end >= len(blocks[at]):
        end -= len(blocks[at])
        at += 1
    going_on = blocks[at]
    rest = _paragraph_end(going_on, end)
    parts = [going_on[end:rest], *blocks[:at], going_on[:end], going_on[rest:], *blocks[at + 1 :]]
    return [part for part in parts if part]


def _goes_on(cut: Row, going_on: Row) -> bool:
    """Whether body text `going_on` continues the sentence `cut` breaks off."""
    return not going_on.table and not cut.table and cut.size == going_on.size and runs_on(cut.text, going_on.text)


def _float_end(block: list[Row], cut: Row) -> int | None:
    """Where the figure or table opening a block ends (its rows of cells, each perhaps with a caption set in
    another size than the body text), when the body text after it goes on with the sentence `cut` breaks off;
    None otherwise. A caption set in the body's size cannot be told from the text after it: no float is found."""
    end, floats = 0, False
    while end < len(block):
        if block[end].table:
            end, floats = end + 1, True
        elif floats and _caption(block[end]) and block[end].size != cut.size:
            size = block[end].size
            while end < len(block) and not block[end].table and block[end].size == size:
                end += 1
        else:
            break
    return end if floats and end < len(block) and _goes_on(cut, block[end]) else None


def _paragraph_end(block: list[Row], start: int) -> int:
    """Where the paragraph starting at `block[start]` ends: after a line ending a sentence that is followed by a
    line of another size, a table row, an indented line or a wider gap than the paragraph's lines keep; else the
    block's end."""
    left = block[start].x0
    for j in range(start, len(block) - 1):
        row, below = block[j], block[j + 1]
        step = row.top - below.top
        usual = block[j - 1].top - row.top if j > start else 1.5 * row.size
        wider = step > 1.5 * max(usual, row.size)
        apart = below.size != row.size or below.table or below.x0 - left > 0.8 * row.size or wider
        if row.text.rstrip().endswith(SENTENCE_END) and apart:
            return j + 1
    return len(block)


def _float_start(block: list[Row]) -> int | None:
    """Where the figure or table ending a block starts (its rows of cells or labels, then perhaps its caption), when
    body text stands above it; None when the block ends otherwise."""
    end = len(block)
    caption = next((j for j in range(end - 1, max(end - 1 - _CAPTION_LINES, -1), -1) if _caption(block[j])), None)
    start = caption if caption is not None else end
    while start > 0 and block[start - 1].table:
        start -= 1
    return start if 0 < start < end else None


def _caption(row: Row) -> bool:
    return not row.table and _FLOAT_CAPTION.match(row.text) is not None


def _upright(pieces: list[Piece], width: float) -> list[list[Row]]:
    """With a gutter, the left then the right column between full-width rows; else the rows top to bottom."""
    if not pieces:
        return []
    x = gutter([p for p in pieces if not p.ruled], width)
    if x is None:
        return [rows_of(pieces)]
    return _columns(pieces, x)


Held = list[tuple[list[Piece], list[list[Row]]]]  # rows waiting above a possible table: pieces, blocks as they are


def _columns(pieces: list[Piece], x: float) -> list[list[Row]]:
    """Rows crossing the gutter at `x` stand alone; between two of them, the left column, then the right one. A
    table set across both columns (`_segments`) stays whole, and the short rows just above it (full-width rows,
    a band of short cells on both sides: its header rows, whose column names sit too close to be cells) and the
    full-width rows of cells inside it (a row whose long name crosses the gutter) join it, so its columns are
    found; when no table follows they are written as they were."""
    across = _across(pieces, x)
    full = rows_of([p for p, whole in zip(pieces, across) if whole])
    sides = [p for p, whole in zip(pieces, across) if not whole]
    blocks: list[list[Row]] = []
    held: Held = []
    upper = float("inf")
    for cut in [*full, None]:
        lower = cut.top if cut is not None else float("-inf")
        band = [p for p in sides if lower < (p.top + p.bottom) / 2 <= upper]
        if band:
            out, held = _band(band, x, held)
            blocks += out
        if cut is None:
            continue
        if (short_row(cut) or _cells(cut)) and not cut.text.rstrip().endswith(SENTENCE_END):
            held.append((cut.pieces, [[cut]]))
        else:
            blocks += _release(held) + [[cut]]
            held = []
        upper = cut.bottom
    return blocks + _release(held)


def _across(pieces: list[Piece], x: float) -> list[bool]:
    """Whether each piece is laid out across the gutter: it crosses it, its ruled table has a piece that does, or
    it stands on the line of pieces that do (an author list "Karpukhin, Oğuz, Min, Lewis" set across a two-column
    page's title block is one line, not a piece of each column; the bands between full-width lines would hold no
    piece of one, and it was lost)."""
    crossing = [p for p in pieces if p.x0 < x < p.x1]
    tables = {p.ruled for p in crossing} - {0}
    lines = [(row.bottom, row.top) for row in lines_of(crossing)]
    return [
        p.x0 < x < p.x1 or p.ruled in tables or any(b <= (p.top + p.bottom) / 2 <= t for b, t in lines) for p in pieces
    ]


def _release(held: Held) -> list[list[Row]]:
    """The held rows as blocks: as they were, unless a table across the gutter is among them: then one block of
    them all, the table whole with the full-width rows held beside it (its header rows, a row of its cells whose
    long name crosses the gutter)."""
    if any(len(block) > 1 and any(row.table for row in block) for _, blocks in held for block in blocks):
        return [rows_of([p for pieces, _ in held for p in pieces])]
    return [block for _, blocks in held for block in blocks]


def _band(band: list[Piece], x: float, held: Held) -> tuple[list[list[Row]], Held]:
    """The blocks of a band between full-width rows, top to bottom (a table across the gutter whole, the held
    rows joining it when it opens the band; prose left column, then right column), and what is held after it: a
    band that is all table, or all short cells on both sides (header rows), which a table below may continue."""
    lines = lines_of(band)
    if all(_tabular(row, x, 2) for row in lines):
        whole = [rows_of(band)] if all(_tabular(row, x) for row in lines) else _split_columns(band, x)
        return [], [*held, (band, whole)]
    blocks: list[list[Row]] = []
    for i, (table, part) in enumerate(_segments(lines, x)):
        if table:
            blocks.append(rows_of([p for pieces, _ in held for p in pieces] + part if i == 0 else part))
        else:
            blocks += (_release(held) if i == 0 else []) + _split_columns(part, x)
    return blocks, []


def _segments(rows: list[Row], x: float) -> list[tuple[bool, list[Piece]]]:
    """The band's rows in runs, top to bottom: (True, pieces) for a table across the gutter (`_TABLE_ROWS` or more
    `_tabular` rows; a label alone on its line between two of them counts), (False, pieces)
    for the rest: prose in two columns, read left column then right, which a cut through it would scramble, so
    a table is only cut out of a band on several rows of short cells."""
    flags = [_tabular(row, x) for row in rows]
    for i in range(1, len(rows) - 1):
        flags[i] = flags[i] or (flags[i - 1] and flags[i + 1] and len(rows[i].text.split()) <= _LABEL_WORDS)
    segments: list[tuple[bool, list[Piece]]] = []
    i = 0
    while i < len(rows):
        j = i
        while j < len(rows) and flags[j] == flags[i]:
            j += 1
        table = flags[i] and j - i >= _TABLE_ROWS
        part = [p for row in rows[i:j] for p in row.pieces]
        if segments and segments[-1][0] == table:
            segments[-1][1].extend(part)
        else:
            segments.append((table, part))
        i = j
    return segments


def _tabular(row: Row, x: float, pieces: int = 3) -> bool:
    """A row of a table across the gutter: `pieces` or more pieces on both sides of it, each a few words (a line
    of prose in either column is longer)."""
    both = any(p.x1 <= x for p in row.pieces) and any(p.x0 >= x for p in row.pieces)
    return both and len(row.pieces) >= pieces and all(len(p.text.split()) <= _CELL_WORDS for p in row.pieces)


def _split_columns(band: list[Piece], x: float) -> list[list[Row]]:
    """The rows of the left column, then of the right one."""
    columns = ([p for p in band if p.x1 <= x], [p for p in band if p.x0 >= x])
    return [rows_of(column) for column in columns if column]


def short_row(row: Row) -> bool:
    words = row.text.split()
    return (
        not row.table
        and not row.margin
        and len(row.pieces) <= 3
        and 0 < len(words) <= HEADING_MAX_WORDS
        and any(ch.isalpha() for ch in row.text)
        and not row.text.rstrip().endswith((",", ";"))
    )
