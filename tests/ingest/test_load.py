"""Loading a corpus folder: what is read, what is skipped (and said), what is an error."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from qa.errors import CorpusError
from qa.ingest.load import load_corpus


def test_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match=r"corpus folder '.*nope' does not exist; pass --corpus"):
        load_corpus(tmp_path / "nope")


def test_empty_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="no readable document"):
        load_corpus(tmp_path)


def test_only_unreadable_files_is_an_error_naming_them(tmp_path: Path) -> None:
    (tmp_path / "bad.txt").write_bytes("кафе с молоком".encode("cp1251"))
    with pytest.raises(CorpusError, match=r"bad\.txt: not valid UTF-8"):
        load_corpus(tmp_path)


def test_reads_recursively_sorted_with_relative_ids(tmp_path: Path) -> None:
    (tmp_path / "b.txt").write_text("Bee text.", encoding="utf-8")
    (tmp_path / "sub dir").mkdir()
    (tmp_path / "sub dir" / "ä file.md").write_text("# Umlaut\n\nText here.", encoding="utf-8")
    (tmp_path / "a.txt").write_text("Ay text.", encoding="utf-8")
    (tmp_path / "notes.pages").write_bytes(b"PK\x03\x04 an Apple Pages file: not read")
    (tmp_path / ".hidden.txt").write_text("secret", encoding="utf-8")
    loaded = load_corpus(tmp_path)
    assert [d.id for d in loaded.documents] == ["a.txt", "b.txt", "sub dir/ä file.md"]
    assert [d.title for d in loaded.documents] == ["A", "B", "Umlaut"]
    assert loaded.skipped == ()


def test_bad_files_are_skipped_with_a_reason(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text("The Internal Troops were established in 1991.", encoding="utf-8")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blank.txt").write_text("  \n\n ", encoding="utf-8")
    (tmp_path / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR")
    (tmp_path / "cyrillic.txt").write_bytes("Вилаят Эйвазов, министр".encode("cp1251"))
    loaded = load_corpus(tmp_path)
    assert [d.id for d in loaded.documents] == ["good.txt"]
    reasons = {s.path: s.reason for s in loaded.skipped}
    assert reasons["empty.txt"] == "empty file"
    assert reasons["blank.txt"].startswith("empty file")
    assert reasons["binary.txt"].startswith("binary file")
    assert reasons["cyrillic.txt"].startswith("not valid UTF-8 (byte 0x") and "iconv" in reasons["cyrillic.txt"]


def test_symlink_leaving_the_corpus_is_not_followed(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    outside = tmp_path / "secret.txt"
    outside.write_text("Outside text that must not be indexed.", encoding="utf-8")
    (corpus / "inside.txt").write_text("Inside text.", encoding="utf-8")
    os.symlink(outside, corpus / "link.txt")
    os.symlink(tmp_path, corpus / "linked-dir")
    os.symlink(corpus, corpus / "linked-inside")  # a folder link inside: its files are listed where they are
    os.symlink(corpus / "inside.txt", corpus / "alias.txt")
    loaded = load_corpus(corpus)
    assert [d.id for d in loaded.documents] == ["alias.txt"]  # a link inside the corpus reads the same bytes:
    reasons = {s.path: s.reason for s in loaded.skipped}  # indexed once, the second name reported
    assert list(reasons) == ["inside.txt", "link.txt", "linked-dir"]
    assert reasons["inside.txt"].startswith("same bytes as 'alias.txt'")
    assert "outside the corpus" in reasons["link.txt"]
    assert reasons["linked-dir"].startswith("symlinked folder pointing outside the corpus folder, not followed")


def test_file_over_the_size_limit_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "big.txt").write_text("word " * 3000, encoding="utf-8")
    (tmp_path / "small.txt").write_text("Small.", encoding="utf-8")
    loaded = load_corpus(tmp_path, max_file_bytes=10_000)
    assert [d.id for d in loaded.documents] == ["small.txt"]
    assert (
        loaded.skipped[0].reason == "15,000 bytes is over the 10,000-byte limit; split the file or raise --max-file-mb"
    )


def test_bom_is_dropped_and_text_kept_exactly(tmp_path: Path) -> None:
    raw = "Line one.\r\nLine  two\u00a0with odd spaces.\n"
    (tmp_path / "bom.txt").write_bytes(b"\xef\xbb\xbf" + raw.encode("utf-8"))
    assert load_corpus(tmp_path).documents[0].text == raw


def test_files_of_kinds_not_read_are_counted_by_suffix(tmp_path: Path) -> None:
    from qa.ingest.load import unread_files

    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "budget.PUB").write_bytes(b"x")
    (tmp_path / "old" / "memo.wpd").write_bytes(b"x")
    (tmp_path / "minutes.wpd").write_bytes(b"x")
    (tmp_path / "Makefile").write_bytes(b"x")
    (tmp_path / "report.pdf").write_bytes(b"%PDF-1.4")  # read (or skipped with a reason): not counted here
    (tmp_path / ".DS_Store").write_bytes(b"x")  # hidden entries are no one's documents
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "index.pack").write_bytes(b"x")
    outside = tmp_path.parent / f"{tmp_path.name}-outside"
    outside.mkdir()
    (outside / "secret.key").write_bytes(b"x")
    os.symlink(outside, tmp_path / "linked", target_is_directory=True)  # a linked folder is not entered
    assert unread_files(tmp_path) == {".wpd": 2, ".pub": 1, "": 1}


def test_the_note_on_files_not_read_names_the_commonest_kinds() -> None:
    from qa.ingest.load import unread_note

    assert unread_note({}) == ""
    note = unread_note({".pub": 1, ".wpd": 2, "": 1})
    assert note.startswith("4 files of kinds the index does not read (.wpd: 2, no extension: 1, .pub: 1);")
    assert note.endswith(
        "; it reads PDF, HTML (and MHT web archives), DOCX, DOC, PPTX, PPT, XLSX, XLS, ODT, ODS, ODP, EPUB, CSV, EML, "
        "MBOX, MSG, RTF, TXT or MD files (Office and OpenDocument templates, macro-enabled files and slide shows too), "
        "PNG/JPEG/TIFF/WebP/BMP scans, or ZIP archives of them"
    )
    many = unread_note({f".x{i}": 1 for i in range(8)}, shown=2)
    assert "(.x0: 1, .x1: 1, …)" in many and many.startswith("8 files")
    assert unread_note({".doc": 1}).startswith("1 file of kinds")


def test_text_files_are_read_in_the_encoding_they_were_saved_in(tmp_path: Path) -> None:
    notes = "Die Prüfung ergab 3,5 bar – Grüße aus Köln, 5 €."
    files = {
        "utf8.txt": notes.encode("utf-8"),
        "excel.csv": f"Ort;Notiz\nKöln;{notes}\n".encode("cp1252"),  # Excel's CSV in Western Europe
        "notepad.txt": notes.encode("utf-16"),  # Notepad's "Unicode": a byte-order mark
        "utf16be.md": "\ufeff".encode("utf-16-be") + notes.encode("utf-16-be"),
        "no-mark.txt": notes.encode("utf-16-le"),  # no mark: told by the zero bytes of its Latin letters
        "utf32.txt": notes.encode("utf-32"),
        "cyrillic.txt": "Проверка котельной Vitoplex 300 прошла".encode("cp1251"),  # another code page: refused
        "undefined.txt": b"Caf\xe9 \x81 menu",  # a byte Windows-1252 leaves undefined
        "zeros.bin.txt": bytes([0, 1, 0, 2, 0, 3]) * 40,  # zeros on every other byte, but no text: binary
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    loaded = load_corpus(tmp_path)
    texts = {d.id: d.text for d in loaded.documents}
    assert {name: notes in text for name, text in texts.items()} == {
        "utf8.txt": True,
        "excel.csv": True,
        "notepad.txt": True,
        "utf16be.md": True,
        "no-mark.txt": True,
        "utf32.txt": True,
    }
    reasons = {s.path: s.reason for s in loaded.skipped}
    assert reasons["cyrillic.txt"].startswith("not valid UTF-8 (byte 0xcf at offset 0) nor Western Windows-1252 text")
    assert reasons["undefined.txt"].startswith("not valid UTF-8 (byte 0xe9 at offset 3)")
    assert reasons["zeros.bin.txt"] == "binary file (contains NUL bytes)"
