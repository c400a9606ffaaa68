"""PDF pages rendered with the answer sentence boxed where it stands (real pypdfium2 on PDFs made by fpdf2)."""

from __future__ import annotations

import io
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fpdf import FPDF
from PIL import Image

from qa.errors import QAError
from qa.web.pageimage import (
    MAX_RENDERS,
    MAX_SIDE_PX,
    PAGE_CACHE_BYTES,
    PNG_CACHE_BYTES,
    RENDER_SCALE,
    ByteLRU,
    cache_info,
    find_span,
    line_boxes,
    page_png,
    render_page,
)

SENTENCE = "The Quorvak bridge was painted green in 1931 by volunteers."
LONG = (
    "Across the whole width of this page runs a deliberately long sentence about the Quorvak bridge, "
    "its seven arches, its tollhouse and the volunteers who painted it green, so that it wraps onto more lines."
)


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
    assert page[span[0] : span[-1] + 1] == "The ﬁrst bridge was re-\r\npainted  in 1931"
    assert find_span(page, "a sentence that is not there") == []
    assert find_span(page, "...") == []


def test_a_sentence_running_on_to_the_next_page_is_found_by_its_beginning() -> None:
    page = "Intro. The Quorvak bridge was painted green in"  # the page ends mid-sentence
    span = find_span(page, SENTENCE)
    assert page[span[0] : span[-1] + 1] == "The Quorvak bridge was painted green in"
    assert find_span("Intro. The Quorvak bridge was", SENTENCE) == []  # 19 letters: too few to stand for it
    assert find_span("The Quorvak bridge was p", SENTENCE) == list(range(24))  # 20 letters: enough


def test_the_page_a_sentence_starts_on_boxes_its_beginning(tmp_path: Path) -> None:
    """The sentence's first lines stand at the foot of page 1, its end at the top of page 2: page 1 (the page a
    result cites) boxes the lines it has."""
    pdf = FPDF()
    pdf.set_auto_page_break(False)
    pdf.set_font("helvetica", size=12)
    pdf.add_page()
    pdf.set_xy(10, 250)
    pdf.multi_cell(0, 8, "Across the whole width of this page runs a deliberately long sentence about the Quorvak")
    pdf.add_page()
    pdf.set_xy(10, 30)
    pdf.multi_cell(0, 8, LONG.split("Quorvak ", 1)[1])
    path = tmp_path / "split.pdf"
    pdf.output(str(path))
    marked = bands(highlighted_rows(render_page(path, 1, LONG)))
    assert len(marked) == 1 and marked[0][0] > 0.8 * Image.open(io.BytesIO(render_page(path, 1))).height


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


def huge_page_pdf(path: Path, sentences: tuple[str, ...], side_pt: float = 5000) -> Path:
    """One `side_pt` x `side_pt` pt page (a 1 KB file a naive renderer turns into a 7500x7500 picture), one line per sentence."""
    pdf = FPDF(unit="pt", format=(side_pt, side_pt))
    pdf.add_page()
    pdf.set_font("helvetica", size=120)
    for i, sentence in enumerate(sentences):
        pdf.text(200, 600 + 400 * i, sentence)
    pdf.output(str(path))
    return path


HUGE_SENTENCES = (
    "The granary roof was mended in May.",
    "Nine owls nest under the west gable.",
    "The miller keeps his ledger in the loft.",
)


def test_a_huge_page_is_scaled_down_to_the_size_cap(tmp_path: Path) -> None:
    pdf = huge_page_pdf(tmp_path / "huge.pdf", HUGE_SENTENCES)
    image = Image.open(io.BytesIO(page_png(pdf, 1, HUGE_SENTENCES[1])))
    assert max(image.size) <= MAX_SIDE_PX and max(image.size) >= MAX_SIDE_PX - 2  # scaled down, not cropped
    assert image.size[0] == image.size[1]
    marked = bands(highlighted_rows(page_png(pdf, 1, HUGE_SENTENCES[1])))
    assert len(marked) == 1  # the box still lands on its line at the lower scale
    top = marked[0][0] / image.size[1] * 5000
    assert 600 + 400 - 200 < top < 600 + 400  # the second line's baseline is at 1000 pt, its glyphs just above
    assert max(Image.open(io.BytesIO(render_page(pdf, 1))).size) <= MAX_SIDE_PX  # uncached renders are capped too


def test_a_page_is_rendered_once_for_any_number_of_sentences(tmp_path: Path) -> None:
    pdf = huge_page_pdf(tmp_path / "huge.pdf", HUGE_SENTENCES)
    before = cache_info()["renders"]
    pictures = [page_png(pdf, 1, sentence) for sentence in HUGE_SENTENCES]
    assert cache_info()["renders"] == before + 1  # three sentences, three pictures, one render
    assert len(set(pictures)) == 3
    rows = [bands(highlighted_rows(png)) for png in pictures]
    assert all(len(r) == 1 for r in rows) and rows[0] != rows[1] != rows[2]  # each box on its own sentence
    assert highlighted_rows(page_png(pdf, 1)) == []  # boxes were drawn on copies: the cached render is clean
    assert cache_info()["renders"] == before + 1
    info = cache_info()
    assert info["page_bytes"] <= PAGE_CACHE_BYTES and info["picture_bytes"] <= PNG_CACHE_BYTES


def test_at_most_two_renders_run_at_once(tmp_path: Path) -> None:
    pdfs = [huge_page_pdf(tmp_path / f"huge-{i}.pdf", HUGE_SENTENCES, side_pt=4000 + i) for i in range(6)]
    barrier = threading.Barrier(len(pdfs))

    def fetch(pdf: Path) -> bytes:
        barrier.wait()
        return page_png(pdf, 1, HUGE_SENTENCES[0])

    with ThreadPoolExecutor(len(pdfs)) as pool:
        pictures = list(pool.map(fetch, pdfs))
    assert all(max(Image.open(io.BytesIO(png)).size) <= MAX_SIDE_PX for png in pictures)
    assert 1 <= cache_info()["peak_active"] <= MAX_RENDERS


def test_the_page_cache_is_bounded_by_bytes() -> None:
    cache = ByteLRU(100)
    cache.put("a", "A", 60)
    cache.put("b", "B", 30)
    assert cache.get("a") == "A"  # "a" is now the most recently used
    cache.put("c", "C", 40)  # over 100 bytes: the least recently used ("b") goes
    assert cache.get("b") is None and cache.get("a") == "A" and cache.get("c") == "C" and cache.bytes == 100
    cache.put("d", "D", 101)  # larger than the whole cache: not kept, nothing else dropped
    assert cache.get("d") is None and len(cache) == 2
