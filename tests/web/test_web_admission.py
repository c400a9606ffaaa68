"""Uploads are checked before anything is written to the corpus folder (`qa.web.files.save_upload` with the
rules of `qa.web.admission`): real files of each kind, real folders, nothing written for a refused file."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from document_fixtures import (
    RTF,
    email_bytes,
    epub_bytes,
    odp_bytes,
    ods_bytes,
    odt_bytes,
    slides_bytes,
    workbook_bytes,
)
from ocr_support import image_file, png_claiming

from qa.ingest.load import load_corpus
from qa.web.admission import DEFAULT_CORPUS_QUOTA_BYTES
from qa.web.files import save_upload

EXE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
    + bytes(3000)
    + b"This program cannot be run in DOS mode."
)


def real_pdf() -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    pdf.add_page()
    pdf.multi_cell(0, 8, "The lighthouse keeper rows to the island every Tuesday.")
    return bytes(pdf.output())


def real_docx() -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph("The ferry leaves the north pier at nine.")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def zip_without_word_body() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/styles.xml", "<styles/>")
    return out.getvalue()


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    root.mkdir()
    (root / "a.txt").write_text("alpha\n", encoding="utf-8")
    return root


def listing(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))


def offer(tmp_path: Path, corpus: Path, name: str, data: bytes, **limits: int):  # type: ignore[no-untyped-def]
    source = tmp_path / "upload.bin"
    source.write_bytes(data)
    return save_upload(corpus, name, source, **limits)


@pytest.mark.parametrize(
    "name, data, reason",
    [
        ("setup.pdf", EXE, "the .pdf extension does not match the content, which is binary data"),
        (
            "notes.pdf",
            b"<html><body>not a pdf</body></html>",
            "the .pdf extension does not match the content, which is text",
        ),
        ("report.docx", zip_without_word_body(), "without word/document.xml"),
        ("report.docx", b"%PDF-1.4 renamed", "the .docx extension does not match the content, which is a PDF"),
        ("old.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "old binary Office file"),
        ("page.html", b"<p>text</p>" + b"\x00" * 3 + b" more", "NUL bytes"),
        ("late-nul.txt", b"text " * 4000 + b"\x00", "NUL bytes"),  # past the loader's 8 KB sniff: still binary
        ("cyrillic.md", "# Привет, мир\n".encode("cp1251"), "not valid UTF-8"),
        ("blank.txt", b"   \n\n", "empty file"),
        ("empty.md", b"", "is empty"),
        ("image.txt", b"\x89PNG\r\n\x1a\n" + bytes(100), "NUL bytes"),
        ("report.xlsx", real_docx(), "the .xlsx file is a Word document (it holds word/document.xml"),
        ("slides.pptx", workbook_bytes(), "the .pptx file is an Excel workbook"),
        ("slides.pptx", zip_without_word_body(), "not a PowerPoint presentation (a ZIP archive without ppt/"),
        ("book.epub", epub_bytes(mimetype="application/zip"), "declares the type 'application/zip'"),
        ("book.epub", real_docx(), "the .epub file is a Word document"),
        ("sheet.odt", odt_bytes(mimetype="application/vnd.oasis.opendocument.spreadsheet"), "declares the type"),
        ("fleet.ods", odp_bytes(), "the .ods file declares the type 'application/vnd.oasis.opendocument.presentation'"),
        ("review.odp", real_docx(), "the .odp file is a Word document"),
        ("mail.eml", b"Just notes, no headers.\n", "not an e-mail message"),
        ("mail.eml", real_pdf(), "the .eml extension does not match the content, which is a PDF"),
        ("data.csv", "имя,город\nАнна,Баку\n".encode("cp1251"), "not valid UTF-8"),
        ("data.csv", real_docx(), "the .csv extension does not match the content, which is a ZIP archive"),
        ("letter.rtf", b"plain words", "not an RTF file"),
        ("saved.mht", b"Content-Type: text/plain\r\n\r\nNo page.", "no HTML page in the web archive"),
        ("scan.png", png_claiming(12_000, 12_000), "is over the 89,478,485-pixel limit"),
        (
            "scan.jpg",
            b"%PDF-1.4 renamed",
            "the image (.png/.jpg/.tif/.webp/.bmp) extension does not match the content, which is a PDF",
        ),
    ],
)
def test_files_the_build_would_skip_are_never_written(tmp_path, corpus, name, data, reason) -> None:  # type: ignore[no-untyped-def]
    before = listing(corpus)
    saved = offer(tmp_path, corpus, name, data)
    assert saved.name is None and reason in saved.reason, saved
    assert name in saved.reason and "\n" not in saved.reason  # one line naming the file
    assert listing(corpus) == before


@pytest.mark.parametrize(
    "name, data",
    [
        ("lighthouse.pdf", real_pdf()),
        ("ferry.docx", real_docx()),
        ("page.html", b"<html><body><p>The mill turns.</p></body></html>"),
        ("notes.md", "# Notes\n\nCrème brûlée.\n".encode()),
        ("bom.txt", b"\xef\xbb\xbfhello\n"),
        ("deck.pptx", slides_bytes()),
        ("fleet.xlsx", workbook_bytes()),
        ("parts.csv", b"Part,Number\nImpeller,IM-204\n"),
        ("excel.csv", "Teil;Preis\nDichtung;5 €\n".encode("cp1252")),  # as Excel saves a CSV in Western Europe
        ("unicode.txt", "Notepad's Unicode: Grüße.\n".encode("utf-16")),
        ("export.xls", b"<html><body><table><tr><td>Part</td><td>Cost</td></tr></table></body></html>"),
        ("old.doc", b"{\\rtf1\\ansi {\\pard The boiler was serviced.\\par}}"),
        ("saved.mht", b"Content-Type: text/html\r\n\r\n<html><body><p>The mill turns.</p></body></html>"),
        ("keeper.epub", epub_bytes()),
        ("manual.odt", odt_bytes()),
        ("fleet-log.ods", ods_bytes()),
        ("review.odp", odp_bytes()),
        ("p7.eml", email_bytes()),
        ("guide.rtf", RTF),
        pytest.param(
            "scan.png", image_file([["The ferry leaves the north pier at nine."]], "PNG"), marks=pytest.mark.ocr
        ),
    ],
)
def test_real_documents_are_saved_and_the_build_reads_them(tmp_path, corpus, name, data) -> None:  # type: ignore[no-untyped-def]
    saved = offer(tmp_path, corpus, name, data)
    assert saved.name == name and saved.reason is None
    assert (corpus / name).read_bytes() == data
    loaded = load_corpus(corpus)
    assert name in {d.id for d in loaded.documents} and loaded.skipped == ()  # the rules agree with the loader's


def test_a_file_over_the_build_limit_is_never_written(tmp_path, corpus) -> None:  # type: ignore[no-untyped-def]
    before = listing(corpus)
    saved = offer(tmp_path, corpus, "big.txt", b"word " * 300, max_bytes=1000)
    assert saved.name is None and "1,500 bytes, over the build's 1,000-byte limit per file" in saved.reason
    assert listing(corpus) == before
    assert offer(tmp_path, corpus, "small.txt", b"word " * 200, max_bytes=1000).name == "small.txt"  # at the limit


def test_the_corpus_quota_counts_every_file_in_the_folder(tmp_path, corpus) -> None:  # type: ignore[no-untyped-def]
    assert DEFAULT_CORPUS_QUOTA_BYTES == 2 * 1024**3
    (corpus / ".removed").mkdir()
    (corpus / ".removed" / "old.txt").write_bytes(b"x" * 400)  # removed documents still take disk space
    used = sum(p.stat().st_size for p in corpus.rglob("*") if p.is_file())
    first = offer(tmp_path, corpus, "one.txt", b"one " * 100, quota_bytes=used + 400)
    assert first.name == "one.txt"
    before = listing(corpus)
    second = offer(tmp_path, corpus, "two.txt", b"two", quota_bytes=used + 400)
    assert second.name is None and f"over its {used + 400:,}-byte quota" in second.reason
    assert "--corpus-quota-mb" in second.reason and listing(corpus) == before


def test_a_linked_upload_is_not_read(tmp_path, corpus) -> None:  # type: ignore[no-untyped-def]
    secret = tmp_path / "secret.txt"
    secret.write_text("a server file\n", encoding="utf-8")
    link = tmp_path / "upload.txt"
    link.symlink_to(secret)
    saved = save_upload(corpus, "upload.txt", link)
    assert saved.name is None and listing(corpus) == ["a.txt"]
