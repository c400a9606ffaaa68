"""PDF text layer with pypdfium2, page by page: reading order, headings, tables, no running headers or footers.

pdfium gives the page text with its own line breaks; per line we ask only the boxes of its first and last
characters and of the characters around each space (a wide gap splits a line into pieces: two columns, table
cells). Pieces are then laid out: a vertical gutter free of text makes two columns (read left, then right,
between full-width lines); pieces sharing a baseline form rows; two or more multi-piece rows in a row are a
table; a short row in a larger or bold font is a heading (levels ranked by font size over the document).
Lines repeated at the top or bottom of many pages (digits ignored, so page numbers count as repeated) are
running headers and footers and are dropped. Only one page's pdfium objects are alive at a time.

A scanned page (a negligible text layer and an image) is rendered at OCR_DPI and read by OCR (qa/ingest/extract/
ocr.py) in the background while the next pages are read; its words become pieces (ocr_layout.py) laid out and
written like a text page's (headings by their estimated size, tables, running lines dropped), so page starts and
citations hold, and `Extracted.ocr_pages` names it. Image files take the same path (`write_pages`). Pages with
a text layer are never OCR'd.
"""

from __future__ import annotations

import ctypes
import re
from collections import Counter
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from . import Extracted, page_read
from .blocks import Writer, clean, join_line
from .ocr import OCR_DPI, OCR_MAX_SIDE_PX, OcrQueue, OcrWord, confident
from .ocr_layout import ocr_pieces
from .pdfcolumns import SOFT_GAP_EM, Gap, align_columns, gutter

_GAP_EM = 1.5  # a gap wider than this many font sizes between words splits a line into pieces
_HEADING_SCALE = 1.08  # a heading's font is at least this much larger than the body's ...
_HEADING_MAX_WORDS = 14  # ... or bold, and it is a short line
_REPEAT_SHARE = 0.4  # a top/bottom line on at least this share of the pages (and on 2 or more) is a running header
_EDGE_ROWS = 2  # rows looked at on each page's top and bottom for running headers and footers
_SENTENCE_END = tuple(".!?:")
_BULLETS = frozenset("•·▪●◦‣–-*○►▸▹▶◆◇■□❖➢➤✓✔➔→")
# Bullets drawn with a symbol font often come out as private-use code points, or as shapes, dingbats or arrows
_BULLET_BLOCKS = ((0xE000, 0xF8FF), (0x25A0, 0x25FF), (0x2700, 0x27BF), (0x2190, 0x21FF))
_DIGITS = re.compile(r"\d+")
_FORCE_BOLD = 1 << 18  # PDF font descriptor flags 19 and 7
_ITALIC = 1 << 6
_LABEL_WORDS = 3  # a line of at most this many words between two table rows is a label of the table
_CELL_WORDS = 5  # the cells of a table set across both columns of a page have at most this many words
_TABLE_ROWS = 3  # rows of such cells in a row that make a table inside a band of two-column prose
MIN_TEXT_CHARS = 20  # a page with fewer characters in its text layer, and an image, is scanned: it is OCR'd


@dataclass
class Piece:
    x0: float
    x1: float
    bottom: float
    top: float
    size: float
    bold: bool
    text: str
    italic: bool = False
    gaps: tuple[Gap, ...] = ()  # gaps between its words wider than a word space (pdfcolumns.py: table columns)


@dataclass
class Row:
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


def extract_pdf(data: bytes) -> Extracted:
    """Text of every page (page starts kept), scanned pages read by OCR; ValueError for encrypted or corrupt PDFs
    and for one without any text."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise ValueError(
                "encrypted PDF (a password is required); save a decrypted copy, e.g. qpdf --decrypt"
            ) from None
        raise ValueError(f"corrupt or truncated PDF ({_pdfium_reason(exc)}); re-save or re-download it") from None
    try:
        read = _read_pages(pdf)
        title = (pdf.get_metadata_dict().get("Title") or "").strip()
    finally:
        pdf.close()
    pages = [Scanned.read(p[0].result(), *p[1:]) if isinstance(p, tuple) else p for p in read]
    _check_text(pages)
    return write_pages(pages, title)


def write_pages(pages: list[list[list[Row]] | Scanned], title: str) -> Extracted:
    """Text pages and OCR'd ones alike: running headers and footers dropped, then written page by page."""
    _drop_running_lines([_rows_of(p) for p in pages])
    return _write(pages, title)


@dataclass
class Scanned:
    """A page without a text layer, as OCR read it: its words (pixels) and their layout (rows in points, as a
    text page's; none when the page was read with too little confidence to keep)."""

    words: list[OcrWord]
    blocks: list[list[Row]]

    @classmethod
    def read(cls, words: list[OcrWord], scale: float, width: float, height: float) -> Scanned:
        """The page's words laid out: `scale` pixels per point of the picture read, the page `width` x `height`
        points."""
        if not confident(words, 0, []):  # the warning is written with the page (`_PageWriter.scanned`)
            return cls(words, [])
        pieces = [
            Piece(p.x0, p.x1, p.bottom, p.top, p.size, False, p.text, gaps=p.gaps)
            for p in ocr_pieces(words, scale, height, _GAP_EM)
        ]
        return cls(words, _layout(pieces, width))


def _rows_of(page: list[list[Row]] | Scanned) -> list[list[Row]]:
    return page.blocks if isinstance(page, Scanned) else page


_Pending = tuple[Future, float, float, float]  # a scanned page's OCR being read, its scale and size in points


def _read_pages(pdf) -> list[list[list[Row]] | _Pending]:  # type: ignore[no-untyped-def]
    """Every page's rows, or for a scanned page the future of its OCR (read in the background meanwhile), the
    picture's scale and the page's size."""
    import pypdfium2 as pdfium

    pages: list[list[list[Row]] | _Pending] = []
    queue: OcrQueue | None = None
    for number in range(len(pdf)):
        try:
            blocks, image = _read_page(pdf, number)
        except pdfium.PdfiumError as exc:
            raise ValueError(
                f"corrupt PDF page {number + 1} ({_pdfium_reason(exc)}); re-save or re-download it"
            ) from None
        page_read(number + 1, len(pdf))
        if image is None:
            pages.append(blocks)
            continue
        queue = queue or OcrQueue()
        pages.append((queue.add(image[0]), *image[1:]))
    return pages


def _check_text(pages: list) -> None:
    """ValueError when no page has text, in its text layer or read by OCR."""
    if any(row.text.strip() for blocks in pages if isinstance(blocks, list) for block in blocks for row in block):
        return
    scanned = sum(isinstance(p, Scanned) for p in pages)
    if not scanned:
        raise ValueError(f"no text layer and no page image in {len(pages)} page(s); nothing to read")
    if not any(p.words for p in pages if isinstance(p, Scanned)):
        raise ValueError(f"OCR read no text on {scanned} scanned page(s); scan it again sharper (300 dpi) to index it")


def _pdfium_reason(exc: Exception) -> str:
    match = re.search(r"PDFium: ([^)]*)", str(exc))
    return match.group(1) if match else str(exc).strip().rstrip(".")


def _read_page(pdf, number: int) -> tuple[list[list[Row]], Any]:  # type: ignore[no-untyped-def]
    """One page as blocks (column segments in reading order) of rows, and for a scanned page its picture to OCR,
    the picture's scale and the page's width and height (else None); the page is closed before returning."""
    page = pdf[number]
    try:
        width, height = page.get_size()
        textpage = page.get_textpage()
        try:
            pieces = _pieces(textpage)
            image = (*ocr_render(page), width, height) if needs_ocr(page, textpage) else None
        finally:
            textpage.close()
    finally:
        page.close()
    return _layout(pieces, width), image


def needs_ocr(page, textpage) -> bool:  # type: ignore[no-untyped-def]
    """A scanned page: a negligible text layer (fewer than MIN_TEXT_CHARS characters) and an image on the page."""
    import pypdfium2.raw as raw

    if textpage.count_chars() >= MIN_TEXT_CHARS:
        return False
    return next(page.get_objects(filter=(raw.FPDF_PAGEOBJ_IMAGE,)), None) is not None


def ocr_render(page) -> tuple[Any, float]:  # type: ignore[no-untyped-def]
    """The page in grey at OCR_DPI (its longest side at most OCR_MAX_SIDE_PX), and the scale used (pixels per
    point). The build and the page pictures OCR this same picture, so they read the same words."""
    width, height = page.get_size()
    scale = min(OCR_DPI / 72, OCR_MAX_SIDE_PX / max(width, height, 1.0))
    bitmap = page.render(scale=scale, grayscale=True)
    return bitmap.to_pil().copy(), scale  # a grey PIL image shares pdfium's buffer, freed with the bitmap: copied


class _Chars:
    """pdfium's per-character facts for one text page: box, drawn font size and style."""

    def __init__(self, textpage) -> None:  # type: ignore[no-untyped-def]
        import pypdfium2.raw as raw

        self.raw = raw
        self.handle = textpage.raw
        self._left, self._right = ctypes.c_double(), ctypes.c_double()
        self._bottom, self._top = ctypes.c_double(), ctypes.c_double()
        self._matrix = raw.FS_MATRIX()
        self._name = ctypes.create_string_buffer(128)
        self._flags = ctypes.c_int()

    def font_size(self, i: int) -> float:
        """The size as drawn: the font size times the scale of the character's matrix (many producers set the
        font size to 1 and scale the text matrix), to the half point."""
        matrix = self._matrix
        self.raw.FPDFText_GetMatrix(self.handle, i, matrix)
        scale = abs(matrix.a * matrix.d - matrix.b * matrix.c) ** 0.5 or 1.0
        return round((self.raw.FPDFText_GetFontSize(self.handle, i) or 10.0) * scale * 2) / 2

    def style(self, i: int) -> tuple[bool, bool]:
        """(bold, italic): a heavy weight, the ForceBold font flag, or a font named bold (many PDFs leave the
        weight unset); the Italic flag or a font named italic or oblique."""
        name, flags = self._name, self._flags
        self.raw.FPDFText_GetFontInfo(self.handle, i, name, len(name), flags)
        font = name.value.lower()
        bold = (
            self.raw.FPDFText_GetFontWeight(self.handle, i) >= 600 or bool(flags.value & _FORCE_BOLD) or b"bold" in font
        )
        return bold, bool(flags.value & _ITALIC) or b"italic" in font or b"oblique" in font

    def box(self, i: int) -> tuple[float, float, float, float]:
        self.raw.FPDFText_GetCharBox(self.handle, i, self._left, self._right, self._bottom, self._top)
        return self._left.value, self._right.value, self._bottom.value, self._top.value


def _pieces(textpage) -> list[Piece]:  # type: ignore[no-untyped-def]
    count = textpage.count_chars()
    if count <= 0:
        return []
    chars = _Chars(textpage)
    text = textpage.get_text_range()
    if len(text) != count:  # the text does not map one to one onto pdfium's characters: ask them one by one
        text = "".join(chr(chars.raw.FPDFText_GetUnicode(chars.handle, i)) for i in range(count))
    pieces: list[Piece] = []
    for match in re.finditer(r"[^\r\n]+", text):
        start, end = match.start(), match.end()
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start < end:
            pieces += _line_pieces(text, start, end, chars)
    return pieces


def _line_cuts(text: str, start: int, end: int, chars: _Chars) -> tuple[list[int], list[Gap]]:
    """Where a line splits into pieces (wide gaps, jumps back to a new column on this line, hyphen marks), and its
    gaps wider than a word space (where the next word starts, the x where the gap begins and ends)."""
    cuts = [start]
    soft: list[Gap] = []
    size = chars.font_size(start)
    for space in re.finditer(r" +", text[start:end]):
        a, b = start + space.start() - 1, start + space.end()
        left, right = chars.box(a)[1], chars.box(b)[0]
        if right - left > _GAP_EM * size or right - left < -2 * size:  # a wide gap, or a jump back (a new column)
            cuts.append(b)
        elif right - left > SOFT_GAP_EM * size:
            soft.append((b, left, right))
    for mark in re.finditer("[\ufffe\x02]", text[start:end]):  # pdfium joined a hyphenated word across lines:
        cuts.append(start + mark.end())  # the rest lies on the next line, maybe in the next column
    cuts = sorted(set(cuts))
    if cuts[-1] == end:
        cuts.pop()
    cuts.append(end)
    return cuts, soft


def _line_pieces(text: str, start: int, end: int, chars: _Chars) -> list[Piece]:
    pieces: list[Piece] = []
    cuts, soft = _line_cuts(text, start, end, chars)
    for a, b in zip(cuts, cuts[1:]):
        piece_text = text[a:b].rstrip()
        if not piece_text:
            continue
        b = a + len(piece_text)
        first, last = chars.box(a), chars.box(b - 1)
        size = chars.font_size(a)
        gaps = tuple((i - a, left, right) for i, left, right in soft if a < i < b)
        pieces.append(
            Piece(
                min(first[0], last[0]),
                max(first[1], last[1]),
                min(first[2], last[2]),
                max(first[3], last[3]),
                round(size, 1),
                False,
                piece_text,
                gaps=gaps,
            )
        )
        (bold_a, italic_a), (bold_b, italic_b) = chars.style(a), chars.style(b - 1)
        pieces[-1].bold, pieces[-1].italic = bold_a and bold_b, italic_a and italic_b
    return pieces


def _rows(pieces: list[Piece]) -> list[Row]:
    """Pieces sharing a baseline, top to bottom, as a block's rows: bullets joined to their items, tables marked
    and their columns found."""
    rows = [_bulleted(row) for row in _lines(pieces)]
    _mark_tables(rows)
    for i in align_columns(rows, [row.table for row in rows]):  # columns set closer than a wide gap
        rows[i].aligned = True
    _mark_tables(rows)
    return rows


def _lines(pieces: list[Piece]) -> list[Row]:
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
    """A few words alone in the first column between two rows of cells, no sentence: a row group's name."""
    return (
        len(row.pieces) == 1
        and len(row.text.split()) <= _LABEL_WORDS
        and row.x0 <= min(above.x0, below.x0) + 0.5 * row.size
        and not row.text.rstrip().endswith(_SENTENCE_END + (".",))
    )


def is_bullet(glyph: str) -> bool:
    """One character that draws a list bullet: a known bullet, a shape, a dingbat, an arrow or a private-use
    glyph of a symbol font."""
    if len(glyph) != 1:
        return False
    return glyph in _BULLETS or any(low <= ord(glyph) <= high for low, high in _BULLET_BLOCKS)


def _bulleted(row: Row) -> Row:
    """A bullet glyph set apart from its item's text (a tab or a gap after it) joins the text as "• item": a
    list item, not a two-column table."""
    if len(row.pieces) == 2 and is_bullet(row.pieces[0].text.strip()):
        row.pieces = row.pieces[1:]
        row.finish()
        row.text = "• " + row.text
    return row


def _cells(row: Row) -> bool:
    """Two or more pieces side by side with wide gaps between them (not a formula's sub- and superscripts)."""
    if len(row.pieces) < 2:
        return False
    if row.aligned:
        return True
    return all(b.x0 - a.x1 >= _GAP_EM * min(a.size, b.size) for a, b in zip(row.pieces, row.pieces[1:]))


def _layout(pieces: list[Piece], width: float) -> list[list[Row]]:
    """Blocks of rows in reading order: the upright text, then vertical text (e.g. a margin stamp) row by row."""
    rotated = [p for p in pieces if p.top - p.bottom > 2.5 * p.size]
    upright = [p for p in pieces if p.top - p.bottom <= 2.5 * p.size] if rotated else pieces
    return [*_upright(upright, width), *([Row([p], margin=True).finish()] for p in rotated)]


def _upright(pieces: list[Piece], width: float) -> list[list[Row]]:
    """With a gutter, the left then the right column between full-width rows; else the rows top to bottom."""
    if not pieces:
        return []
    x = gutter(pieces, width)
    if x is None:
        return [_rows(pieces)]
    return _columns(pieces, x)


Held = list[tuple[list[Piece], list[list[Row]]]]  # rows waiting above a possible table: pieces, blocks as they are


def _columns(pieces: list[Piece], x: float) -> list[list[Row]]:
    """Rows crossing the gutter at `x` stand alone; between two of them, the left column, then the right one. A
    table set across both columns (`_segments`) stays whole, and the short rows just above it (full-width rows,
    a band of short cells on both sides: its header rows, whose column names sit too close to be cells) join it,
    so its columns are found; when no table follows they are written as they were."""
    full = _rows([p for p in pieces if p.x0 < x < p.x1])
    sides = [p for p in pieces if not p.x0 < x < p.x1]
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
        if _short(cut) and not cut.text.rstrip().endswith(_SENTENCE_END):
            held.append((cut.pieces, [[cut]]))
        else:
            blocks += _release(held) + [[cut]]
            held = []
        upper = cut.bottom
    return blocks + _release(held)


def _release(held: Held) -> list[list[Row]]:
    return [block for _, blocks in held for block in blocks]


def _band(band: list[Piece], x: float, held: Held) -> tuple[list[list[Row]], Held]:
    """The blocks of a band between full-width rows, top to bottom (a table across the gutter whole, the held
    rows joining it when it opens the band; prose left column, then right column), and what is held after it: a
    band that is all table, or all short cells on both sides (header rows), which a table below may continue."""
    lines = _lines(band)
    if all(_tabular(row, x, 2) for row in lines):
        whole = [_rows(band)] if all(_tabular(row, x) for row in lines) else _split_columns(band, x)
        return [], [*held, (band, whole)]
    blocks: list[list[Row]] = []
    for i, (table, part) in enumerate(_segments(lines, x)):
        if table:
            blocks.append(_rows([p for pieces, _ in held for p in pieces] + part if i == 0 else part))
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
    return [_rows(column) for column in columns if column]


def _key(row: Row) -> str:
    return _DIGITS.sub("#", row.text.lower()).strip()


def _drop_running_lines(pages: list[list[list[Row]]]) -> None:
    """Remove rows at the top or bottom of a page whose text (digits ignored) recurs there on many pages."""
    if len(pages) < 2:
        return
    edges = [_edge_rows(blocks) for blocks in pages]
    seen = Counter(key for rows in edges for key in {_key(r) for r in rows})
    needed = max(2, _REPEAT_SHARE * len(pages))
    for blocks, rows in zip(pages, edges):
        drop = {id(r) for r in rows if seen[_key(r)] >= needed}
        if drop:
            blocks[:] = [[r for r in block if id(r) not in drop] for block in blocks]
            blocks[:] = [block for block in blocks if block]


def _edge_rows(blocks: list[list[Row]]) -> list[Row]:
    """The first and last `_EDGE_ROWS` rows of a page, top to bottom (all of them on a short page)."""
    rows = sorted((row for block in blocks for row in block), key=lambda r: -r.top)
    return rows[:_EDGE_ROWS] + rows[-_EDGE_ROWS:] if len(rows) > 2 * _EDGE_ROWS else rows


def _heading_levels(pages: list[list[list[Row]]]) -> tuple[float, dict[float, int]]:
    """The body font size (most characters) and a level for each larger size seen on a short line."""
    sizes: Counter[float] = Counter()
    for blocks in pages:
        for block in blocks:
            for row in block:
                for piece in row.pieces:
                    sizes[piece.size] += len(piece.text)
    body = sizes.most_common(1)[0][0] if sizes else 10.0
    larger = sorted(
        {
            row.size
            for blocks in pages
            for block in blocks
            for row in block
            if _short(row) and row.size >= body * _HEADING_SCALE
        },
        reverse=True,
    )
    return body, {size: i + 2 for i, size in enumerate(larger)}  # level 1 is kept for the title


def _short(row: Row) -> bool:
    words = row.text.split()
    return (
        not row.table
        and not row.margin
        and len(row.pieces) <= 3
        and 0 < len(words) <= _HEADING_MAX_WORDS
        and any(ch.isalpha() for ch in row.text)
        and not row.text.rstrip().endswith((",", ";"))
    )


def _new_paragraph(prev: Row, row: Row, left: float, right: float, body: float, leading: float) -> bool:
    """A gap wider than the block's usual line spacing, an indented first line, or a short line ending a sentence."""
    gap = prev.bottom - row.top
    if gap > leading + 0.5 * max(prev.size, row.size):
        return True
    ends = prev.text.rstrip().endswith(_SENTENCE_END)
    indented = body * 0.8 < row.x0 - left < body * 5
    return ends and (indented or prev.x1 < right - 4 * body)


def _heading_level(row: Row, body: float, levels: dict[float, int]) -> int | None:
    """A short row alone in a larger font (ranked), else in bold or italic at the body size (below those)."""
    if not _short(row):
        return None
    if row.size in levels:
        return levels[row.size]
    if len(row.text.split()) <= 8 and row.size >= body * 0.95:
        if row.bold:
            return len(levels) + 2
        if row.italic and row.text[:1].isupper() and not row.text.rstrip().endswith(_SENTENCE_END + (".",)):
            return len(levels) + 3  # an italic line of its own: the lowest heading level
    return None


class _PageWriter:
    """Rows to markdown-like text, page by page: paragraphs joined, headings (a wrapped one joined), table rows
    and bullets; the first large heading on page 1 becomes the title."""

    def __init__(self, pages: list[list[list[Row]] | Scanned], title: str) -> None:
        # OCR'd sizes are estimates (ocr_layout.LINE_EM): a few scanned pages must not move the body size or add
        # heading levels of a document with a text layer, so its text pages alone rank the sizes
        text = [p for p in pages if not isinstance(p, Scanned) and any(p)]
        self.body, self.levels = _heading_levels(text or [_rows_of(p) for p in pages])
        first = _rows_of(pages[0]) if pages else []
        self.first_page_max = max((r.size for block in first for r in block if not r.margin), default=0.0)
        self.out = Writer()
        self.starts: list[int] = []
        self.heading: list = []  # [text, level, size] of a heading whose next line may continue it
        self.title = title
        self.ocr_pages: list[int] = []
        self.warnings: list[str] = []

    def page(self, blocks: list[list[Row]]) -> None:
        self.out.end_run()
        self.starts.append(self.out.mark())
        for block in blocks:
            self.block(block)

    def scanned(self, page: Scanned) -> None:
        """A page read by OCR, laid out as a text page (or nothing, with a warning, when OCR was not confident)."""
        self.page(page.blocks)
        if confident(page.words, len(self.starts), self.warnings) and page.words:
            self.ocr_pages.append(len(self.starts))

    def block(self, block: list[Row]) -> None:
        left = min(r.x0 for r in block)
        right = max(r.x1 for r in block)
        gaps = sorted(a.bottom - b.top for a, b in zip(block, block[1:]))
        leading = gaps[len(gaps) // 2] if gaps else 0.0
        line, prev = "", None
        for row in block:
            level = _heading_level(row, self.body, self.levels)
            text = clean(row.text.replace("\ufffe", "-").replace("\x02", "-"))  # pdfium's line-end hyphens
            if self._continues_heading(row, level, prev, leading):
                self.heading[0] = join_line(self.heading[0], text)  # a heading wrapped over two lines
                prev = row
                continue
            bullet = len(text) > 2 and is_bullet(text[0]) and text[1] == " "
            if row.table or level is not None or bullet or self._breaks(prev, row, (left, right), leading):
                _flush(self.out, line)
                line = ""
            self.end_heading()
            line = self._row(row, level, text, bullet, line)
            prev = row
        _flush(self.out, line)
        self.end_heading()

    def _breaks(self, prev: Row | None, row: Row, sides: tuple[float, float], leading: float) -> bool:
        """After a table row, or where a new paragraph starts."""
        return prev is not None and (prev.table or _new_paragraph(prev, row, sides[0], sides[1], self.body, leading))

    def _continues_heading(self, row: Row, level: int | None, prev: Row | None, leading: float) -> bool:
        return (
            level is not None
            and bool(self.heading)
            and self.heading[1:] == [level, row.size]
            and prev is not None
            and prev.bottom - row.top <= leading + 0.5 * row.size
        )

    def _row(self, row: Row, level: int | None, text: str, bullet: bool, line: str) -> str:
        """Write a table row or start a heading; returns the paragraph line being built."""
        if row.table:
            self.out.row([p.text for p in row.pieces])
        elif level is not None:
            self.heading = [text, level, row.size]
        elif bullet:
            return "- " + text[2:]
        else:
            return join_line(line, text)
        return line

    def end_heading(self) -> None:
        if self.heading:
            size = self.heading[2]
            title_sized = (
                len(self.starts) == 1 and size >= 0.95 * self.first_page_max and size >= self.body * _HEADING_SCALE
            )
            self.title = _emit_heading(self.out, self.heading, self.title, title_sized)
            self.heading = []


def _write(pages: list[list[list[Row]] | Scanned], title: str) -> Extracted:
    writer = _PageWriter(pages, title)
    for page in pages:
        if isinstance(page, Scanned):
            writer.scanned(page)
        else:
            writer.page(page)
    return Extracted(
        writer.out.text, tuple(writer.starts), writer.title, tuple(writer.ocr_pages), tuple(writer.warnings)
    )


def _emit_heading(out: Writer, heading: list, title: str, title_sized: bool) -> str:
    """Write a heading; the document's first heading, on page 1 in its largest font, is the title (level 1)."""
    text, level, _ = heading
    if not out.headings and title_sized:
        level, title = 1, title or text
    out.heading(text, level)
    return title


def _flush(out: Writer, line: str) -> None:
    if line.startswith("- "):
        out.item(line[2:])
    else:
        out.paragraph(line)
