"""PowerPoint 97–2003 (.ppt) presentations written here (tests/ppt_fixtures.py): slides as pages in the slide
list's order, titles as headings, body text as items, text boxes as paragraphs in their place on the slide, tables
as rows, speaker notes, and the refusals, in one line."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from msg_fixtures import cfb_bytes
from ppt_fixtures import ppt_bytes, ppt_streams
from robustness_support import damaged_outcomes

from qa.errors import QAError
from qa.ingest.chunk import chunk_document
from qa.ingest.extract import extract
from qa.ingest.load import load_corpus
from qa.web.admission import check_bytes

BOARD = [
    ("Harbour board", ["Dredging in May", "Fees from June"], ["Draft for the board"]),
    (None, [], ["Questions?"]),
    ("Zürich office", ["Ωmega plan"], []),
]


def test_slides_are_pages_in_the_slide_lists_order_with_titles_bullets_and_text_boxes() -> None:
    doc = extract("ppt", ppt_bytes(BOARD), "board_2024.ppt")  # the slides' records are stored last slide first
    assert doc.text == (
        "# Harbour board\n\n- Dredging in May\n- Fees from June\n\nDraft for the board\n\n"
        "# Slide 2\n\nQuestions?\n\n"  # a slide without a title is headed by its number
        "# Zürich office\n\n- Ωmega plan"
    )
    assert [doc.text[start:].split("\n", 1)[0] for start in doc.pages] == [
        "# Harbour board",
        "# Slide 2",
        "# Zürich office",
    ]
    assert doc.title == "Harbour board"
    eight_bit = extract("ppt", ppt_bytes(BOARD[:2], eight_bit=True), "board.ppt")  # body text as 8-bit atoms
    assert eight_bit.text == doc.text.split("\n\n# Zürich", 1)[0]


def test_text_boxes_follow_their_place_on_the_slide_and_a_table_is_read_as_rows(tmp_path: Path) -> None:
    fares = [["Route", "Fare"], ["Harbour – Island", "4.50"], ["Island – Lighthouse", ""]]
    slides = [("Ferry fares", [], ["From 1 May", fares, "Children ride free"])]  # stored last box first
    doc = extract("ppt", ppt_bytes(slides), "fares.ppt")
    assert doc.text == (
        "# Ferry fares\n\nFrom 1 May\n\n"
        "| Route | Fare |\n| Harbour – Island | 4.50 |\n| Island – Lighthouse |  |\n\n"
        "Children ride free"
    )
    (tmp_path / "fares.ppt").write_bytes(ppt_bytes(slides))
    passages = chunk_document(load_corpus(tmp_path).documents[0])
    assert any("| Harbour – Island | 4.50 |" in passage.text and passage.page == 1 for passage in passages)


def test_speaker_notes_follow_their_slide_under_a_notes_heading() -> None:
    notes = {1: "Say the fees rise by 4 per cent.\rAsk for questions."}  # slide 2's notes slide, named by its atom
    doc = extract("ppt", ppt_bytes(BOARD, notes=notes), "board.ppt")
    assert doc.text.split("\n\n# Zürich")[0].endswith(
        "# Slide 2\n\nQuestions?\n\n## Notes\n\nSay the fees rise by 4 per cent.\n\nAsk for questions."
    )
    assert doc.text.count("## Notes") == 1 and doc.pages[2] > doc.text.index("Ask for questions")


def test_a_slide_record_named_twice_in_the_slide_list_is_read_once() -> None:
    streams = ppt_streams(BOARD)
    second = struct.pack("<IIIII", 3, 0, 2, 257, 0)  # slide 2's entry names its record, persist id 3 …
    document = streams["PowerPoint Document"].replace(second, struct.pack("<IIIII", 2, 0, 2, 257, 0), 1)  # … now 2
    doc = extract("ppt", cfb_bytes({**streams, "PowerPoint Document": document}), "board.ppt")
    assert doc.text.count("Draft for the board") == 1 and len(doc.pages) == 3


def test_presentations_that_cannot_be_read_are_refused_in_one_line() -> None:
    streams = ppt_streams(BOARD)
    refusals = {
        ppt_bytes(BOARD, encrypted=True): r"^the \.ppt file is password-protected; save it again without a password$",
        cfb_bytes({"WordDocument": b"W" * 600}): r"^the \.ppt file is an OLE file without a PowerPoint presentation",
        cfb_bytes(
            {**streams, "PowerPoint Document": streams["PowerPoint Document"][:-40]}
        ): r"^the \.ppt file is damaged",
    }
    for data, message in refusals.items():
        with pytest.raises(ValueError, match=message):
            extract("ppt", data, "board.ppt")


def test_a_damaged_presentation_is_read_or_refused_in_one_line_never_an_error_of_another_kind() -> None:
    outcomes = damaged_outcomes("ppt", ppt_bytes(BOARD), seed=5)
    assert outcomes["read"] and outcomes["refused"]


def test_a_ppt_upload_is_checked_as_the_build_reads_it() -> None:
    check_bytes("board.ppt", ppt_bytes(BOARD))
    with pytest.raises(QAError, match=r"^'board\.ppt' was refused: the \.ppt file is password-protected"):
        check_bytes("board.ppt", ppt_bytes(BOARD, encrypted=True))


def test_a_ppt_in_the_corpus_cites_the_slide_its_passage_is_on(tmp_path: Path) -> None:
    (tmp_path / "board.ppt").write_bytes(ppt_bytes(BOARD))
    corpus = load_corpus(tmp_path)
    assert [(d.id, d.kind) for d in corpus.documents] == [("board.ppt", "ppt")] and not corpus.skipped
    passages = chunk_document(corpus.documents[0])
    assert {p.page for p in passages if "Ωmega plan" in p.text} == {3}
    # a slide's title opens its passage; "Slide 2", written above the untitled slide, is in none
    assert [p.text for p in passages if p.page == 3] == ["Zürich office\n\n- Ωmega plan"]
    assert not any("Slide 2" in p.text for p in passages)
