"""Old binary PowerPoint (.ppt: PowerPoint 97–2003) read with olefile and the record structure of [MS-PPT]: one page
per slide, in the presentation's order, as `.pptx` slides are written (pptx.py): the slide's title a heading
("Slide N" when it has none), then its body text, bulleted placeholder text as list items, then the text of its
other text boxes. The slide order and each slide's record come from the last saved edit (the current user's edit,
its persist directory, and the edits before it); a slide's placeholder text from the document's slide list, its text
boxes from the slide's drawing, top to bottom then left to right by their anchors (a group where its own anchor
stands, its shapes in their order inside it), its speaker notes from its notes slide, under a "Notes" heading. A
table (a group the drawing marks as one) is written as `| a | b |` rows: its cells' shapes grouped into rows by
their top edge, each row left to right. The title is the summary information's, else the first slide's. Not read:
charts, pictures. A password-protected presentation, or an OLE file without a presentation, is refused in one line.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass

from . import Extracted, untitled_slide_heading
from .blocks import Writer, clean
from .ole import open_ole, summary_title

_CURRENT_USER, _USER_EDIT, _PERSIST_DIRECTORY = 0x0FF6, 0x0FF5, 0x1772
_DOCUMENT, _SLIDE, _SLIDE_LIST, _SLIDE_PERSIST = 0x03E8, 0x03EE, 0x0FF0, 0x03F3
_SLIDE_ATOM, _NOTES = 0x03EF, 0x03F0  # a slide's atom (naming its notes), a notes slide
_TEXT_HEADER, _TEXT_CHARS, _TEXT_BYTES, _CLIENT_TEXTBOX = 0x0F9F, 0x0FA0, 0x0FA8, 0xF00D
_ENCRYPTED_TOKEN = 0xF3D1C4DF  # the current user's header token of an encrypted presentation
_TITLES = {0, 6}  # text types: title, centred title
_NOTES_TEXT = 2  # text type of a notes slide's body
_BULLETED = {1, 5, 7, 8}  # body, centred body, half body, quarter body
_GROUP, _SHAPE, _CHILD_ANCHOR, _CLIENT_ANCHOR, _TERTIARY_OPT = 0xF003, 0xF004, 0xF00F, 0xF010, 0xF122
_TABLE_PROPERTIES = 0x39F  # a group shape's property: bit 1 set, the group is a table
_TABLE = -1  # the kind of a `Text` holding a table's rows
_MAX_DEPTH = 64  # records nested deeper are not read
_MAX_EDITS = 4096  # saved edits followed back


@dataclass(frozen=True)
class Text:
    """One text of a slide: its text type (title, body, other …, or _TABLE) and its characters (a table's rows)."""

    kind: int
    text: str
    rows: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True)
class Shape:
    """A drawn shape's texts and where it stands: (top, left) of its anchor, (0, 0) without one."""

    at: tuple[int, int]
    texts: tuple[Text, ...]


def extract_ppt(data: bytes, name: str = "") -> Extracted:
    ole = open_ole(data, ".ppt")
    try:
        if not (ole.exists("PowerPoint Document") and ole.exists("Current User")):
            raise ValueError(
                "the .ppt file is an OLE file without a PowerPoint presentation, such as an old .doc or .xls; "
                "rename it to its real type"
            )
        slides = _slides(ole.openstream("PowerPoint Document").read(), ole.openstream("Current User").read())
        recorded = summary_title(ole)
    except (OSError, struct.error, IndexError, KeyError) as exc:
        raise ValueError(
            f"the .ppt file is damaged ({str(exc)[:120] or type(exc).__name__}); open and save it again"
        ) from None
    finally:
        ole.close()
    out = Writer()
    starts: list[int] = []
    first_title = ""
    for number, texts in enumerate(slides, 1):
        out.end_run()
        starts.append(out.mark())
        title = _slide(out, number, texts)
        first_title = first_title or title
    return Extracted(out.text, tuple(starts), recorded or first_title)


def _slides(stream: bytes, current_user: bytes) -> list[list[Text]]:
    """Each slide's texts, in the presentation's order: its placeholder texts from the slide list, then the text
    boxes of its drawing (those not already among them), then its speaker notes (the notes slide its slide atom
    names)."""
    persist, document = _persist_directory(stream, _current_edit(current_user))
    if document not in persist:
        raise KeyError("document")
    body_start, body_end = _body(stream, persist[document], _DOCUMENT)
    listed = _slide_list(stream, body_start, body_end)
    notes = _notes_slides(stream, body_start, body_end)
    slides = []
    read: set[int] = set()  # each slide record once: a slide list naming one record for every slide reads it once
    for slide_id, texts in listed:
        if slide_id in persist and persist[slide_id] not in read:
            read.add(persist[slide_id])
            start, end = _body(stream, persist[slide_id], _SLIDE)
            known = {t.text for t in texts}
            texts = texts + [t for t in _drawing_texts(stream, start, end) if t.kind == _TABLE or t.text not in known]
            texts = texts + _notes(stream, persist, notes.pop(_notes_id(stream, start, end), None))  # once
        slides.append(texts)
    return slides


def _notes_id(stream: bytes, start: int, end: int) -> int:
    """The notes id of the notes slide the slide atom of the slide record body [start, end) names (0: none)."""
    for kind, _, atom_start, atom_end, _ in _children(stream, start, end):
        if kind == _SLIDE_ATOM and atom_end - atom_start >= 20:
            return struct.unpack_from("<I", stream, atom_start + 16)[0]
    return 0


def _current_edit(current_user: bytes) -> int:
    """Where the last saved edit (UserEditAtom) starts; ValueError for an encrypted presentation."""
    kind, _, start, _ = _header(current_user, 0)
    if kind != _CURRENT_USER:
        raise KeyError("current user")
    token, offset = struct.unpack_from("<II", current_user, start + 4)
    if token == _ENCRYPTED_TOKEN:
        raise ValueError("the .ppt file is password-protected; save it again without a password")
    return offset


def _persist_directory(stream: bytes, offset: int) -> tuple[dict[int, int], int]:
    """Each persist object's offset in the stream, newest edit first (an older edit's entry for the same object is
    superseded), and the document's persist id, followed back through the saved edits."""
    persist: dict[int, int] = {}
    document = -1
    seen: set[int] = set()
    while offset and offset not in seen and len(seen) < _MAX_EDITS:
        seen.add(offset)
        kind, _, start, _ = _header(stream, offset)
        if kind != _USER_EDIT:
            raise KeyError("user edit")
        last_edit, directory, document_id = struct.unpack_from("<III", stream, start + 8)
        document = document if document >= 0 else document_id
        kind, _, at, end = _header(stream, directory)
        if kind != _PERSIST_DIRECTORY:
            raise KeyError("persist directory")
        while at + 4 <= end:
            entry = struct.unpack_from("<I", stream, at)[0]
            first, count = entry & 0xFFFFF, entry >> 20
            offsets = struct.unpack_from(f"<{count}I", stream, at + 4)
            for k, where in enumerate(offsets):
                persist.setdefault(first + k, where)
            at += 4 + 4 * count
        offset = last_edit
    return persist, document


def _header(stream: bytes, at: int) -> tuple[int, int, int, int]:
    """(record type, instance, body start, body end) of the record at `at`; IndexError past the stream."""
    version_instance, kind, length = struct.unpack_from("<HHI", stream, at)
    end = at + 8 + length
    if end > len(stream):
        raise IndexError(f"a record at {at} of {length} bytes past the stream's {len(stream)}")
    return kind, version_instance >> 4, at + 8, end


def _body(stream: bytes, at: int, kind: int) -> tuple[int, int]:
    found, _, start, end = _header(stream, at)
    if found != kind:
        raise KeyError(f"record {found:#x} where {kind:#x} was expected")
    return start, end


def _children(stream: bytes, start: int, end: int) -> Iterator[tuple[int, int, int, int, bool]]:
    """(type, instance, body start, body end, is a container) of each record directly inside [start, end)."""
    at = start
    while at + 8 <= end:
        kind, instance, body_start, body_end = _header(stream, at)
        yield kind, instance, body_start, min(body_end, end), stream[at] & 0x0F == 0x0F
        at = body_end


def _notes_slides(stream: bytes, start: int, end: int) -> dict[int, int]:
    """The persist id of each notes slide by its notes id (what a slide atom names it by), from the document's
    notes list (the slide list of instance 2)."""
    found: dict[int, int] = {}
    for kind, instance, body_start, body_end, _ in _children(stream, start, end):
        if kind == _SLIDE_LIST and instance == 2:
            for child, _, child_start, child_end, _ in _children(stream, body_start, body_end):
                if child == _SLIDE_PERSIST and child_end - child_start >= 16:
                    persist_id, _, _, notes_id = struct.unpack_from("<IIII", stream, child_start)
                    found[notes_id] = persist_id
    return found


def _notes(stream: bytes, persist: dict[int, int], persist_id: int | None) -> list[Text]:
    """The body text of a notes slide (none when it is not there, or its record is not a notes slide's)."""
    if persist_id is None or persist_id not in persist:
        return []
    kind, _, start, end = _header(stream, persist[persist_id])
    if kind != _NOTES:
        return []
    return [t for t in _texts(stream, start, end, in_textboxes=True) if t.kind == _NOTES_TEXT]


def _slide_list(stream: bytes, start: int, end: int) -> list[tuple[int, list[Text]]]:
    """(persist id, placeholder texts) of each slide of the document's slide list (instance 0), in order."""
    slides: list[tuple[int, list[Text]]] = []
    for kind, instance, body_start, body_end, _ in _children(stream, start, end):
        if kind != _SLIDE_LIST or instance != 0:
            continue
        text_type = 4
        for child, _, child_start, child_end, _ in _children(stream, body_start, body_end):
            if child == _SLIDE_PERSIST:
                slides.append((struct.unpack_from("<I", stream, child_start)[0], []))
            elif child == _TEXT_HEADER and slides:
                text_type = struct.unpack_from("<I", stream, child_start)[0]
            elif child in (_TEXT_CHARS, _TEXT_BYTES) and slides:
                slides[-1][1].append(Text(text_type, _decoded(stream, child, child_start, child_end)))
    return slides


def _texts(stream: bytes, start: int, end: int, *, in_textboxes: bool) -> list[Text]:
    """The text atoms inside the records of [start, end), at any depth up to _MAX_DEPTH (a stack, no recursion);
    with `in_textboxes`, only those of shapes' text boxes."""
    found: list[Text] = []
    stack = [(start, end, 0, not in_textboxes, 4)]
    while stack:
        body_start, body_end, depth, inside, text_type = stack.pop()
        children = list(_children(stream, body_start, body_end))
        for kind, _, child_start, child_end, container in children:
            if kind == _TEXT_HEADER and inside:
                text_type = struct.unpack_from("<I", stream, child_start)[0]
            elif kind in (_TEXT_CHARS, _TEXT_BYTES) and inside:
                found.append(Text(text_type, _decoded(stream, kind, child_start, child_end)))
            elif container and depth < _MAX_DEPTH:
                stack.append((child_start, child_end, depth + 1, inside or kind == _CLIENT_TEXTBOX, 4))
    return found


def _drawing_texts(stream: bytes, start: int, end: int) -> list[Text]:
    """The texts of a slide's shapes, a table as one `Text` of rows; the slide's shapes stand in its top group,
    which orders them (`_group`)."""
    return [text for shape in _shapes(stream, start, end, 0) for text in shape.texts]


def _shapes(stream: bytes, start: int, end: int, depth: int) -> list[Shape]:
    """The shapes with text in the records of [start, end), found at any depth up to _MAX_DEPTH."""
    found: list[Shape] = []
    for kind, _, child_start, child_end, container in _children(stream, start, end):
        if not container or depth >= _MAX_DEPTH:
            continue
        if kind == _SHAPE:
            shape = _shape(stream, child_start, child_end)
            if shape.texts:
                found.append(shape)
        elif kind == _GROUP:
            found.extend(_group(stream, child_start, child_end, depth + 1))
        else:
            found.extend(_shapes(stream, child_start, child_end, depth + 1))
    return found


def _shape(stream: bytes, start: int, end: int) -> Shape:
    """A shape's anchor and the text atoms of its text box."""
    at = (0, 0)
    texts: list[Text] = []
    for kind, _, child_start, child_end, _ in _children(stream, start, end):
        if kind == _CLIENT_ANCHOR and child_end - child_start in (8, 16):  # top, left, … as 16- or 32-bit values
            at = struct.unpack_from("<hh" if child_end - child_start == 8 else "<ii", stream, child_start)
        elif kind == _CHILD_ANCHOR and child_end - child_start >= 16:  # left, top, …
            left, top = struct.unpack_from("<ii", stream, child_start)
            at = (top, left)
        elif kind == _CLIENT_TEXTBOX:
            texts.extend(_texts(stream, child_start, child_end, in_textboxes=False))
    return Shape(at, tuple(texts))


def _group(stream: bytes, start: int, end: int, depth: int) -> list[Shape]:
    """A group's shapes, standing where the group's own shape (its first) stands: one `Shape` of rows when the
    group is a table, else its shapes in position order."""
    children = list(_children(stream, start, end))
    if not children or children[0][0] != _SHAPE:
        return _shapes(stream, start, end, depth)
    _, _, own_start, own_end, _ = children[0]
    own = _shape(stream, own_start, own_end)
    members_start = children[1][2] - 8 if len(children) > 1 else end  # the second child's record header
    members = sorted(_shapes(stream, members_start, end, depth), key=lambda shape: shape.at)  # stable in a tie
    if _is_table(stream, own_start, own_end):
        return [Shape(own.at, (Text(_TABLE, "", _rows(members)),))] if members else []
    return [Shape(own.at, own.texts + tuple(text for shape in members for text in shape.texts))]


def _is_table(stream: bytes, start: int, end: int) -> bool:
    """Whether a group's shape says the group is a table (tableProperties, bit 1, in its tertiary properties)."""
    for kind, count, child_start, child_end, _ in _children(stream, start, end):
        if kind == _TERTIARY_OPT:
            for i in range(min(count, (child_end - child_start) // 6)):
                pid, value = struct.unpack_from("<HI", stream, child_start + 6 * i)
                if pid & 0x3FFF == _TABLE_PROPERTIES and value & 1:
                    return True
    return False


def _rows(cells: list[Shape]) -> tuple[tuple[str, ...], ...]:
    """Table cells (sorted by position) as rows: the cells of one top edge, left to right."""
    rows: list[list[str]] = []
    top = None
    for cell in cells:
        text = " ".join(" ".join(t.text.replace("\x0b", " ").split()) for t in cell.texts)
        if cell.at[0] != top:
            rows.append([])
            top = cell.at[0]
        rows[-1].append(text)
    return tuple(tuple(row) for row in rows)


def _decoded(stream: bytes, kind: int, start: int, end: int) -> str:
    raw = stream[start:end]
    return raw.decode("utf-16-le", errors="replace") if kind == _TEXT_CHARS else raw.decode("cp1252", errors="replace")


def _slide(out: Writer, number: int, texts: list[Text]) -> str:
    """Write one slide: its title as a heading ("Slide N" without one), then its texts; returns the title."""
    title = next((clean(" ".join(t.text.split())) for t in texts if t.kind in _TITLES and t.text.strip()), "")
    out.heading(title or untitled_slide_heading(number), 1)
    notes = [text for text in texts if text.kind == _NOTES_TEXT]
    for text in texts:
        if text.kind not in _TITLES and text.kind != _NOTES_TEXT:
            _write_text(out, text)
    _write_notes(out, notes)
    return title


def _write_text(out: Writer, text: Text) -> None:
    """A table's rows, or a text's lines: bulleted placeholder text as items, the rest as paragraphs."""
    if text.kind == _TABLE:
        out.end_run()
        for row in text.rows:
            out.row(list(row))
        out.end_run()
        return
    for line in text.text.replace("\x0b", "\r").split("\r"):
        if not line.strip():
            continue
        if text.kind in _BULLETED:
            out.item(clean(line))
        else:
            out.paragraph(clean(line))


def _write_notes(out: Writer, notes: list[Text]) -> None:
    """A slide's speaker notes under a "Notes" heading, a paragraph each."""
    lines = [line for text in notes for line in text.text.replace("\x0b", "\r").split("\r") if line.strip()]
    if lines:
        out.heading("Notes", 2)
    for line in lines:
        out.paragraph(clean(line))
