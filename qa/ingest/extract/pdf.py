"""PDF text layer with pypdfium2, page by page: reading order, headings, tables, no running headers or footers.

pdfium gives the page text with its own line breaks; per line we ask only the boxes of its first and last
characters and of the characters around each space (a wide gap splits a line into pieces: two columns, table
cells). Pieces are then laid out (pdflayout.py: columns, rows, tables, in reading order); here a short row in a
larger or bold font becomes a heading (levels ranked by font size over the document).
Lines repeated at the top or bottom of many pages (digits ignored, so page numbers count as repeated) are
running headers and footers and are dropped. Only one page's pdfium objects are alive at a time.

A scanned page (a negligible text layer and an image) is rendered at OCR_DPI and read by OCR (qa/ingest/extract/
ocr.py) in the background while the next pages are read; its words become pieces (ocr_layout.py) laid out and
written like a text page's (headings by their estimated size, tables, running lines dropped), so page starts and
citations hold, and `Extracted.ocr_pages` names it. Image files take the same path (`write_pages`). Pages with
a text layer are never OCR'd. A filled-in form's field values are read where each field stands (pdfforms.py).
"""

from __future__ import annotations

import ctypes
import re
from collections import Counter
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from . import Extracted, page_read
from .blocks import Writer, clean, join_line
from .ocr import OCR_DPI, OCR_MAX_SIDE_PX, OcrQueue, OcrWord, confident
from .ocr_layout import ocr_pieces
from .pdfaccents import compose_accents
from .pdfcolumns import SOFT_GAP_EM, Gap, table_runs
from .pdfforms import form_pieces, init_forms
from .pdfgrid import table_grid
from .pdflayout import (
    GAP_EM,
    SENTENCE_END,
    Piece,
    Row,
    floats_after_cut,
    hyphens_shown,
    is_bullet,
    layout,
    runs_on,
    short_row,
    visible_bullet,
)
from .pdfrules import MAX_PATHS, RULE_WIDTH, Box, edges, join_ruled_cells

_HEADING_SCALE = 1.08  # a heading's font is at least this much larger than the body's, or bold, on a short line
_HEADING_LETTERS = 0.7  # an OCR'd heading is at least this share letters ("4.2 Question Answering Datasets": 0.9)
_SENTENCE_BREAK = re.compile(r"[^\W\d_]{2}[.!?] +[A-Z]")
_REPEAT_SHARE = 0.4  # a top/bottom line on at least this share of the pages (and on 2 or more) is a running header
_EDGE_ROWS = 2  # rows looked at on each page's top and bottom for running headers and footers
_DIGITS = re.compile(r"\d+")
_FORCE_BOLD = 1 << 18  # PDF font descriptor flags 19 and 7
_ITALIC = 1 << 6
MIN_TEXT_CHARS = 20  # a page with fewer characters in its text layer, and an image, is scanned: it is OCR'd


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
        init_forms(pdf)
        read = _read_pages(pdf)
        title = (pdf.get_metadata_dict().get("Title") or "").strip()
    finally:
        pdf.close()
    pages = [Scanned.read(p[0].result(), *p[1:]) if isinstance(p, tuple) else p for p in read]
    _check_text(pages)
    return write_pages(pages, title)


def write_pages(pages: list[list[list[Row]] | Scanned], title: str) -> Extracted:
    """Text pages and OCR'd ones alike: running headers and footers dropped, then written page by page."""
    _drop_running_lines([_blocks_of(p) for p in pages])
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
            for p in ocr_pieces(words, scale, height, GAP_EM)
        ]
        return cls(words, layout(pieces, width))


def _blocks_of(page: list[list[Row]] | Scanned) -> list[list[Row]]:
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
            pieces = join_ruled_cells(_pieces(textpage), _path_boxes(page))
            pieces += form_pieces(pdf, page, pieces)
            image = (*ocr_render(page), width, height) if needs_ocr(page, textpage) else None
        finally:
            textpage.close()
    finally:
        page.close()
    return layout(pieces, width), image


def _path_boxes(page) -> list[Box]:  # type: ignore[no-untyped-def]
    """The bounds of the page's own path objects (rules, a drawing's strokes), a stroked rectangle (a table cell
    drawn as a box) as its four sides; none when the page has more than MAX_PATHS (a drawing, not a table). Read
    through pdfium's own calls: a page of 3,000 strokes costs a few milliseconds."""
    import pypdfium2.raw as raw

    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    fill, stroke = ctypes.c_int(), ctypes.c_int()
    boxes: list[Box] = []
    paths = 0
    for index in range(raw.FPDFPage_CountObjects(page.raw)):
        obj = raw.FPDFPage_GetObject(page.raw, index)
        if raw.FPDFPageObj_GetType(obj) != raw.FPDF_PAGEOBJ_PATH:
            continue
        paths += 1
        if paths > MAX_PATHS:
            return []
        raw.FPDFPageObj_GetBounds(obj, left, bottom, right, top)
        box = (left.value, bottom.value, right.value, top.value)
        if min(box[2] - box[0], box[3] - box[1]) > RULE_WIDTH:  # a box, maybe a cell's: its sides when stroked
            raw.FPDFPath_GetDrawMode(obj, fill, stroke)
            if stroke.value and raw.FPDFPath_CountSegments(obj) in (4, 5):
                boxes += edges(box)
                continue
        boxes.append(box)
    return boxes


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

    def at(self, x: float, y: float) -> int:
        """The index of the character whose box holds the point (within a point), -1 for none."""
        return self.raw.FPDFText_GetCharIndexAtPos(self.handle, x, y, 1.0, 1.0)

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
    text = compose_accents(text, chars.box, chars.at)
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
        if right - left > GAP_EM * size or right - left < -2 * size:  # a wide gap, or a jump back (a new column)
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
            if short_row(row) and row.size >= body * _HEADING_SCALE
        },
        reverse=True,
    )
    return body, {size: i + 2 for i, size in enumerate(larger)}  # level 1 is kept for the title


def _new_paragraph(prev: Row, row: Row, left: float, right: float, body: float, leading: float) -> bool:
    """A gap wider than the block's usual line spacing, an indented first line, or a short line ending a sentence."""
    gap = prev.bottom - row.top
    if gap > leading + 0.5 * max(prev.size, row.size):
        return True
    ends = prev.text.rstrip().endswith(SENTENCE_END)
    indented = body * 0.8 < row.x0 - left < body * 5
    return ends and (indented or prev.x1 < right - 4 * body)


def _reads_as_heading(text: str) -> bool:
    """Whether a short OCR'd line can be a heading by its words: its size is estimated from its height, and a
    subscript or a bracket makes a line of a sentence or of a formula taller. Not a line starting with a small
    letter (a text layer's large or bold one may: a function name in a manual), not a formula (an "=", or under
    `_HEADING_LETTERS` of its characters letters: brackets, digits, subscripts), not one where a sentence ends and
    another begins."""
    first = next((ch for ch in text if ch.isalnum()), "")
    shown = [ch for ch in text if not ch.isspace()]
    letters = sum(ch.isalpha() for ch in shown)
    formula = "=" in text or letters < _HEADING_LETTERS * len(shown)
    return not first.islower() and not formula and _SENTENCE_BREAK.search(text) is None


def _heading_level(row: Row, body: float, levels: dict[float, int], estimated: bool = False) -> int | None:
    """A short row alone in a larger font (ranked), else in bold or italic at the body size (below those). On an
    OCR'd page (`estimated` sizes), never a line that does not read as a heading (`_reads_as_heading`)."""
    if not short_row(row) or (estimated and not _reads_as_heading(row.text)):
        return None
    if row.size in levels:
        return levels[row.size]
    if len(row.text.split()) <= 8 and row.size >= body * 0.95:
        if row.bold:
            return len(levels) + 2
        if row.italic and row.text[:1].isupper() and not row.text.rstrip().endswith(SENTENCE_END + (".",)):
            return len(levels) + 3  # an italic line of its own: the lowest heading level
    return None


class _PageWriter:
    """Rows to markdown-like text, page by page: paragraphs joined, headings (a wrapped one joined), table rows
    and bullets; the first large heading on page 1 becomes the title."""

    def __init__(self, pages: list[list[list[Row]] | Scanned], title: str) -> None:
        # OCR'd sizes are estimates (ocr_layout.LINE_EM): a few scanned pages must not move the body size or add
        # heading levels of a document with a text layer, so its text pages alone rank the sizes
        text = [p for p in pages if not isinstance(p, Scanned) and any(p)]
        self.body, self.levels = _heading_levels(text or [_blocks_of(p) for p in pages])
        first = _blocks_of(pages[0]) if pages else []
        self.first_page_max = max((r.size for block in first for r in block if not r.margin), default=0.0)
        self.out = Writer()
        self.starts: list[int] = []
        self.heading: list = []  # [text, level, size] of a heading whose next line may continue it
        self.title = title
        self.ocr_pages: list[int] = []
        self.warnings: list[str] = []
        self.running: tuple[str, Row] | None = None  # a paragraph cut mid-sentence at a column's end, and its row
        # pages that started while a paragraph was waiting: (index in `starts`, where the page starts in the
        # paragraph's line, None before it is known whether the page goes on with it)
        self.pending: list[tuple[int, int | None]] = []

    def page(self, blocks: list[list[Row]], *, estimated: bool = False) -> None:
        """One page's blocks; `estimated`: an OCR'd page, its sizes estimated from line heights. A paragraph cut
        mid-sentence at the end of a column, or of a page, goes on in the next one when that starts with the rest
        of the sentence; where a page starts inside it is known once it is written (`_write_line`)."""
        self.out.end_run()
        self.starts.append(self.out.mark())
        if self.running is not None:
            self.pending.append((len(self.starts) - 1, None))
        for block in floats_after_cut(blocks, self.running[1] if self.running else None):
            self.block(block, estimated)

    def scanned(self, page: Scanned) -> None:
        """A page read by OCR, laid out as a text page (or nothing, with a warning, when OCR was not confident)."""
        self.page(page.blocks, estimated=True)
        if confident(page.words, len(self.starts), self.warnings) and page.words:
            self.ocr_pages.append(len(self.starts))

    def flush_running(self) -> None:
        """Write the paragraph a block left waiting (the document's last, or one no next block went on with)."""
        if self.running is not None:
            self._write_line(self.running[0])
            self.running = None

    def _write_line(self, line: str) -> None:
        """Write a paragraph or item; a page that started while it was waiting starts after it, or, when the page
        went on with its sentence, at the first word the page holds (the sentence cites the page it starts on)."""
        size = self.out.size
        _flush(self.out, line)
        if not self.pending:
            return
        written = self.out.parts[-1] if self.out.size > size else ""  # nothing written: the page starts after
        begins = self.out.size - len(written)
        for index, offset in self.pending:
            if offset is not None and offset < len(written):
                self.starts[index] = begins + _next_word(written, offset)
            else:
                self.starts[index] = self.out.mark()
        self.pending = []

    def block(self, block: list[Row], estimated: bool = False) -> None:
        left = min(r.x0 for r in block)
        right = max(r.x1 for r in block)
        gaps = sorted(a.bottom - b.top for a, b in zip(block, block[1:]))
        leading = gaps[len(gaps) // 2] if gaps else 0.0
        line, prev = self._carried(block[0], estimated), None
        grids = _grids(block)
        for i, row in enumerate(block):
            if i in grids:  # a table laid out as a grid: written whole at its first row
                line = self._grid(line, grids[i])
                prev = row
                continue
            level = _heading_level(row, self.body, self.levels, estimated)
            # pdfium's line-end hyphens as "-"; a private-use bullet glyph as "•" before `clean` drops it
            text = clean(visible_bullet(hyphens_shown(row.text)))
            if self._continues_heading(row, level, prev, leading):
                self.heading[0] = join_line(self.heading[0], text)  # a heading wrapped over two lines
                prev = row
                continue
            bullet = len(text) > 2 and is_bullet(text[0]) and text[1] == " "
            if row.table or level is not None or bullet or self._breaks(prev, row, (left, right), leading):
                self._write_line(line)
                line = ""
            self.end_heading()
            line = self._row(row, level, text, bullet, line)
            prev = row
        self.end_heading()
        self._end_block(line, prev)

    def _grid(self, line: str, rows: list[list[str]] | None) -> str:
        """Write the paragraph being built, then a table's rows (none for the rows written with its first)."""
        if rows is not None:
            self._write_line(line)
            self.end_heading()
            for cells in rows:
                self.out.row(cells)
            return ""
        return line

    def _end_block(self, line: str, last: Row | None) -> None:
        """The paragraph a block ends with waits for the next block (which may go on with it), else is written."""
        if last is not None and line and not last.table and not last.margin:
            self.running = (line, last)
        else:
            self._write_line(line)

    def _carried(self, first: Row, estimated: bool) -> str:
        """The paragraph the last block ended, when `first` goes on with its sentence; else it is written."""
        running, self.running = self.running, None
        if running is None:
            return ""
        line, last = running
        plain = (
            not first.table and not first.margin and _heading_level(first, self.body, self.levels, estimated) is None
        )
        if plain and first.size == last.size and runs_on(last.text, first.text):
            self.pending = [(index, len(line) if offset is None else offset) for index, offset in self.pending]
            return line
        self._write_line(line)
        return ""

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


def _grids(block: list[Row]) -> dict[int, list[list[str]] | None]:
    """Each run of table rows in the block laid out as a grid (pdfgrid.py), at the index of its first row (its
    other rows map to None: written with it); a run that is no grid is left out (its rows written piece by piece)."""
    out: dict[int, list[list[str]] | None] = {}
    for start, end in table_runs([row.table for row in block]):
        grid = table_grid(block[start:end])
        if grid is not None:
            out.update(dict.fromkeys(range(start, end)))
            out[start] = grid
    return out


def _write(pages: list[list[list[Row]] | Scanned], title: str) -> Extracted:
    writer = _PageWriter(pages, title)
    for page in pages:
        if isinstance(page, Scanned):
            writer.scanned(page)
        else:
            writer.page(page)
    writer.flush_running()
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


def _next_word(text: str, offset: int) -> int:
    """The start of the first word of `text` at or after `offset` that does not begin before it (a word joined
    over the break, "exam-" + "ple", stays with the text before)."""
    if offset <= 0:
        return 0
    if offset < len(text) and not text[offset - 1].isspace():
        space = re.search(r"\s", text[offset:])
        offset = offset + space.start() if space else len(text)
    while offset < len(text) and text[offset].isspace():
        offset += 1
    return min(offset, len(text))


def _flush(out: Writer, line: str) -> None:
    if line.startswith("- "):
        out.item(line[2:])
    else:
        out.paragraph(line)
