"""PDF pages rendered with the answer sentence boxed where it stands (real pypdfium2 on PDFs made by fpdf2)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from fpdf import FPDF
from PIL import Image

from qa.errors import QAError
from qa.web.pageimage import RENDER_SCALE, find_span, line_boxes, page_png, render_page

SENTENCE = "The Quorvak bridge was painted green in 1931 by volunteers."
LONG = ("Across the whole width of this page runs a deliberately long sentence about the Quorvak bridge, "
        "its seven arches, its tollhouse and the volunteers who painted it green, so that it wraps onto more lines.")


def two_page_pdf(path: Path) -> Path:
    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    pdf.add_page()
    pdf.multi_cell(0, 8, "Page one talks about rivers and mountains in general terms.")
    pdf.add_page()
    pdf.multi_cell(0, 8, f"Other text first. {SENTENCE} More text after it.")
    pdf.ln(20)
    pdf.multi_cell(0, 8, LONG)
    pdf.output(str(path))
    return path


def highlighted_rows(png: bytes) -> list[int]:
    """Image rows holding pixels of the translucent yellow box (text is black, paper white)."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    width, height = image.size
    pixels = image.load()
    rows = []
    for y in range(height):
        if any((lambda p: p[0] > 200 and p[1] > 180 and p[2] < 170)(pixels[x, y]) for x in range(0, width, 3)):
            rows.append(y)
    return rows


def bands(rows: list[int]) -> list[tuple[int, int]]:
    out: list[list[int]] = []
    for y in rows:
        if out and y <= out[-1][1] + 2:
            out[-1][1] = y
        else:
            out.append([y, y])
    return [tuple(b) for b in out]  # type: ignore[misc]


def test_the_sentence_is_boxed_on_its_own_line_only(tmp_path: Path) -> None:
    pdf = two_page_pdf(tmp_path / "two.pdf")
    plain = highlighted_rows(render_page(pdf, 2))
    assert plain == []  # nothing is yellow without a sentence
    marked = bands(highlighted_rows(render_page(pdf, 2, SENTENCE)))
    assert len(marked) == 1  # one line of text, one box
    top, bottom = marked[0]
    # fpdf2 writes the first line 10 mm (28.3 pt) below the top margin: the box sits there, a line high
    assert 20 * RENDER_SCALE < top < 45 * RENDER_SCALE and 8 * RENDER_SCALE < bottom - top < 30 * RENDER_SCALE
    assert highlighted_rows(render_page(pdf, 1, SENTENCE)) == []  # not on page 1: nothing marked there


def test_a_wrapped_sentence_gets_one_box_per_line(tmp_path: Path) -> None:
    pdf = two_page_pdf(tmp_path / "two.pdf")
    marked = bands(highlighted_rows(render_page(pdf, 2, LONG)))
    assert len(marked) >= 2


def test_matching_ignores_ligatures_hyphenation_case_and_spacing() -> None:
    page = "Intro. The ﬁrst bridge was re-\r\npainted  in 1931. End."
    span = find_span(page, "the first bridge was repainted in 1931")
    assert page[span[0]:span[-1] + 1] == "The ﬁrst bridge was re-\r\npainted  in 1931"
    assert find_span(page, "a sentence that is not there") == []
    assert find_span(page, "...") == []


def test_line_boxes_merge_characters_of_a_line() -> None:
    chars = [(10, 100, 15, 110), (15, 100, 20, 110), (20, 100, 20, 100), (10, 80, 15, 90), (16, 80, 22, 90)]
    assert line_boxes(chars) == [(10, 100, 20, 110), (10, 80, 22, 90)]


def test_pages_are_cached_and_bad_pages_refused(tmp_path: Path) -> None:
    pdf = two_page_pdf(tmp_path / "two.pdf")
    first = page_png(pdf, 2, SENTENCE)
    assert page_png(pdf, 2, SENTENCE) is first  # served from the cache, not rendered again
    with pytest.raises(QAError, match="page 3 is outside 1..2"):
        page_png(pdf, 3)
    fake = tmp_path / "fake.pdf"
    fake.write_text("not a pdf", encoding="utf-8")
    with pytest.raises(QAError, match="cannot be opened as a PDF"):
        page_png(fake, 1)
