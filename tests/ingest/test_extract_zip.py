"""ZIP archives of documents (qa/ingest/extract/ziparchive.py), made here with zipfile around real PDFs, e-mails and
text: each readable file a document of its own inside the archive, the others named, the limits checked before
anything is inflated."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from document_fixtures import email_bytes, pdf_of

from qa.errors import QAError
from qa.ingest.chunk import chunk_document
from qa.ingest.extract import attached_file, extract
from qa.ingest.extract.ziparchive import MAX_MEMBER_BYTES
from qa.ingest.load import load_corpus
from qa.web.admission import check_bytes

PAGES = ["Pump manual, page one. Prime the pump.", "Pump manual, page two. Replace the impeller every spring."]


def zip_of(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.fixture
def bundle(tmp_path: Path) -> dict[str, bytes]:
    pdf = pdf_of(tmp_path / "manual.pdf", PAGES).read_bytes()
    return {
        "reports/manual.pdf": pdf,
        "notes.txt": b"The ferry leaves at nine.",
        "setup.exe": b"MZ\x90\x00",
        "inner.zip": zip_of({"deep.txt": b"Deep words."}),
        "mail/p7.eml": email_bytes(),
        "__MACOSX/reports/._manual.pdf": b"\x00\x05\x16\x07",
        ".DS_Store": b"\x00\x00\x00\x01Bud1",
        "reports/": b"",
    }


def test_an_archives_documents_are_read_as_documents_of_their_own(tmp_path: Path, bundle: dict[str, bytes]) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "bundle.zip").write_bytes(zip_of(bundle))
    doc = load_corpus(folder).documents[0]
    assert doc.kind == "zip" and doc.title == "Bundle"
    assert [(p.name, p.kind, p.number) for p in doc.parts] == [
        ("reports/manual.pdf", "pdf", 1),
        ("notes.txt", "txt", 2),
        ("mail/p7.eml", "eml", 5),
    ]
    assert "File setup.exe was not read: not a kind of document the index reads." in doc.text
    assert "File inner.zip was not read: an archive inside an archive is not read; unpack it." in doc.text
    assert "# File: reports/manual.pdf" in doc.text and "Attachment: reports/manual.pdf" not in doc.text
    assert "Deep words" not in doc.text and "Bud1" not in doc.text and "._manual" not in doc.text
    manual = doc.parts[0]
    passages = [p for p in chunk_document(doc) if "Replace the impeller" in p.text]
    assert passages and all(doc.part_at(p.start) == manual and p.page == manual.page_at(p.start) for p in passages)
    assert manual.page_at(doc.text.index("Pump manual, page two")) == 2
    assert attached_file("zip", (folder / "bundle.zip").read_bytes(), 2) == ("notes.txt", bundle["notes.txt"])


def test_archives_past_the_limits_or_without_documents_are_refused_in_one_line(bundle: dict[str, bytes]) -> None:
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("zeros.txt", b"0" * (MAX_MEMBER_BYTES + 1))
    many = io.BytesIO()
    with zipfile.ZipFile(many, "w", zipfile.ZIP_DEFLATED) as archive:
        for i in range(6):
            archive.writestr(f"part{i}.txt", b"0" * MAX_MEMBER_BYTES)
    cases = {
        bomb.getvalue(): r"^the archive's file zeros\.txt expands to 20,971,521 bytes, over the 20,971,520-byte limit",
        many.getvalue(): r"^the archive expands to 125,829,120 bytes, over the 104,857,600-byte limit of an archive",
        zip_of({"setup.exe": b"MZ", "inner.zip": zip_of({"a.txt": b"A."})}): (
            r"^no document the index reads among the archive's 2 file\(s\); unpack the ones to index"
        ),
        zip_of(bundle)[:300]: r"^corrupt or truncated ZIP archive",
    }
    for data, message in cases.items():
        with pytest.raises(ValueError, match=message):
            extract("zip", data, "bundle.zip")
    encrypted = bytearray(zip_of({"notes.txt": b"Secret."}))
    encrypted[6] |= 1  # the local header's and the central directory's "encrypted" flag
    central = encrypted.rindex(b"PK\x01\x02")
    encrypted[central + 8] |= 1
    with pytest.raises(ValueError, match=r"^the archive's file notes\.txt is encrypted; unpack it"):
        extract("zip", bytes(encrypted), "secret.zip")


def test_a_zip_upload_is_checked_by_the_same_rules(bundle: dict[str, bytes]) -> None:
    check_bytes("bundle.zip", zip_of(bundle))
    with pytest.raises(QAError, match=r"^'tools\.zip' was refused: no document the index reads among the archive's 1"):
        check_bytes("tools.zip", zip_of({"setup.exe": b"MZ"}))
    with pytest.raises(QAError, match=r"^'bundle\.zip' was refused: the \.zip extension does not match the content"):
        check_bytes("bundle.zip", b"%PDF-1.7 renamed")
