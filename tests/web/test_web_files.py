"""What the browser may read and write in the corpus folder: `qa.web.files` on a real folder with real links."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from qa.errors import QAError
from qa.web.files import (
    REMOVED_FOLDER,
    corpus_documents,
    corpus_file,
    remove_document,
    removed_documents,
    restore_document,
    save_upload,
    upload_name,
)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    (root / "sub").mkdir(parents=True)
    (root / "a.txt").write_text("alpha\n", encoding="utf-8")
    (root / "sub" / "b.md").write_text("# B\n\nbeta\n", encoding="utf-8")
    (root / ".hidden.txt").write_text("secret\n", encoding="utf-8")
    (root / ".examples.jsonl").write_text("{}\n", encoding="utf-8")
    (root / ".git").mkdir()
    (root / ".git" / "c.txt").write_text("in a hidden folder\n", encoding="utf-8")
    (root / "notes.json").write_text("{}\n", encoding="utf-8")
    outside = tmp_path / "outside.txt"
    outside.write_text("outside the corpus\n", encoding="utf-8")
    (root / "link-out.txt").symlink_to(outside)
    (root / "dir-out").symlink_to(tmp_path, target_is_directory=True)
    (root / "link-in.txt").symlink_to(root / "a.txt")
    (root / "link-hidden.txt").symlink_to(root / ".hidden.txt")
    return root


def test_documents_inside_the_folder_are_found(corpus: Path) -> None:
    assert corpus_file(corpus, "a.txt") == (corpus / "a.txt").resolve()
    assert corpus_file(corpus, "sub/b.md") == (corpus / "sub" / "b.md").resolve()
    assert corpus_file(corpus, "link-in.txt") == (corpus / "a.txt").resolve()  # a link staying inside is fine


@pytest.mark.parametrize(
    "requested",
    [
        "../outside.txt",
        "sub/../../outside.txt",
        "sub/../a.txt",
        "./a.txt",
        "sub//b.md",  # dot parts, empty parts
        "/etc/passwd",
        str(Path("/etc/passwd")),
        "\\etc\\passwd",
        "C:/Windows/win.ini",
        "sub\\..\\a.txt",  # absolute, backslash
        "link-out.txt",
        "dir-out/outside.txt",
        "link-hidden.txt",  # links leading out or into hidden files
        ".hidden.txt",
        ".examples.jsonl",
        ".git/c.txt",  # hidden entries
        "notes.json",
        "sub",
        "missing.txt",
        "",
        "a.txt\x00.pdf",
        "%2e%2e/outside.txt",
        "..%2foutside.txt",
    ],
)
def test_anything_else_is_refused(corpus: Path, requested: str) -> None:
    assert corpus_file(corpus, requested) is None


@pytest.mark.parametrize(
    "given, expected",
    [
        ("report.pdf", "report.pdf"),
        ("../../x.pdf", "x.pdf"),
        ("..\\..\\x.docx", "x.docx"),
        ("/tmp/evil/page.html", "page.html"),
        (".bashrc.txt", "bashrc.txt"),
        ("a\x00b\x1f.md", "ab.md"),
    ],
)
def test_upload_names_become_plain_names(given: str, expected: str) -> None:
    assert upload_name(given) == expected


@pytest.mark.parametrize("given", ["/etc/passwd", "../..", "x.exe", "...", "archive.pdf.rar"])
def test_upload_names_that_are_not_documents_are_refused(given: str) -> None:
    with pytest.raises(QAError):
        upload_name(given)


def test_uploads_land_inside_and_never_overwrite(corpus: Path, tmp_path: Path) -> None:
    source = tmp_path / "upload.txt"
    source.write_text("a new document\n", encoding="utf-8")
    saved = save_upload(corpus, "../../a.txt", source)
    assert saved.name == "a (2).txt" and saved.reason is None  # a.txt exists: suffixed, not replaced
    assert (corpus / "a.txt").read_text(encoding="utf-8") == "alpha\n"
    assert (corpus / "a (2).txt").read_text(encoding="utf-8") == "a new document\n"
    assert not (tmp_path / "a.txt").exists()
    again = save_upload(corpus, "other.txt", source)  # the same bytes again
    assert again.name is None and "same content as 'a (2).txt'" in again.reason
    refused = save_upload(corpus, "/etc/passwd", source)
    assert refused.name is None and "only those can be added" in refused.reason
    empty = tmp_path / "empty.md"
    empty.write_bytes(b"")
    assert "is empty" in save_upload(corpus, "empty.md", empty).reason


def test_removal_moves_the_document_out_of_the_index_s_sight(corpus: Path) -> None:
    assert "a.txt" in corpus_documents(corpus)
    assert remove_document(corpus, "a.txt") == f"{REMOVED_FOLDER}/a.txt"
    assert not (corpus / "a.txt").exists()
    assert "a.txt" not in corpus_documents(corpus) and corpus_file(corpus, f"{REMOVED_FOLDER}/a.txt") is None
    for bad in ("../outside.txt", "link-out.txt", ".hidden.txt", "a.txt"):
        with pytest.raises(QAError, match="is not a document in the corpus folder"):
            remove_document(corpus, bad)
    assert (corpus.parent / "outside.txt").exists()


def test_documents_list_leaves_out_hidden_and_other_files(corpus: Path) -> None:
    listed = corpus_documents(corpus)
    assert listed == sorted(listed)
    assert "sub/b.md" in listed and "notes.json" not in listed
    assert not any(part.startswith(".") for doc in listed for part in doc.split("/"))
    assert not os.path.isabs(listed[0])


def test_a_removed_document_is_restored_to_its_old_place(corpus: Path) -> None:
    assert remove_document(corpus, "sub/b.md") == f"{REMOVED_FOLDER}/sub/b.md"
    assert "sub/b.md" not in corpus_documents(corpus) and removed_documents(corpus) == ["sub/b.md"]
    (corpus / "sub").rmdir()  # its folder went too: restore makes it again
    assert restore_document(corpus, "sub/b.md") == "sub/b.md"
    assert (corpus / "sub" / "b.md").read_text(encoding="utf-8") == "# B\n\nbeta\n"
    assert removed_documents(corpus) == [] and "sub/b.md" in corpus_documents(corpus)


def test_removed_documents_are_listed_newest_first(corpus: Path) -> None:
    for doc in ("a.txt", "sub/b.md"):
        remove_document(corpus, doc)
    os.utime(corpus / REMOVED_FOLDER / "a.txt", (1_000, 1_000))  # removed long ago
    (corpus / "a.txt").write_text("a new alpha\n", encoding="utf-8")
    assert remove_document(corpus, "a.txt") == f"{REMOVED_FOLDER}/a (2).txt"  # a second copy, never replaced
    assert removed_documents(corpus) == ["a (2).txt", "sub/b.md", "a.txt"]
    assert removed_documents(corpus, limit=1) == ["a (2).txt"]


def test_restore_never_replaces_a_document_with_the_same_name(corpus: Path) -> None:
    remove_document(corpus, "a.txt")
    (corpus / "a.txt").write_text("another alpha\n", encoding="utf-8")
    with pytest.raises(QAError) as raised:
        restore_document(corpus, "a.txt")
    message = str(raised.value)
    assert "\n" not in message and "'a.txt' is already taken in the corpus folder" in message
    assert (corpus / "a.txt").read_text(encoding="utf-8") == "another alpha\n"
    assert (corpus / REMOVED_FOLDER / "a.txt").read_text(encoding="utf-8") == "alpha\n"  # still restorable


@pytest.mark.parametrize(
    "name", ["../a.txt", "../../outside.txt", "/etc/passwd", ".x.txt", "sub/../a.txt", "a.txt\x00", "missing.txt", ""]
)
def test_restore_takes_only_removed_documents(corpus: Path, name: str) -> None:
    remove_document(corpus, "a.txt")
    with pytest.raises(QAError, match="is not a removed document"):
        restore_document(corpus, name)
    assert (corpus / REMOVED_FOLDER / "a.txt").exists() and (corpus.parent / "outside.txt").exists()


def test_restore_follows_no_link_in_or_out(corpus: Path, tmp_path: Path) -> None:
    trash = corpus / REMOVED_FOLDER
    trash.mkdir()
    (trash / "out.txt").symlink_to(tmp_path / "outside.txt")  # a link in the removed folder
    (trash / "dir-out").symlink_to(tmp_path, target_is_directory=True)
    assert removed_documents(corpus) == []
    for name in ("out.txt", "dir-out/outside.txt"):
        with pytest.raises(QAError, match="is not a removed document"):
            restore_document(corpus, name)
    (trash / "dir-out2").mkdir()
    (trash / "dir-out2" / "new.txt").write_text("new\n", encoding="utf-8")
    (corpus / "dir-out2").symlink_to(tmp_path / "elsewhere", target_is_directory=True)  # its old folder leads out
    (tmp_path / "elsewhere").mkdir()
    with pytest.raises(QAError, match="leads outside the corpus folder"):
        restore_document(corpus, "dir-out2/new.txt")
    assert list((tmp_path / "elsewhere").iterdir()) == []
    (corpus / "gone").symlink_to(tmp_path / "missing-folder", target_is_directory=True)  # a dangling link
    (trash / "gone").mkdir()
    (trash / "gone" / "x.txt").write_text("x\n", encoding="utf-8")
    with pytest.raises(QAError, match="leads outside the corpus folder"):
        restore_document(corpus, "gone/x.txt")
    assert not (tmp_path / "missing-folder").exists()
