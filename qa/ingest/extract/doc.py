"""Old binary Word (.doc: Word 97–2003) read with olefile and the structures of [MS-DOC]: the main document's text
through its piece table (pieces stored as 8-bit Windows-1252 or as UTF-16), paragraphs as paragraphs, table rows
as `| a | b |` rows (a paragraph ending in a cell mark ends a cell; the row's end is told by the paragraph
property that marks it, read from the paragraph property pages), field codes dropped and their results kept
("PAGE", "HYPERLINK …" are instructions, not text), line breaks kept, pictures and other anchors dropped; footnotes,
endnotes and text boxes written after the paragraph that anchors them (after the table, for one anchored in a
cell; a text box whose shape is not found, at the end), as the .docx and .odt readers write them. A paragraph
in a built-in heading style ("heading 1" … "heading 9", known by the style's built-in identifier in any language) is
a heading, a list paragraph an item at its level (its bullet or number is drawn by list formatting, not stored in
the text); other styles are not read. The title is the document's summary-information title, else the file name. A
password-protected document, or an OLE file without a Word document in it (an .xls or .msg renamed .doc), is
refused in one line, as is a document whose tables of offsets point outside its streams.
"""

from __future__ import annotations

import struct
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass

from . import Extracted
from .blocks import Writer, clean, name_title
from .ole import open_ole, summary_title

_IDENT, _IDENT_WORD6 = 0xA5EC, 0xA5DC  # Word 97–2003; Word 6 and Word 95 (another file header, not read)
_ENCRYPTED = 0x0100
_TABLE_1 = 0x0200  # fWhichTblStm: the table stream is "1Table", else "0Table"
_CLX, _BTE_PAPX = 33, 13  # places of (fcClx, lcbClx) and (fcPlcfBtePapx, lcbPlcfBtePapx) among the FIB's pairs
_ROW_END_SPRMS = (0x2417, 0x244C)  # sprmPFTtp, sprmPFInnerTtp: this paragraph mark ends a table row
_IN_TABLE, _DEPTH = 0x2416, 0x6649  # sprmPFInTable, sprmPItap: the paragraph stands in a table
_LIST, _LIST_LEVEL = 0x460B, 0x260A  # sprmPIlfo (a list, when not 0), sprmPIlvl (the item's level)
_STYLES = 1  # place of (fcStshf, lcbStshf) among the FIB's pairs
# places among the FIB's pairs: footnote references and texts, endnote references and texts, the main document's
# shapes (PlcSpaMom: each shape's anchor and id) and its text boxes' texts (PlcftxbxTxt: each box's shape id)
_FOOTNOTE_REFS, _FOOTNOTE_TEXTS, _ENDNOTE_REFS, _ENDNOTE_TEXTS, _SHAPES, _BOX_TEXTS = 2, 3, 46, 47, 40, 56
_FRD, _FSPA, _FTXBXS = 2, 26, 22  # bytes of each entry a footnote-reference, shape and text-box table holds
# the document's parts (stories) in character-position order after the main document: footnotes, headers, macros,
# comments, endnotes, text boxes, header text boxes (FibRgLw97 ccpText … ccpHdrTxbx)
_STORIES = ("main", "footnotes", "headers", "macros", "comments", "endnotes", "boxes", "header_boxes")
_HEADING_STIS = range(1, 10)  # built-in style identifiers of "heading 1" … "heading 9", whatever the language
_CELL, _PARAGRAPH = "\x07", "\r"
_FIELD_BEGIN, _FIELD_SEPARATOR, _FIELD_END = "\x13", "\x14", "\x15"
_KEPT_CONTROLS = {_CELL, _PARAGRAPH, "\t", "\n"}
_REPLACED: dict[int, str] = str.maketrans({"\x0b": "\n", "\x0c": "\n", "\x1e": "-", "\x1f": "", "\xa0": " "})


@dataclass(frozen=True)
class Piece:
    """A run of the document's characters [cp, cp_end) stored at byte `offset` of the WordDocument stream, one byte
    a character (Windows-1252) when `compressed`, else two (UTF-16LE)."""

    cp: int
    cp_end: int
    offset: int
    compressed: bool

    def offset_of(self, cp: int) -> int:
        return self.offset + (cp - self.cp) * (1 if self.compressed else 2)


@dataclass(frozen=True)
class Mark:
    """What a paragraph's properties say of it: inside a table, whether its mark ends a table row, its heading
    level (0: none; from a built-in "heading N" style) and its list depth (None: not a list item)."""

    in_table: bool
    ends_row: bool
    level: int = 0
    list_depth: int | None = None


def extract_doc(data: bytes, name: str = "") -> Extracted:
    ole = open_ole(data, ".doc")
    try:
        if not ole.exists("WordDocument"):
            raise ValueError(
                "the .doc file is an OLE file without a Word document, such as an old .xls or an Outlook .msg; "
                "rename it to its real type"
            )
        text, marks, anchored = _read(ole)
        title = summary_title(ole)
    except OSError as exc:  # olefile: a stream entry that is no stream, a sector chain past the file
        raise ValueError(f"the .doc file is damaged ({exc}); open and save it again") from None
    finally:
        ole.close()
    out = Writer()
    _write(out, *_without_fields(text, marks, anchored))
    return Extracted(out.text, (), title or name_title(name))


def _read(ole) -> tuple[str, dict[int, Mark], dict[int, list[str]]]:  # type: ignore[no-untyped-def]
    """The main document's characters, what each paragraph mark's properties say of its paragraph, and the notes
    and text boxes anchored in it (by position; those of an unknown anchor at the text's end)."""
    word = ole.openstream("WordDocument").read()
    ident = struct.unpack_from("<H", word, 0)[0] if len(word) >= 0x9A else None
    if ident == _IDENT_WORD6:
        raise ValueError("the .doc file is a Word 6 or Word 95 document, which is not read; save it as .docx")
    if ident != _IDENT:
        raise ValueError("the .doc file is not a Word 97–2003 document (no Word file header); open and save it again")
    flags = struct.unpack_from("<H", word, 0x0A)[0]
    if flags & _ENCRYPTED:
        raise ValueError("the .doc file is password-protected; save it again without a password")
    stream = "1Table" if flags & _TABLE_1 else "0Table"
    if not ole.exists(stream):
        raise ValueError(f"the .doc file is damaged (no {stream} stream); open and save it again")
    table = ole.openstream(stream).read()
    try:
        stories, pairs = _fib(word)
        pieces = _pieces(_slice(table, *pairs[_CLX]))
        end = _stories_end(stories, len(word))
        full = "".join(_piece_text(word, piece, end) for piece in pieces if piece.cp < end)
        text = full[: stories["main"]]
        levels = _heading_levels(_slice(table, *pairs[_STYLES]))
        marks = _marks(word, _slice(table, *pairs[_BTE_PAPX]), pieces, text, levels)
        anchored = _anchored(table, pairs, _story_starts(stories), full) if end > len(text) else {}
    except (struct.error, IndexError) as exc:
        raise ValueError(f"the .doc file is damaged ({exc}); open and save it again") from None
    return text, marks, anchored


def _fib(word: bytes) -> tuple[dict[str, int], list[tuple[int, int]]]:
    """The length in characters of each story (ccpText, the main document's, first) and the FIB's (offset, length)
    pairs into the table stream, found past its variable-length parts (csw 16-bit and cslw 32-bit values)."""
    csw = struct.unpack_from("<H", word, 0x20)[0]
    at = 0x22 + 2 * csw
    cslw = struct.unpack_from("<H", word, at)[0]
    longs = at + 2
    lengths = struct.unpack_from(f"<{len(_STORIES)}i", word, longs + 12) if cslw >= 3 + len(_STORIES) else ()
    stories = dict(zip(_STORIES, lengths)) or {"main": struct.unpack_from("<i", word, longs + 12)[0]}
    at = longs + 4 * cslw
    count = struct.unpack_from("<H", word, at)[0]
    pairs = [struct.unpack_from("<II", word, at + 2 + 8 * i) for i in range(count)]
    if count <= _CLX or not 0 <= stories["main"] <= len(word):  # each character takes a byte of the stream at least
        raise ValueError("the .doc file is damaged (its file header does not fit the file); open and save it again")
    return stories, pairs


def _stories_end(stories: dict[str, int], limit: int) -> int:
    """Where the characters read end: after the last story (and the mark ending them all) when the other stories'
    lengths make sense and fit the stream (`limit`), else after the main document."""
    others = [length for name, length in stories.items() if name != "main"]
    if not any(others) or min(others) < 0:
        return stories["main"]
    end = sum(stories.values()) + 1
    return end if end <= limit else stories["main"]


def _story_starts(stories: dict[str, int]) -> dict[str, int]:
    starts, at = {}, 0
    for name in _STORIES:
        starts[name] = at
        at += stories.get(name, 0)
    return starts


def _plc(data: bytes, entry: int) -> tuple[tuple[int, ...], int]:
    """A PLC's character positions and its number of entries of `entry` bytes each (after the positions)."""
    count = (len(data) - 4) // (4 + entry) if len(data) >= 4 else -1
    positions = struct.unpack_from(f"<{count + 1}i", data, 0) if count >= 0 else ()
    if any(b < a for a, b in zip(positions, positions[1:])):  # each note or box is read once, in order
        raise IndexError("a table of positions out of order")
    return positions, max(count, 0)


def _anchored(table: bytes, pairs: list[tuple[int, int]], starts: dict[str, int], full: str) -> dict[int, list[str]]:
    """Footnotes, endnotes and text boxes by the position of what anchors them in the main document (-1: a text box
    whose shape is not among the main document's)."""
    found: dict[int, list[str]] = {}

    def table_at(place: int) -> bytes:
        return _slice(table, *pairs[place]) if place < len(pairs) else b""

    for refs_at, texts_at, story in (
        (_FOOTNOTE_REFS, _FOOTNOTE_TEXTS, "footnotes"),
        (_ENDNOTE_REFS, _ENDNOTE_TEXTS, "endnotes"),
    ):
        refs, count = _plc(table_at(refs_at), _FRD)
        bounds, _ = _plc(table_at(texts_at), 0)
        for i in range(min(count, len(bounds) - 1)):
            found.setdefault(refs[i], []).append(_story_text(full, starts[story], bounds[i], bounds[i + 1]))
    shapes_data = table_at(_SHAPES)
    anchors, shapes = _plc(shapes_data, _FSPA)
    shape_ids = {
        struct.unpack_from("<i", shapes_data, 4 * (shapes + 1) + _FSPA * i)[0]: anchors[i] for i in range(shapes)
    }
    boxes_data = table_at(_BOX_TEXTS)
    bounds, boxes = _plc(boxes_data, _FTXBXS)
    for i in range(min(boxes - 1, len(bounds) - 1)):  # the last entry is a placeholder
        shape = struct.unpack_from("<i", boxes_data, 4 * (boxes + 1) + _FTXBXS * i + 14)[0]
        found.setdefault(shape_ids.get(shape, -1), []).append(
            _story_text(full, starts["boxes"], bounds[i], bounds[i + 1])
        )
    return found


def _story_text(full: str, start: int, begin: int, end: int) -> str:
    """One note's or text box's characters: [begin, end) of the story at `start`, within what was read."""
    if not 0 <= begin <= end:
        return ""
    return full[start + begin : start + end]


def _slice(data: bytes, offset: int, length: int) -> bytes:
    if offset + length > len(data):
        raise IndexError(f"a table at {offset} of {length} bytes past the stream's {len(data)}")
    return data[offset : offset + length]


def _pieces(clx: bytes) -> list[Piece]:
    """The piece table (PlcPcd) after the Clx's property runs (Prc)."""
    at = 0
    while at < len(clx) and clx[at] == 0x01:
        at += 3 + struct.unpack_from("<H", clx, at + 1)[0]
    if at >= len(clx) or clx[at] != 0x02:
        raise IndexError("no piece table")
    size = struct.unpack_from("<I", clx, at + 1)[0]
    plc = clx[at + 5 : at + 5 + size]
    count = (len(plc) - 4) // 12
    cps = struct.unpack_from(f"<{count + 1}I", plc, 0)
    if any(b <= a for a, b in zip(cps, cps[1:])):  # pieces follow one another: the text is read once, in order
        raise IndexError("pieces out of order")
    pieces = []
    for i in range(count):
        raw = struct.unpack_from("<I", plc, 4 * (count + 1) + 8 * i + 2)[0]
        compressed = bool(raw & 0x40000000)
        offset = (raw & 0x3FFFFFFF) // 2 if compressed else raw & 0x3FFFFFFF
        pieces.append(Piece(cps[i], cps[i + 1], offset, compressed))
    return pieces


def _piece_text(word: bytes, piece: Piece, chars: int) -> str:
    count = min(piece.cp_end, chars) - piece.cp
    if piece.compressed:
        return _slice(word, piece.offset, count).decode("cp1252", errors="replace")
    return _slice(word, piece.offset, 2 * count).decode("utf-16-le", errors="replace")


def _heading_levels(stsh: bytes) -> dict[int, int]:
    """The heading level of each style (by its index, istd) that is a built-in heading style: the style sheet
    (STSH) lists each style's STD, whose first 12 bits are its built-in identifier (sti)."""
    if len(stsh) < 2:
        return {}
    at = 2 + struct.unpack_from("<H", stsh, 0)[0]  # past cbStshi and the Stshi
    levels: dict[int, int] = {}
    istd = 0
    while at + 2 <= len(stsh):
        size = struct.unpack_from("<H", stsh, at)[0]
        if size >= 2 and at + 4 <= len(stsh):
            sti = struct.unpack_from("<H", stsh, at + 2)[0] & 0x0FFF
            if sti in _HEADING_STIS:
                levels[istd] = sti
        at += 2 + size
        istd += 1
    return levels


def _marks(word: bytes, plc: bytes, pieces: list[Piece], text: str, levels: dict[int, int]) -> dict[int, Mark]:
    """Each paragraph mark's (paragraph end or cell mark) `Mark`, by its position in `text`: the paragraph property
    pages (PapxFkp, 512 bytes each) give each paragraph's properties by the file offset of its mark."""
    count = (len(plc) - 4) // 8
    pages = struct.unpack_from(f"<{count}I", plc, 4 * (count + 1)) if count > 0 else ()
    runs: list[tuple[int, tuple[int, bytes]]] = []  # (file offset where a run of paragraphs ends, its properties)
    for page in pages:
        runs.extend(_fkp_runs(word[(page & 0x3FFFFF) * 512 :][:512]))
    runs.sort()
    ends = [end for end, _ in runs]
    starts = [piece.cp for piece in pieces]
    found = {}
    for position, char in enumerate(text):
        if char in (_CELL, _PARAGRAPH):
            piece = pieces[bisect_right(starts, position) - 1]
            at = bisect_right(ends, piece.offset_of(position))
            found[position] = _mark(*runs[at][1], levels) if at < len(runs) else Mark(False, False)
    return found


def _fkp_runs(page: bytes) -> Iterator[tuple[int, tuple[int, bytes]]]:
    """(end file offset, (istd, grpprl)) of each run of paragraphs a PapxFkp page describes."""
    if len(page) < 512:
        return
    runs = page[511]
    offsets = struct.unpack_from(f"<{runs + 1}I", page, 0)
    for i in range(runs):
        where = 2 * page[4 * (runs + 1) + 13 * i]
        istd, grpprl = 0, b""
        if where:
            size = page[where]
            start, length = (where + 1, 2 * size - 1) if size else (where + 2, 2 * page[where + 1])
            istd = struct.unpack_from("<H", page, start)[0] if start + 2 <= 512 else 0
            grpprl = page[start + 2 : start + length]  # past the style index (istd)
        yield offsets[i + 1], (istd, grpprl)


def _mark(istd: int, grpprl: bytes, levels: dict[int, int]) -> Mark:
    """A paragraph's `Mark` from its style (`levels`: the heading styles) and its properties: sprmPFInTable (or a
    table depth, sprmPItap), sprmPFTtp or sprmPFInnerTtp; a list (sprmPIlfo) and the item's level (sprmPIlvl)."""
    in_table = ends_row = False
    list_id, list_level = 0, 0
    for sprm, operand in _sprms(grpprl):
        if sprm in (_IN_TABLE, _DEPTH) and any(operand):
            in_table = True
        elif sprm in _ROW_END_SPRMS and operand[:1] == b"\x01":
            ends_row = True
        elif sprm == _LIST and len(operand) == 2:
            list_id = struct.unpack("<h", operand)[0]
        elif sprm == _LIST_LEVEL and operand:
            list_level = min(operand[0], 8)
    depth = list_level if list_id > 0 else None
    return Mark(in_table or ends_row, ends_row, levels.get(istd, 0), depth)


def _sprms(grpprl: bytes) -> Iterator[tuple[int, bytes]]:
    """(sprm, operand) of each property modifier; the operand's size follows from the sprm (spra bits)."""
    at = 0
    while at + 2 <= len(grpprl):
        sprm = struct.unpack_from("<H", grpprl, at)[0]
        at += 2
        size = _OPERAND_SIZES[(sprm >> 13) & 7]
        if size is None:  # variable: a length byte first (two for sprmTDefTable)
            if sprm == 0xD608 and at + 2 <= len(grpprl):
                size, at = struct.unpack_from("<H", grpprl, at)[0] - 1, at + 2
            elif at < len(grpprl):
                size, at = grpprl[at], at + 1
            else:
                return
        yield sprm, grpprl[at : at + size]
        at += size


_OPERAND_SIZES = {0: 1, 1: 1, 2: 2, 3: 4, 4: 2, 5: 2, 6: None, 7: 3}


def _without_fields(
    text: str, marks: dict[int, Mark], anchored: dict[int, list[str]] | None = None
) -> tuple[str, list[Mark], dict[int, list[str]]]:
    """The text with each field's instructions dropped and its result kept ("\\x13 PAGE \\x14 3 \\x15" → "3"),
    nested fields too (a field without a result leaves nothing), the `Mark` of each paragraph mark kept, and the
    `anchored` notes and text boxes moved to where their anchor is in the new text (or its end)."""
    out: list[str] = []
    kept: list[Mark] = []
    moved: dict[int, list[str]] = {}
    anchored = anchored or {}
    stack: list[bool] = []  # per open field: whether its result has begun
    for position, char in enumerate(text):
        if position in anchored:
            moved.setdefault(len(out), []).extend(anchored[position])
        if char == _FIELD_BEGIN:
            stack.append(False)
        elif char == _FIELD_SEPARATOR and stack:
            stack[-1] = True
        elif char == _FIELD_END and stack:
            stack.pop()
        elif all(stack):
            out.append(char)
            if position in marks:
                kept.append(marks[position])
    for position, notes in anchored.items():
        if not 0 <= position < len(text):
            moved.setdefault(len(out), []).extend(notes)
    return "".join(out), kept, moved


def _write(out: Writer, text: str, marks: list[Mark], anchored: dict[int, list[str]]) -> None:
    """Paragraphs and table rows, in order: a paragraph in a table joins its cell, a cell mark ends the cell, or the
    row when its paragraph says so. The notes and text boxes anchored in a paragraph follow it; those anchored in
    a table follow the table."""
    cells: list[str] = []
    current: list[str] = []
    notes: list[str] = []  # anchored in the paragraph (or cell) being read
    table_notes: list[str] = []  # anchored in the table being read
    each = iter(marks)
    for position, raw in enumerate(text):  # positions of `text`, as `anchored` counts them
        notes.extend(anchored.get(position, ()))
        char = _REPLACED.get(ord(raw), raw)
        if not char:
            continue
        if char in (_CELL, _PARAGRAPH):
            mark = next(each, Mark(False, False))
            if mark.ends_row or char == _CELL or mark.in_table:
                table_notes.extend(notes)
                notes = []
            if mark.ends_row:
                out.row(cells)
                cells = []
            elif char == _CELL:
                cells.append(clean(" ".join("".join(current).split())))
            elif mark.in_table:
                current.append(" ")
                continue
            else:
                _notes(out, table_notes)
                _block(out, "".join(current), mark)
                _notes(out, notes)
                notes, table_notes = [], []
            current = []
        elif char in _KEPT_CONTROLS or ord(char) >= 0x20:
            current.append(char)
    if cells:
        out.row(cells)
    _notes(out, table_notes)
    _paragraph(out, "".join(current))
    _notes(out, notes + anchored.get(len(text), []))
    out.end_run()


def _notes(out: Writer, notes: list[str]) -> None:
    """Notes and text boxes as paragraphs: each one's fields read as in the text, its reference mark and other
    control characters dropped."""
    for note in notes:
        text = _without_fields(note, {})[0].translate(_REPLACED)
        out.end_run()
        for line in text.replace(_CELL, " ").split(_PARAGRAPH):
            _paragraph(out, "".join(c for c in line if c in _KEPT_CONTROLS or ord(c) >= 0x20))


def _block(out: Writer, text: str, mark: Mark) -> None:
    """A paragraph outside tables: a heading, a list item, or a paragraph (its line breaks as paragraphs)."""
    if mark.level:
        out.heading(" ".join(text.split()), mark.level)
    elif mark.list_depth is not None:
        out.item(" ".join(text.split()), mark.list_depth)
    else:
        _paragraph(out, text)


def _paragraph(out: Writer, text: str) -> None:
    for line in text.split("\n"):
        if line.strip():
            out.paragraph(clean(line))
