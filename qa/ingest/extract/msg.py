"""Outlook messages (.msg): the OLE compound file read with olefile (BSD), the MAPI properties read here.

extract-msg, the usual library, is GPL-3.0 and this project is MIT, so the few properties an answer needs are read
directly: a property is the stream `__substg1.0_XXXXYYYY` (XXXX its id, YYYY its type: 001F UTF-16LE text, 001E
8-bit text in the message's code page, 0102 bytes), and fixed-size ones (the dates) are 16-byte entries of
`__properties_version1.0`. The text comes out in exactly the shape email.py writes, through its functions: the
subject (0037) as heading; one From · To · Cc · Date line from the sender's name and address (0C1A, 5D01/0C1F),
the display To and Cc (0E04, 0E03), the submit or delivery time (0039, 0E06), each falling back to the transport
headers (007D) when missing; the plain body (1000), else the HTML body (1013) through the HTML extractor; then
each attachment (`__attach_version1.0_#N`: data 3701, file name 3707/3704, mime type 370E) through the same path
as an e-mail's attachments, so an attached PDF keeps its pages. An embedded message (attach method 5, a
`__substg1.0_3701000D` storage) is read as an attached e-mail, MAX_DEPTH levels deep; an embedded OLE object
(method 6) is named in one line as not read.

Not read: a body stored only as compressed RTF (1009; no plain or HTML body) is not decompressed, the message then
has no body text; recipients' own storages are not read (the display To/Cc lines name them); named properties
are not resolved.

A damaged file is refused in one line: olefile runs in its strict mode (DEFECT_INCORRECT, its advice for untrusted
files: a truncated or inconsistent file is an error, not a silently shortened stream, and a stream declaring more
sectors than the file has is refused before it is read); the streams read are capped together at
archive.MAX_TOTAL_BYTES, so a crafted file cannot make us allocate without bound.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email import policy
from email.message import EmailMessage
from email.parser import HeaderParser
from email.utils import format_datetime
from typing import NamedTuple

import olefile

from . import Extracted, extract, sniff
from .archive import MAX_TOTAL_BYTES
from .blocks import Writer, clean, name_title
from .email import (
    Marks,
    ReadAttachment,
    attachment_kind,
    header_value,
    nested_message,
    outer_messages,
    read_attachment,
    write_body,
    write_head,
    write_sections,
)
from .html import decode_html

PROPERTIES = "__properties_version1.0"
SUBSTG = "__substg1.0_"
ATTACHMENT = "__attach_version1.0_#"
EMBEDDED = "__substg1.0_3701000D"  # an attachment's data as a storage: an embedded message or OLE object
HEADER_BYTES = {"message": 32, "embedded": 24, "attachment": 8}  # before the property entries
_FIXED_ENTRY = 16
_SYSTIME, _LONG = 0x0040, 0x0003
_EPOCH = datetime(1601, 1, 1, tzinfo=timezone.utc)  # FILETIME counts 100-ns ticks from here
_ATTACH_EMBEDDED_MESSAGE = 5
_OTHER_OLE = {  # a top-level stream naming the OLE file another program wrote
    "worddocument": "an old Word document (.doc)",
    "workbook": "an old Excel workbook (.xls)",
    "book": "an old Excel workbook (.xls)",
    "powerpoint document": "an old PowerPoint presentation (.ppt)",
}
# what olefile (and struct inside it) raises on a damaged file; RecursionError: a crafted, degenerate directory tree
_OLE_ERRORS = (OSError, struct.error, IndexError, KeyError, TypeError, RecursionError)


def extract_msg(data: bytes, name: str = "", *, max_stream_bytes: int = MAX_TOTAL_BYTES) -> Extracted:
    """The message as email.py writes an e-mail; ValueError with a one-line reason for a file that is not one, or
    whose streams hold more than `max_stream_bytes` in all."""
    with _opened(data) as ole:
        out = Writer()
        marks = Marks()
        try:
            subject = _message(_Storage(ole, (), _Budget(max_stream_bytes)), "message", out, outer_messages(), marks)
        except _OLE_ERRORS as exc:
            raise ValueError(_corrupt(exc)) from None
    return Extracted(
        out.text, (), subject or name_title(name), ocr_spans=tuple(marks.scanned), parts=tuple(marks.parts)
    )


def attached_msg_file(data: bytes, number: int) -> tuple[str, bytes]:
    """(file name, bytes) of the message's attachment `number` (1-based, in the file's numbering, as
    `AttachedPart.number` counts them). ValueError when there is none, or when it is an embedded message or OLE
    object (no file of its own: its text is in the reading view)."""
    with _opened(data) as ole:
        try:
            storage = _Storage(ole, (), _Budget(MAX_TOTAL_BYTES))
            storage.read_fixed("message")
            names = storage.children(ATTACHMENT)
            if not 1 <= number <= len(names):
                raise ValueError(f"the message has no attachment {number}")
            attached = storage.child(names[number - 1])
            filename = clean(attached.text(0x3707) or attached.text(0x3704))
            if attached.entry_type(EMBEDDED) == olefile.STGTY_STORAGE:
                raise ValueError(f"attachment {number} is an embedded message or object, not a file")
            content_type = clean(attached.text(0x370E)).lower() or "application/octet-stream"
            return attachment_kind(filename, content_type)[1], attached.binary(0x3701) or b""
        except _OLE_ERRORS as exc:
            raise ValueError(_corrupt(exc)) from None


def check_msg(data: bytes) -> None:
    """Refuse bytes that are not an Outlook message (the upload check): not an OLE file, a damaged one, or an OLE
    file of another program (an old .doc)."""
    with _opened(data):
        pass


@contextmanager
def _opened(data: bytes) -> Iterator[olefile.OleFileIO]:
    """The open OLE file, after refusing what is not a message. Bytes, never a path: olefile takes short bytes for
    a file name."""
    if not data.strip(b"\x00 \t\r\n"):
        raise ValueError("empty file")
    if sniff(data) != "ole":
        raise ValueError("not an Outlook message (no OLE compound-file signature); save the message as .eml")
    try:
        ole = olefile.OleFileIO(io.BytesIO(data), raise_defects=olefile.DEFECT_INCORRECT)
    except _OLE_ERRORS as exc:
        raise ValueError(_corrupt(exc)) from None
    try:
        _check_is_message(ole)
        yield ole
    finally:
        ole.close()


def _check_is_message(ole: olefile.OleFileIO) -> None:
    try:
        top = {path[0].lower() for path in ole.listdir(streams=True, storages=True)}
    except _OLE_ERRORS as exc:
        raise ValueError(_corrupt(exc)) from None
    if PROPERTIES in top or any(name.startswith(SUBSTG.lower()) for name in top):
        return
    what = next((what for stream, what in _OTHER_OLE.items() if stream in top), "")
    if what:
        raise ValueError(f"the .msg file is {what}, not an Outlook message; save the message as .eml")
    raise ValueError(
        f"not an Outlook message (an OLE compound file without {PROPERTIES} or {SUBSTG} property streams); "
        "save the message as .eml"
    )


def _corrupt(exc: BaseException) -> str:
    detail = (str(exc).strip().splitlines() or [""])[0][:100]
    reason = f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
    return f"corrupt or truncated Outlook message ({reason}); save the message again, or as .eml"


class _Budget:
    """The bytes left to read from the file's streams, all messages and attachments together."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.left = limit

    def take(self, size: int) -> None:
        """Count `size` bytes about to be read; once over the limit, every call refuses the file."""
        self.left -= size
        if self.left < 0:
            raise ValueError(
                f"the message's streams hold more than {self.limit:,} bytes in all (a crafted file?); "
                "save the message as .eml"
            )


@dataclass
class _Storage:
    """One storage of the file (the message, an attachment, an embedded message) and the reads of its properties."""

    ole: olefile.OleFileIO
    path: tuple[str, ...]
    budget: _Budget
    codepage: str = "cp1252"  # of 8-bit strings (001E): the message's, set once its properties are read
    fixed: dict[int, tuple[int, bytes]] = field(default_factory=dict)  # property id: (type, 8-byte value)

    def child(self, name: str) -> _Storage:
        return _Storage(self.ole, (*self.path, name), self.budget, self.codepage)

    def entry_type(self, name: str) -> int:
        """olefile's STGTY_* of a child entry; 0 when it has none of that name."""
        return self.ole.get_type([*self.path, name]) or 0

    def stream(self, name: str) -> bytes | None:
        """A child stream's bytes (None without it), counted against the budget before they are read. An empty one
        is not opened: some writers give it sector 0 rather than ENDOFCHAIN, which strict olefile calls a defect."""
        path = [*self.path, name]
        if self.ole.get_type(path) != olefile.STGTY_STREAM:
            return None
        size = self.ole.get_size(path)
        self.budget.take(size)
        return self.ole.openstream(path).read() if size else b""

    def text(self, prop: int) -> str:
        """A string property: UTF-16LE (001F), else 8-bit in the message's code page (001E); "" without it."""
        raw = self.stream(f"{SUBSTG}{prop:04X}001F")
        if raw is not None:
            return raw.decode("utf-16-le", errors="replace").rstrip("\x00")
        raw = self.stream(f"{SUBSTG}{prop:04X}001E")
        return "" if raw is None else raw.decode(self.codepage, errors="replace").rstrip("\x00")

    def binary(self, prop: int) -> bytes | None:
        return self.stream(f"{SUBSTG}{prop:04X}0102")

    def read_fixed(self, header: str) -> None:
        """The fixed-size properties of `__properties_version1.0` (after its header), and the code page they name."""
        raw = self.stream(PROPERTIES) or b""
        for at in range(HEADER_BYTES[header], len(raw) - _FIXED_ENTRY + 1, _FIXED_ENTRY):
            tag = int.from_bytes(raw[at : at + 4], "little")
            self.fixed[tag >> 16] = (tag & 0xFFFF, raw[at + 8 : at + 16])
        for prop in (0x3FFD, 0x3FDE):  # PR_MESSAGE_CODEPAGE, PR_INTERNET_CPID
            number = self.long(prop)
            if number and _known_codec(f"cp{number}"):
                self.codepage = f"cp{number}"
                break

    def long(self, prop: int) -> int | None:
        kind, value = self.fixed.get(prop, (0, b""))
        return int.from_bytes(value[:4], "little") if kind == _LONG else None

    def children(self, prefix: str) -> list[str]:
        """Names of the child storages starting with `prefix` (the attachments), in the file's numbering."""
        depth = len(self.path)
        inside = [p for p in self.ole.listdir(streams=False, storages=True) if len(p) == depth + 1]
        own = [p[-1] for p in inside if [s.lower() for s in p[:-1]] == [s.lower() for s in self.path]]
        return sorted(name for name in own if name.lower().startswith(prefix.lower()))


def _known_codec(name: str) -> bool:
    try:
        "".encode(name)
    except LookupError:
        return False
    return True


def _message(storage: _Storage, header: str, out: Writer, depth: int, marks: Marks) -> str:
    """Write one message as email.py writes an e-mail; `depth` counts the messages it is attached to. Returns the
    subject."""
    storage.read_fixed(header)
    headers = _transport_headers(storage.text(0x007D))
    subject = clean(storage.text(0x0037)) or clean(header_value(headers, "Subject"))
    who = [
        ("From", _sender(storage) or header_value(headers, "From")),
        ("To", storage.text(0x0E04) or header_value(headers, "To")),
        ("Cc", storage.text(0x0E03) or header_value(headers, "Cc")),
        ("Date", _date(storage) or header_value(headers, "Date")),
    ]
    write_head(out, subject, who, [_described(storage.child(name)).shown for name in storage.children(ATTACHMENT)])
    _body(storage, out)
    sections = []
    for number, name in enumerate(storage.children(ATTACHMENT), start=1):
        try:
            sections.append(_attachment(storage.child(name), number, depth))
        except ValueError as exc:
            out.end_run()
            out.paragraph(str(exc))
    storage.budget.take(0)  # an embedded message that ran over the budget refuses the whole file, not one part
    write_sections(out, sections, marks)
    return subject


def _transport_headers(text: str) -> EmailMessage:
    """The internet headers the message arrived with (empty for one never sent), parsed by the email package."""
    parsed = HeaderParser(policy=policy.default).parsestr(text)
    return parsed if isinstance(parsed, EmailMessage) else EmailMessage()


def _sender(storage: _Storage) -> str:
    """ "Name <address>": the SMTP address (5D01) before the sender's address (0C1F), which is an Exchange path
    ("/O=...") in a message sent inside an organisation."""
    name = clean(storage.text(0x0C1A))
    address = next((a for prop in (0x5D01, 0x0C1F) if "@" in (a := clean(storage.text(prop)))), "")
    if name and address and name != address:
        return f"{name} <{address}>"
    return name or address


def _date(storage: _Storage) -> str:
    """When it was sent (else delivered), as an e-mail's Date header shows it: "Tue, 04 Jun 2024 07:15:00 +0000"."""
    for prop in (0x0039, 0x0E06):  # PR_CLIENT_SUBMIT_TIME, PR_MESSAGE_DELIVERY_TIME
        kind, value = storage.fixed.get(prop, (0, b""))
        ticks = int.from_bytes(value, "little")
        if kind != _SYSTIME or not ticks:
            continue
        try:
            return format_datetime(_EPOCH + timedelta(microseconds=ticks // 10))
        except OverflowError:  # past year 9999: a damaged value
            continue
    return ""


def _body(storage: _Storage, out: Writer) -> None:
    """The plain body; without one, the HTML body (bytes in the charset it declares, or UTF-16 text)."""
    text = storage.text(0x1000)
    if text.strip():
        write_body(out, text)
        return
    html = storage.binary(0x1013)
    markup = decode_html(html) if html is not None else storage.text(0x1013)
    if markup.strip():
        write_body(out, markup, html=True)


class _Described(NamedTuple):
    """What an attachment's properties say of it, before its data is read."""

    kind: str | None  # the reader for its file (`attachment_kind`); None for data held as a storage
    shown: str  # the name it is shown under
    content_type: str
    embedded: bool  # its data is a storage: an embedded message or OLE object (`_embedded`)


def _described(storage: _Storage) -> _Described:
    """An attachment's name and type: its file name, else (data held as a storage) its display name or "forwarded
    e-mail", else what its content type makes it (`attachment_kind`)."""
    filename = clean(storage.text(0x3707) or storage.text(0x3704))
    content_type = clean(storage.text(0x370E)).lower() or "application/octet-stream"
    if storage.entry_type(EMBEDDED) == olefile.STGTY_STORAGE:
        shown = filename or clean(storage.text(0x3001)) or "forwarded e-mail"  # PR_DISPLAY_NAME
        return _Described(None, shown, content_type, True)
    return _Described(*attachment_kind(filename, content_type), content_type, False)


def _attachment(storage: _Storage, number: int, depth: int) -> ReadAttachment:
    """One attachment (the `number`th) as its reader read it; ValueError with the line saying why it was not read.
    Its bytes are read before its reader runs: a damaged stream refuses the file, as a truncated file should."""
    kind, shown, content_type, embedded = _described(storage)
    if embedded:
        return ReadAttachment(number, *_embedded(storage, shown, depth))
    data = (storage.binary(0x3701) or b"") if kind else b""
    read = read_attachment(shown, kind, content_type, depth, lambda k: extract(k, data, shown))
    return ReadAttachment(number, shown, kind or "", read)


def _embedded(storage: _Storage, shown: str, depth: int) -> tuple[str, str, Extracted]:
    """(name, kind, what was read) of an attachment whose data is a storage, shown as `shown`: a message (read as
    an attached e-mail), or an OLE object (named)."""
    storage.read_fixed("attachment")
    if storage.long(0x3705) != _ATTACH_EMBEDDED_MESSAGE:  # PR_ATTACH_METHOD
        raise ValueError(f"Attachment {shown} (an embedded OLE object) was not read: not a document the index reads.")

    def load(kind: str) -> Extracted:
        return nested_message(
            lambda writer, marks: _message(storage.child(EMBEDDED), "embedded", writer, depth + 1, marks)
        )

    return shown, "msg", read_attachment(shown, "msg", "message/rfc822", depth, load)
