"""OCR of scanned PDFs and page images with the real Tesseract (tesserocr + Debian's eng/deu language data).

Tests marked `ocr` run Tesseract on pictures made here (tests/ocr_support.py); setup.sh installs the language
data, so they run in CI like every other test. The pure core is tested on words written by hand.
"""

from __future__ import annotations

import io
import struct
from pathlib import Path

import pytest
from ocr_support import image_file, page_pictures, png_claiming, scanned_pdf, share_found, text_pdf

from qa.engine import Engine, build_from_folder
from qa.index.config import BuildConfig
from qa.index.manifest import FileEntry
from qa.ingest.extract import check_content, extract, kind_of, sniff
from qa.ingest.extract.email import extract_email
from qa.ingest.extract.image import MAX_IMAGE_PIXELS
from qa.ingest.extract.ocr import MIN_PAGE_CONFIDENCE, OcrWord, confident, tessdata_dir
from qa.ingest.extract.pdf import extract_pdf
from qa.ingest.load import read_document

PUMP = "The pump must be primed before the first start and operators check the pressure gauge every morning."
VALVE = "The relief valve opens at twelve bar and closes again when the pressure falls below ten bar."
FILTER = "Replace the oil filter after every four hundred hours of running and write the date into the logbook."
GERMAN = "Die Prüfung ergab übermäßige Wärme an der Größeren Welle; die Lösung: häufiger schmieren."


def word(text: str, paragraph: int, line: int, confidence: float = 95.0, block: int = 0) -> OcrWord:
    return OcrWord(text, (0, 0, 10, 10), block, paragraph, line, confidence)


# ---------------------------------------------------------------- the pure core


def test_a_page_read_with_very_low_confidence_is_left_out_with_one_warning() -> None:
    noise = [word("~r;", 0, 0, 12.0), word("lI1|", 0, 0, 20.0), word("ii", 0, 1, 31.0)]
    warnings: list[str] = []
    assert not confident(noise, 3, warnings)
    assert confident([word("Pump", 0, 0)], 4, warnings) and confident([], 5, warnings)
    assert len(warnings) == 1 and "\n" not in warnings[0]
    assert warnings[0].startswith("page 3: OCR confidence 20") and f"below {MIN_PAGE_CONFIDENCE:.0f}" in warnings[0]


def test_file_entries_record_ocr_pages_and_older_manifests_have_none() -> None:
    entry = FileEntry("ab" * 32, 10, 20, ocr_pages=(2, 3))
    assert FileEntry.from_json(entry.to_json()) == entry
    assert "ocr_pages" not in FileEntry("ab" * 32, 10, 20).to_json()  # the JSON of an index without OCR is unchanged
    assert FileEntry.from_json({"sha256": "ab" * 32, "size": 1, "mtime_ns": 2}).ocr_pages == ()


def test_file_entries_record_stretches_read_by_ocr_in_files_without_pages() -> None:
    entry = FileEntry("ab" * 32, 10, 20, ocr_spans=((120, 480),))
    assert FileEntry.from_json(entry.to_json()) == entry and entry.to_json()["ocr_spans"] == [[120, 480]]
    assert entry.read_by_ocr(None, 120) and entry.read_by_ocr(None, 479)
    assert not entry.read_by_ocr(None, 119) and not entry.read_by_ocr(None, 480)
    assert FileEntry("ab" * 32, ocr_pages=(2,)).read_by_ocr(2, 0) and not FileEntry("ab" * 32).read_by_ocr(2, 0)
    damaged = {"sha256": "ab" * 32, "ocr_spans": [[5, 1], "x", [1, -2], [3, 9]]}
    assert FileEntry.from_json(damaged).ocr_spans == ((3, 9),)  # what is not a pair of offsets is left out


def test_image_files_are_a_kind_and_tiff_magic_is_an_image() -> None:
    names = ("a.png", "b.JPG", "c.jpeg", "d.tif", "e.TIFF", "f.webp", "g.BMP", "h.gif")
    assert [kind_of(n) for n in names] == ["image"] * 7 + [None]
    assert sniff(b"II*\x00" + b"\x00" * 20) == "image" and sniff(b"MM\x00*" + b"\x00" * 20) == "image"
    assert sniff(b"BM" + struct.pack("<I", 70) + b"\x00" * 4 + struct.pack("<I", 54)) == "image"  # a bitmap's header
    assert sniff(b"BMW service report: the car was fixed.\n") == "text"  # text starting "BM" is no bitmap
    with pytest.raises(
        ValueError,
        match=r"^the image \(\.png/\.jpg/\.tif/\.webp/\.bmp\) extension does not match the content, which is a PDF",
    ):
        check_content("image", b"%PDF-1.7\n")


def test_an_unknown_language_names_the_package_to_install() -> None:
    with pytest.raises(ValueError) as info:
        tessdata_dir("eng+xyz")
    message = str(info.value)
    assert (
        "\n" not in message
        and "'eng+xyz'" in message
        and "apt-get install tesseract-ocr-eng tesseract-ocr-xyz" in message
    )
    with pytest.raises(ValueError, match="not a Tesseract language list"):
        tessdata_dir("eng; rm -rf /")


# ---------------------------------------------------------------- bombs (no OCR needed)


@pytest.mark.parametrize("side", [12_000, 100_000])  # past the limit, and past Pillow's own error (twice it)
def test_a_decompression_bomb_png_is_refused_in_one_line(side: int) -> None:
    bomb = png_claiming(side, side)
    assert len(bomb) < 200_000
    with pytest.raises(ValueError) as info:
        extract("image", bomb, "bomb.png")
    message = str(info.value)
    assert "\n" not in message
    assert f"over the {MAX_IMAGE_PIXELS:,}-pixel limit" in message and "scale it down" in message


def test_bytes_that_are_no_image_are_refused_in_one_line() -> None:
    with pytest.raises(ValueError) as info:
        extract("image", b"\x89PNG\r\n\x1a\n" + b"broken" * 10, "broken.png")
    assert "\n" not in str(info.value) and str(info.value).startswith("not a readable image")


# ---------------------------------------------------------------- real OCR


@pytest.mark.ocr
def test_an_image_only_pdf_is_read_by_ocr_with_its_page_starts() -> None:
    data = scanned_pdf([[PUMP], [VALVE, FILTER]])
    assert "no text layer" in _text_layer_refusal(data)  # really image-only: pdfium finds no characters
    extracted = extract_pdf(data)
    assert extracted.ocr_pages == (1, 2) and extracted.warnings == ()
    assert len(extracted.pages) == 2 and extracted.pages[0] == 0
    page1, page2 = extracted.text[: extracted.pages[1]], extracted.text[extracted.pages[1] :]
    assert share_found(PUMP, page1) >= 0.9
    assert share_found(VALVE + " " + FILTER, page2) >= 0.9
    assert share_found(VALVE, page1) < 0.5  # each page's words start where its page starts
    assert "\n\n" in page2.strip()  # two paragraphs on page 2


def _text_layer_refusal(data: bytes) -> str:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    chars = sum(pdf[i].get_textpage().count_chars() for i in range(len(pdf)))
    pdf.close()
    return "no text layer" if chars == 0 else f"{chars} characters"


@pytest.mark.ocr
def test_only_the_scanned_page_of_a_mixed_pdf_is_ocrd() -> None:
    import pypdfium2 as pdfium

    text, scan = pdfium.PdfDocument(text_pdf([[PUMP]])), pdfium.PdfDocument(scanned_pdf([[VALVE]]))
    text.import_pages(scan)
    import io

    out = io.BytesIO()
    text.save(out)
    extracted = extract_pdf(out.getvalue())
    assert extracted.ocr_pages == (2,)
    assert extracted.text[: extracted.pages[1]].strip() == PUMP  # the text layer, word for word
    assert share_found(VALVE, extracted.text[extracted.pages[1] :]) >= 0.9


@pytest.mark.ocr
def test_a_png_page_round_trips_through_the_loader(tmp_path: Path) -> None:
    (tmp_path / "manual.png").write_bytes(image_file([[PUMP, VALVE]], "PNG"))
    doc = read_document(tmp_path, "manual.png", tmp_path / "manual.png")
    assert doc.kind == "image" and doc.pages == (0,) and doc.ocr_pages == (1,)
    assert share_found(PUMP + " " + VALVE, doc.text) >= 0.9


@pytest.mark.ocr
def test_a_multi_page_tiff_is_one_page_per_frame() -> None:
    extracted = extract("image", image_file([[PUMP], [FILTER]], "TIFF"), "scan.tiff")
    assert extracted.ocr_pages == (1, 2) and len(extracted.pages) == 2
    assert share_found(PUMP, extracted.text[: extracted.pages[1]]) >= 0.9
    assert share_found(FILTER, extracted.text[extracted.pages[1] :]) >= 0.9


@pytest.mark.ocr
@pytest.mark.parametrize("fmt", ["WEBP", "BMP"])
def test_a_webp_or_bitmap_page_is_read_by_ocr(fmt: str) -> None:
    extracted = extract("image", image_file([[PUMP]], fmt), f"scan.{fmt.lower()}")
    assert extracted.ocr_pages == (1,) and share_found(PUMP, extracted.text) >= 0.9


@pytest.mark.ocr
def test_an_animation_is_one_page_and_only_a_tiffs_frames_are_pages() -> None:
    """An animated WebP's frames (or a camera's multi-picture JPEG's) are pictures of one page: its first is read."""
    pictures = page_pictures(text_pdf([[PUMP], [FILTER]]))
    out = io.BytesIO()
    pictures[0].save(out, format="WEBP", save_all=True, append_images=pictures[1:], lossless=True)
    extracted = extract("image", out.getvalue(), "animation.webp")
    assert extracted.ocr_pages == (1,) and len(extracted.pages) == 1
    assert share_found(PUMP, extracted.text) >= 0.9 and share_found(FILTER, extracted.text) < 0.5


@pytest.mark.ocr
def test_german_umlauts_are_read_with_the_deu_model() -> None:
    extracted = extract("image", image_file([[GERMAN]], "PNG"), "pruefung.png")
    for umlaut_word in ("Prüfung", "übermäßige", "Wärme", "Größeren", "Lösung", "häufiger"):
        assert umlaut_word in extracted.text, (umlaut_word, extracted.text)


@pytest.mark.ocr
def test_answers_from_a_scan_are_marked_read_by_ocr(tmp_path: Path, hash_encoder) -> None:  # type: ignore[no-untyped-def]
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "scan.pdf").write_bytes(scanned_pdf([[PUMP], [VALVE]]))
    (corpus / "notes.txt").write_text(FILTER + "\n", encoding="utf-8")
    build_from_folder(corpus, tmp_path / "index", BuildConfig(model=hash_encoder.name), encoder=hash_encoder)
    engine = Engine.open(tmp_path / "index", encoder=hash_encoder, reader=False)
    assert engine.index.manifest.files["scan.pdf"].ocr_pages == (1, 2)
    response = engine.ask("At what pressure does the relief valve open?", k=2)
    top = response.results[0]
    assert top.doc == "scan.pdf" and top.page == 2 and top.ocr is True
    assert response.to_json()["results"][0]["ocr"] is True
    other = engine.ask("When is the oil filter replaced?", k=1).results[0]
    assert other.doc == "notes.txt" and other.ocr is False


def emailed_scan() -> bytes:
    """An e-mail whose body is typed and whose attachment is a photo of a page (a PNG)."""
    from email.message import EmailMessage

    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "ops@example.com", "crew@example.com", "Service notes"
    message.set_content(FILTER)
    message.add_attachment(image_file([[VALVE]], "PNG"), maintype="image", subtype="png", filename="valve.png")
    return bytes(message)


@pytest.mark.ocr
def test_an_emailed_scan_is_marked_read_by_ocr(tmp_path: Path, hash_encoder) -> None:  # type: ignore[no-untyped-def]
    extracted = extract_email(emailed_scan(), "notes.eml")
    ((start, end),) = extracted.ocr_spans
    assert "relief valve opens" in extracted.text[start:end] and "oil filter" not in extracted.text[start:end]
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "notes.eml").write_bytes(emailed_scan())
    build_from_folder(corpus, tmp_path / "index", BuildConfig(model=hash_encoder.name), encoder=hash_encoder)
    engine = Engine.open(tmp_path / "index", encoder=hash_encoder, reader=False)
    assert engine.index.manifest.files["notes.eml"].ocr_spans == ((start, end),)
    scanned = engine.ask("At what pressure does the relief valve open?", k=1).results[0]
    assert scanned.doc == "notes.eml" and "relief valve" in scanned.passage and scanned.ocr is True
    typed = engine.ask("When is the oil filter replaced?", k=1).results[0]
    assert "oil filter" in typed.passage and typed.ocr is False


@pytest.mark.ocr
def test_a_forwarded_message_holding_a_scan_is_marked_read_by_ocr() -> None:
    from email.message import EmailMessage
    from email.parser import BytesParser
    from email.policy import default

    outer = EmailMessage()
    outer["From"], outer["To"], outer["Subject"] = "lead@example.com", "crew@example.com", "Fwd: Service notes"
    outer.set_content("Forwarding the service notes; the photo of the valve page is inside.")
    outer.add_attachment(BytesParser(policy=default).parsebytes(emailed_scan()), filename="notes.eml")
    extracted = extract_email(bytes(outer), "forward.eml")
    # the attached message is marked as a whole (its own attachment's offsets do not survive its move)
    ((start, end),) = extracted.ocr_spans
    assert "relief valve opens" in extracted.text[start:end] and "oil filter" in extracted.text[start:end]
    assert "Forwarding the service notes" not in extracted.text[start:end]
