"""E-mail (.eml) with the standard email package: the subject as heading, who wrote to whom and when, the body,
then each attachment a reader exists for as a section of its own.

The body is the text/plain part when there is one, else the text/html part through the HTML extractor;
transfer encodings (quoted-printable, base64) and charsets are the library's. An attachment whose name (or,
without a name, whose type) is a kind we read — PDF, Word, PowerPoint, Excel, CSV, EPUB, ODT, RTF, HTML,
Markdown, text, `.log` files as text, Outlook's `winmail.dat` (tnef.py: the files inside), and attached e-mails
(`.eml`, and Outlook `.msg` by msg.py) down to MAX_DEPTH levels, counted across both formats — is extracted by its own
reader and written under `# Attachment: <file name>`, its headings one level lower. Each attachment read is a
document of its own inside the message (`Extracted.parts`, an `AttachedPart`: its name, kind, place among the
message's attachments and stretch of text): a passage of it is cited as that attachment, at its page when it has
pages (a PDF, slides, a scan), and `attached_file` gives its bytes back to open or download it. The pages OCR read
(a scanned page, a photo of one) are recorded in `Extracted.ocr_spans`. Any other attachment, or one its reader
refuses, is named in one line saying why it was not read.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesHeaderParser, BytesParser
from typing import NamedTuple

from . import AttachedPart, Extracted, attachment_heading, extract, kind_of
from .blocks import Writer, clean, name_title

log = logging.getLogger(__name__)

MAX_DEPTH = 3  # e-mails attached to e-mails attached to e-mails: deeper ones are named, not read
_WHO = ("From", "To", "Cc", "Date")
_TYPE_KINDS = {
    "text/plain": "txt",
    "text/markdown": "md",
    "text/html": "html",
    "text/csv": "csv",
    "message/rfc822": "eml",
    "application/pdf": "pdf",
    "application/rtf": "rtf",
    "text/rtf": "rtf",
    "application/epub+zip": "epub",
    "application/vnd.ms-outlook": "msg",
}
_MESSAGE_KINDS = ("eml", "msg")
_outer: ContextVar[int] = ContextVar("qa_outer_messages", default=0)


def check_message(data: bytes) -> None:
    """Refuse bytes that are not an e-mail: NUL bytes, or none of From, To, Subject or Date in the headers."""
    if not data.strip():
        raise ValueError("empty file")
    if b"\x00" in data[:8192]:
        raise ValueError("binary file (contains NUL bytes)")
    headers = BytesHeaderParser(policy=policy.default).parsebytes(data)
    if not any(headers.get(name) for name in ("From", "To", "Subject", "Date")):
        raise ValueError("not an e-mail message (no From, To, Subject or Date header); save the message as .eml")


def extract_email(data: bytes, name: str = "") -> Extracted:
    check_message(data)
    message = BytesParser(policy=policy.default).parsebytes(data)
    out = Writer()
    marks = Marks()
    subject = _message(message, out, outer_messages(), marks)
    return Extracted(
        out.text, (), subject or name_title(name), ocr_spans=tuple(marks.scanned), parts=tuple(marks.parts)
    )


def outer_messages() -> int:
    """How many messages the one being read is attached to when another message's reader handed it to `extract` (an
    .msg attached to an .eml, an .eml to an .msg): both readers start counting there, so MAX_DEPTH holds across the
    formats and a chain of messages in messages cannot recurse without bound."""
    return _outer.get()


@dataclass
class Marks:
    """What a message's attachments add beside their text: the stretches OCR read and the attachments read."""

    scanned: list[tuple[int, int]] = field(default_factory=list)
    parts: list[AttachedPart] = field(default_factory=list)


class ReadAttachment(NamedTuple):
    """An attachment its reader read: its place among the message's attachments (1-based), the name it is shown
    under, its kind and what the reader read."""

    number: int
    name: str
    kind: str
    read: Extracted


def _message(message: EmailMessage, out: Writer, depth: int, marks: Marks) -> str:
    """Write one message: subject heading, who and when, body, the attachments not read (one line each), then each
    attachment read as a section (`write_sections`). `depth` counts the e-mails this one is attached to. Returns the
    subject."""
    subject = clean(header_value(message, "Subject"))
    named = [_kind_and_name(part)[1] for part in message.iter_attachments()]
    write_head(out, subject, [(name, header_value(message, name)) for name in _WHO], named)
    body = message.get_body(preferencelist=("plain", "html"))
    if body is not None:
        write_body(out, _text_content(body), html=body.get_content_subtype() == "html")
    sections = []
    for number, part in enumerate(message.iter_attachments(), start=1):
        try:
            sections.append(_attachment(part, number, depth))
        except ValueError as exc:
            out.end_run()
            out.paragraph(str(exc))
    write_sections(out, sections, marks)
    return subject


def write_head(out: Writer, subject: str, who: Iterable[tuple[str, str]], attachments: Sequence[str] = ()) -> None:
    """The subject as the level-1 heading, then one line of the (field, value) pairs that have a value ("From: a ·
    To: b · Date: ...") and the attachments' names, as a mail client shows them above the text ("Attachments:
    a.log, b.pdf"): every message format reads the same, so a question finds a sender, or which file was sent, the
    same way."""
    out.heading(subject or "(no subject)", 1)
    listed = [("Attachments", ", ".join(attachments))] if attachments else []
    shown = [f"{name}: {clean(value)}" for name, value in [*who, *listed] if value.strip()]
    if shown:
        out.paragraph(" · ".join(shown))


def write_sections(out: Writer, sections: Iterable[ReadAttachment], marks: Marks, container: str | None = None) -> None:
    """Each attachment read, as a `# Attachment: <name>` section (`# File:` in an archive, `# Message:` in a
    mailbox: `attachment_heading`) with its headings one level lower, recorded as a part of the message
    (`marks.parts`, with its pages: a passage of an attached PDF cites its page) and the stretches OCR read (an
    image, a scanned page) added to `marks.scanned`."""
    for section in sections:
        out.end_run()
        out.heading(attachment_heading(section.name, container), 1)
        start = len(out.text)
        heading = start - len(out.parts[-1])  # where the heading line starts
        starts = out.extend(section.read.text, 2, section.read.pages)
        end = len(out.text)
        marks.parts.append(AttachedPart(section.name, section.kind, section.number, heading, end, starts))
        marks.scanned.extend(_read_by_ocr(section.read, starts, start, end))


def _read_by_ocr(read: Extracted, starts: tuple[int, ...], start: int, end: int) -> list[tuple[int, int]]:
    """The stretches of an attachment written at [start, end) that OCR read: its OCR'd pages where its pages are
    marked (`starts`), else all of it when OCR read any of it (its own offsets do not survive its headings being
    moved)."""
    if read.ocr_pages and len(starts) == len(read.pages):
        bounds = [*starts, end]
        return [(bounds[p - 1], bounds[p]) for p in read.ocr_pages if 1 <= p <= len(starts)]
    return [(start, end)] if read.ocr_pages or read.ocr_spans else []


def header_value(message: EmailMessage, name: str) -> str:
    """A header as text; "" when it is missing or the library cannot parse it (a damaged encoded word): a bad header
    must not lose the message."""
    try:
        return str(message.get(name, "") or "")
    except (ValueError, TypeError, IndexError):  # a header the library cannot parse (a damaged encoded word)
        return ""


def write_body(out: Writer, text: str, html: bool = False) -> None:
    """A message's body under its heading; an HTML body through the HTML extractor (an empty one writes nothing)."""
    if html:
        from .html import extract_html

        try:
            text = extract_html(text.encode("utf-8")).text
        except ValueError:
            return
    out.end_run()
    out.extend(text, 2)


def _text_content(part: EmailMessage) -> str:
    """A text part decoded by its charset; an unknown charset or damaged bytes read as UTF-8 with replacements."""
    try:
        return part.get_content()
    except (LookupError, UnicodeDecodeError, ValueError):
        payload = part.get_payload(decode=True) or b""
        return payload.decode("utf-8", errors="replace")


def _attachment(part: EmailMessage, number: int, depth: int) -> ReadAttachment:
    """The attachment as its own extractor read it; ValueError with the line saying why it was not read."""
    kind, shown = _kind_and_name(part)
    content_type = part.get_content_type()
    read = read_attachment(shown, kind, content_type, depth, lambda k: _read_attachment(part, k, shown, depth))
    return ReadAttachment(number, shown, kind or "", read)


def _kind_and_name(part: EmailMessage) -> tuple[str | None, str]:
    """The reader for an attachment and the name it is shown under (`attachment_kind`)."""
    return attachment_kind(clean(part.get_filename() or ""), part.get_content_type())


def attached_email_file(data: bytes, number: int) -> tuple[str, bytes]:
    """(file name, bytes) of the message's attachment `number` (1-based, as `AttachedPart.number` counts them):
    the decoded bytes of the part, an attached e-mail as an .eml file. ValueError when there is no such
    attachment."""
    check_message(data)
    message = BytesParser(policy=policy.default).parsebytes(data)
    part = next((p for n, p in enumerate(message.iter_attachments(), start=1) if n == number), None)
    if part is None:
        raise ValueError(f"the message has no attachment {number}")
    shown = attachment_kind(clean(part.get_filename() or ""), part.get_content_type())[1]
    if part.get_content_type() == "message/rfc822":
        nested = part.get_content()
        body = nested.as_bytes(policy=policy.default) if isinstance(nested, EmailMessage) else b""
        return (shown if shown.lower().endswith(".eml") else f"{shown}.eml"), body
    return shown, part.get_payload(decode=True) or b""


def attachment_kind(filename: str, content_type: str) -> tuple[str | None, str]:
    """(the kind of reader for an attachment, or None; the name it is shown under): by its file name (`.log` files
    are text), else by its content type when it has no name."""
    kind = "txt" if filename.lower().endswith(".log") else kind_of(filename) if filename else None
    if filename.lower() == "winmail.dat" or content_type == "application/ms-tnef":
        kind = "tnef"  # Outlook's wrapper of the message's attachments
    kind = kind or (None if filename else _TYPE_KINDS.get(content_type))
    shown = filename or ("forwarded e-mail" if kind in _MESSAGE_KINDS else f"unnamed {content_type} part")
    return kind, shown


def read_attachment(
    shown: str,
    kind: str | None,
    content_type: str,
    depth: int,
    load: Callable[[str], Extracted],
    label: str = "Attachment",
) -> Extracted:
    """`load(kind)`: the attachment read by its reader, with the messages around it counted (`outer_messages`). A
    ValueError with the one line saying why it was not read: no reader for its kind, a message nested deeper than
    MAX_DEPTH, its reader refused it or failed. `label` names what is read ("File" for an archive's)."""
    if kind is None:
        typed = f" ({content_type})" if content_type else ""
        raise ValueError(f"{label} {shown}{typed} was not read: not a kind of document the index reads.")
    if kind in _MESSAGE_KINDS and depth + 1 >= MAX_DEPTH:
        raise ValueError(f"{label} {shown} was not read: e-mails more than {MAX_DEPTH} levels deep are not read.")
    token = _outer.set(depth + 1)
    try:
        return load(kind)
    except ValueError as exc:
        raise ValueError(f"{label} {shown} was not read: {exc}") from None
    except Exception as exc:  # noqa: BLE001 - one damaged attachment must not lose the message
        log.info("reading attachment %s failed", shown, exc_info=True)
        raise ValueError(f"{label} {shown} was not read: its reader failed ({type(exc).__name__}).") from None
    finally:
        _outer.reset(token)


class PartToRead(NamedTuple):
    """A file inside a container (an archive's file, a mailbox's message, winmail.dat's file) to read: its place
    (1-based), the name it is shown under, its kind (None: no reader) and how to read it as a kind."""

    number: int
    name: str
    kind: str | None
    load: Callable[[str], Extracted]


def read_parts(parts: Iterable[PartToRead], out: Writer, label: str) -> list[ReadAttachment]:
    """Each part read by its reader (`read_attachment`, counting the messages around the container); one that is
    not read is named in one line in `out` ("File setup.exe was not read: …")."""
    depth = outer_messages()
    sections = []
    for part in parts:
        try:
            read = read_attachment(part.name, part.kind, "", depth, part.load, label)
            sections.append(ReadAttachment(part.number, part.name, part.kind or "", read))
        except ValueError as exc:
            out.end_run()
            out.paragraph(str(exc))
    return sections


def nested_message(write: Callable[[Writer, Marks], object]) -> Extracted:
    """A message attached to another (.eml or .msg), written by `write(writer, marks)`: its text, all of it marked
    read by OCR when OCR read any of its attachments, its attachments' pages not marked (their offsets do not
    survive its headings being moved under the outer message's)."""
    writer = Writer()
    marks = Marks()
    write(writer, marks)
    return Extracted(writer.text, ocr_spans=((0, len(writer.text)),) if marks.scanned else ())


def _read_attachment(part: EmailMessage, kind: str, shown: str, depth: int) -> Extracted:
    """The attachment as its own extractor reads it. An attached e-mail's own attachments are sections of it,
    all of it marked read by OCR when OCR read any of them, its attachments' pages not marked (their offsets do
    not survive its headings being moved)."""
    if kind == "eml":
        nested = part.get_content() if part.get_content_type() == "message/rfc822" else None
        if not isinstance(nested, EmailMessage):
            data = part.get_payload(decode=True) or b""
            check_message(data)
            nested = BytesParser(policy=policy.default).parsebytes(data)
        return nested_message(lambda writer, marks: _message(nested, writer, depth + 1, marks))
    if part.get_content_maintype() == "text":
        data = _text_content(part).encode("utf-8")
    else:
        data = part.get_payload(decode=True) or b""
    return extract(kind, data, shown)
