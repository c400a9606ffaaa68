"""Mailboxes (.mbox: a mail client's export, a mailing list's archive): each message read by the e-mail reader as a
document of its own inside the mailbox, as an archive's files are (email.py's `read_parts` and
`write_sections`): under `# Message: <subject (date)>`, named by its subject and date, cited as that message "in"
the mailbox; its own attachments are sections of it. Messages are split at the "From " lines that begin each one
(the mbox format), and a body line the mailbox escaped as ">From " reads "From " again. At most MAX_MESSAGES
messages are read; the rest are counted in one line.
"""

from __future__ import annotations

import re
from email import policy
from email.parser import BytesHeaderParser

from . import Extracted
from .blocks import Writer, clean, name_title
from .email import Marks, PartToRead, header_value, read_parts, write_sections

MAX_MESSAGES = 20_000
_SEPARATOR = re.compile(rb"^From [^\r\n]*\r?\n", re.M)
_ESCAPED = re.compile(rb"^>(>*From )", re.M)


def split_mbox(data: bytes) -> list[bytes]:
    """The messages of a mailbox, each without its "From " line, escaped "From " lines restored; ValueError for
    bytes that do not start as a mailbox does."""
    if b"\x00" in data[:8192]:
        raise ValueError("binary file (contains NUL bytes)")
    starts = list(_SEPARATOR.finditer(data))
    if not starts or starts[0].start() != 0:
        raise ValueError('not a mailbox (it does not start with a "From " line); export the folder as .mbox again')
    bounds = [*(m.start() for m in starts[1:]), len(data)]
    return [_ESCAPED.sub(rb"\1", data[m.end() : end]) for m, end in zip(starts, bounds)]


def check_mbox(data: bytes) -> None:
    """Refuse bytes that are not a mailbox (an upload's check; the build reads it the same way)."""
    split_mbox(data)


def extract_mbox(data: bytes, name: str = "") -> Extracted:
    messages = split_mbox(data)
    out = Writer()
    marks = Marks()
    parts = (
        PartToRead(number, message_name(message, number), "eml", lambda k, m=message: _read(m))
        for number, message in enumerate(messages[:MAX_MESSAGES], start=1)
    )
    sections = read_parts(parts, out, "Message")
    if len(messages) > MAX_MESSAGES:
        out.end_run()
        out.paragraph(f"{len(messages) - MAX_MESSAGES:,} messages past the first {MAX_MESSAGES:,} were not read.")
    write_sections(out, sections, marks, "mbox")
    if not sections:
        raise ValueError(f"none of the mailbox's {len(messages)} message(s) could be read")
    return Extracted(out.text, (), name_title(name), ocr_spans=tuple(marks.scanned), parts=tuple(marks.parts))


def mbox_message_file(data: bytes, number: int) -> tuple[str, bytes]:
    """(file name, bytes) of message `number` (1-based, as `AttachedPart.number` counts them), as an .eml file."""
    messages = split_mbox(data)
    if not 1 <= number <= len(messages):
        raise ValueError(f"the mailbox has no message {number}")
    return f"message-{number}.eml", messages[number - 1]


def message_name(message: bytes, number: int) -> str:
    """What a message is called in the mailbox: its subject and date ("message N" without a subject)."""
    headers = BytesHeaderParser(policy=policy.default).parsebytes(message)
    subject = clean(header_value(headers, "Subject")) or f"message {number}"
    date = clean(header_value(headers, "Date"))
    return f"{subject} ({date})" if date else subject


def _read(message: bytes) -> Extracted:
    from . import extract

    return extract("eml", message, "message.eml")
