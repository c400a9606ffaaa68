"""Page pictures of scans: the answer sentence boxed from OCR word boxes (real Tesseract on pictures made here)."""

from __future__ import annotations

from pathlib import Path

import pytest
from document_fixtures import yellow_rows
from fastapi import FastAPI
from fastapi.testclient import TestClient
from ocr_support import image_file, scanned_pdf

from qa.engine import Result
from qa.ingest.extract.ocr import OcrWord
from qa.web.pageimage import RENDER_SCALE, find_span, ocr_layer, page_png, render_page
from qa.web.routes import file_routes
from qa.web.views import links_html, source_html

FIRST = "The pump must be primed before the first start."
ANSWER = "The relief valve opens at twelve bar of pressure."
LAST = "Replace the oil filter after four hundred hours."


def test_ocr_words_become_a_text_layer_in_points() -> None:
    words = [OcrWord("Relief", (30, 60, 90, 80), 0, 0, 0, 96.0), OcrWord("valve", (100, 60, 150, 80), 0, 0, 0, 95.0)]
    chars, boxes = ocr_layer(words, pixels_per_point=2.0, height=500.0)
    assert chars == "Relief valve"
    assert tuple(boxes[0:4]) == (15.0, 460.0, 45.0, 470.0)  # left, bottom, right, top: y flipped, pixels to points
    assert tuple(boxes[24:28]) == (0.0, 0.0, 0.0, 0.0)  # the space has no area
    assert tuple(boxes[28:32]) == (50.0, 460.0, 75.0, 470.0)
    assert find_span(chars, "relief valve") == list(range(12))


@pytest.mark.ocr
def test_the_answer_is_boxed_on_a_scanned_pdf_page(tmp_path: Path) -> None:
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(scanned_pdf([[FIRST, ANSWER, LAST]]))
    plain, marked = render_page(scan, 1), render_page(scan, 1, ANSWER)
    assert plain != marked and yellow_rows(plain) == []
    rows = yellow_rows(marked)
    # the second paragraph: below the first (fpdf2 starts 10 mm down; 12 pt lines, a blank line between)
    top, bottom = rows[0], rows[-1]
    assert 40 * RENDER_SCALE < top < 90 * RENDER_SCALE and bottom - top < 30 * RENDER_SCALE
    assert yellow_rows(render_page(scan, 1, "A sentence that is not on the page at all.")) == []


@pytest.mark.ocr
def test_an_image_file_gets_a_page_picture_with_the_answer_boxed(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "scan.png").write_bytes(image_file([[FIRST, ANSWER, LAST]], "PNG"))
    png = page_png(corpus / "scan.png", 1, ANSWER)
    assert len(yellow_rows(png)) > 5
    app = FastAPI()
    app.include_router(file_routes(corpus))
    client = TestClient(app)
    served = client.get("/page-image/scan.png", params={"page": 1, "sentence": ANSWER})
    assert served.status_code == 200 and served.headers["content-type"] == "image/png"
    assert client.get("/page-image/scan.png", params={"page": 2}).status_code == 404  # one page only


def test_the_card_says_read_by_ocr_and_offers_the_picture_of_an_image() -> None:
    assert "read by OCR" in source_html("scan.pdf", "", 2, ocr=True)
    assert "read by OCR" not in source_html("scan.pdf", "", 2)
    result = Result(1, 1.0, "scans/scan.tif", "", 1, "", 0, 10, "0123456789", None, (), 0, 10, ocr=True)
    assert "page-image/scans/scan.tif?page=1" in links_html(result)
