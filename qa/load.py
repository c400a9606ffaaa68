"""Load stage: read a corpus folder into `Document`s, skipping what cannot be read and saying why."""

from __future__ import annotations

import hashlib
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path

from .errors import CorpusError

log = logging.getLogger(__name__)

TEXT_SUFFIXES = (".txt", ".md")
DEFAULT_MAX_FILE_BYTES = 20 * 1024 * 1024
_BINARY_SNIFF_BYTES = 8192
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_TITLE_LINE = re.compile(r"^\s*(?:=\s*(?P<wiki>[^=].*?)\s*=|#\s+(?P<md>\S.*?)[\s#]*)\s*$")


@dataclass(frozen=True)
class Document:
    """One source file. `id` is its path relative to the corpus folder, with forward slashes."""

    id: str
    text: str
    title: str
    sha256: str


@dataclass(frozen=True)
class SkippedFile:
    path: str
    reason: str
    sha256: str = ""


@dataclass(frozen=True)
class LoadedCorpus:
    documents: tuple[Document, ...]
    skipped: tuple[SkippedFile, ...]


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def derive_title(doc_id: str, text: str) -> str:
    """A `= Title =` or `# Title` first line if the file has one, else the file name made readable."""
    for line in text.splitlines():
        if line.strip():
            match = _TITLE_LINE.match(line)
            if match:
                return (match.group("wiki") or match.group("md")).strip()
            break
    stem = Path(doc_id).stem
    words = re.sub(r"[-_]+", " ", stem).strip()
    return words[:1].upper() + words[1:] if words else stem


def decode_text(data: bytes, name: str) -> str:
    """Strict UTF-8 (a BOM is dropped). Raises ValueError with a one-line reason."""
    if not data.strip():
        raise ValueError("empty file")
    if b"\x00" in data[:_BINARY_SNIFF_BYTES]:
        raise ValueError("binary file (contains NUL bytes)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        bad = data[exc.start : exc.start + 1].hex()
        raise ValueError(
            f"not valid UTF-8 (byte 0x{bad} at offset {exc.start}); "
            f"convert it, e.g. iconv -f latin1 -t utf-8 '{name}'"
        ) from None
    if not text.strip():
        raise ValueError("empty file (whitespace only)")
    return text


def printable_id(doc_id: str) -> str:
    """A doc id safe to print on one line and to store as UTF-8: the bytes of a non-UTF-8 file name and control
    characters (a newline in a name) become `\\xNN`."""
    text = os.fsencode(doc_id).decode("utf-8", errors="backslashreplace")
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _bad_name_reason(name: str) -> str:
    if _SURROGATE.search(name):
        return "file name is not valid UTF-8; rename it (e.g. convmv -f latin1 -t utf-8)"
    return "file name has control characters (shown as \\xNN); rename it"


def iter_corpus_files(root: Path) -> list[tuple[str, Path]]:
    """Sorted (doc id, path) of every .txt/.md file under root; hidden entries left out, linked folders not entered.

    A name that is not valid UTF-8 gets its bad bytes spelled `\\xNN` in the id (its path stays the real one).
    """
    found: list[tuple[str, Path]] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in filenames:
            if name.startswith(".") or not name.lower().endswith(TEXT_SUFFIXES):
                continue
            path = Path(dirpath) / name
            doc_id = printable_id(path.relative_to(root).as_posix())
            found.append((doc_id, path))
    found.sort()
    return found


def _inside(path: Path, root_real: Path) -> bool:
    try:
        path.resolve().relative_to(root_real)
        return True
    except ValueError:
        return False


def unreadable_reason(path: Path, root_real: Path) -> str | None:
    """Why a listed file must not be opened (a link leaving the corpus, a link loop, a pipe or device), else None."""
    try:
        if not _inside(path, root_real):
            return "symlink pointing outside the corpus folder, not followed"
    except (RuntimeError, OSError):  # Python < 3.13 raises RuntimeError on a link loop
        return "symlink loop, not followed"
    try:
        if path.is_symlink() and not path.exists():
            return "broken symlink (its target does not exist)"
        if not path.is_file():  # a FIFO would block the read forever; a device may never end
            return "not a regular file (a pipe, device or folder); only plain text files are read"
    except OSError as exc:
        return exc.strerror or type(exc).__name__
    return None


class UnreadableFile(ValueError):
    """A file that is listed but cannot be indexed: `reason` is one line; `sha256` is "" when it was not read."""

    def __init__(self, reason: str, sha256: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.sha256 = sha256


def check_corpus_folder(root: Path) -> None:
    if not root.exists():
        raise CorpusError(f"corpus folder '{root}' does not exist; pass --corpus DIR, a folder of .txt or .md files")
    if not root.is_dir():
        raise CorpusError(f"corpus path '{root}' is not a folder; pass --corpus DIR, a folder of .txt or .md files")


def read_document(root: Path, doc_id: str, path: Path, *, max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
                  root_real: Path | None = None) -> Document:
    """Read one listed file, or raise UnreadableFile saying why it is skipped."""
    data: bytes | None = None  # None: not read (its hash stays "" and it never counts as changed)
    try:
        reason = unreadable_reason(path, root_real or root.resolve())
        if reason:
            raise ValueError(reason)
        if doc_id != path.relative_to(root).as_posix():
            raise ValueError(_bad_name_reason(path.relative_to(root).as_posix()))
        size = path.stat().st_size
        if size > max_file_bytes:
            raise ValueError(f"{size:,} bytes is over the {max_file_bytes:,}-byte limit; split the file or raise --max-file-mb")
        data = path.read_bytes()
        text = decode_text(data, doc_id)
    except (OSError, ValueError) as exc:
        raise UnreadableFile(str(exc), content_hash(data) if data is not None else "") from None
    return Document(doc_id, text, derive_title(doc_id, text), content_hash(data))


def no_readable_file(root: Path, skipped: list[SkippedFile] | tuple[SkippedFile, ...]) -> CorpusError:
    detail = f" ({len(skipped)} skipped: " + "; ".join(f"{s.path}: {s.reason}" for s in skipped[:3]) + ")" if skipped else ""
    return CorpusError(f"no readable .txt or .md file in corpus folder '{root}'{detail}; add UTF-8 text files to it")


def load_corpus(folder: str | os.PathLike[str], *, max_file_bytes: int = DEFAULT_MAX_FILE_BYTES) -> LoadedCorpus:
    """Read every text file under `folder`. Unreadable files are skipped and listed; no readable file is an error."""
    root = Path(folder)
    check_corpus_folder(root)
    root_real = root.resolve()
    documents: list[Document] = []
    skipped: list[SkippedFile] = []
    for doc_id, path in iter_corpus_files(root):
        try:
            documents.append(read_document(root, doc_id, path, max_file_bytes=max_file_bytes, root_real=root_real))
        except UnreadableFile as exc:
            skipped.append(SkippedFile(doc_id, exc.reason, exc.sha256))
            log.info("skipped %s: %s", doc_id, exc.reason)  # callers report `skipped` themselves (the CLI as Warning: lines)
    if not documents:
        raise no_readable_file(root, skipped)
    return LoadedCorpus(tuple(documents), tuple(skipped))
