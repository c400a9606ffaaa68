"""What each document became in an index (`qa.index.inventory`): built for real from a folder holding a text
PDF, an e-mail with a log and a PDF attached, a scanned page read by OCR, a Markdown file and a broken PDF."""

from __future__ import annotations

from pathlib import Path

import pytest
from document_fixtures import manual_email, pdf_of
from ocr_support import scanned_pdf

from qa.engine import build_from_folder
from qa.index.config import BuildConfig
from qa.index.generations import current_generation
from qa.index.inventory import IndexedFile, indexed_files, page_ranges
from qa.index.open import opened_store

PUMP = "The pump must be primed with water before it is started."


@pytest.fixture
def index(tmp_path: Path, hash_encoder) -> Path:  # type: ignore[no-untyped-def]
    corpus = tmp_path / "corpus"
    (corpus / "mail").mkdir(parents=True)
    message, _ = manual_email(tmp_path, ["Manual, page one.", "Manual, page two: replace the impeller."])
    (corpus / "mail" / "p7.eml").write_bytes(message)
    pdf_of(corpus / "guide.pdf", ["Guide, page one. " + PUMP, "", "Guide, page three. The valve opens at 6 bar."])
    (corpus / "scan.pdf").write_bytes(scanned_pdf([[PUMP]]))
    (corpus / "notes.md").write_text("# Notes\n\nThe filter is replaced every spring.\n", encoding="utf-8")
    (corpus / "broken.pdf").write_bytes(b"%PDF-1.4 not really a PDF")
    build_from_folder(corpus, tmp_path / "index", BuildConfig(model=hash_encoder.name), encoder=hash_encoder)
    return tmp_path / "index"


@pytest.mark.ocr
def test_each_document_says_what_it_became(index: Path) -> None:
    with opened_store(index) as (manifest, chunks):
        files = {file.path: file for file in indexed_files(chunks, manifest)}
        passages = {path: len(chunks.doc_chunks(path)) for path in files}
        skipped = [s.path for s in manifest.skipped]
    assert sorted(files) == ["guide.pdf", "mail/p7.eml", "notes.md", "scan.pdf"] and skipped == ["broken.pdf"]
    guide = files["guide.pdf"]
    assert (guide.kind, guide.pages, guide.pages_text, guide.ocr, guide.notes) == ("pdf", 3, "3 pages", False, "")
    assert guide.size == (index.parent / "corpus" / "guide.pdf").stat().st_size
    mail = files["mail/p7.eml"]
    assert (mail.kind, mail.pages, mail.attachments) == ("eml", None, ("pump.log", "manual.pdf"))
    assert mail.notes == "attached: pump.log, manual.pdf" and mail.pages_text == ""
    scan = files["scan.pdf"]
    assert (scan.ocr_pages, scan.ocr, scan.notes) == ((1,), True, "OCR on page 1")
    assert files["notes.md"].kind == "md" and files["notes.md"].pages is None
    assert all(files[path].passages == passages[path] > 0 for path in files)
    assert files["guide.pdf"].to_json()["file"] == "guide.pdf"  # "file": gradio_client downloads any "path"


def test_the_listed_generation_stays_until_the_listing_ends(tmp_path: Path, hash_encoder) -> None:  # type: ignore[no-untyped-def]
    """`qa status --documents` opens the chunk store alone, leased: builds that replace the index meanwhile leave
    the generation it reads, and the first build after it removes it."""
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    (corpus / "a.md").write_text("# A\n\n" + PUMP + "\n", encoding="utf-8")
    config = BuildConfig(model=hash_encoder.name)
    build_from_folder(corpus, index, config, encoder=hash_encoder)
    listed = current_generation(index)
    with opened_store(index) as (manifest, chunks):
        for n in range(2):
            (corpus / "b.md").write_text(f"# B\n\nEdit {n}.\n", encoding="utf-8")
            build_from_folder(corpus, index, config, encoder=hash_encoder)
        assert current_generation(index) != listed and listed is not None and listed.is_dir()
        assert [f.path for f in indexed_files(chunks, manifest)] == ["a.md"]
    (corpus / "b.md").write_text("# B\n\nEdit 2.\n", encoding="utf-8")
    build_from_folder(corpus, index, config, encoder=hash_encoder)
    assert not listed.exists()


def test_notes_name_ocr_pages_as_runs_and_the_attachments() -> None:
    assert page_ranges((7, 1, 2, 3, 5, 8)) == "1–3, 5, 7–8" and page_ranges(()) == ""
    scanned = IndexedFile("a.pdf", "pdf", "A", 10, 4, 9, ocr_pages=(2, 3), ocr=True)
    assert scanned.notes == "OCR on pages 2–3" and scanned.pages_text == "4 pages"
    deck = IndexedFile("d.pptx", "pptx", "D", 10, 1, 1)
    assert deck.pages_text == "1 slide" and deck.notes == ""
    mail = IndexedFile("m.eml", "eml", "M", 10, None, 3, ocr=True, attachments=("photo.png",))
    assert mail.notes == "OCR on part of its text; attached: photo.png"
