"""PowerPoint 97–2003 (.ppt) files written here, for the extract tests: the records of [MS-PPT] a reader of slide
text needs — the current user, the last edit and its persist directory, the document's slide list with each slide's
placeholder texts, and each slide's drawing with its text boxes and tables (each shape anchored, stored in the
reverse of its place on the slide) — inside a compound file (tests/msg_fixtures.py).
"""

from __future__ import annotations

import struct

from msg_fixtures import cfb_bytes

Box = str | list[list[str]]  # a text box, or a table's rows
Slide = tuple[str | None, list[str], list[Box]]  # title, body lines (bulleted), text boxes top to bottom
NORMAL_TOKEN, ENCRYPTED_TOKEN = 0xE391C05F, 0xF3D1C4DF


def record(kind: int, body: bytes, *, instance: int = 0, container: bool = False) -> bytes:
    return struct.pack("<HHI", (instance << 4) | (0xF if container else 0), kind, len(body)) + body


def text_atoms(text_type: int, text: str, *, eight_bit: bool = False) -> bytes:
    """A TextHeaderAtom, then the text as a TextBytesAtom (8-bit) or a TextCharsAtom (UTF-16)."""
    atom = record(0x0FA8, text.encode("cp1252")) if eight_bit else record(0x0FA0, text.encode("utf-16-le"))
    return record(0x0F9F, struct.pack("<I", text_type)) + atom


def ppt_bytes(slides: list[Slide], **options: object) -> bytes:
    return cfb_bytes(ppt_streams(slides, **options))  # type: ignore[arg-type]


def ppt_streams(
    slides: list[Slide], *, encrypted: bool = False, eight_bit: bool = False, notes: dict[int, str] | None = None
) -> dict[str, bytes]:
    """The PowerPoint Document and Current User streams of a presentation of `slides`; the slides' records are
    written in reverse order (the slide list, not the stream, gives the order); body text 8-bit with `eight_bit`;
    `notes`: speaker notes by slide index, each a notes slide its slide's atom names by its notes id."""
    notes = notes or {}
    notes_persist = {i: 2 + len(slides) + k for k, i in enumerate(sorted(notes))}  # persist ids after the slides
    listed = b""
    for i, (title, body, _) in enumerate(slides):
        listed += record(0x03F3, struct.pack("<IIIII", 2 + i, 0, 2, 256 + i, 0))
        if title is not None:
            listed += text_atoms(0, title)
        if body:
            listed += text_atoms(1, "\r".join(body), eight_bit=eight_bit)
    notes_list = b"".join(
        record(0x03F3, struct.pack("<IIIII", notes_persist[i], 0, 1, 1000 + i, 0)) for i in sorted(notes)
    )
    lists = record(0x0FF0, listed, container=True) + record(0x0FF0, notes_list, instance=2, container=True)
    stream = record(0x03E8, lists, container=True)
    offsets = {1: 0}
    for i in reversed(range(len(slides))):
        boxes = b"".join(_box(box, top=1000 * (k + 1)) for k, box in reversed(list(enumerate(slides[i][2]))))
        atom = record(0x03EF, struct.pack("<I8sIIHH", 0, bytes(8), 0, 1000 + i if i in notes else 0, 0, 0))
        offsets[2 + i] = len(stream)
        stream += record(0x03EE, atom + _drawing(boxes), container=True)
    for i in sorted(notes):
        offsets[notes_persist[i]] = len(stream)
        body = record(0xF00D, text_atoms(2, notes[i]), container=True)
        stream += record(0x03F0, _drawing(body), container=True)
    directory_at = len(stream)
    entry = 1 | (len(offsets) << 20)
    stream += record(0x1772, struct.pack(f"<I{len(offsets)}I", entry, *(offsets[k] for k in sorted(offsets))))
    edit_at = len(stream)
    stream += record(0x0FF5, struct.pack("<IHBBIIIIHH", 0, 0, 0, 3, 0, directory_at, 1, 2 + len(slides), 1, 0))
    token = ENCRYPTED_TOKEN if encrypted else NORMAL_TOKEN
    user = record(0x0FF6, struct.pack("<IIIHHBBH", 0x14, token, edit_at, 4, 0x03F4, 3, 0, 0) + b"Aino")
    return {"PowerPoint Document": stream, "Current User": user}


def _drawing(shapes: bytes) -> bytes:
    """A slide's drawing (PPDrawing, OfficeArt drawing container, the slide's group: its own shape, then the shapes)
    around the shapes' records."""
    group = record(0xF003, record(0xF004, b"", container=True) + shapes, container=True)
    return record(0x040C, record(0xF002, group, container=True), container=True)


def _box(box: Box, top: int) -> bytes:
    """A text box's shape anchored at `top` (a client anchor: top, left, right, bottom), or a table there: a group
    whose shape has tableProperties set, its cells' shapes (child anchors: left, top, right, bottom) stored last
    cell first."""
    anchor = record(0xF010, struct.pack("<hhhh", top, 100, 5000, top + 500))
    if isinstance(box, str):
        return record(0xF004, anchor + record(0xF00D, text_atoms(4, box), container=True), container=True)
    properties = record(0xF122, struct.pack("<HI", 0x39F, 1), instance=1)
    cells = [
        record(
            0xF004,
            record(0xF00F, struct.pack("<iiii", 100 + 900 * c, top + 100 * r, 1000 + 900 * c, top + 100 * (r + 1)))
            + record(0xF00D, text_atoms(4, cell), container=True),
            container=True,
        )
        for r, row in enumerate(box)
        for c, cell in enumerate(row)
    ]
    own = record(0xF004, properties + anchor, container=True)
    return record(0xF003, own + b"".join(reversed(cells)), container=True)
