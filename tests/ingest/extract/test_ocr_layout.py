"""OCR'd pages take the text layer's layout path: words → pieces in points (pure, on hand-made words), then the
same layout and writer as a text page (headings by size, running headers and page numbers dropped), on scans made
here and read by the real Tesseract (marker `ocr`)."""

from __future__ import annotations

import re

import pytest
from ocr_support import laid_out_pdf, pictures_file, scanned, share_found, words

from qa.ingest.extract import extract
from qa.ingest.extract.ocr import MIN_PAGE_CONFIDENCE, OcrWord
from qa.ingest.extract.ocr_layout import FLAT_LINE_EM, LINE_EM, OcrPiece, ocr_pieces
from qa.ingest.extract.pdf import Scanned, _PageWriter, extract_pdf, write_pages
from qa.ingest.extract.pdflayout import GAP_EM, Piece, layout

HEADER = "Northwind Marine Service Bulletin"
PAGES = [
    (
        "Priming the Pump",
        [
            "The pump must be primed before the first start and operators check the pressure gauge every morning.",
            "Open the vent screw until water without bubbles runs out, then close it again by hand.",
        ],
    ),
    (
        "Relief Valve Settings",
        [
            "The relief valve opens at twelve bar and closes again when the pressure falls below ten bar.",
            "Test the valve once a month by slowly closing the outlet while watching the gauge.",
        ],
    ),
    (
        "Filter Replacement",
        [
            "Replace the oil filter after every four hundred hours of running and write the date into the logbook.",
            "Used filters go into the yellow drum in the workshop, never into the general waste.",
        ],
    ),
]


def word(text: str, box: tuple[int, int, int, int], line: int, paragraph: int = 0, line_box=None) -> OcrWord:  # type: ignore[no-untyped-def]
    return OcrWord(text, box, 0, paragraph, line, 95.0, line_box)


# ---------------------------------------------------------------- the pure core


def test_words_become_pieces_in_points_split_at_wide_gaps() -> None:
    line = (100, 200, 900, 240)  # 40 px high at 2 px per point: 20 pt of box, a 22 pt font
    words_ = [
        word("Pump", (100, 205, 220, 238), 0, line_box=line),
        word("valve", (235, 205, 330, 238), 0, line_box=line),
        word("12", (800, 205, 840, 238), 0, line_box=line),  # 470 px = 235 pt after "valve": a new piece
        word("bar", (850, 205, 900, 238), 0, line_box=line),
    ]
    size = round(20 / LINE_EM * 2) / 2
    assert size == 22.0
    pieces = ocr_pieces(words_, scale=2.0, height=800.0, gap_em=GAP_EM)
    assert pieces == [
        OcrPiece(50.0, 165.0, 680.0, 700.0, size, "Pump valve"),  # y flipped: 800 - 240 / 2 .. 800 - 200 / 2
        OcrPiece(400.0, 450.0, 680.0, 700.0, size, "12 bar"),
    ]


def test_gaps_wider_than_a_word_space_are_kept_for_table_columns() -> None:
    line = (0, 0, 400, 20)  # 20 px high at 1 px per point: a 22 pt size; 22 px is one size
    words_ = [
        word("79,168", (0, 0, 60, 20), 0, line_box=line),
        word("58,880", (82, 0, 142, 20), 0, line_box=line),  # 22 px after: one size, a soft gap
        word("total", (148, 0, 190, 20), 0, line_box=line),  # 6 px after: a word space
    ]
    (piece,) = ocr_pieces(words_, scale=1.0, height=100.0, gap_em=GAP_EM)
    assert piece.text == "79,168 58,880 total"
    assert piece.gaps == ((7, 60.0, 82.0),)  # "58,880" starts at character 7, the gap runs from x 60 to 82


def test_without_tesseracts_line_box_the_union_of_its_words_stands_in() -> None:
    words_ = [word("Filter", (10, 20, 60, 40), 0), word("change", (70, 24, 130, 46), 0)]
    (piece,) = ocr_pieces(words_, scale=1.0, height=100.0, gap_em=GAP_EM)
    assert (piece.x0, piece.x1, piece.bottom, piece.top) == (10.0, 130.0, 54.0, 80.0)
    assert piece.size == round(26 / LINE_EM * 2) / 2 and piece.text == "Filter change"


def test_the_lines_of_a_long_paragraph_take_its_median_size_so_one_tall_line_is_no_heading() -> None:
    boxes = [(0, 0, 500, 20), (0, 30, 500, 50), (0, 60, 500, 88), (0, 90, 500, 110)]  # the third has a bracket
    words_ = [word(f"typing{i}", box, i, line_box=box) for i, box in enumerate(boxes)]
    assert {p.size for p in ocr_pieces(words_, 1.0, 200.0, GAP_EM)} == {round(20 / LINE_EM * 2) / 2}
    short = [word("Heading", (0, 0, 200, 40), 0, 0, (0, 0, 200, 40)), word("body", (0, 60, 90, 80), 1, 1)]
    assert [p.size for p in ocr_pieces(short, 1.0, 200.0, GAP_EM)] == [44.0, 22.0]  # a paragraph of its own


def test_a_line_without_descending_letters_is_measured_by_its_own_height() -> None:
    """ "1 Installation" has no g, p, y or comma below the line: its box is 0.72 font sizes high, not 0.91, so a
    heading of 15 pt set without them is not taken for 12 pt body text."""
    box = (0, 0, 300, 30)  # 30 px at 2 px per point: 15 pt of box
    flat = [word("1", (0, 0, 20, 30), 0, line_box=box), word("Installation", (30, 0, 300, 30), 0, line_box=box)]
    deep = [word("Typing", (0, 0, 120, 30), 0, line_box=box), word("speed", (130, 0, 300, 30), 0, line_box=box)]
    assert [p.size for p in ocr_pieces(flat, 2.0, 800.0, GAP_EM)] == [round(15 / FLAT_LINE_EM * 2) / 2] == [21.0]
    assert [p.size for p in ocr_pieces(deep, 2.0, 800.0, GAP_EM)] == [round(15 / LINE_EM * 2) / 2] == [16.5]


def test_a_line_set_sideways_is_laid_out_as_rotated_margin_text() -> None:
    stamp = (20, 100, 44, 900)  # 24 px wide, 800 px tall: a line of text read bottom to top
    words_ = [word("arXiv:2004.04906v3", stamp, 0, line_box=stamp), word("[cs.CL]", stamp, 0, line_box=stamp)]
    (piece,) = ocr_pieces(words_, 1.0, 1000.0, GAP_EM)
    assert piece.size == round(24 / LINE_EM * 2) / 2 and piece.top - piece.bottom == 800
    blocks = layout([Piece(*piece[:5], False, piece.text)], 600.0)
    assert [[row.margin for row in block] for block in blocks] == [[True]]


def _page(lines: list[tuple[str, int, int]], confidence: float = 95.0) -> Scanned:
    """A scanned page of hand-made words, one line each: (text, top px, height px), 1 px per point."""
    made = []
    for i, (text, top, high) in enumerate(lines):
        x = 50
        for token in text.split():
            made.append(OcrWord(token, (x, top, x + 10 * len(token), top + high), 0, i, i, confidence))
            x += 10 * len(token) + 8
    return Scanned.read(made, 1.0, 600.0, 800.0)


def test_a_page_read_by_ocr_is_written_like_a_text_page_and_a_noisy_one_is_left_out() -> None:
    good = _page([("Pump Care", 50, 30), ("Operators check the pres-", 100, 14), ("sure daily.", 116, 14)])
    noise = _page([("~r; lI1|", 50, 14)], confidence=MIN_PAGE_CONFIDENCE - 20)
    extracted = write_pages([good, noise], "")
    assert extracted.text == "# Pump Care\n\nOperators check the pressure daily."
    assert extracted.title == "Pump Care" and extracted.ocr_pages == (1,) and len(extracted.pages) == 2
    assert len(extracted.warnings) == 1 and extracted.warnings[0].startswith("page 2: OCR confidence 20")


def test_an_ocr_line_measured_tall_is_a_heading_only_if_it_reads_as_one() -> None:
    """A scanned line's size comes from its height: a formula, a line with subscripts or a sentence running on
    measure tall, and would be headings; a line that reads as one (a capital, words, no "=") still is."""
    body = [
        ("Operators check the pressure of the pump every morning before it starts.", 100 + 20 * i, 14) for i in range(4)
    ]
    tall = [
        ("Results of the Trial", 20, 30),  # a heading
        ("sim(q, p) = Eq(q) Ep(p) (1)", 200, 30),  # a formula
        ("where the score is (2) taken", 260, 30),  # a line of a sentence, starting small
        ("L(d, p1, p2) (3) [4] 5.6", 320, 30),  # mostly brackets and digits
        ("The pump was primed. Then it ran", 380, 30),  # a sentence ends and another begins
    ]
    extracted = write_pages([_page(tall[:1] + body + tall[1:])], "")
    assert _headings(extracted.text) == ["Results of the Trial"]
    assert "sim(q, p) = Eq(q) Ep(p) (1)" in extracted.text and "The pump was primed. Then it ran" in extracted.text
    text_layer = layout(
        [Piece(50, 300, 740, 760, 18.0, False, "asn1 parser2tree")]
        + [
            Piece(50, 500, 700 - 14 * i, 710 - 14 * i, 10.0, False, "The parser reads the file of declarations.")
            for i in range(4)
        ],
        600.0,
    )
    assert _headings(write_pages([text_layer], "").text) == ["asn1 parser2tree"]  # a text layer's size is read


def test_in_a_document_with_a_text_layer_the_text_pages_alone_rank_the_sizes() -> None:
    text_page = layout(
        [
            Piece(50, 300, 740, 754, 14.0, False, "Maintenance Plan"),
            Piece(50, 500, 700, 710, 10.0, False, "The pump is primed before the first start of the season."),
        ],
        600.0,
    )
    # a scanned page of much text measured at 12 pt: it must not make 12 pt the body size nor 14 pt its heading
    scan = _page(
        [("Replace the oil filter after every four hundred hours of running " * 3, 100 + 20 * i, 13) for i in range(3)]
    )
    writer = _PageWriter([text_page, scan], "")
    assert (writer.body, writer.levels) == (10.0, {14.0: 2})
    alone = _PageWriter([scan], "")
    assert alone.body == round(13 / LINE_EM * 2) / 2  # a scanned document ranks its OCR'd sizes


# ---------------------------------------------------------------- real OCR


def _headings(text: str) -> list[str]:
    return re.findall(r"^#+ (.*)$", text, re.M)


def _check_laid_out(extracted) -> None:  # type: ignore[no-untyped-def]
    """Each page starts where it should, with its heading as a `#` line and its body; no running header, no page
    number."""
    assert extracted.ocr_pages == (1, 2, 3) and extracted.warnings == ()
    assert len(extracted.pages) == 3 and extracted.pages[0] == 0
    bounds = [*extracted.pages, len(extracted.text)]
    for (heading, paragraphs), start, end in zip(PAGES, bounds, bounds[1:]):
        page = extracted.text[start:end]
        first = page.strip().splitlines()[0]
        assert first.startswith("#") and share_found(heading, first) == 1.0, (heading, page)
        assert share_found(" ".join(paragraphs), page) >= 0.9, page
    assert [share_found(h, " ".join(_headings(extracted.text))) for h, _ in PAGES] == [1.0, 1.0, 1.0]
    found = set(words(extracted.text))
    assert not found & set(words(HEADER)), extracted.text  # the running header is gone from every page
    assert "page" not in found and not re.search(r"^\s*\d+\s*$", extracted.text, re.M)  # and the page numbers


@pytest.mark.ocr
def test_a_scanned_report_gets_headings_and_loses_its_running_header_and_page_numbers() -> None:
    extracted = extract_pdf(scanned(laid_out_pdf(HEADER, PAGES)))
    _check_laid_out(extracted)
    assert extracted.text.startswith("# ") and share_found(PAGES[0][0], extracted.title) == 1.0
    original = extract_pdf(laid_out_pdf(HEADER, PAGES))  # the text layer of the same pages: the same headings
    assert _headings(original.text) == [h for h, _ in PAGES] and len(_headings(extracted.text)) == 3


@pytest.mark.ocr
def test_a_multi_page_tiff_of_the_report_takes_the_same_path() -> None:
    _check_laid_out(extract("image", pictures_file(laid_out_pdf(HEADER, PAGES), "TIFF"), "report.tiff"))
