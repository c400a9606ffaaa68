"""Mailboxes (qa/ingest/extract/mbox.py), written here as a mail client exports them around real e-mails made with
the email package: each message a document of its own inside the mailbox, named by subject and date."""

from __future__ import annotations

from pathlib import Path

import pytest
from document_fixtures import email_bytes

from qa.errors import QAError
from qa.ingest.extract import attached_file, extract
from qa.ingest.load import load_corpus
from qa.web.admission import check_bytes

SECOND = (
    b"From: Depot <depot@example.org>\nTo: Aino <aino@example.org>\nSubject: Spare impeller\n"
    b"Date: Wed, 05 Jun 2024 10:00:00 +0200\n\nThe spare impeller ships on Friday.\n"
    b">From the depot, with thanks.\n"  # a body line the mailbox escaped
)
THIRD = b"From: Aino <aino@example.org>\n\nNo subject, no date: fitted on Monday.\n"


def mailbox() -> bytes:
    first = email_bytes().replace(b"\r\n", b"\n")
    return b"".join(
        b"From aino@example.org Tue Jun  4 09:15:00 2024\n" + message + b"\n" for message in (first, SECOND, THIRD)
    )


def test_each_message_of_a_mailbox_is_a_document_of_its_own(tmp_path: Path) -> None:
    (tmp_path / "depot.mbox").write_bytes(mailbox())
    doc = load_corpus(tmp_path).documents[0]
    assert doc.kind == "mbox" and doc.title == "Depot"
    assert [(p.name, p.kind, p.number) for p in doc.parts] == [
        ("Pump P-7 failure (Tue, 04 Jun 2024 09:15:00 +0200)", "eml", 1),
        ("Spare impeller (Wed, 05 Jun 2024 10:00:00 +0200)", "eml", 2),
        ("message 3", "eml", 3),
    ]
    assert "# Message: Spare impeller (Wed, 05 Jun 2024 10:00:00 +0200)" in doc.text
    assert "From the depot, with thanks." in doc.text and ">From" not in doc.text
    assert "14:02 ERROR impeller jam on P-7" in doc.text  # a message's own attachments are read with it
    spare = doc.parts[1]
    assert doc.part_at(doc.text.index("The spare impeller ships")) == spare
    assert attached_file("mbox", mailbox(), 3) == ("message-3.eml", THIRD + b"\n")


def test_bytes_that_are_no_mailbox_are_refused_in_one_line() -> None:
    for data in (b"Just notes.\nFrom here on.\n", SECOND):
        with pytest.raises(ValueError, match=r'^not a mailbox \(it does not start with a "From " line\)'):
            extract("mbox", data, "notes.mbox")
    check_bytes("depot.mbox", mailbox())
    with pytest.raises(QAError, match=r"^'notes\.mbox' was refused: not a mailbox"):
        check_bytes("notes.mbox", b"Just notes.\n")
