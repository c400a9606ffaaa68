"""ZIP archives of documents (.zip): each file in it of a kind the index reads is read by its own reader and is a
document of its own inside the archive, as an e-mail's attachments are (email.py's `read_parts` and
`write_sections`): written under `# File: <path in the archive>`, cited as that file "in" the archive (at its
page when it has pages), and given back by `archived_file` to open or download. Other files are named in one line
each; folders, hidden files and the `__MACOSX` resource forks a Mac adds are passed over in silence. A ZIP inside
the archive is named, not read (no archive in an archive in an archive …), and e-mails inside count towards the
e-mail depth limit. Nothing is unpacked to disk; the archive's directory is checked before any file is inflated:
at most MAX_FILES files, none over the size of a corpus file, MAX_ARCHIVE_BYTES in all (five corpus files' worth: an
archive is one file of the corpus, and what it holds is read and indexed like that much of the folder).
"""

from __future__ import annotations

import io
import zipfile
from pathlib import PurePosixPath

from . import Extracted, kind_of
from .blocks import Writer, clean, name_title
from .email import Marks, PartToRead, read_parts, write_sections

MAX_FILES = 10_000
MAX_ARCHIVE_BYTES = 100 * 1024 * 1024
_NOTHING_READ = "no document the index reads among the archive's {} file(s); unpack the ones to index"
MAX_MEMBER_BYTES = 20 * 1024 * 1024  # the default size limit of a corpus file (qa.ingest.load.DEFAULT_MAX_FILE_BYTES)


def check_zip_archive(data: bytes) -> list[zipfile.ZipInfo]:
    """The archive's files (folders and the Mac's resource forks left out), after refusing a corrupt archive, an
    encrypted file in it, or one past the limits; ValueError with one line."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, EOFError, ValueError) as exc:
        raise ValueError(f"corrupt or truncated ZIP archive ({exc}); download or pack it again") from None
    files = [m for m in members if not m.is_dir() and not _passed_over(m.filename)]
    if len(files) > MAX_FILES:
        raise ValueError(f"the archive holds {len(files):,} files, over the {MAX_FILES:,}-file limit; unpack it")
    total = 0
    for member in files:
        if member.flag_bits & 0x1:
            raise ValueError(f"the archive's file {clean(member.filename)[:120]} is encrypted; unpack it")
        if member.file_size > MAX_MEMBER_BYTES:
            raise ValueError(
                f"the archive's file {clean(member.filename)[:120]} expands to {member.file_size:,} bytes, over the "
                f"{MAX_MEMBER_BYTES:,}-byte limit of a document; unpack it"
            )
        total += member.file_size
    if total > MAX_ARCHIVE_BYTES:
        raise ValueError(
            f"the archive expands to {total:,} bytes, over the {MAX_ARCHIVE_BYTES:,}-byte limit of an archive; "
            "unpack it"
        )
    return files


def check_readable_archive(data: bytes) -> None:
    """`check_zip_archive`, and at least one file in it of a kind the index reads (an upload's check: the build
    would skip the archive otherwise)."""
    files = check_zip_archive(data)
    if not any(kind_of(clean(m.filename)) not in (None, "zip") for m in files):
        raise ValueError(_NOTHING_READ.format(len(files)))


def extract_zip(data: bytes, name: str = "") -> Extracted:
    files = check_zip_archive(data)
    archive = zipfile.ZipFile(io.BytesIO(data))
    out = Writer()
    marks = Marks()
    parts = (
        PartToRead(number, clean(m.filename), kind_of(clean(m.filename)), lambda k, m=m: _read(archive, m, k))
        for number, m in enumerate(files, start=1)
    )
    sections = read_parts(parts, out, "File")
    write_sections(out, sections, marks, "zip")
    if not sections:
        raise ValueError(_NOTHING_READ.format(len(files)))
    return Extracted(out.text, (), name_title(name), ocr_spans=tuple(marks.scanned), parts=tuple(marks.parts))


def archived_file(data: bytes, number: int) -> tuple[str, bytes]:
    """(file name, bytes) of the archive's file `number` (1-based, as `AttachedPart.number` counts them);
    ValueError when there is no such file."""
    files = check_zip_archive(data)
    if not 1 <= number <= len(files):
        raise ValueError(f"the archive has no file {number}")
    member = files[number - 1]
    return PurePosixPath(clean(member.filename)).name, _inflate(zipfile.ZipFile(io.BytesIO(data)), member)


def _read(archive: zipfile.ZipFile, member: zipfile.ZipInfo, kind: str) -> Extracted:
    from . import extract

    if kind == "zip":
        raise ValueError("an archive inside an archive is not read; unpack it.")
    return extract(kind, _inflate(archive, member), clean(member.filename))


def _inflate(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> bytes:
    try:
        return archive.read(member)
    except (zipfile.BadZipFile, EOFError, ValueError, OSError, NotImplementedError) as exc:
        raise ValueError(f"damaged in the archive ({str(exc)[:80]}); pack it again") from None


def _passed_over(path: str) -> bool:
    """Folders' entries aside, the files no one put there on purpose: a Mac's resource forks, hidden files."""
    parts = PurePosixPath(path).parts
    return not parts or parts[0] == "__MACOSX" or any(part.startswith(".") for part in parts)
