"""Whether an upload may enter the corpus folder: the build's own rules, checked before a byte is written.

A file the build would skip must not be saved at all: it would stay in the corpus, skipped at every build
(a renamed `.exe` saved as `.pdf`), or take disk space it is never indexed for (a file over the build's
per-file limit). So an upload is refused, with one line naming it, the rule and the fix, when
- its name is not a kind the loader reads (`qa.ingest.extract.kind_of`);
- it is empty, or larger than the build's per-file limit (`BuildConfig.max_file_bytes`);
- its bytes are not what its name says, by magic bytes, as the loader checks them (`qa.ingest.extract.check_content`):
  a PDF starts with `%PDF-`; DOCX, PPTX, XLSX, ODT and EPUB are ZIP archives holding their format's main part
  (`word/document.xml`, `ppt/presentation.xml`, `xl/workbook.xml`, `content.xml` with the ODF text mimetype,
  `META-INF/container.xml` with the EPUB mimetype) within the zip-bomb limits (`qa.ingest.extract.archive`);
  HTML, TXT, MD and CSV are text without NUL bytes that decodes as the loader decodes it (UTF-8, UTF-16/32,
  Western Windows-1252: `qa.ingest.load.decode_text`); an e-mail has From/To/Subject/Date headers, a mailbox starts
  with a "From " line, an Outlook .msg is an OLE file holding message properties (not an old .doc under the wrong
  name), an old Excel .xls is an OLE file whose workbook xlrd opens, an old Word .doc or PowerPoint .ppt one whose
  document reads (a .doc or .xls that is text is checked as what the text is: `qa.ingest.extract.reader_kind`), a
  ZIP archive holds a readable file within its limits, an RTF file starts with `{\rtf`;
  a PNG/JPEG/TIFF/WebP/BMP is an image Pillow reads, within its pixel limit (`qa.ingest.extract.image.open_image`);
- it would take the corpus folder over its total quota (every file in the folder counts, hidden ones too).
"""

from __future__ import annotations

from typing import BinaryIO

from ..errors import QAError
from ..ingest.extract import READABLE, check_content, kind_of, reader_kind
from ..ingest.extract.archive import ZIP_KINDS, check_archive
from ..ingest.load import DEFAULT_MAX_FILE_BYTES, decode_text

DEFAULT_CORPUS_QUOTA_BYTES = 2 * 1024**3
_TEXT_KINDS = ("html", "md", "txt", "csv")


def check_size(name: str, size: int, max_bytes: int = DEFAULT_MAX_FILE_BYTES) -> None:
    """Refuse an empty file, or one the build would skip for its size."""
    if size == 0:
        raise QAError(f"'{name}' is empty; nothing to add")
    if size > max_bytes:
        raise QAError(
            f"'{name}' has {size:,} bytes, over the build's {max_bytes:,}-byte limit per file; "
            "split the file (or rebuild the index with a larger --max-file-mb)"
        )


def check_quota(name: str, size: int, corpus_bytes: int, quota_bytes: int = DEFAULT_CORPUS_QUOTA_BYTES) -> None:
    """Refuse a file that would take the corpus folder past its quota."""
    if corpus_bytes + size > quota_bytes:
        raise QAError(
            f"'{name}' ({size:,} bytes) would take the corpus folder to {corpus_bytes + size:,} bytes, over "
            f"its {quota_bytes:,}-byte quota; remove documents or start app.py with a larger --corpus-quota-mb"
        )


def check_bytes(name: str, data: bytes) -> None:
    """Refuse bytes that are not the kind of document `name` says, by the loader's rules."""
    kind = kind_of(name)
    if kind is None:
        raise QAError(f"'{name}' is not a kind of document the index reads; add {READABLE}")
    kind = reader_kind(kind, data)
    try:
        check_content(kind, data, name)
        _check_structure(kind, name, data)
    except ValueError as exc:
        raise QAError(f"'{name}' was refused: {exc}") from None


def _check_structure(kind: str, name: str, data: bytes) -> None:
    """The per-kind check after the magic bytes: a ZIP format's parts and limits, text that decodes, headers."""
    if kind in ZIP_KINDS:
        check_archive(data, kind)
    elif kind in _TEXT_KINDS:
        if "\x00" in decode_text(data, name):  # past the start the reader sniffs: binary all the same
            raise ValueError("binary file (contains NUL bytes)")
    elif kind == "eml":
        from ..ingest.extract.email import check_message

        check_message(data)
    elif kind == "msg":
        from ..ingest.extract.msg import check_msg

        check_msg(data)
    elif kind == "xls":
        from ..ingest.extract.xls import check_xls

        check_xls(data)
    elif kind in ("doc", "ppt", "xmlsheet", "mht"):
        from ..ingest.extract import extract

        extract(kind, data, name)  # read whole: at most the per-file limit, in milliseconds, by the build's rules
    elif kind == "mbox":
        from ..ingest.extract.mbox import check_mbox

        check_mbox(data)
    elif kind == "zip":
        from ..ingest.extract.ziparchive import check_readable_archive

        check_readable_archive(data)
    elif kind == "rtf":
        from ..ingest.extract.rtf import check_rtf

        check_rtf(data)
    elif kind == "image":
        from ..ingest.extract.image import open_image

        open_image(data)


def read_checked(name: str, source: BinaryIO, size: int, max_bytes: int = DEFAULT_MAX_FILE_BYTES) -> bytes:
    """The bytes of an open upload of `size` bytes, after `check_size` and `check_bytes` passed."""
    check_size(name, size, max_bytes)
    data = source.read(max_bytes + 1)
    check_size(name, len(data), max_bytes)  # the file may have changed since it was measured
    check_bytes(name, data)
    return data
