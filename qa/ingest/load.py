"""Load stage: read a corpus folder into `Document`s, skipping what cannot be read and saying why."""

from __future__ import annotations

import bisect
import hashlib
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import CorpusError
from .extract import KINDS, READABLE, AttachedPart, extract, kind_of, part_at
from .extract.blocks import name_title
from .extract.text import decode_text  # noqa: F401 - re-exported: callers import it from here

log = logging.getLogger(__name__)

TEXT_SUFFIXES = tuple(KINDS)  # every suffix a reader of qa/ingest/extract reads, page images too
DEFAULT_MAX_FILE_BYTES = 20 * 1024 * 1024
_READABLE = (
    "a folder of .pdf, .html, .docx, .doc, .pptx, .ppt, .xlsx, .xls, .odt, .ods, .odp, .epub, .csv, .eml, .msg, .rtf, "
    ".md or .txt files (or .png, .jpg, .tif, .webp, .bmp scans)"
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_TITLE_LINE = re.compile(r"^\s*(?:=\s*(?P<wiki>[^=].*?)\s*=|#\s+(?P<md>\S.*?)[\s#]*)\s*$")


@dataclass(frozen=True)
class Document:
    """One source file. `id` is its path relative to the corpus folder, with forward slashes."""

    id: str
    text: str  # the extracted text: every offset (passages, sentences, page starts) points into it
    title: str
    sha256: str  # of the file's bytes
    pages: tuple[int, ...] = ()  # offset in `text` where each page starts, page 1 first; () without pages
    kind: str = "txt"  # a value of extract.KINDS: "pdf", "html", "docx", "pptx", "xlsx", ..., "txt" or "image"
    ocr_pages: tuple[int, ...] = ()  # pages (1-based) whose text OCR read
    ocr_spans: tuple[tuple[int, int], ...] = ()  # without pages: (start, end) of text OCR read (a scanned attachment)
    parts: tuple[AttachedPart, ...] = ()  # a message's attachments, read as documents of their own

    def page_at(self, offset: int) -> int | None:
        """1-based page holding `offset`, or None for a format without pages; in an e-mail, the page of the
        attachment holding `offset` (None in its body)."""
        if self.pages:
            return bisect.bisect_right(self.pages, offset)
        part = self.part_at(offset)
        return part.page_at(offset) if part is not None else None

    def part_at(self, offset: int) -> AttachedPart | None:
        """The attachment whose text holds `offset`, or None (the message's own text; a file that is no message)."""
        return part_at(self.parts, offset)

    @property
    def paged(self) -> bool:
        """Whether some of the text has pages (to cite, and to cut passages at)."""
        return bool(self.pages or any(part.pages for part in self.parts))


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


def file_hash(path: Path) -> str:
    """`content_hash` of a file's bytes, read in blocks (a huge file is not held in memory)."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def derive_title(doc_id: str, text: str) -> str:
    """A `= Title =` or `# Title` first line if the file has one, else the file name made readable."""
    for line in text.splitlines():
        if line.strip():
            match = _TITLE_LINE.match(line)
            if match:
                return (match.group("wiki") or match.group("md")).strip()
            break
    return name_title(doc_id)


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
    """Sorted (doc id, path) of every file of a kind in extract.KINDS under root; hidden entries left out,
    linked folders not entered. A linked folder that leads outside the corpus is listed too (never entered), so
    that reading it reports it skipped, by name; one leading inside is left out (its files are listed where they are).

    A name that is not valid UTF-8 gets its bad bytes spelled `\\xNN` in the id (its path stays the real one).
    """
    found: list[tuple[str, Path]] = []
    root_real = root.resolve()
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        names = [n for n in filenames if not n.startswith(".") and n.lower().endswith(TEXT_SUFFIXES)]
        names += [d for d in dirnames if _links_out(Path(dirpath) / d, root_real)]
        for name in names:
            path = Path(dirpath) / name
            found.append((printable_id(path.relative_to(root).as_posix()), path))
    found.sort()
    return found


def unread_files(root: Path) -> dict[str, int]:
    """How many files of each kind the index does not read sit in the corpus folder (by lower-case suffix, "" for
    none), hidden entries left out and linked folders not entered, as `iter_corpus_files` lists them: a folder
    copied in as it is holds old `.doc` and `.xls` files too, and they are not to vanish without a word."""
    counts: dict[str, int] = {}
    for _folder, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for name in filenames:
            if not name.startswith(".") and not name.lower().endswith(TEXT_SUFFIXES):
                suffix = Path(name).suffix.lower()
                counts[suffix] = counts.get(suffix, 0) + 1
    return counts


def unread_note(counts: dict[str, int], shown: int = 6) -> str:
    """What is said of the files not read ('' when none): "3 files of kinds the index does not read (.doc: 2, .xls:
    1); it reads PDF, …", the most frequent `shown` kinds named."""
    total = sum(counts.values())
    if not total:
        return ""
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    named = ", ".join(f"{suffix or 'no extension'}: {count}" for suffix, count in ranked[:shown])
    more = ", …" if len(ranked) > shown else ""
    files = "1 file" if total == 1 else f"{total} files"
    return f"{files} of kinds the index does not read ({named}{more}); it reads {READABLE}"


def _links_out(path: Path, root_real: Path) -> bool:
    """Whether `path` is a symlink leading outside the corpus folder (or into a loop)."""
    try:
        return path.is_symlink() and not _inside(path, root_real)
    except (RuntimeError, OSError):  # a link loop
        return True


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
            if path.is_dir():
                return (
                    "symlinked folder pointing outside the corpus folder, not followed: none of its files are indexed"
                )
            return "symlink pointing outside the corpus folder, not followed"
    except (RuntimeError, OSError):  # Python < 3.13 raises RuntimeError on a link loop
        return "symlink loop, not followed"
    try:
        if path.is_symlink() and not path.exists():
            return "broken symlink (its target does not exist)"
        if not path.is_file():  # a FIFO would block the read forever; a device may never end
            return "not a regular file (a pipe, device or folder); only regular files are read"
    except OSError as exc:
        return exc.strerror or type(exc).__name__
    return None


def read_document(
    root: Path, doc_id: str, path: Path, *, max_file_bytes: int = DEFAULT_MAX_FILE_BYTES, root_real: Path | None = None
) -> Document:
    """Read and extract ONE corpus file (the streaming build reads files one at a time).

    Raises UnreadableFile with a one-line reason for a file that cannot be indexed (and its hash when it was read,
    so that a later change to it is noticed).
    """
    data: bytes | None = None
    try:
        reason = unreadable_reason(path, root_real or root.resolve())
        if reason:
            raise ValueError(reason)
        if doc_id != path.relative_to(root).as_posix():
            raise ValueError(_bad_name_reason(path.relative_to(root).as_posix()))
        kind = kind_of(path.name)
        if kind is None:
            raise ValueError(f"'{path.suffix}' files are not read; use {_READABLE}")
        size = path.stat().st_size
        if size > max_file_bytes:
            raise ValueError(
                f"{size:,} bytes is over the {max_file_bytes:,}-byte limit; split the file or raise --max-file-mb"
            )
        data = path.read_bytes()
        extracted = extract(kind, data, doc_id)
        if not extracted.text.strip():
            raise ValueError("no text found in the file")
    except (OSError, ValueError) as exc:
        reason = str(exc) if isinstance(exc, ValueError) else (exc.strerror or type(exc).__name__)
        raise UnreadableFile(reason, content_hash(data) if data is not None else "") from None
    except Exception as exc:  # noqa: BLE001 - a bug or a parser's limit on one file must not stop the build
        log.info("reading %s failed", doc_id, exc_info=True)  # the traceback, with -v
        raise UnreadableFile(unexpected_reason("reading the file", exc), content_hash(data) if data else "") from None
    for warning in extracted.warnings:
        log.warning("%s: %s", doc_id, warning)
    title = extracted.title.strip() or derive_title(doc_id, extracted.text)
    return Document(
        doc_id,
        extracted.text,
        title,
        content_hash(data),
        extracted.pages,
        kind,
        extracted.ocr_pages,
        extracted.ocr_spans,
        extracted.parts,
    )


def unexpected_reason(stage: str, exc: BaseException) -> str:
    """One line for an error no reader expects (a bug, a library's limit): what failed, and what to do."""
    detail = (str(exc).strip().splitlines() or [""])[0][:160]
    return (
        f"{stage} failed unexpectedly ({type(exc).__name__}{': ' + detail if detail else ''}); the file was "
        "skipped and the rest indexed: re-save or convert it, and report the error if it persists"
    )


class UnreadableFile(ValueError):
    """A listed file that cannot be indexed: `reason` is one line; `sha256` is "" when it was not read."""

    def __init__(self, reason: str, sha256: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.sha256 = sha256


def duplicate_reason(first: str) -> str:
    return f"same bytes as '{first}' (a duplicate); indexed once under that name"


def check_corpus_folder(root: Path) -> None:
    if not root.exists():
        raise CorpusError(f"corpus folder '{root}' does not exist; pass --corpus DIR, {_READABLE}")
    if not root.is_dir():
        raise CorpusError(f"corpus path '{root}' is not a folder; pass --corpus DIR, {_READABLE}")


def no_readable_file(root: Path, skipped: list[SkippedFile] | tuple[SkippedFile, ...]) -> CorpusError:
    detail = (
        f" ({len(skipped)} skipped: " + "; ".join(f"{s.path}: {s.reason}" for s in skipped[:3]) + ")" if skipped else ""
    )
    return CorpusError(f"no readable document in corpus folder '{root}'{detail}; add {_READABLE}")


def load_corpus(folder: str | os.PathLike[str], *, max_file_bytes: int = DEFAULT_MAX_FILE_BYTES) -> LoadedCorpus:
    """Read every corpus file under `folder`. Unreadable files and byte-identical duplicates are skipped and
    listed (the first name in sorted order is indexed); no readable file is an error."""
    root = Path(folder)
    check_corpus_folder(root)
    documents: list[Document] = []
    skipped: list[SkippedFile] = []
    first_with: dict[str, str] = {}
    for doc_id, path in iter_corpus_files(root):
        try:
            doc = read_document(root, doc_id, path, max_file_bytes=max_file_bytes)
        except UnreadableFile as exc:
            skipped.append(SkippedFile(doc_id, exc.reason, exc.sha256))
            log.info(
                "skipped %s: %s", doc_id, exc.reason
            )  # callers report `skipped` themselves (the CLI as Warning: lines)
            continue
        if doc.sha256 in first_with:
            skipped.append(SkippedFile(doc_id, duplicate_reason(first_with[doc.sha256]), doc.sha256))
            continue
        first_with[doc.sha256] = doc_id
        documents.append(doc)
    if not documents:
        raise no_readable_file(root, skipped)
    return LoadedCorpus(tuple(documents), tuple(skipped))
