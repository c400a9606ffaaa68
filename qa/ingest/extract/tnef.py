"""Outlook's TNEF wrapper (`winmail.dat`, `application/ms-tnef`): Outlook sends a message's attachments packed into
this one file when it writes rich text, and a mail client without Outlook shows only "winmail.dat". Its files are
read by their own readers and written as an archive's are (`# File: <name>` sections of the attachment). The
format is a run of attributes (level, id, length, value, checksum, [MS-OXTNEF]); each file starts with
attAttachRendData and carries its name (attAttachTitle, or the long name among its MAPI properties) and its bytes
(attAttachData). The message body TNEF may carry (compressed RTF) is not read: the e-mail has its own.
"""

from __future__ import annotations

import struct

from . import Extracted, extract, kind_of
from .blocks import Writer, clean, name_title
from .email import Marks, PartToRead, read_parts, write_sections

_SIGNATURE = 0x223E9F78
_ATTACHMENT_LEVEL = 2
_RENDERING, _TITLE, _DATA, _PROPERTIES = 0x9002, 0x8010, 0x800F, 0x9005  # attribute ids (their low 16 bits)
_LONG_NAME_TAGS = (b"\x1f\x00\x07\x37", b"\x1e\x00\x07\x37")  # PR_ATTACH_LONG_FILENAME, UTF-16 or 8-bit
MAX_FILES = 1_000


def tnef_files(data: bytes) -> list[tuple[str, bytes]]:
    """(name, bytes) of each file packed in the TNEF stream; ValueError for one that is not TNEF or is damaged."""
    if len(data) < 6 or struct.unpack_from("<I", data, 0)[0] != _SIGNATURE:
        raise ValueError("not a TNEF file (no winmail.dat signature); ask the sender to send plain attachments")
    files: list[list] = []
    for kind, value in _attachment_attributes(data):
        if kind == _RENDERING:
            if len(files) >= MAX_FILES:
                break
            files.append(["", b""])
        elif files:
            _fill(files[-1], kind, value)
    return [(name or f"file {n}", body) for n, (name, body) in enumerate(files, 1) if body]


def _fill(file: list, kind: int, value: bytes) -> None:
    """Set a file's name (its title, or better its long name) or bytes from one of its attributes."""
    if kind == _TITLE and not file[0]:
        file[0] = clean(value.split(b"\x00", 1)[0].decode("cp1252", errors="replace"))
    elif kind == _PROPERTIES:
        file[0] = _long_name(value) or file[0]
    elif kind == _DATA:
        file[1] = value


def _attachment_attributes(data: bytes):  # type: ignore[no-untyped-def]
    """(attribute id's low 16 bits, value) of each attachment-level attribute, in order."""
    at = 6
    while at + 9 <= len(data):
        level = data[at]
        attribute, length = struct.unpack_from("<II", data, at + 1)
        value = data[at + 9 : at + 9 + length]
        if len(value) < length:
            raise ValueError(f"the TNEF file is damaged (an attribute at byte {at} runs past its end)")
        at += 9 + length + 2  # and the checksum
        if level == _ATTACHMENT_LEVEL:
            yield attribute & 0xFFFF, value


def extract_tnef(data: bytes, name: str = "") -> Extracted:
    files = tnef_files(data)
    out = Writer()
    marks = Marks()
    parts = (
        PartToRead(number, shown, kind_of(shown), lambda k, b=body, s=shown: extract(k, b, s))
        for number, (shown, body) in enumerate(files, start=1)
    )
    sections = read_parts(parts, out, "File")
    write_sections(out, sections, marks, "tnef")
    if not sections and not out.text:
        raise ValueError("the TNEF file holds no attachments")
    return Extracted(out.text, (), name_title(name), ocr_spans=tuple(marks.scanned))


def _long_name(properties: bytes) -> str:
    """PR_ATTACH_LONG_FILENAME from an attachment's MAPI properties (a count of 1, a byte length, then the string),
    "" when it is not there."""
    for tag in _LONG_NAME_TAGS:
        at = properties.find(tag)
        if at < 0 or at + 12 > len(properties):
            continue
        length = struct.unpack_from("<I", properties, at + 8)[0]
        raw = properties[at + 12 : at + 12 + length]
        text = raw.decode("utf-16-le" if tag[0] == 0x1F else "cp1252", errors="replace")
        return clean(text.split("\x00", 1)[0])
    return ""
