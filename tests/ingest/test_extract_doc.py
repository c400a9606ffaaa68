"""Word 97–2003 (.doc) documents written here (tests/doc_fixtures.py): text through the piece table, tables by
their paragraph properties, fields, footnotes, endnotes and text boxes, and the refusals, each in one line."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from doc_fixtures import BOX, ENDNOTE, FOOTNOTE, doc_bytes, doc_streams
from msg_fixtures import cfb_bytes
from robustness_support import damaged_outcomes

from qa.errors import QAError
from qa.ingest.chunk import chunk_document
from qa.ingest.extract import extract
from qa.ingest.load import load_corpus
from qa.web.admission import check_bytes

MINUTES = [
    "Minutes of the harbour board",
    "The board met on 3 March.\x0bPresent: all members.",
    [["Item", "Owner", "Due"], ["Dredging", "Aino\rand Bo", "May"], ["Fees", "", "June"]],
    'See \x13 HYPERLINK "http://example.org" \x14the harbour site\x15 and page \x13 PAGE \x152.',
    "Zürich ends it.",
]


def test_paragraphs_tables_and_field_results_of_a_word_97_document() -> None:
    doc = extract("doc", doc_bytes(MINUTES), "minutes_2024.doc")
    assert doc.title == "Minutes 2024" and doc.pages == ()
    assert doc.text == (
        "Minutes of the harbour board\n\n"
        "The board met on 3 March.\n\nPresent: all members.\n\n"  # a line break within the paragraph
        "| Item | Owner | Due |\n| Dredging | Aino and Bo | May |\n| Fees |  | June |\n\n"  # an empty cell stays one
        "See the harbour site and page 2.\n\n"  # field instructions dropped, results kept
        "Zürich ends it."
    )


def test_built_in_heading_styles_are_headings_and_list_paragraphs_items(tmp_path: Path) -> None:
    blocks = [
        ("#", 1, "Harbour board"),
        "Minutes of the meeting.",
        ("#", 2, "Actions"),
        ("-", 0, "Dredge the east basin"),
        ("-", 1, "before the May tides"),
        ("-", 0, "Raise the mooring fees"),
        "Next meeting in June.",
    ]
    doc = extract("doc", doc_bytes(blocks), "minutes.doc")
    assert doc.text == (
        "# Harbour board\n\nMinutes of the meeting.\n\n## Actions\n\n"
        "- Dredge the east basin\n  - before the May tides\n- Raise the mooring fees\n\nNext meeting in June."
    )
    (tmp_path / "minutes.doc").write_bytes(doc_bytes(blocks))
    passages = chunk_document(load_corpus(tmp_path).documents[0])
    assert any(p.heading == "Actions" and "Dredge the east basin" in p.text for p in passages)


def test_footnotes_endnotes_and_text_boxes_follow_their_anchor() -> None:
    data = doc_bytes(
        [
            ("#", 1, "Boiler service report"),
            f"The valve was replaced.{FOOTNOTE}",
            [["Part", f"Cost{FOOTNOTE}"], ["Valve", "120"]],
            f"Next visit in May.{ENDNOTE} {BOX}",
            "Closing paragraph.",
        ],
        footnotes=("Replaced by the installer.", "Without \x13 PAGE \x14tax\x15."),
        endnotes=("See the warranty.",),
        boxes=("Sidebar: gas off first.",),
        loose_boxes=("Loose box text.",),
    )
    assert extract("doc", data, "boiler.doc").text == (
        "# Boiler service report\n\nThe valve was replaced.\n\nReplaced by the installer.\n\n"
        "| Part | Cost |\n| Valve | 120 |\n\nWithout tax.\n\nNext visit in May.\n\nSee the warranty.\n\n"
        "Sidebar: gas off first.\n\nClosing paragraph.\n\nLoose box text."
    )


def test_text_stored_in_two_pieces_one_of_them_utf16() -> None:
    blocks = [*MINUTES[:-1], "Zürich Ωmega ends it."]
    doc = extract("doc", doc_bytes(blocks, unicode_from=40), "minutes.doc")
    assert doc.text.startswith("Minutes of the harbour board\n\nThe board met") and doc.text.endswith("Ωmega ends it.")
    assert doc.text == extract("doc", doc_bytes(blocks, unicode_from=5), "minutes.doc").text


def test_documents_that_cannot_be_read_are_refused_in_one_line() -> None:
    refusals = {
        doc_bytes(MINUTES, encrypted=True): r"^the \.doc file is password-protected; save it again without a password$",
        doc_bytes(MINUTES, ident=0xA5DC): r"^the \.doc file is a Word 6 or Word 95 document, which is not read",
        doc_bytes(MINUTES, ident=0x1234): r"^the \.doc file is not a Word 97–2003 document \(no Word file header\)",
        cfb_bytes({"Workbook": b"\x09\x08" * 300}): r"^the \.doc file is an OLE file without a Word document",
        cfb_bytes({"WordDocument": doc_streams(MINUTES)["WordDocument"]}): r"^the \.doc file is damaged \(no 1Table",
        cfb_bytes({**doc_streams(MINUTES), "1Table": b"\x02\xff"}): r"^the \.doc file is damaged \(.+\); open and save",
    }
    for data, message in refusals.items():
        with pytest.raises(ValueError, match=message):
            extract("doc", data, "minutes.doc")


def test_a_table_of_positions_out_of_order_or_a_length_past_the_file_is_refused_not_read_over_and_over() -> None:
    streams = doc_streams(MINUTES)
    table = bytearray(streams["1Table"])
    struct.pack_into("<I", table, 5 + 4, 0)  # the one piece ends where it starts: pieces must follow one another
    word = bytearray(streams["WordDocument"])
    struct.pack_into("<i", word, 0x4C, len(word) + 1)  # ccpText: more characters than the stream has bytes
    noted = doc_streams(["One.\x02", "Two.\x02"], footnotes=("First note.", "Second note."))
    notes_table = bytearray(noted["1Table"])
    at, _ = struct.unpack_from("<II", noted["WordDocument"], 0x9A + 8 * 3)  # the FIB's pair 3: the notes' starts
    struct.pack_into("<3i", notes_table, at, 0, 100, 13)  # the second note would start past the third's end
    for damaged, reason in (
        ({**streams, "1Table": bytes(table)}, "pieces out of order"),
        ({**streams, "WordDocument": bytes(word)}, "its file header does not fit the file"),
        ({**noted, "1Table": bytes(notes_table)}, "a table of positions out of order"),
    ):
        with pytest.raises(ValueError, match=rf"^the \.doc file is damaged \({reason}\)"):
            extract("doc", cfb_bytes(damaged), "minutes.doc")


def test_a_damaged_document_is_read_or_refused_in_one_line_never_an_error_of_another_kind() -> None:
    outcomes = damaged_outcomes("doc", doc_bytes(MINUTES), seed=7)
    assert outcomes["read"] and outcomes["refused"]
    noted = doc_bytes([f"One.{FOOTNOTE} {BOX}", f"Two.{ENDNOTE}"], footnotes=("A.",), endnotes=("B.",), boxes=("C.",))
    outcomes = damaged_outcomes("doc", noted, seed=8)
    assert outcomes["read"] and outcomes["refused"]


def test_a_doc_upload_is_checked_as_the_build_reads_it() -> None:
    check_bytes("minutes.doc", doc_bytes(MINUTES))
    with pytest.raises(QAError, match=r"^'minutes\.doc' was refused: the \.doc file is password-protected"):
        check_bytes("minutes.doc", doc_bytes(MINUTES, encrypted=True))


def test_a_doc_in_the_corpus_is_read_and_its_table_kept_in_a_passage(tmp_path: Path) -> None:
    (tmp_path / "minutes.doc").write_bytes(doc_bytes(MINUTES))
    corpus = load_corpus(tmp_path)
    assert [(d.id, d.kind) for d in corpus.documents] == [("minutes.doc", "doc")] and not corpus.skipped
    assert any("| Dredging | Aino and Bo | May |" in passage.text for passage in chunk_document(corpus.documents[0]))
