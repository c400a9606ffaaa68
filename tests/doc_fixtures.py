"""Word 97–2003 (.doc) files written here, for the extract tests: the File Information Block, the text in one or
two pieces (8-bit Windows-1252 and UTF-16), the piece table, and one page of paragraph properties marking table
cells and row ends, inside a compound file (tests/msg_fixtures.py's writer); footnotes, endnotes and text boxes
as the stories after the main document with their tables of positions. Only what [MS-DOC] requires to read a
document's text and tables; no styles, no summary information.
"""

from __future__ import annotations

import struct

from msg_fixtures import cfb_bytes

Block = str | tuple[str, int, str] | list[list[str]]  # a paragraph, ("#", level, text), ("-", depth, text), a table

IN_TABLE = struct.pack("<HB", 0x2416, 1)  # sprmPFInTable
ROW_END = struct.pack("<HB", 0x2417, 1)  # sprmPFTtp
HEADING_STYLES = 3  # styles 1–3 are the built-in "heading 1" to "heading 3" (style 0: Normal)
TEXT_AT = 1024  # where the text starts in the WordDocument stream
PAIRS = 93  # (fc, lcb) pairs of a Word 97 FIB
FOOTNOTE, ENDNOTE, BOX = "\x02", "\x03", "\x08"  # in a block: a footnote's or an endnote's reference, a text box


def doc_bytes(blocks: list[Block], **options: object) -> bytes:
    """A .doc holding `blocks` (options as `doc_streams` takes them)."""
    return cfb_bytes(doc_streams(blocks, **options))  # type: ignore[arg-type]


def doc_streams(
    blocks: list[Block],
    *,
    unicode_from: int | None = None,
    encrypted: bool = False,
    ident: int = 0xA5EC,
    footnotes: tuple[str, ...] = (),
    endnotes: tuple[str, ...] = (),
    boxes: tuple[str, ...] = (),
    loose_boxes: tuple[str, ...] = (),
) -> dict[str, bytes]:
    """The WordDocument and 1Table streams of a .doc holding `blocks`; characters from `unicode_from` on are stored
    in a second piece, as UTF-16; `ident` is the file header's identifier (0xA5DC: Word 6 and Word 95). The
    `footnotes`, `endnotes` and `boxes` are those the blocks' FOOTNOTE, ENDNOTE and BOX characters anchor, in
    order; `loose_boxes` are text boxes of a shape the main document does not hold."""
    main, marks = _text(blocks)
    stories, notes_tables = _stories(main, footnotes, endnotes, boxes, loose_boxes)
    text = main.replace(ENDNOTE, FOOTNOTE) + "".join(stories)
    split = len(text) if unicode_from is None else unicode_from
    first, second = text[:split].encode("cp1252"), text[split:].encode("utf-16-le")
    pieces = [(0, split, TEXT_AT, True)] + ([(split, len(text), TEXT_AT + len(first), False)] if second else [])
    page_at = -(-(TEXT_AT + len(first) + len(second)) // 512) * 512
    fcs = [
        TEXT_AT + len(first[:i]) if i <= split else TEXT_AT + len(first) + 2 * (i - split) for i in range(len(text) + 1)
    ]
    page = _papx_page(text, marks, fcs)
    clx = _clx(pieces)
    plc = struct.pack("<III", fcs[0], fcs[-1], page_at // 512)
    stsh = _style_sheet()
    table = clx + plc + stsh
    pairs = [(0, 0)] * PAIRS
    pairs[33] = (0, len(clx))
    pairs[13] = (len(clx), len(plc))
    pairs[1] = (len(clx) + len(plc), len(stsh))
    for place, data in notes_tables.items():
        pairs[place] = (len(table), len(data))
        table += data
    lengths = [len(main), *(len(story) for story in stories[:-1])]  # the mark ending the stories is not counted
    word = bytearray(_fib(lengths, pairs, encrypted, ident).ljust(TEXT_AT, b"\0") + first + second)
    word = word.ljust(page_at, b"\0") + page
    return {"WordDocument": bytes(word), "1Table": table}


def _stories(
    main: str, footnotes: tuple[str, ...], endnotes: tuple[str, ...], boxes: tuple[str, ...], loose: tuple[str, ...]
) -> tuple[list[str], dict[int, bytes]]:
    """The stories after the main document (footnotes, headers, macros, comments, endnotes, text boxes, header
    text boxes, then the mark ending them all; none when there are no notes or boxes) and the tables that place
    them (by the FIB pair each fills): references' and shapes' anchors in `main`, each note's and box's start."""
    if not (footnotes or endnotes or boxes or loose):
        return [], {}
    tables: dict[int, bytes] = {}
    for refs_at, texts_at, marker, notes in ((2, 3, FOOTNOTE, footnotes), (46, 47, ENDNOTE, endnotes)):
        anchors = [i for i, char in enumerate(main) if char == marker]
        assert len(anchors) == len(notes), f"{len(notes)} notes for {len(anchors)} references"
        starts = [sum(len(note) + 2 for note in notes[:i]) for i in range(len(notes) + 1)]
        tables[refs_at] = struct.pack(f"<{len(notes) + 1}i", *anchors, len(main)) + b"\1\0" * len(notes)
        tables[texts_at] = struct.pack(f"<{len(notes) + 2}i", *starts, starts[-1] + 1)
    anchors = [i for i, char in enumerate(main) if char == BOX]
    assert len(anchors) == len(boxes), f"{len(boxes)} text boxes for {len(anchors)} anchors"
    shape_ids = [1025 + i for i in range(len(boxes))]
    tables[40] = struct.pack(f"<{len(boxes) + 1}i", *anchors, len(main)) + b"".join(
        struct.pack("<i", shape) + bytes(22) for shape in shape_ids
    )
    every = boxes + loose
    starts = [sum(len(box) + 1 for box in every[:i]) for i in range(len(every) + 2)]
    lids = [*shape_ids, *(9000 + i for i in range(len(loose))), 0]  # the last: the placeholder entry
    tables[56] = struct.pack(f"<{len(starts)}i", *starts) + b"".join(
        bytes(14) + struct.pack("<ii", lid, 0) for lid in lids
    )
    notes = ["".join(f"\x02{note}\r" for note in footnotes), "", "", "", "".join(f"\x02{note}\r" for note in endnotes)]
    return [*notes, "".join(f"{box}\r" for box in every), "", "\r"], tables


def _text(blocks: list[Block]) -> tuple[str, dict[int, tuple[int, bytes]]]:
    """The document's characters and, by the position of each paragraph mark with a style or properties, its style
    index and properties."""
    out: list[str] = []
    marks: dict[int, tuple[int, bytes]] = {}

    def add(chunk: str, properties: bytes | None = None, istd: int = 0) -> None:
        out.append(chunk)
        if properties is not None or istd:
            marks[sum(map(len, out)) - 1] = (istd, properties or b"")

    for block in blocks:
        if isinstance(block, str):
            add(block + "\r")
            continue
        if isinstance(block, tuple):
            kind, level, text = block
            if kind == "#":
                add(text + "\r", istd=level)
            else:  # a list item: list 1 (sprmPIlfo), at its depth (sprmPIlvl)
                add(text + "\r", struct.pack("<HhHB", 0x460B, 1, 0x260A, level))
            continue
        for row in block:
            for cell in row:
                *lines, last = cell.split("\r")
                for line in lines:  # a cell of several paragraphs
                    add(line + "\r", IN_TABLE)
                add(last + "\x07", IN_TABLE)
            add("\x07", IN_TABLE + ROW_END)
    return "".join(out), marks


def _papx_page(text: str, marks: dict[int, bytes], fcs: list[int]) -> bytes:
    """A PapxFkp: one run per paragraph (ending after its mark), table paragraphs with their properties, written
    alternately in the two PapxInFkp forms (cb set, and cb 0 with a second count)."""
    ends = [i + 1 for i, char in enumerate(text) if char in "\r\x07"]
    page = bytearray(512)
    bounds = [fcs[0]] + [fcs[end] for end in ends]
    struct.pack_into(f"<{len(bounds)}I", page, 0, *bounds)
    free = 511
    for i, end in enumerate(ends):
        if end - 1 not in marks:
            continue
        istd, properties = marks[end - 1]
        body = struct.pack("<H", istd) + properties  # the style index, then the sprms
        papx = bytes([(len(body) + 1) // 2]) + body if len(body) % 2 else bytes([0, len(body) // 2]) + body
        free = (free - len(papx)) & ~1
        page[free : free + len(papx)] = papx
        page[4 * len(bounds) + 13 * i] = free // 2
    page[511] = len(ends)
    return bytes(page)


def _style_sheet() -> bytes:
    """An STSH: the Stshi (style count, base size), then each style's STD, of which only the built-in identifier
    (sti, the first 12 bits) is filled: Normal (0), then "heading 1" to "heading 3"."""
    stshi = struct.pack("<HH", HEADING_STYLES + 1, 10) + bytes(14)
    styles = b"".join(struct.pack("<HH", 10, sti) + bytes(8) for sti in range(HEADING_STYLES + 1))
    return struct.pack("<H", len(stshi)) + stshi + styles


def _clx(pieces: list[tuple[int, int, int, bool]]) -> bytes:
    cps = [cp for cp, _, _, _ in pieces] + [pieces[-1][1]]
    pcds = b"".join(
        struct.pack("<HIH", 0, (2 * offset) | 0x40000000 if compressed else offset, 0)
        for _, _, offset, compressed in pieces
    )
    plc = struct.pack(f"<{len(cps)}I", *cps) + pcds
    return b"\x02" + struct.pack("<I", len(plc)) + plc


def _fib(lengths: list[int], pairs: list[tuple[int, int]], encrypted: bool, ident: int) -> bytes:
    base = bytearray(32)
    struct.pack_into("<HH", base, 0, ident, 0x00C1)
    struct.pack_into("<H", base, 0x0A, 0x0200 | (0x0100 if encrypted else 0))
    longs = [0] * 22
    longs[3 : 3 + len(lengths)] = lengths  # ccpText, then the other stories' lengths
    return (
        bytes(base)
        + struct.pack("<H", 14)
        + bytes(28)
        + struct.pack("<H", 22)
        + struct.pack("<22i", *longs)
        + struct.pack("<H", PAIRS)
        + b"".join(struct.pack("<II", fc, lcb) for fc, lcb in pairs)
        + struct.pack("<H", 0)
    )
