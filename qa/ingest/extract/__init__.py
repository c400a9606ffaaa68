"""Extract stage: turn a document (PDF, HTML, Word, PowerPoint, Excel, CSV, EPUB, OpenDocument text, e-mail,
Outlook message, RTF, Markdown or plain text; a ZIP archive of them) or a page image (PNG, JPEG, TIFF, WebP, BMP:
read by OCR) into the markdown-like text the segmenter reads.

Every format ends up in one shape (see qa/sentences.py): `# ` heading lines with levels, `- ` list items,
`| a | b |` table rows, blank lines between paragraphs. So headings, lists and tables flow through the chunker
unchanged, and character offsets of passages point into this extracted text (stored with the index).
Each extractor raises ValueError with a one-line reason for a file it cannot read.
"""

from __future__ import annotations

import logging
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from importlib import import_module
from pathlib import PurePosixPath

from .archive import ZIP_KINDS

log = logging.getLogger(__name__)
PageFn = Callable[[int, int], None]  # (pages read, pages in the file)
_on_page: ContextVar[PageFn | None] = ContextVar("qa_extract_on_page", default=None)

# macro-enabled documents, templates and slide shows are the same packages (and binary files) as the plain format
KINDS = {
    ".pdf": "pdf",
    ".html": "html",
    ".htm": "html",
    ".mht": "mht",
    ".mhtml": "mht",
    ".docx": "docx",
    ".docm": "docx",
    ".dotx": "docx",
    ".dotm": "docx",
    ".doc": "doc",
    ".dot": "doc",
    ".pptx": "pptx",
    ".pptm": "pptx",
    ".ppsx": "pptx",
    ".ppsm": "pptx",
    ".potx": "pptx",
    ".potm": "pptx",
    ".ppt": "ppt",
    ".pps": "ppt",
    ".pot": "ppt",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".xltx": "xlsx",
    ".xltm": "xlsx",
    ".xls": "xls",
    ".xlt": "xls",
    ".odt": "odt",
    ".ott": "odt",
    ".ods": "ods",
    ".ots": "ods",
    ".odp": "odp",
    ".otp": "odp",
    ".epub": "epub",
    ".csv": "csv",
    ".eml": "eml",
    ".mbox": "mbox",
    ".msg": "msg",
    ".rtf": "rtf",
    ".zip": "zip",
    ".md": "md",
    ".txt": "txt",
    ".png": "image",
    ".jpg": "image",
    ".jpeg": "image",
    ".tif": "image",
    ".tiff": "image",
    ".webp": "image",
    ".bmp": "image",
}
READABLE = (
    "PDF, HTML (and MHT web archives), DOCX, DOC, PPTX, PPT, XLSX, XLS, ODT, ODS, ODP, EPUB, CSV, EML, MBOX, MSG, RTF, "
    "TXT or MD files (Office and OpenDocument templates, macro-enabled files and slide shows too), "
    "PNG/JPEG/TIFF/WebP/BMP scans, or ZIP archives of them"
)
# kind: (module in this package, its function, whether it takes the file name)
_READERS = {
    "pdf": ("pdf", "extract_pdf", False),
    "html": ("html", "extract_html", False),
    "mht": ("mhtml", "extract_mhtml", False),
    "docx": ("docx", "extract_docx", False),
    "doc": ("doc", "extract_doc", True),
    "pptx": ("pptx", "extract_pptx", False),
    "ppt": ("ppt", "extract_ppt", True),
    "xlsx": ("xlsx", "extract_xlsx", True),
    "xls": ("xls", "extract_xls", True),
    "odt": ("odt", "extract_odt", False),
    "ods": ("ods", "extract_ods", True),
    "odp": ("odp", "extract_odp", True),
    "epub": ("epub", "extract_epub", False),
    "csv": ("csv", "extract_csv", True),
    "eml": ("email", "extract_email", True),
    "mbox": ("mbox", "extract_mbox", True),
    "msg": ("msg", "extract_msg", True),
    "rtf": ("rtf", "extract_rtf", False),
    "md": ("text", "extract_text", True),
    "txt": ("text", "extract_text", True),
    "image": ("image", "extract_image", False),
    "zip": ("ziparchive", "extract_zip", True),
    "tnef": ("tnef", "extract_tnef", True),  # only inside an e-mail: Outlook's winmail.dat
    "xmlsheet": ("xmlsheet", "extract_spreadsheetml", True),
}
# kinds whose pages are slides, each opened by its title as a heading (`untitled_slide_heading` when it has none)
SLIDE_KINDS = frozenset({"pptx", "ppt", "odp"})
# An old Office name over text: Word opens an RTF or HTML file named .doc, Excel an HTML table, an Excel 2003 XML
# spreadsheet or delimited text named .xls, and web applications export them so; such a file is read by what its
# text is (`reader_kind`). Plain text named .doc is still refused.
_DISGUISES = {"doc": ("rtf", "html"), "xls": ("xmlsheet", "html", "csv")}
_SPREADSHEETML = b"urn:schemas-microsoft-com:office:spreadsheet"


@dataclass(frozen=True)
class AttachedPart:
    """A document read inside another: an e-mail's attachment. Its name and kind, its place among the message's
    attachments (`number`, 1-based: how its bytes are found again to open or download it, see `attached_file`),
    the stretch of the message's text it was written to ([start, end): its `# Attachment:` heading first), and
    where each of its pages starts (offsets into the message's text, page 1 first; () without pages)."""

    name: str
    kind: str
    number: int
    start: int
    end: int
    pages: tuple[int, ...] = ()

    def holds(self, offset: int) -> bool:
        return self.start <= offset < self.end

    def page_at(self, offset: int) -> int | None:
        """The part's 1-based page holding `offset`, or None outside its pages."""
        if not self.pages or not self.pages[0] <= offset < self.end:
            return None
        return bisect_right(self.pages, offset)


def part_at(parts: Iterable[AttachedPart], offset: int) -> AttachedPart | None:
    """The attachment whose text holds `offset`, or None (the message's own text)."""
    return next((part for part in parts if part.holds(offset)), None)


_PART_WORDS = {
    "zip": "File",
    "tnef": "File",
    "mbox": "Message",
}  # what a part of a container of this kind is called; else "Attachment"


def untitled_slide_heading(number: int) -> str:
    """The heading written above a slide without a title, so its text is not filed under the slide before."""
    return f"Slide {number}"


def attachment_heading(name: str, container: str | None = None) -> str:
    """The heading a message's text puts above an attachment read as a section of it ("Attachment: name"), an
    archive's above one of its files ("File: path"), a mailbox's above one of its messages ("Message: subject")."""
    return f"{_PART_WORDS.get(container or '', 'Attachment')}: {name}"


@dataclass(frozen=True)
class Extracted:
    """Document text, the offset where each page starts (page 1 first; () without pages) and a title if known;
    the pages whose text was read by OCR (1-based), and in a document without pages the stretches of text OCR
    read (start, end offsets: an e-mail's scanned attachment); warnings about the file (an OCR page left out); in
    a message, the attachments read as documents of their own (`AttachedPart`: an attached PDF keeps its pages)."""

    text: str
    pages: tuple[int, ...] = ()
    title: str = ""
    ocr_pages: tuple[int, ...] = ()
    warnings: tuple[str, ...] = ()
    ocr_spans: tuple[tuple[int, int], ...] = ()
    parts: tuple[AttachedPart, ...] = ()


@contextmanager
def pages_reported_to(on_page: PageFn | None) -> Iterator[None]:
    """While the block runs (in this thread), extractors that know their pages call `on_page(read, total)` after
    each page: a build can say "page 12 of 135" of a long PDF instead of nothing until the file is done. A context
    variable rather than a parameter, so no extractor signature carries progress plumbing."""
    token = _on_page.set(on_page)
    try:
        yield
    finally:
        _on_page.reset(token)


def page_read(read: int, total: int) -> None:
    """Called by an extractor after each page; reports to the `pages_reported_to` callback, if any. A failing
    callback is logged, never raised: a progress report must not make a readable file look unreadable."""
    on_page = _on_page.get()
    if on_page is None:
        return
    try:
        on_page(read, total)
    except Exception:  # noqa: BLE001 - the extractor's caller would turn it into "file skipped"
        log.warning("page progress callback failed", exc_info=True)


def kind_of(name: str) -> str | None:
    """The format a file name claims by its suffix ("pdf", "html", ...), or None for one we do not read."""
    lower = name.lower()
    for suffix, kind in KINDS.items():
        if lower.endswith(suffix):
            return kind
    return None


def sniff(data: bytes) -> str:
    """What the bytes are, from their magic numbers: "pdf", "zip", "ole" (an OLE compound file: an old .doc/.xls,
    an Outlook .msg), "gzip", "image", "binary" (NUL bytes, unless after a UTF-16 or UTF-32 mark) or "text". Only
    the start of the file is read. The OLE signature is checked first: it stands at offset 0, while an .msg's first
    sector may hold an attached PDF."""
    head = data[:1024]
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"
    if b"%PDF-" in head:
        return "pdf"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "zip"
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    if head.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"RIFF", b"II*\x00", b"MM\x00*")) or _bitmap(head):
        return "image"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # a UTF-16 or UTF-32 byte-order mark: text with zero bytes
        return "text"
    if b"\x00" in data[:8192]:
        return "binary"
    return "text"


def _bitmap(head: bytes) -> bool:
    """A Windows bitmap: "BM", its size, then four reserved zero bytes (not any text starting "BM")."""
    return head.startswith(b"BM") and len(head) >= 14 and head[6:10] == b"\x00" * 4


_NAMES = {
    "pdf": "a PDF",
    "zip": "a ZIP archive",
    "ole": "an OLE compound file (an old binary Office file such as .doc/.xls, or an Outlook .msg)",
    "gzip": "gzip data",
    "image": "an image",
    "binary": "binary data",
    "text": "text",
}
_EXPECTED = {
    **{kind: ("zip",) for kind in ZIP_KINDS},
    **{kind: ("text",) for kind in ("html", "mht", "csv", "eml", "mbox", "rtf", "md", "txt")},
    "pdf": ("pdf",),
    "doc": ("ole",),  # a Word 97–2003 document; doc.py refuses an OLE file without one
    "ppt": ("ole",),  # a PowerPoint 97–2003 presentation; ppt.py refuses an OLE file without one
    "xls": ("ole",),  # an Excel 97–2003 workbook; xls.py refuses an OLE file without one
    "msg": ("ole",),  # an Outlook message; msg.py refuses an OLE file that is not one (an old .doc)
    "image": ("image",),
    "xmlsheet": ("text",),
    "zip": ("zip",),
    "tnef": tuple(_NAMES),  # its reader checks its own signature (the files it packs may look like anything)
}
_TEXT_KINDS = ("txt", "md", "html", "mht", "csv", "eml", "mbox", "rtf")


def check_content(kind: str, data: bytes, name: str = "") -> None:
    """Raise ValueError when the bytes are not what the file's extension says (a .pdf that is HTML, a .txt PDF);
    the message names the extension of `name` (a .docm is read as a .docx), else the kind's."""
    found = sniff(data)
    if found not in _EXPECTED[kind]:
        if kind in _TEXT_KINDS and found not in ("pdf", "zip", "ole"):
            return  # other binary data: the text reader names it ("binary file (contains NUL bytes)")
        suffix = PurePosixPath(name).suffix.lower() or f".{kind}"
        extension = "image (.png/.jpg/.tif/.webp/.bmp)" if kind == "image" else suffix
        raise ValueError(
            f"the {extension} extension does not match the content, which is {_NAMES[found]}; "
            "rename the file to its real type or remove it"
        )


def reader_kind(kind: str, data: bytes) -> str:
    """The kind whose reader reads the bytes: `kind`, or for a .doc or .xls that is text, what the text is (RTF,
    HTML, an Excel 2003 XML spreadsheet, delimited text) when Word or Excel would open it so."""
    if kind not in _DISGUISES or sniff(data) != "text":
        return kind
    head = data[:4096]
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith(b"{\\rtf"):
        found = "rtf"
    elif start.startswith(b"<?xml") and _SPREADSHEETML in head:
        found = "xmlsheet"
    elif start.startswith((b"<!doctype html", b"<html", b"<table")) or b"<html" in start[:1024]:
        found = "html"
    else:
        found = "csv"
    return found if found in _DISGUISES[kind] else kind


def extract(kind: str, data: bytes, name: str) -> Extracted:
    """Dispatch on the file kind (or what a disguised old Office file really is, `reader_kind`); the format modules
    are imported only when a file of theirs is read."""
    kind = reader_kind(kind, data)
    check_content(kind, data, name)
    module, function, takes_name = _READERS[kind]
    reader = getattr(import_module(f".{module}", __name__), function)
    return reader(data, name) if takes_name else reader(data)


_ATTACHED_FILES = {
    "eml": ("email", "attached_email_file"),
    "msg": ("msg", "attached_msg_file"),
    "zip": ("ziparchive", "archived_file"),
    "mbox": ("mbox", "mbox_message_file"),
}


CONTAINER_KINDS = tuple(_ATTACHED_FILES)  # files whose parts are documents of their own, opened by number


def in_collection(container: str | None) -> bool:
    """Whether a part of a file of this kind is a file "in" it (an archive's file, a mailbox's message) rather than
    one "attached to" it (an e-mail's attachment)."""
    return container in _PART_WORDS


def attached_file(kind: str, data: bytes, number: int) -> tuple[str, bytes]:
    """(file name, bytes) of attachment `number` (`AttachedPart.number`) of a message of `kind` ("eml", "msg") or
    file `number` of a ZIP archive, to open or download it; ValueError for another kind or a message (archive)
    without that attachment (file)."""
    if kind not in _ATTACHED_FILES:
        raise ValueError(f"a .{kind} file has no attachments")
    module, function = _ATTACHED_FILES[kind]
    return getattr(import_module(f".{module}", __name__), function)(data, number)
