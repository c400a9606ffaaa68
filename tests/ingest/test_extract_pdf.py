"""PDF extraction on PDFs made here with fpdf2 and read back with the real pypdfium2."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import matplotlib
import pytest
from document_fixtures import form_pdf
from fpdf import FPDF

from qa.ingest.chunk import ChunkSettings, chunk_document
from qa.ingest.extract.pdf import extract_pdf
from qa.ingest.load import load_corpus
from qa.ingest.tabletext import linearize

FONT = os.path.join(os.path.dirname(matplotlib.__file__), "mpl-data", "fonts", "ttf", "DejaVuSans.ttf")


def manual_pdf() -> bytes:
    """Two pages with a running header, a page-number footer, a hyphenated line break, a ligature and a table."""
    pdf = FPDF()
    pdf.add_font("dejavu", "", FONT)
    pdf.set_auto_page_break(False)

    def frame(number: int) -> None:
        pdf.add_page()
        pdf.set_font("dejavu", size=9)
        pdf.set_xy(10, 8)
        pdf.cell(text="ACME Hydraulics Field Manual, revision C")
        pdf.set_xy(100, 285)
        pdf.cell(text=f"Page {number}")
        pdf.set_font("dejavu", size=11)
        pdf.set_xy(10, 30)

    def line(text: str) -> None:
        pdf.cell(text=text, new_x="LMARGIN", new_y="NEXT", h=6)

    frame(1)
    line("The pump must be primed before the first start. Operators check the pressure gauge and the")
    line("seals every morning, and they record every mainte-")
    line("nance step in the logbook kept beside the unit.")
    pdf.ln(6)
    line("The \ufb01lter cartridge is replaced after 500 hours of operation.")
    frame(2)
    line("Torque values for the housing bolts are listed below. Tighten the bolts in a cross pattern.")
    pdf.ln(6)
    pdf.set_font("dejavu", size=10)
    with pdf.table(col_widths=(60, 40), text_align="LEFT", first_row_as_headings=False) as table:
        for label, value in (("Bolt size", "Torque"), ("M8 housing bolt", "25 Nm"), ("M10 flange bolt", "49 Nm")):
            row = table.row()
            row.cell(label)
            row.cell(value)
    pdf.set_font("dejavu", size=11)
    pdf.ln(6)
    line("The relief valve opens at 210 bar and closes again when the pressure falls below 190 bar.")
    return bytes(pdf.output())


@pytest.fixture(scope="module")
def manual() -> bytes:
    return manual_pdf()


def test_pages_start_where_their_text_starts(manual: bytes) -> None:
    doc = extract_pdf(manual)
    assert len(doc.pages) == 2 and doc.pages[0] == 0
    second = doc.text.index("Torque values for the housing bolts")
    assert doc.pages[1] <= second
    assert "relief valve" not in doc.text[: doc.pages[1]] and "primed" in doc.text[: doc.pages[1]]


def test_running_header_and_page_numbers_are_dropped(manual: bytes) -> None:
    text = extract_pdf(manual).text
    assert "ACME Hydraulics Field Manual" not in text
    assert "Page 1" not in text and "Page 2" not in text


def test_hyphenation_is_joined_and_ligatures_unfolded(manual: bytes) -> None:
    text = extract_pdf(manual).text
    assert "record every maintenance step" in text
    assert "mainte-" not in text
    assert "The filter cartridge" in text and "\ufb01" not in text


def test_table_rows_are_matchable(manual: bytes) -> None:
    text = extract_pdf(manual).text
    assert "| M8 housing bolt | 25 Nm |" in text
    assert "| M10 flange bolt | 49 Nm |" in text


def test_chunks_carry_pages_and_exact_offsets(tmp_path: Path, manual: bytes) -> None:
    (tmp_path / "manual.pdf").write_bytes(manual)
    doc = load_corpus(tmp_path).documents[0]
    assert doc.kind == "pdf" and len(doc.pages) == 2
    chunks = chunk_document(doc, ChunkSettings(target_words=20))
    assert chunks
    for c in chunks:
        assert doc.text[c.start : c.end] == c.text
        assert all(doc.text[a:b] for a, b in c.sentences)
    page_of = {c.text: c.page for c in chunks}
    assert next(p for t, p in page_of.items() if "primed" in t) == 1
    assert next(p for t, p in page_of.items() if "relief valve opens" in t) == 2
    assert next(p for t, p in page_of.items() if "25 Nm" in t) == 2


def two_column_pdf() -> bytes:
    """Lines of two columns written alternately (left, right, left, ...) as some producers do."""
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=10)
    pdf.set_xy(10, 15)
    pdf.set_font("helvetica", "B", 16)
    pdf.cell(text="Survey of Coastal Erosion")
    pdf.set_font("helvetica", size=10)
    left = [f"Left column sentence {w} about dunes." for w in ("one", "two", "three", "four", "five", "six")]
    right = [f"Right column sentence {w} about cliffs." for w in ("one", "two", "three", "four", "five", "six")]
    for i, (a, b) in enumerate(zip(left, right)):
        pdf.set_xy(10, 30 + i * 5)
        pdf.cell(text=a)
        pdf.set_xy(110, 30 + i * 5)
        pdf.cell(text=b)
    return bytes(pdf.output())


def test_two_columns_are_read_column_by_column() -> None:
    text = extract_pdf(two_column_pdf()).text
    assert text.startswith("# Survey of Coastal Erosion")
    last_left = text.index("Left column sentence six")
    first_right = text.index("Right column sentence one")
    assert last_left < first_right
    assert "dunes. Right" not in text and "|" not in text  # no line mixes the columns, nothing taken for a table


def broken_off_column(pdf: FPDF) -> float:
    """A left column of 10-point lines ending mid-sentence ("The wing type that is"); where its last line ends."""
    left = [
        "Self-locking nuts hold where a nut may work loose.",
        "Boots nuts are made with three",
        "different spring styles and in many sizes.",
        "The wing type that is",
    ]
    for i, line in enumerate(left):
        pdf.set_xy(10, 30 + i * 5)
        pdf.cell(text=line)
    return 30 + len(left) * 5


def running_column_pdf(next_line: str, figure: bool = True) -> bytes:
    """Two columns; the left one ends mid-sentence ("The wing type that is"), with a figure (two rows of labels and
    a caption) set below that line, and the right one starts with `next_line`."""
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=10)
    right = [next_line, "up to a quarter inch, and the bellows type from", "No. 8 up to three eighths of an inch."]
    y = broken_off_column(pdf) + 10
    if figure:
        for j, cells in enumerate((("Boots nut", "Anchor nut"), ("Flexloc nut", "Fiber locknut"))):
            for x, cell in zip((12, 60), cells):
                pdf.set_xy(x, y + j * 5)
                pdf.cell(text=cell)
        pdf.set_xy(10, y + 14)
        pdf.cell(text="Figure 7-26. Self-locking nuts.")
    for i, line in enumerate(right):
        pdf.set_xy(110, 30 + i * 5)
        pdf.cell(text=line)
    return bytes(pdf.output())


def test_a_sentence_running_on_into_the_next_column_is_read_whole_before_the_figure_between() -> None:
    whole = "The wing type that is the most common ranges in size from No. 6 up to a quarter inch, and the bellows"
    text = extract_pdf(running_column_pdf("the most common ranges in size from No. 6")).text
    assert whole in text
    assert text.index("eighths of an inch.") < text.index("| Boots nut | Anchor nut |") < text.index("Figure 7-26.")
    assert whole in extract_pdf(running_column_pdf("the most common ranges in size from No. 6", figure=False)).text
    new_sentence = extract_pdf(running_column_pdf("The most common ranges in size from No. 6")).text
    assert "The wing type that is\n\n| Boots nut |" in new_sentence  # the next column starts its own sentence
    assert new_sentence.index("Figure 7-26.") < new_sentence.index("The most common ranges")


def opening_figure_pdf(caption_size: int) -> bytes:
    """Two columns; the left one ends mid-sentence ("The wing type that is"), and the right one opens with a figure
    (two rows of labels, a caption in `caption_size` points), then goes on with the sentence, ends its paragraph
    and starts another under a gap."""
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=10)
    broken_off_column(pdf)
    opening_figure(pdf, left=110, caption_size=caption_size)
    going_on_under_it(pdf, left=110, top=54)
    return bytes(pdf.output())


def opening_figure(pdf: FPDF, left: float, caption_size: int, note: str = "") -> None:
    """A figure at the head of a column starting at `left`: two rows of labels, then its caption in `caption_size`
    points (and a `note` under it in that size)."""
    for j, cells in enumerate((("Boots nut", "Anchor nut"), ("Flexloc nut", "Fiber locknut"))):
        for x, cell in zip((left + 2, left + 50), cells):
            pdf.set_xy(x, 30 + j * 5)
            pdf.cell(text=cell)
    pdf.set_font("helvetica", size=caption_size)
    pdf.set_xy(left, 44)
    pdf.cell(text="Figure 7-26. Self-locking nuts.")
    if note:
        pdf.set_xy(left, 52)
        pdf.cell(text=note)
    pdf.set_font("helvetica", size=10)


def going_on_under_it(pdf: FPDF, left: float, top: float) -> None:
    """The rest of "The wing type that is …" in 10-point lines from `top`, then a paragraph of its own under a gap."""
    going_on = [
        "the most common ranges in size from No. 6",
        "up to a quarter inch, and the bellows type from",
        "No. 8.",
    ]
    for i, line in enumerate(going_on):
        pdf.set_xy(left, top + i * 5)
        pdf.cell(text=line)
    pdf.set_xy(left, top + (len(going_on) + 1) * 5)
    pdf.cell(text="Fiber locknuts are not used above 250 F.")


def test_a_figure_opening_the_next_column_goes_after_the_paragraph_the_broken_sentence_ends() -> None:
    whole = "The wing type that is the most common ranges in size from No. 6 up to a quarter inch, and the bellows"
    text = extract_pdf(opening_figure_pdf(caption_size=8)).text
    assert whole in text
    assert text.index("type from No. 8.") < text.index("| Boots nut | Anchor nut |") < text.index("Figure 7-26.")
    assert text.index("Figure 7-26.") < text.index("Fiber locknuts are not used")  # before the next paragraph
    same_size = extract_pdf(opening_figure_pdf(caption_size=10)).text  # where would its caption end? left alone
    assert whole not in same_size
    assert same_size.index("| Boots nut |") < same_size.index("the most common ranges")


def test_encrypted_pdf_is_refused() -> None:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="Confidential.")
    pdf.set_encryption(owner_password="owner", user_password="user")
    with pytest.raises(ValueError, match=r"^encrypted PDF \(a password is required\)"):
        extract_pdf(bytes(pdf.output()))


def test_pdf_without_text_layer_is_refused() -> None:
    pdf = FPDF()
    for _ in range(2):
        pdf.add_page()
        pdf.rect(20, 20, 100, 60, style="F")  # marks on the page, but no characters and no picture to OCR
    with pytest.raises(ValueError, match=r"^no text layer and no page image in 2 page\(s\); nothing to read$"):
        extract_pdf(bytes(pdf.output()))


def test_truncated_pdf_is_refused(manual: bytes) -> None:
    with pytest.raises(ValueError, match=r"^corrupt or truncated PDF"):
        extract_pdf(manual[: len(manual) // 2])


def test_two_thousand_pages_read_page_by_page() -> None:
    pdf = FPDF()
    pdf.set_font("helvetica", size=11)
    for i in range(2000):
        pdf.add_page()
        pdf.cell(text=f"Entry {chr(65 + i % 26)}{chr(65 + i // 26 % 26)} describes part {i + 1}.")
    doc = extract_pdf(bytes(pdf.output()))
    assert len(doc.pages) == 2000
    assert doc.text[doc.pages[1999] :].startswith("Entry XY describes part 2000.")
    assert doc.text[doc.pages[41] : doc.pages[42]].strip() == "Entry PB describes part 42."


def test_passages_do_not_run_over_a_page_break(tmp_path: Path, manual: bytes) -> None:
    (tmp_path / "manual.pdf").write_bytes(manual)
    doc = load_corpus(tmp_path).documents[0]
    chunks = chunk_document(doc)  # default settings: both pages' text would fit in one passage
    assert len({c.page for c in chunks}) == 2
    assert all(doc.page_at(c.start) == doc.page_at(c.end - 1) for c in chunks)


def bulleted_pdf() -> bytes:
    """A list whose bullets come from a symbol font, drawn apart from (and before) the items' text, as DTP tools
    write them."""
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=11)
    pdf.set_xy(20, 40)
    pdf.cell(text="The following commands can be used to manage the journal receivers:")
    rows = [50, 56, 62]
    pdf.set_font("zapfdingbats", size=9)
    for y in rows:
        pdf.set_xy(24, y)
        pdf.cell(text="u")  # a diamond in ZapfDingbats
    pdf.set_font("helvetica", size=11)
    items = ["CHGJRN changes the journal receiver.", "DSPJRN displays the entries.", "WRKJRNA works with attributes."]
    for y, item in zip(rows, items):
        pdf.set_xy(32, y)
        pdf.cell(text=item)
    pdf.set_xy(20, 72)
    pdf.cell(text="After the list the text goes on with a paragraph of prose.")
    return bytes(pdf.output())


def pdf_with_private_use_bullets() -> bytes:
    """A page whose list bullets map to a private-use code point (U+F0B7, as Word's Symbol-font bullets do) through
    the font's ToUnicode map, in the same text run as the item's words."""
    cmap = (
        b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /Bullets def "
        b"1 begincodespacerange <00> <FF> endcodespacerange "
        b"1 beginbfrange <20> <7E> <0020> endbfrange 1 beginbfchar <95> <F0B7> endbfchar "
        b"endcmap CMapName currentdict /CMap defineresource pop end end"
    )
    lines = [b"The following commands manage the journal receivers:"]
    lines += [b"\x95 CHGJRN changes the journal receiver.", b"\x95 DSPJRN displays the entries."]
    lines += [b"After the list the text goes on."]
    content = b"BT /F1 11 Tf 14 TL 72 720 Td " + b" ".join(b"(" + line + b") Tj T*" for line in lines) + b" ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /ToUnicode 6 0 R >>",
        b"<< /Length %d >> stream\n" % len(content) + content + b"\nendstream",
        b"<< /Length %d >> stream\n" % len(cmap) + cmap + b"\nendstream",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer << /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def test_private_use_bullets_in_the_items_own_text_run_stay_list_items() -> None:
    text = extract_pdf(pdf_with_private_use_bullets()).text
    assert text == (
        "The following commands manage the journal receivers:\n\n- CHGJRN changes the journal receiver.\n"
        "- DSPJRN displays the entries.\n\nAfter the list the text goes on."
    )


def test_symbol_font_bullets_become_list_items_in_reading_order() -> None:
    from qa.ingest.extract.pdflayout import is_bullet

    text = extract_pdf(bulleted_pdf()).text
    assert (
        "journal receivers:\n\n- CHGJRN changes the journal receiver.\n- DSPJRN displays the entries.\n"
        "- WRKJRNA works with attributes.\n\nAfter the list" in text
    )
    assert "|" not in text  # not a two-column table of bullets and items
    assert is_bullet("\uf0a7") and is_bullet("►") and not is_bullet("A") and not is_bullet("©")


def tight_table_pdf() -> bytes:
    """A table whose columns stand one font size apart (closer than the 1.5 sizes that split a line into cells)
    under a header row of short column names, as LaTeX papers set them; the first column is set apart widely."""
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=10)
    em = 10 / 72 * 25.4  # one font size in mm
    pdf.set_xy(20, 20)
    pdf.cell(text="The data sets we train and test on are listed below, with their sizes.")
    rows = [
        ("", "Training", "Validation", "Testing"),
        ("Natural Questions", "179,168", "58,880", "3,610"),
        ("TriviaQA", "178,785", "60,413", "11,313"),
        ("SQuAD", "178,713", "70,096", "10,570"),
    ]
    columns = [20.0, 80.0]
    for c in (1, 2):  # each column starts one font size after the widest cell of the column before it
        columns.append(columns[-1] + max(pdf.get_string_width(row[c]) for row in rows) + em)
    for i, row in enumerate(rows):
        for x, cell in zip(columns, row):
            if cell:
                pdf.set_xy(x, 32 + 6 * i)
                pdf.cell(text=cell)
    pdf.set_xy(20, 64)
    pdf.cell(text="Questions whose answer is not found in the top passages are discarded.")
    return bytes(pdf.output())


def test_table_columns_closer_than_a_wide_gap_are_cells() -> None:
    """Columns are found where the rows' words line up, not only at wide gaps: each number is a cell of its own,
    and the header row of column names is a table row, not a heading."""
    text = extract_pdf(tight_table_pdf()).text
    assert "| Training | Validation | Testing |" in text
    assert "| Natural Questions | 179,168 | 58,880 | 3,610 |" in text
    assert "| SQuAD | 178,713 | 70,096 | 10,570 |" in text
    assert "#" not in text
    assert "The data sets we train and test on are listed below, with their sizes." in text


def sidebar_pdf(table: bool = False) -> bytes:
    """Body text across most of the page and, beside it in the right margin, a narrow box of smaller text (a
    sidebar), whose lines share baselines with the body's now and then; or (`table`) below the body a two-column
    table whose second column stands where the sidebar would."""
    pdf = FPDF()
    pdf.add_page()
    pdf.set_auto_page_break(False)
    pdf.set_font("helvetica", "B", 16)
    pdf.set_xy(15, 15)
    pdf.cell(text="Harbour Pump Maintenance")
    pdf.set_font("helvetica", size=11)
    pdf.set_xy(15, 30)
    pdf.multi_cell(
        135,
        6,
        "The pump must be primed before the first start. Operators check the pressure gauge and the seals every "
        "morning, and they record every maintenance step in the logbook kept beside the unit. The filter cartridge "
        "is replaced after 500 hours of operation, or sooner when the pressure drop across it passes 0.8 bar. "
        "The relief valve opens at 210 bar and closes again when the pressure falls below 190 bar.",
    )
    pdf.set_font("helvetica", size=9)
    if table:
        rows = [("Bolt", "Torque")] + [(f"M{size} housing bolt", f"{size * 3} Nm") for size in range(6, 26, 2)]
        for i, (label, value) in enumerate(rows):
            pdf.set_xy(15, 70 + 5 * i)
            pdf.cell(text=label)
            pdf.set_xy(165, 70 + 5 * i)
            pdf.cell(text=value)
    else:
        pdf.set_xy(158, 31)
        pdf.multi_cell(
            45,
            4.5,
            "Safety note: never open the housing while the pump is running. Lock the main switch and hang the tag "
            "before any work on the impeller, and wear gloves when handling the seals.",
        )
    return bytes(pdf.output())


def test_a_sidebar_is_read_after_the_body_not_merged_into_its_lines() -> None:
    text = extract_pdf(sidebar_pdf()).text
    assert "Operators check the pressure gauge and the seals every morning" in text
    assert "Safety note: never open the housing while the pump is running. Lock the main switch" in text
    assert text.index("below 190 bar.") < text.index("Safety note")
    assert "|" not in text


def test_a_table_in_the_margin_stays_a_table() -> None:
    text = extract_pdf(sidebar_pdf(table=True)).text
    assert "| M8 housing bolt | 24 Nm |" in text and "| M24 housing bolt | 72 Nm |" in text
    assert "Operators check the pressure gauge and the seals every morning" in text


def prose_columns(pdf: FPDF, top: float, words: str) -> None:
    """Five lines of prose in each of a page's two columns, from `top` (mm) down."""
    for i in range(5):
        pdf.set_xy(15, top + 5 * i)
        pdf.cell(text=f"The left column {words} sentence number {i} runs on here.")
        pdf.set_xy(112, top + 5 * i)
        pdf.cell(text=f"The right column {words} sentence number {i} runs on too.")


def place_grid(pdf: FPDF, xs: list[int], rows: list[list[str]], top: float) -> None:
    """Each row's cells at the columns' `xs` (mm), a row every 5 mm from `top` down."""
    for r, row in enumerate(rows):
        for x, cell in zip(xs, row):
            pdf.set_xy(x, top + 5 * r)
            pdf.cell(text=cell)


def paper_around_table(table: Callable[[FPDF], None], caption: str, caption_top: float, closing_top: float) -> bytes:
    """A page of two columns of prose, then a table set across both columns (`table` draws it), its full-width
    caption at `caption_top` (mm), then two columns of prose again from `closing_top`."""
    pdf = FPDF()
    pdf.add_page()
    pdf.set_auto_page_break(False)
    pdf.set_font("helvetica", size=10)
    prose_columns(pdf, 15, "opening")
    table(pdf)
    pdf.set_xy(15, caption_top)
    pdf.cell(text=caption)
    prose_columns(pdf, closing_top, "closing")
    return bytes(pdf.output())


def two_column_paper_with_wide_table() -> bytes:
    """Prose around a table across both columns: columns of numbers on either side of the gutter, a group label
    alone on its line, its column names set close together above it."""
    header = ["Method", "NQ", "TQA", "WQ", "TREC", "NQ", "TQA", "WQ", "TREC"]
    xs = [15, 50, 65, 80, 95, 115, 130, 145, 160]
    rows = [["BM25", "59.1", "66.9", "55.0", "70.9", "73.7", "76.7", "71.1", "84.1"], ["Multi"]]
    rows += [["DPR", "78.4", "79.4", "73.2", "79.8", "85.4", "85.0", "81.4", "89.1"]]

    def table(pdf: FPDF) -> None:
        for x, name in zip(xs, header):
            pdf.set_xy(x, 50)
            pdf.cell(text=name)
        place_grid(pdf, xs, rows, 56)

    caption = "Table 1: Top-20 and top-100 retrieval accuracy on the test sets of four question answering data sets."
    return paper_around_table(table, caption, 76, 86)


def test_a_table_across_both_columns_stays_whole_with_its_header_and_labels() -> None:
    text = extract_pdf(two_column_paper_with_wide_table()).text
    assert "| Method | NQ | TQA | WQ | TREC | NQ | TQA | WQ | TREC |" in text
    assert "| BM25 | 59.1 | 66.9 | 55.0 | 70.9 | 73.7 | 76.7 | 71.1 | 84.1 |" in text
    assert "| Multi |\n| DPR | 78.4 | 79.4 | 73.2 | 79.8 | 85.4 | 85.0 | 81.4 | 89.1 |" in text
    left = " ".join(f"The left column opening sentence number {i} runs on here." for i in range(5))
    assert left in text  # the prose around it is still read column by column
    assert text.index("runs on here.") < text.index("The right column opening") < text.index("| Method")
    assert text.index("Table 1:") < text.index("The left column closing")


def wide_name_table_pdf() -> bytes:
    """Two columns of prose around a table set across both, one of whose model names is long enough to cross the
    page's gutter (a cited paper's name in a results table)."""
    xs = [15, 40, 128, 145, 162, 179]
    rows = [
        ["Training", "Model", "NQ", "TQA", "WQ", "TREC"],
        ["Single", "BM25 (Lee et al., 2019)", "26.5", "47.1", "17.7", "21.3"],
        ["Single", "ORQA (Lee et al., 2019)", "33.3", "45.0", "36.4", "30.1"],
        ["Single", "HardEM (Min et al., 2019)", "28.1", "50.9", "-", "-"],
        ["Single", "GraphRetriever over passage graphs (Min, 2019b)", "34.5", "56.0", "36.4", "-"],
        ["Single", "REALM (Guu et al., 2020)", "39.2", "-", "40.2", "46.8"],
        ["Multi", "DPR (ours)", "41.5", "56.8", "42.4", "49.4"],
        ["Multi", "BM25 and DPR (ours)", "38.8", "57.9", "41.1", "50.6"],
    ]
    caption = "Table 3: End-to-end exact match on the test sets of four question answering data sets."
    return paper_around_table(lambda pdf: place_grid(pdf, xs, rows, 45), caption, 90, 100)


def test_a_table_row_whose_name_crosses_the_gutter_keeps_all_its_cells() -> None:
    """The row's name crosses the gutter, so the row is a full-width line; its cells on either side were lost."""
    text = extract_pdf(wide_name_table_pdf()).text
    assert "| Training | Model | NQ | TQA | WQ | TREC |" in text
    assert "| Single | GraphRetriever over passage graphs (Min, 2019b) | 34.5 | 56.0 | 36.4 | - |" in text
    assert "| Multi | BM25 and DPR (ours) | 38.8 | 57.9 | 41.1 | 50.6 |" in text  # one table, to its last row
    assert text.index("| Training |") < text.index("| Single | GraphRetriever") < text.index("Table 3:")


def results_table_pdf() -> bytes:
    """A paper's results table: two header rows ("Top-20" and "Top-100" each centred over the data sets below it),
    a group name ("Single", "Multi") set between the two rows it names, whose first cells are empty, and a row
    missing a value."""
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=9)
    pdf.set_xy(15, 15)
    pdf.cell(text="Retrieval accuracy on the test sets is given below.")
    xs = [15, 40, 70, 85, 100, 120, 135, 150]
    widths = {}

    def put(x: float, y: float, text: str) -> None:
        pdf.set_xy(x, y)
        pdf.cell(text=text)
        widths[text] = pdf.get_string_width(text)

    put(15, 25, "Training")
    put(40, 25, "Retriever")
    for left, right, name in ((70, 108, "Top-20"), (120, 158, "Top-100")):
        put((left + right - pdf.get_string_width(name)) / 2, 25, name)
    for x, name in zip(xs[2:], ["NQ", "TQA", "WQ", "NQ", "TQA", "WQ"]):
        put(x, 30, name)
    rows = [
        (36, ["None", "BM25", "59.1", "66.9", "55.0", "73.7", "76.7", "71.1"]),
        (41, ["", "DPR", "78.4", "79.4", "73.2", "85.4", "85.0", "81.4"]),
        (46, ["", "Both", "76.6", "79.8", "71.0", "83.8", "84.5", "80.5"]),
        (51, ["", "DPR", "79.4", "78.8", "75.0", "86.0", "84.7", "82.9"]),
        (56, ["", "Both", "78.0", "", "74.7", "83.9", "84.4", "82.3"]),
    ]
    for y, cells in rows:
        for x, cell in zip(xs, cells):
            if cell:
                put(x, y, cell)
    put(15, 43.5, "Single")
    put(15, 53.5, "Multi")
    pdf.set_xy(15, 66)
    pdf.cell(text="Table 2: Top-20 and Top-100 retrieval accuracy, trained on one data set or on all of them.")
    return bytes(pdf.output())


def test_a_table_is_written_as_a_grid_with_its_header_rows_merged_and_group_names_filled_in() -> None:
    text = extract_pdf(results_table_pdf()).text
    header = "| Training | Retriever | Top-20 NQ | Top-20 TQA | Top-20 WQ | Top-100 NQ | Top-100 TQA | Top-100 WQ |"
    assert header in text
    assert "| None | BM25 | 59.1 | 66.9 | 55.0 | 73.7 | 76.7 | 71.1 |" in text
    assert "| Single | DPR | 78.4 | 79.4 | 73.2 | 85.4 | 85.0 | 81.4 |" in text
    assert "| Single | Both | 76.6 | 79.8 | 71.0 | 83.8 | 84.5 | 80.5 |" in text
    assert "| Multi | DPR | 79.4 | 78.8 | 75.0 | 86.0 | 84.7 | 82.9 |" in text
    assert "| Multi | Both | 78.0 |  | 74.7 | 83.9 | 84.4 | 82.3 |" in text  # the missing value keeps its column
    assert "| Single |\n" not in text and "| Multi |\n" not in text
    # the reader gets each value named by its merged column name
    assert "Training: Multi; Retriever: DPR; Top-20 NQ: 79.4;" in linearize(text).text


EXAMPLES = [
    (
        "Which sea lies between England and Ireland?",
        "Title: British Cycling\nCycling in England is organised by a national body that selects the team for the "
        "Commonwealth Games, and the Isle of Man has a cycling association of its own.",
        "Title: Irish Sea\nThe Irish Sea separates the islands of Ireland and Great Britain and is linked to the "
        "Atlantic Ocean by the North Channel and by Saint George's Channel.",
    ),
    (
        "Who plays Thoros of Myr?",
        "Title: No One\nThe episode saw the return of two actors who had portrayed the outlaws in the third season.",
        "Title: Paul Kaye\nPaul Kaye is an English comedian and actor who played Thoros of Myr in the series.",
    ),
]


def examples_table_pdf(rules: str, right_column: bool = True) -> bytes:
    """A page of two columns of prose (the left one only, without `right_column`: a paper's last page) under a
    table of examples set across both: a question, then the passage each of two systems found, the passages wrapped
    over several lines in their cells. `rules="cells"` draws each cell as a box (fpdf2's tables, as office programs
    export them); `"lines"` draws rules as LaTeX does: one over and under each row, the ones between columns in a
    piece per line of text."""
    pdf = FPDF()
    pdf.add_font("dejavu", "", FONT)
    pdf.add_page()
    pdf.set_auto_page_break(False)
    pdf.set_font("dejavu", size=8)
    widths = (40, 75, 75)
    if rules == "cells":
        pdf.set_xy(10, 15)
        with pdf.table(col_widths=widths, text_align="LEFT", first_row_as_headings=False) as table:
            for cells in [("Question", "Passage found by keywords", "Passage found by meaning"), *EXAMPLES]:
                row = table.row()
                for cell in cells:
                    row.cell(cell)
        top = pdf.get_y() + 8
    else:
        top = _ruled_by_lines(pdf, widths)
    for i in range(6):
        pdf.set_xy(10, top + 5 * i)
        pdf.cell(text=f"The left column sentence number {i} runs on here.")
        if right_column:
            pdf.set_xy(110, top + 5 * i)
            pdf.cell(text=f"The right column sentence number {i} runs on too.")
    return bytes(pdf.output())


def _ruled_by_lines(pdf: FPDF, widths: tuple[float, ...]) -> float:
    """The examples with a rule over and under each row and the rules between columns drawn line by line; the
    y below the table."""
    edges = [10.0]
    for w in widths:
        edges.append(edges[-1] + w)
    y = 15.0
    pdf.line(edges[0], y, edges[-1], y)
    for cells in [("Question", "Passage found by keywords", "Passage found by meaning"), *EXAMPLES]:
        bottom = y
        for x, w, cell in zip(edges, widths, cells):
            pdf.set_xy(x + 1.5, y + 1)
            pdf.multi_cell(w - 3, 4, cell, align="L")
            bottom = max(bottom, pdf.get_y())
        bottom += 1
        for x in edges[1:-1]:
            start = y
            while start < bottom:  # a piece per line of text, each just short of the next
                pdf.line(x, start, x, min(start + 3.8, bottom))
                start += 4
        pdf.line(edges[0], bottom, edges[-1], bottom)
        y = bottom
    return y + 8


@pytest.mark.parametrize(("rules", "right_column"), [("cells", True), ("lines", True), ("lines", False)])
def test_a_ruled_table_of_wrapped_cells_is_read_row_by_row_with_whole_cells(rules: str, right_column: bool) -> None:
    """Without a right column the page's gutter is not looked for between the table's own columns."""
    text = extract_pdf(examples_table_pdf(rules, right_column)).text
    assert "| Question | Passage found by keywords | Passage found by meaning |" in text
    for question, keywords, meaning in EXAMPLES:
        cells = [question, keywords.replace("\n", " "), meaning.replace("\n", " ")]
        assert "| " + " | ".join(cells) + " |" in text
    left = [text.index(f"The left column sentence number {i} runs on here.") for i in range(6)]
    assert text.index("| Question") < left[0] and left == sorted(left)  # the prose below is read column by column
    assert not right_column or left[-1] < text.index("The right column sentence number 0")


def accented_names_pdf() -> bytes:
    """Names whose accents are drawn as TeX's default fonts draw them: the letter, then a spacing accent placed
    over it as a character of its own (pdfium writes it after the word)."""
    pdf = FPDF()
    pdf.add_font("dejavu", "", FONT)
    pdf.add_page()
    pdf.set_font("dejavu", size=10)

    def accented(x: float, y: float, word: str, at: int, accent: str) -> None:
        pdf.text(x, y, word)
        left, width = x + pdf.get_string_width(word[:at]), pdf.get_string_width(word[at])
        pdf.text(left + (width - pdf.get_string_width(accent)) / 2, y, accent)

    pdf.text(10, 20, "Retrieval for question answering was studied by")
    accented(10, 26, "Rocktaschel", 5, "\u00a8")
    accented(40, 26, "Lukacs", 3, "\u00b4")
    pdf.text(60, 26, "and others in 2020.")
    return bytes(pdf.output())


def test_an_accent_drawn_apart_from_its_letter_is_set_back_on_it() -> None:
    text = extract_pdf(accented_names_pdf()).text
    assert text == "Retrieval for question answering was studied by Rocktäschel Lukács and others in 2020."


def title_block_pdf() -> bytes:
    """A paper's first page: a title and a line of authors set across both columns (the middle name over the
    gutter, the others beside it on the same line), affiliations under them, then two columns of prose."""
    pdf = FPDF()
    pdf.add_page()
    pdf.set_auto_page_break(False)
    pdf.set_font("helvetica", size=14)
    pdf.set_xy(40, 15)
    pdf.cell(text="Retrieval of Passages for Questions")
    pdf.set_font("helvetica", size=11)
    for x, name in ((30, "Ada Lovelace*"), (92, "Alan M. Turing"), (150, "Grace Hopper")):
        pdf.set_xy(x, 25)
        pdf.cell(text=name)
    for x, place in ((35, "Analytical Engines"), (88, "Computing Laboratory"), (150, "Navy Reserve")):
        pdf.set_xy(x, 31)
        pdf.cell(text=place)
    pdf.set_font("helvetica", size=10)
    for i in range(8):
        pdf.set_xy(15, 45 + 5 * i)
        pdf.cell(text=f"The left column sentence number {i} runs on here.")
        pdf.set_xy(110, 45 + 5 * i)
        pdf.cell(text=f"The right column sentence number {i} runs on too.")
    return bytes(pdf.output())


def test_a_line_set_across_a_two_column_page_keeps_the_pieces_beside_the_gutter() -> None:
    """The names on either side of the one over the gutter were in no band between full-width lines: lost."""
    text = extract_pdf(title_block_pdf()).text
    assert "Ada Lovelace* Alan M. Turing Grace Hopper" in text
    assert "Analytical Engines Computing Laboratory Navy Reserve" in text
    assert text.index("Navy Reserve") < text.index("The left column sentence number 0")


def test_a_heading_between_a_running_header_and_a_definition_line_stays_a_heading() -> None:
    """A row of two pieces above and below (a running header with its page number, a function's signature with
    its category set right) does not make the bold heading between them a label of a table."""
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=10)
    pdf.set_xy(15, 10)
    pdf.cell(text="Chapter 4: Function reference")
    pdf.set_xy(190, 10)
    pdf.cell(text="9")
    pdf.set_font("helvetica", "B", 12)
    pdf.set_xy(15, 20)
    pdf.cell(text="tree create")
    pdf.set_font("helvetica", size=10)
    pdf.set_xy(15, 27)
    pdf.cell(text="int tree_create (const node * array, node * definitions)")
    pdf.set_xy(175, 27)
    pdf.cell(text="[Function]")
    pdf.set_xy(15, 40)
    pdf.multi_cell(170, 5, "Creates the tree of definitions from the array and returns zero when it succeeds.")
    text = extract_pdf(bytes(pdf.output())).text
    assert "# tree create" in text and "| tree create |" not in text


def test_a_filled_in_forms_values_are_read_where_its_fields_stand() -> None:
    labels = ["Applicant name:", "Member since:", "Insured:", "Smoker:", "Payment:", "Notes:"]
    fields = [
        ("text", "name", "Aino Virtanen"),
        ("text", "since", "2019"),
        ("check", "insured", "Yes"),
        ("check", "smoker", "Off"),  # not ticked: nothing
        ("radio", "payment", "Monthly"),  # the option chosen
        ("text", "notes", ""),  # left empty: nothing
    ]
    doc = extract_pdf(form_pdf(labels, fields))
    assert doc.text == (
        "Applicant name: Member since: Insured: Smoker: Payment: Notes:\n\nAino Virtanen 2019 Yes\n\nMonthly"
    )  # the labels and the values stand in two columns, read one after the other as any such page's text


def figure_opening_the_next_page_pdf(caption_size: int) -> bytes:
    """Two pages; the first ends mid-sentence ("The wing type that is"), the second opens with a figure (two rows of
    labels, a caption in `caption_size` points and a note under it), then goes on with the sentence, ends its
    paragraph and starts another under a gap."""
    pdf = FPDF()
    pdf.set_font("helvetica", size=10)
    pdf.add_page()
    broken_off_column(pdf)
    pdf.add_page()
    opening_figure(pdf, left=10, caption_size=caption_size, note="Sizes are given in inches.")
    going_on_under_it(pdf, left=10, top=62)
    return bytes(pdf.output())


def test_a_figure_opening_the_next_page_goes_after_the_paragraph_the_broken_sentence_ends() -> None:
    whole = "The wing type that is the most common ranges in size from No. 6 up to a quarter inch, and the bellows"
    extracted = extract_pdf(figure_opening_the_next_page_pdf(caption_size=8))
    text = extracted.text
    assert whole in text
    assert text.index("type from No. 8.") < text.index("| Boots nut | Anchor nut |") < text.index("Figure 7-26.")
    assert text.index("Figure 7-26.") < text.index("Sizes are given") < text.index("Fiber locknuts are not used")
    assert extracted.pages[1] == text.index("the most common ranges")  # page 2 starts inside the sentence
    same_size = extract_pdf(figure_opening_the_next_page_pdf(caption_size=10)).text  # where does its caption end?
    assert whole not in same_size


def sentence_over_a_page_break_pdf(ending: str = "the", stamp: str = "") -> bytes:
    """Two pages of 11-point text: the first ends mid-sentence ("… serve as the"), the second opens with the rest
    of the sentence ("negative passages for each question …"), then a paragraph of its own; `ending` is the last
    word of page 1 (a full stop ends the sentence there); `stamp`, set sideways in page 1's left margin."""
    pdf = FPDF()
    pdf.set_auto_page_break(False)
    pdf.set_font("helvetica", size=11)
    pages = [
        [
            "Training uses batches of questions and passages.",
            "Each question is paired with its own positive passage, and the",
            f"other passages of the batch serve as {ending}",
        ],
        ["negative passages for each question in the batch.", "Evaluation follows in the next section."],
    ]
    for number, lines in enumerate(pages):
        pdf.add_page()
        if stamp and number == 0:
            with pdf.rotation(90, x=6, y=200):
                pdf.text(6, 200, stamp)
        pdf.set_xy(10, 30)
        for line in lines:
            pdf.cell(text=line, new_x="LMARGIN", new_y="NEXT", h=6)
    pdf.set_xy(10, 80)
    pdf.cell(text="A second paragraph stands alone on the second page.")
    return bytes(pdf.output())


SPLIT_SENTENCE = (
    "Each question is paired with its own positive passage, and the other passages of the batch serve as the "
    "negative passages for each question in the batch."
)


def test_a_sentence_running_on_over_a_page_break_is_read_whole_and_cites_the_page_it_starts_on(
    tmp_path: Path,
) -> None:
    (tmp_path / "batches.pdf").write_bytes(sentence_over_a_page_break_pdf())
    doc = load_corpus(tmp_path).documents[0]
    assert SPLIT_SENTENCE in doc.text  # one paragraph, not two halves
    start = doc.text.index(SPLIT_SENTENCE)
    assert doc.page_at(start) == 1
    # page 2 starts at the first word it holds, inside the sentence
    assert doc.pages[1] == doc.text.index("negative passages for each question")
    assert doc.page_at(doc.text.index("Evaluation follows")) == 2
    assert doc.page_at(doc.text.index("A second paragraph")) == 2
    chunks = chunk_document(doc, ChunkSettings(target_words=20))
    holding = [c for c in chunks if SPLIT_SENTENCE in c.text]
    assert len(holding) == 1 and holding[0].page == 1
    assert [c.page for c in chunks if "A second paragraph" in c.text] == [2]


def test_a_stamp_set_sideways_in_the_margin_opens_its_page_and_cuts_no_sentence() -> None:
    """Rotated text beside the page body (arXiv's "arXiv:2004.04906v3 [cs.CL] 30 Sep 2020") is read first on its
    page, as a paragraph of its own: not between a sentence and the rest of it on the next page."""
    stamp = "arXiv:2004.04906v3 [cs.CL] 30 Sep 2020"
    extracted = extract_pdf(sentence_over_a_page_break_pdf(stamp=stamp))
    assert extracted.text.startswith(f"{stamp}\n\nTraining uses batches")
    assert SPLIT_SENTENCE in extracted.text
    assert extracted.pages[1] == extracted.text.index("negative passages")


@pytest.mark.parametrize("ending", ['the "hard"', "the (hard)", "{\\itshape}"])
def test_a_sentence_cut_after_a_closing_quote_or_bracket_is_read_whole(ending: str) -> None:
    """The letter before closing quotation marks or brackets decides whether the page's last line is cut mid-
    sentence: "… serve as the “hard”" goes on at the next page."""
    extracted = extract_pdf(sentence_over_a_page_break_pdf(ending=ending))
    assert f"serve as {ending} negative passages for each question in the batch." in extracted.text
    assert extracted.pages[1] == extracted.text.index("negative passages")


@pytest.mark.parametrize("ending", ['the rest."', "the rest.)"])
def test_a_page_ending_its_sentence_inside_quotes_keeps_its_paragraphs(ending: str) -> None:
    extracted = extract_pdf(sentence_over_a_page_break_pdf(ending=ending))
    assert f"serve as {ending}\n\nnegative passages" in extracted.text


def test_a_page_ending_its_sentence_keeps_its_paragraphs() -> None:
    """A full stop ends page 1's last paragraph: the next page's first line starts a paragraph and the page."""
    extracted = extract_pdf(sentence_over_a_page_break_pdf(ending="the rest."))
    assert "serve as the rest.\n\nnegative passages" in extracted.text
    assert extracted.pages[1] == extracted.text.index("negative passages")
