"""Outlook .msg files written here (tests/msg_fixtures.py: a compound-file writer and the MAPI property streams),
read through the public entry point, `qa.ingest.extract.extract`, as the loader reads them."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import olefile
import pytest
from document_fixtures import nested_email_bytes, pdf_of
from msg_fixtures import cfb_bytes, message_tree, msg_bytes

from qa.engine import Engine, build_from_folder
from qa.errors import QAError
from qa.ingest.extract import attached_file, extract, sniff
from qa.ingest.extract.msg import extract_msg
from qa.ingest.load import load_corpus
from qa.web.admission import check_bytes

SENT = dt.datetime(2024, 6, 4, 7, 15, tzinfo=dt.timezone.utc)
SENDER = ("Aino Vantor", "aino@example.org")
HEAD = "From: Aino Vantor <aino@example.org> · To: Depot · Date: Tue, 04 Jun 2024 07:15:00 +0000"
HTML = "<html><body><h1>Opening hours</h1><p>The depot opens at 07:30 – weekdays only.</p></body></html>"
PAGES = [
    "Pump manual, page one. " + "The pump must be primed with water before it is started. " * 6,
    "Pump manual, page two. " + "The impeller is replaced when its blades are worn to half their width. " * 6,
]


def read(data: bytes, name: str = "mail/p7.msg"):  # type: ignore[no-untyped-def]
    return extract("msg", data, name)


def manual_message(tmp_path: Path) -> bytes:
    pdf = pdf_of(tmp_path / "manual.pdf", PAGES).read_bytes()
    return msg_bytes("Manual for P-7", SENDER, "Depot", SENT, "The manual is attached.", [("manual.pdf", pdf)])


def test_the_compound_file_writer_round_trips_through_olefile_strictly() -> None:
    """The fixture writer itself: small streams in the mini stream, big ones in sectors, nested storages, a wide
    all-black sibling tree; olefile in its strict mode finds no defect."""
    tree = {f"stream{i}": bytes([i]) * (i * 211) for i in range(1, 30)}
    tree |= {"big": b"B" * 10_000, "empty": b"", "sub": {"a": b"x" * 5000, "bb": b"yy", "c": {"deep": b"z" * 70}}}
    ole = olefile.OleFileIO(io.BytesIO(cfb_bytes(tree)), raise_defects=olefile.DEFECT_INCORRECT)
    assert ole.parsing_issues == []
    for path in ole.listdir():
        expected = tree
        for part in path:
            expected = expected[part]
        assert ole.openstream(path).read() == expected, path
    assert len(ole.listdir()) == 34


def test_subject_heading_who_and_when_then_the_body() -> None:
    doc = read(msg_bytes("Pump P-7 failure", SENDER, "Depot", SENT, "The pump failed on Tuesday.\r\n\r\nSee the log."))
    assert doc.title == "Pump P-7 failure"
    assert doc.text == f"# Pump P-7 failure\n\n{HEAD}\n\nThe pump failed on Tuesday.\n\nSee the log."


def test_cc_and_8_bit_strings_in_the_message_code_page() -> None:
    """Central European text in code page 1250, which the message names: read as Windows-1252, "Ł" would be "£"."""
    data = msg_bytes("Dostawa do Łodzi", SENDER, "Depot", SENT, "Pompa dotrze w środę.", cc="Biuro Łódź", codepage=1250)
    assert read(data).text == (
        "# Dostawa do Łodzi\n\nFrom: Aino Vantor <aino@example.org> · To: Depot · Cc: Biuro Łódź · "
        "Date: Tue, 04 Jun 2024 07:15:00 +0000\n\nPompa dotrze w środę."
    )


def test_empty_streams_are_read_whatever_start_sector_their_writer_gave_them() -> None:
    """An empty body and the empty named-property streams, written with start sector 0 rather than ENDOFCHAIN."""
    tree = message_tree("Pump P-7 failure", SENDER, "Depot", SENT, "")
    assert read(cfb_bytes(tree, empty_start=0)).text == f"# Pump P-7 failure\n\n{HEAD}"


def test_transport_headers_fill_in_what_the_properties_lack() -> None:
    headers = (
        "Received: from mx.example.org\r\nFrom: Depot <depot@example.org>\r\nTo: Aino <aino@example.org>\r\n"
        "Date: Tue, 04 Jun 2024 09:15:00 +0200\r\nSubject: Pump P-7 failure\r\n\r\n"
    )
    doc = read(msg_bytes(body="The pump failed.", headers=headers), "p7.msg")
    assert doc.title == "Pump P-7 failure"
    assert doc.text == (
        "# Pump P-7 failure\n\nFrom: Depot <depot@example.org> · To: Aino <aino@example.org> · "
        "Date: Tue, 04 Jun 2024 09:15:00 +0200\n\nThe pump failed."
    )


@pytest.mark.parametrize("html", [HTML.encode("utf-8"), HTML], ids=["binary", "utf-16"])
def test_an_html_only_body_is_read_as_text(html: bytes | str) -> None:
    doc = read(msg_bytes("Depot hours", SENDER, "Depot", SENT, html=html))
    assert doc.text == f"# Depot hours\n\n{HEAD}\n\n## Opening hours\n\nThe depot opens at 07:30 – weekdays only."


def test_the_plain_body_is_preferred_to_the_html_one() -> None:
    doc = read(msg_bytes("Depot hours", SENDER, "Depot", SENT, "Plain words.", html=HTML))
    assert doc.text.endswith("Plain words.") and "Opening hours" not in doc.text


def test_attachments_are_sections_read_by_their_readers_and_others_named() -> None:
    log_lines = "".join(f"14:{m:02d} INFO pump P-7 running at {m} bar\n" for m in range(60)) * 2  # over 4096 bytes
    attachments = [
        ("pump.log", log_lines.encode()),
        ("parts.csv", b"Part,Number\r\nImpeller,IM-204\r\n"),
        ("firmware.bin", b"\x00\x01\x02"),
        ("notes.txt", b"Replace the seal kit SK-17.\n"),
    ]
    assert len(log_lines) >= 4096  # read from regular sectors, not the mini stream
    doc = read(msg_bytes("Pump P-7 failure", SENDER, "Depot", SENT, "See the attachments.", attachments=attachments))
    assert doc.text == (
        f"# Pump P-7 failure\n\n{HEAD} · Attachments: pump.log, parts.csv, firmware.bin, notes.txt\n\n"
        "See the attachments.\n\n"
        "Attachment firmware.bin (application/octet-stream) was not read: not a kind of document the index reads."
        f"\n\n# Attachment: pump.log\n\n{log_lines.strip()}\n\n"
        "# Attachment: parts.csv\n\n| Part | Number |\n| Impeller | IM-204 |\n\n"
        "# Attachment: notes.txt\n\nReplace the seal kit SK-17."
    )


def test_an_attached_pdf_keeps_its_pages(tmp_path: Path) -> None:
    doc = read(manual_message(tmp_path))
    assert "\n\n# Attachment: manual.pdf\n\nPump manual, page one." in doc.text
    (part,) = doc.parts
    assert len(part.pages) == 2 and part.end == len(doc.text)
    assert doc.text[part.pages[1] :].startswith("Pump manual, page two.")
    assert part.page_at(doc.text.index("The manual is attached.")) is None


def test_an_attachment_is_a_part_whose_bytes_come_back_by_number(tmp_path: Path) -> None:
    """As in an e-mail: each attachment read is a part (name, kind, number in the file's numbering), its bytes
    given back by that number; an embedded message has no file of its own."""
    pdf = pdf_of(tmp_path / "manual.pdf", PAGES).read_bytes()
    forwarded = message_tree("Re: spare impeller", SENDER, "Depot", SENT, "Ships on Friday.", embedded=True)
    attachments = [("firmware.bin", b"\x00\x01"), ("manual.pdf", pdf), ("", forwarded), ("notes.txt", b"Seal kit.\n")]
    data = msg_bytes("Parts", SENDER, "Depot", SENT, "See the attachments.", attachments)
    doc = read(data)
    assert [(p.number, p.name, p.kind, len(p.pages)) for p in doc.parts] == [
        (2, "manual.pdf", "pdf", 2),
        (3, "forwarded e-mail", "msg", 0),
        (4, "notes.txt", "txt", 0),
    ]
    assert doc.text[doc.parts[2].start :].startswith("# Attachment: notes.txt\n\nSeal kit.")
    assert attached_file("msg", data, 2) == ("manual.pdf", pdf)
    assert attached_file("msg", data, 4) == ("notes.txt", b"Seal kit.\n")
    with pytest.raises(ValueError, match="attachment 3 is an embedded message or object, not a file"):
        attached_file("msg", data, 3)
    with pytest.raises(ValueError, match="the message has no attachment 5"):
        attached_file("msg", data, 5)


def test_an_embedded_message_is_read_as_a_forwarded_e_mail_and_the_depth_is_capped() -> None:
    forwarded = message_tree(
        "Re: spare impeller", SENDER, "Depot", SENT, "A spare impeller ships on Friday.", embedded=True
    )
    doc = read(msg_bytes("Fwd: impeller", SENDER, "Depot", SENT, "See below.", [("", forwarded)]))
    assert doc.text == (
        f"# Fwd: impeller\n\n{HEAD} · Attachments: forwarded e-mail\n\nSee below.\n\n# Attachment: forwarded e-mail\n\n## Re: spare impeller\n\n"
        f"{HEAD}\n\nA spare impeller ships on Friday."
    )
    # an .eml attached to an .msg counts as a level: the e-mail reader starts where the .msg reader stands
    chain = [("chain.eml", nested_email_bytes(3))]
    text = read(msg_bytes("Level 0", SENDER, "Depot", SENT, "Top.", chain)).text
    assert "Text at level 2." in text and "level 3" not in text
    assert text.endswith("Attachment forwarded e-mail was not read: e-mails more than 3 levels deep are not read.")


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "empty file"),
        (b"From: a@example.org\r\n\r\nnot a compound file", "not an Outlook message (no OLE compound-file signature)"),
        (
            cfb_bytes({"WordDocument": b"W" * 5000, "1Table": b"T" * 300}),
            "the .msg file is an old Word document (.doc), not an Outlook message; save the message as .eml",
        ),
        (
            cfb_bytes({"Contents": b"C" * 300}),
            "not an Outlook message (an OLE compound file without __properties_version1.0 or __substg1.0_ property "
            "streams); save the message as .eml",
        ),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "corrupt or truncated Outlook message ("),
    ],
    ids=["empty", "text", "word", "other-ole", "garbled"],
)
def test_what_is_not_a_message_is_refused_in_one_line(data: bytes, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        extract_msg(data)
    assert str(caught.value).startswith(message) and "\n" not in str(caught.value)


def test_the_ole_signature_wins_over_pdf_bytes_in_the_first_sector() -> None:
    """An .msg's first sector may hold an attached PDF's first bytes; the file is still an OLE file."""
    assert sniff(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + b"%PDF-1.4\n") == "ole"
    assert sniff(b"junk before %PDF-1.4\n") == "pdf"


@pytest.mark.parametrize("keep", [0.3, 0.6, 0.9])
def test_a_truncated_message_is_refused(keep: float) -> None:
    attachments = [("notes.txt", b"Replace the seal kit SK-17.\n" * 300)]
    data = msg_bytes("Pump P-7 failure", SENDER, "Depot", SENT, "The pump failed.", attachments=attachments)
    with pytest.raises(ValueError) as caught:
        read(data[: int(len(data) * keep)])
    assert str(caught.value).startswith("corrupt or truncated Outlook message (") and "\n" not in str(caught.value)


def test_the_bytes_read_from_streams_are_capped_in_all() -> None:
    attachments = [("a.txt", b"a" * 6000), ("b.txt", b"b" * 6000)]
    data = msg_bytes("Pump", SENDER, "Depot", SENT, "Body.", attachments=attachments)
    assert "# Attachment: b.txt" in extract_msg(data, max_stream_bytes=20_000).text
    with pytest.raises(ValueError, match=r"^the message's streams hold more than 10,000 bytes in all \(a crafted"):
        extract_msg(data, max_stream_bytes=10_000)


def test_the_loader_and_the_upload_check_take_a_message_and_refuse_an_old_word_file(tmp_path: Path) -> None:
    word = cfb_bytes({"WordDocument": b"W" * 5000})
    (tmp_path / "p7.msg").write_bytes(msg_bytes("Pump P-7 failure", SENDER, "Depot", SENT, "The pump failed."))
    (tmp_path / "report.msg").write_bytes(word)
    (tmp_path / "notes.msg").write_bytes(b"Just notes.\n")
    loaded = load_corpus(tmp_path)
    assert [(d.id, d.kind, d.title) for d in loaded.documents] == [("p7.msg", "msg", "Pump P-7 failure")]
    assert {s.path: s.reason for s in loaded.skipped} == {
        "notes.msg": "the .msg extension does not match the content, which is text; rename the file to its real "
        "type or remove it",
        "report.msg": "the .msg file is an old Word document (.doc), not an Outlook message; save the message as .eml",
    }
    check_bytes("p7.msg", (tmp_path / "p7.msg").read_bytes())
    with pytest.raises(QAError, match=r"^'report.msg' was refused: the .msg file is an old Word document"):
        check_bytes("report.msg", word)


def test_a_folder_with_a_message_builds_and_its_attached_pdf_page_answers(tmp_path: Path, real_encoder) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "p7.msg").write_bytes(manual_message(tmp_path))
    build_from_folder(tmp_path / "corpus", tmp_path / "index", encoder=real_encoder)
    with Engine.open(tmp_path / "index", encoder=real_encoder, reader=False) as engine:
        response = engine.ask("When is the impeller replaced?", k=1)
    top = response.results[0]
    assert top.doc == "p7.msg" and top.page == 2 and top.heading.startswith("Attachment: manual.pdf")
