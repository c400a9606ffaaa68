"""Which uploaded files a handler may take (`qa.web.uploads`), on a real folder with real files and links: only
files the upload route listed, inside the app's upload folder, reached without a link; one message for the rest."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from qa.errors import QAError
from qa.web.uploads import (
    GRADIO_TEMP_ENV,
    UPLOADS_FOLDER,
    UploadArea,
    upload_folder,
    use_upload_folder,
)

SECRET = "a file elsewhere on the server\n"


@pytest.fixture
def area(tmp_path: Path) -> tuple[UploadArea, set[str], Path]:
    """An upload folder holding one listed upload, one unlisted file, links and a folder; a secret beside it."""
    folder = upload_folder(tmp_path / "index")
    (folder / "abc123").mkdir(parents=True)
    listed = folder / "abc123" / "report.md"
    listed.write_text("# Report\n", encoding="utf-8")
    (folder / "abc123" / "planted.md").write_text("# Planted\n", encoding="utf-8")
    secret = tmp_path / "secret.md"
    secret.write_text(SECRET, encoding="utf-8")
    (folder / "abc123" / "link-out.md").symlink_to(secret)
    (folder / "abc123" / "link-in.md").symlink_to(listed)
    (folder / "dir-link").symlink_to(folder / "abc123", target_is_directory=True)
    # listed paths that are still refused, each by one rule: a link on the way, a folder, outside the folder
    known = {
        str(listed),
        str(folder / "abc123" / "link-out.md"),
        str(folder / "abc123" / "link-in.md"),
        str(folder / "dir-link" / "report.md"),
        str(folder / "abc123"),
        str(secret),
    }
    return UploadArea(folder, lambda: known), known, secret


def test_a_listed_upload_is_taken(area) -> None:  # type: ignore[no-untyped-def]
    uploads, _, _ = area
    path = uploads.folder / "abc123" / "report.md"
    assert uploads.accept(str(path)) == path
    assert uploads.accept(f"{uploads.folder}/abc123/../abc123/report.md") == path  # `..` that stays inside


@pytest.mark.parametrize(
    "given",
    [
        "{secret}",
        "{folder}/abc123/link-out.md",
        "{folder}/abc123/link-in.md",
        "{folder}/dir-link/report.md",
        "{folder}/abc123/planted.md",
        "{folder}/abc123",
        "{folder}",
        "{folder}/../../secret.md",
        "{folder}/missing.md",
        "/etc/hostname",
        "/etc/hostname.txt",
        "/dev/zero",
        "abc123/report.md",
        "",
        "{folder}/abc123/report.md\x00.md",
    ],
)
def test_anything_else_gets_one_message(area, given: str) -> None:  # type: ignore[no-untyped-def]
    uploads, _, secret = area
    path = given.format(folder=uploads.folder, secret=secret)
    with pytest.raises(QAError) as refused:
        uploads.accept(path)
    message = str(refused.value)
    assert "was not uploaded through this page" in message and "\n" not in message
    assert str(uploads.folder) not in message and str(secret.parent) not in message  # names the file, not the path


def test_the_message_does_not_tell_whether_a_path_exists(area, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    uploads, _, secret = area
    messages = []
    for path in (secret, tmp_path / "missing" / "secret.md"):
        with pytest.raises(QAError) as refused:
            uploads.accept(str(path))
        messages.append(str(refused.value))
    assert messages[0] == messages[1]


def test_values_that_are_not_paths_are_refused(area) -> None:  # type: ignore[no-untyped-def]
    uploads, _, _ = area
    for given in (None, 3, ["/etc/hostname"], {"path": "/etc/hostname"}):
        with pytest.raises(QAError, match="not uploaded through this page"):
            uploads.accept(given)


def test_discard_deletes_the_upload_and_never_anything_outside(area) -> None:  # type: ignore[no-untyped-def]
    uploads, known, secret = area
    link = uploads.folder / "abc123" / "link-out.md"
    uploads.discard(str(link))
    assert not link.exists() and not link.is_symlink() and secret.read_text(encoding="utf-8") == SECRET
    uploads.discard(str(secret))  # outside the folder: untouched
    uploads.discard(f"{uploads.folder}/../../secret.md")
    uploads.discard(f"{uploads.folder}/dir-link/report.md")  # through a link: untouched
    assert secret.read_text(encoding="utf-8") == SECRET and (uploads.folder / "abc123" / "report.md").exists()
    for name in ("report.md", "planted.md", "link-in.md"):
        uploads.discard(str(uploads.folder / "abc123" / name))
    assert not (uploads.folder / "abc123").exists()  # its folder goes with its last file
    assert str(uploads.folder / "abc123" / "report.md") not in known  # and the route's list forgets it
    assert uploads.folder.is_dir()


def test_use_upload_folder_points_gradio_at_an_emptied_folder(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv(GRADIO_TEMP_ENV, raising=False)  # restored after the test
    index = tmp_path / "index"
    (index / UPLOADS_FOLDER / "old").mkdir(parents=True)
    (index / UPLOADS_FOLDER / "old" / "left-over.pdf").write_bytes(b"%PDF-1.4\n")
    (index / UPLOADS_FOLDER / "tmpabc").write_bytes(b"")
    outside = tmp_path / "keep.txt"
    outside.write_text("kept\n", encoding="utf-8")
    (index / UPLOADS_FOLDER / "link").symlink_to(outside)
    folder = use_upload_folder(index)
    assert folder == (index / UPLOADS_FOLDER).resolve() and os.environ[GRADIO_TEMP_ENV] == str(folder)
    assert list(folder.iterdir()) == [] and outside.read_text(encoding="utf-8") == "kept\n"
    assert folder.stat().st_mode & 0o777 == 0o700  # the owner's only


def test_a_linked_upload_folder_is_refused(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv(GRADIO_TEMP_ENV, raising=False)
    index = tmp_path / "index"
    index.mkdir()
    (index / UPLOADS_FOLDER).symlink_to(tmp_path, target_is_directory=True)
    with pytest.raises(QAError, match="not a plain folder"):
        use_upload_folder(index)
    assert GRADIO_TEMP_ENV not in os.environ
