"""The corpus folder as the web app touches it: which file a URL may open, where an upload lands, how a
document leaves. Pure path logic plus small file operations; no Gradio here.

Everything a browser sends is treated as hostile: a request names a file by its path relative to the corpus
folder, and anything that could reach outside it (`..`, absolute paths, backslashes, hidden entries, symlinks
resolving elsewhere) is refused, so nothing but corpus documents can be read through the app.
"""

from __future__ import annotations

import os
import re
import stat
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from ..errors import QAError
from ..ingest.extract import CONTAINER_KINDS, KINDS, attached_file, kind_of
from ..ingest.load import DEFAULT_MAX_FILE_BYTES, content_hash, file_hash
from .admission import DEFAULT_CORPUS_QUOTA_BYTES, check_quota, read_checked
from .uploads import shown_name

# The kinds of document the app accepts and serves: those the loader reads (qa.ingest.extract.KINDS).
DOCUMENT_SUFFIXES = tuple(KINDS)
MAX_NAME_CHARS = 150
REMOVED_FOLDER = ".removed"  # hidden: the loader and the file routes never see it
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:")


def _plain_parts(requested: object) -> list[str] | None:
    """The parts of a plain relative document path, or None: empty, too long, absolute, backslashes, a drive,
    control characters, `.`/`..`/hidden parts, or a suffix that is not a document."""
    if not isinstance(requested, str) or not requested or len(requested) > 1024:
        return None
    if "\\" in requested or requested.startswith("/") or _WINDOWS_DRIVE.match(requested) or _CONTROL.search(requested):
        return None
    parts = requested.split("/")
    if any(part in ("", ".", "..") or part.startswith(".") for part in parts):
        return None
    return parts if parts[-1].lower().endswith(DOCUMENT_SUFFIXES) else None


def corpus_file(root: str | os.PathLike[str], requested: str) -> Path | None:
    """The corpus document `requested` names (a path relative to `root`, forward slashes), or None when it
    is not one: empty, absolute, `..` or `.` parts, hidden parts, backslashes, control characters, a suffix
    that is not a document, a symlink resolving outside the folder, or not a regular file."""
    parts = _plain_parts(requested)
    if parts is None:
        return None
    try:
        root_real = Path(root).resolve(strict=True)
        path = root_real.joinpath(*parts)
        real = path.resolve(strict=True)
        real.relative_to(root_real)
        if not real.is_file():
            return None
    except (OSError, ValueError, RuntimeError):  # missing, outside, or a link loop
        return None
    if any(part.startswith(".") for part in real.relative_to(root_real).parts):  # a link into a hidden folder
        return None
    return real


def attachment_of(path: Path, part: int) -> tuple[str, bytes]:
    """(file name, bytes) of attachment `part` of the corpus message (or file `part` of the ZIP archive) at `path`,
    read out of it again (to serve it or draw its page); QAError with one line for a file that is neither, one over
    the corpus file limit (the build skipped it too: it is not parsed on a request) or one without that part."""
    kind = kind_of(path.name)
    if kind not in CONTAINER_KINDS:
        raise QAError(f"'{path.name}' has no attachments to open")
    if path.stat().st_size > DEFAULT_MAX_FILE_BYTES:
        raise QAError(
            f"'{path.name}' is over the {DEFAULT_MAX_FILE_BYTES:,}-byte limit of a corpus file: no attachments to open"
        )
    try:
        return attached_file(kind, path.read_bytes(), part)
    except ValueError as exc:
        raise QAError(f"'{path.name}': {exc}") from None


def upload_name(name: str) -> str:
    """A safe plain file name for an uploaded file: only its last path part, no leading dots, no control
    characters. Raises QAError when nothing usable is left or the kind of file is not accepted."""
    base = re.split(r"[/\\]", unicodedata.normalize("NFC", str(name)))[-1]
    base = _CONTROL.sub("", base).strip().lstrip(". ").strip()
    if not base:
        raise QAError(f"upload name {name!r} has no usable file name; rename the file")
    if not base.lower().endswith(DOCUMENT_SUFFIXES):
        raise QAError(
            f"'{base}' is not a {'/'.join(s.lstrip('.').upper() for s in DOCUMENT_SUFFIXES)} file; only those can be added"
        )
    if len(base) > MAX_NAME_CHARS:
        stem, suffix = os.path.splitext(base)
        base = stem[: MAX_NAME_CHARS - len(suffix)] + suffix
    return base


@dataclass(frozen=True)
class Saved:
    """An upload and what became of it: `name` in the corpus folder, or `reason` it was refused."""

    upload: str
    name: str | None
    reason: str | None = None


def _scan(root: Path, size: int) -> tuple[int, list[Path]]:
    """One walk of the corpus folder: the bytes its files take (hidden ones too, links not followed) and the
    files of exactly `size` bytes (the only ones that can hold the same content as an upload of that size)."""
    total, same_size = 0, []
    for dirpath, _dirnames, filenames in os.walk(root, followlinks=False):
        for name in filenames:
            path = Path(dirpath) / name
            try:
                info = path.lstat()
            except OSError:
                continue
            total += info.st_size
            if info.st_size == size and stat.S_ISREG(info.st_mode) and not _hidden(root, path):
                same_size.append(path)
    return total, same_size


def _hidden(root: Path, path: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def _same_content(root: Path, candidates: list[Path], digest: str) -> str | None:
    """The corpus file (relative path) among `candidates` whose bytes hash to `digest`, if any."""
    for path in candidates:
        try:
            if file_hash(path) == digest:
                return path.relative_to(root).as_posix()
        except OSError:
            continue
    return None


def _create_exclusive(root: Path, name: str) -> tuple[Path, int]:
    """Open a new file for `name` in `root`, suffixing ` (2)`, ` (3)`, ... when the name is taken (never overwriting)."""
    stem, suffix = os.path.splitext(name)
    for n in range(1, 1000):
        candidate = root / (name if n == 1 else f"{stem} ({n}){suffix}")
        try:
            return candidate, os.open(
                candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644
            )
        except FileExistsError:
            continue
    raise QAError(f"'{name}' and 998 suffixed variants already exist in the corpus folder; rename the file")


def _read_upload(name: str, source: Path, max_bytes: int) -> bytes:
    """The upload's checked bytes, read through one descriptor that does not follow a link (what is checked is
    what is saved)."""
    fd = os.open(source, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fh.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise QAError(f"'{name}' is not a regular file; upload a document")
        return read_checked(name, fh, info.st_size, max_bytes)


def _write_new(root: Path, name: str, data: bytes) -> Path:
    target, fd = _create_exclusive(root, name)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return target


def save_upload(
    root: str | os.PathLike[str],
    upload_name_given: str,
    source: str | os.PathLike[str],
    *,
    max_bytes: int = DEFAULT_MAX_FILE_BYTES,
    quota_bytes: int = DEFAULT_CORPUS_QUOTA_BYTES,
) -> Saved:
    """Copy one uploaded file into the top of the corpus folder under a sanitized, unused name, only after it
    passed every check (`admission`: kind, size, content by magic bytes, corpus quota; not a duplicate).
    A refused file is never written."""
    root_path = Path(root)
    try:
        name = upload_name(upload_name_given)
        data = _read_upload(name, Path(source), max_bytes)
        corpus_bytes, same_size = _scan(root_path, len(data))
        check_quota(name, len(data), corpus_bytes, quota_bytes)
        duplicate = _same_content(root_path, same_size, content_hash(data))
        if duplicate is not None:
            raise QAError(f"'{name}' has the same content as '{duplicate}', already in the corpus")
        return Saved(upload_name_given, _write_new(root_path, name, data).name)
    except QAError as exc:
        return Saved(upload_name_given, None, str(exc))
    except OSError as exc:
        return Saved(
            upload_name_given, None, f"could not save '{shown_name(upload_name_given)}': {exc.strerror or exc}"
        )


def remove_document(root: str | os.PathLike[str], doc_id: str) -> str:
    """Move the corpus document `doc_id` into the hidden `.removed/` folder at the same relative path
    (recoverable with `restore_document`, never indexed), stamped with the time it was removed so the list of
    removed documents is newest first; returns where it went, relative to `root`. Refuses anything `corpus_file`
    refuses."""
    root_real = Path(root).resolve()
    path = corpus_file(root_real, doc_id)
    if path is None or Path(root_real, *doc_id.split("/")).is_symlink():
        raise QAError(f"'{doc_id}' is not a document in the corpus folder; pick one from the list")
    folder = root_real.joinpath(REMOVED_FOLDER, *doc_id.split("/")[:-1])
    folder.mkdir(parents=True, exist_ok=True)
    stem, suffix = os.path.splitext(path.name)
    for n in range(1, 1000):
        target = folder / (path.name if n == 1 else f"{stem} ({n}){suffix}")
        if not target.exists():
            path.rename(target)
            os.utime(target)  # the removal time: rename keeps the old modification time
            return target.relative_to(root_real).as_posix()
    raise QAError(f"too many removed copies of '{path.name}' in {folder}; empty that folder")


def _removed_file(trash: Path, name: str) -> Path | None:
    """The regular file `name` (relative to the removed folder) inside it, or None: the same path rules as
    `corpus_file`, and no link anywhere on the way."""
    parts = _plain_parts(name)
    if parts is None:
        return None
    path = trash.joinpath(*parts)
    walked = trash
    for part in parts:
        walked = walked / part
        if walked.is_symlink():
            return None
    return path if path.is_file() else None


def _inside_corpus(root_real: Path, folder: Path) -> bool:
    """Whether `folder` resolves to a folder inside the corpus folder that is not hidden."""
    try:
        inside = folder.resolve(strict=True).relative_to(root_real)
    except (OSError, ValueError, RuntimeError):
        return False
    return not any(part.startswith(".") for part in inside.parts)


def _restore_target(root_real: Path, parts: list[str]) -> Path:
    """Where a removed document goes back to: its old place, in a folder that resolves inside the corpus (checked
    before a missing folder is made, and after)."""
    folder = root_real.joinpath(*parts[:-1])
    existing = folder
    while not (existing.exists() or existing.is_symlink()) and existing != root_real:  # a dangling link counts
        existing = existing.parent
    if not _inside_corpus(root_real, existing):
        raise QAError(f"the folder of '{'/'.join(parts)}' leads outside the corpus folder; restore is refused")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise QAError(
            f"cannot make the folder of '{'/'.join(parts)}' in the corpus folder ({exc.strerror or exc}); "
            "make the corpus folder writable"
        ) from None
    if not _inside_corpus(root_real, folder):
        raise QAError(f"the folder of '{'/'.join(parts)}' leads outside the corpus folder; restore is refused")
    return folder / parts[-1]


def _taken(name: str) -> QAError:
    return QAError(
        f"'{name}' is already taken in the corpus folder; remove or rename that document first, then restore"
    )


def restore_document(root: str | os.PathLike[str], name: str) -> str:
    """Move the removed document `name` (as `removed_documents` lists it) back into the corpus folder at the same
    relative path; returns that path. Never overwrites: a name already taken is refused in one line."""
    root_real = Path(root).resolve()
    source = _removed_file(root_real / REMOVED_FOLDER, name)
    if source is None:
        raise QAError(f"'{name}' is not a removed document; pick one from the list of removed documents")
    target = _restore_target(root_real, name.split("/"))
    try:
        os.link(source, target)  # fails when the name is taken: never replaces a document
    except FileExistsError:
        raise _taken(name) from None
    except OSError:  # a file system without hard links
        if target.exists() or target.is_symlink():
            raise _taken(name) from None
        source.rename(target)
        return name
    source.unlink()
    return name


def removed_documents(root: str | os.PathLike[str], limit: int = 50) -> list[str]:
    """The documents in the hidden `.removed/` folder (paths relative to it), most recently removed first, at
    most `limit` of them; links and non-documents left out."""
    trash = Path(root) / REMOVED_FOLDER
    if not trash.is_dir() or trash.is_symlink():
        return []
    found = []
    for dirpath, dirnames, filenames in os.walk(trash, followlinks=False):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for name in filenames:
            path = Path(dirpath) / name
            relative = path.relative_to(trash).as_posix()
            if _plain_parts(relative) is not None and not path.is_symlink():
                found.append((path.lstat().st_mtime, relative))
    return [relative for _, relative in sorted(found, key=lambda item: (-item[0], item[1]))[:limit]]


def corpus_documents(root: str | os.PathLike[str]) -> list[str]:
    """Relative paths of the documents in the corpus folder that can be removed (hidden entries, links and
    non-documents left out)."""
    found = []
    root_path = Path(root)
    for dirpath, dirnames, filenames in os.walk(root_path, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in filenames:
            if (
                not name.startswith(".")
                and name.lower().endswith(DOCUMENT_SUFFIXES)
                and not os.path.islink(Path(dirpath) / name)
            ):
                found.append((Path(dirpath) / name).relative_to(root_path).as_posix())
    return sorted(found)
