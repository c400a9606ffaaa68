"""ZIP-based formats (DOCX, PPTX, XLSX, ODT, ODS, ODP, EPUB): one check of the archive before any parser sees it.

The central directory is read and every member's declared size is checked against limits, so a zip bomb is
refused before a byte is inflated (Python's zipfile never inflates a member past its declared size). The
archive must hold the member its format needs (`word/document.xml` for DOCX, ...) and, for ODF and EPUB, a
`mimetype` member naming the format; a file of another ZIP format under the wrong name is named ("the .xlsx
file is a Word document").
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")

MAX_XML_BYTES = 64 * 1024 * 1024  # one uncompressed XML/XHTML part; real documents stay far below
MAX_TOTAL_BYTES = 512 * 1024 * 1024  # all parts together, images included
_ODF = "application/vnd.oasis.opendocument"
_MAX_MIMETYPE_BYTES = 200
_TEXT_PARTS = (".xml", ".rels", ".xhtml", ".html", ".htm", ".opf", ".ncx")


@dataclass(frozen=True)
class ZipKind:
    """What one ZIP-based format must hold, and the words its messages use."""

    label: str  # "DOCX"
    what: str  # "a Word document"
    app: str  # "Word": where to re-save a damaged file
    suffix: str  # "docx"
    required: str  # the member every file of the format has
    mimetype: str = ""  # the start of the `mimetype` member's content (ODF, EPUB), "" when the format has none


ZIP_KINDS = {
    "docx": ZipKind("DOCX", "a Word document", "Word", "docx", "word/document.xml"),
    "pptx": ZipKind("PPTX", "a PowerPoint presentation", "PowerPoint", "pptx", "ppt/presentation.xml"),
    "xlsx": ZipKind("XLSX", "an Excel workbook", "Excel", "xlsx", "xl/workbook.xml"),
    "odt": ZipKind(
        "ODT",
        "an OpenDocument text",
        "LibreOffice Writer",
        "odt",
        "content.xml",
        "application/vnd.oasis.opendocument.text",
    ),
    "ods": ZipKind(
        "ODS",
        "an OpenDocument spreadsheet",
        "LibreOffice Calc",
        "ods",
        "content.xml",
        "application/vnd.oasis.opendocument.spreadsheet",
    ),
    "odp": ZipKind(
        "ODP",
        "an OpenDocument presentation",
        "LibreOffice Impress",
        "odp",
        "content.xml",
        "application/vnd.oasis.opendocument.presentation",
    ),
    "epub": ZipKind(
        "EPUB", "an EPUB book", "the e-book editor", "epub", "META-INF/container.xml", "application/epub+zip"
    ),
}


def check_archive(data: bytes, kind: str) -> zipfile.ZipFile:
    """The open archive, after refusing a corrupt one, one of another format, or one whose parts expand past the
    limits. Raises ValueError with one line naming the value, the limit and the fix."""
    spec = ZIP_KINDS[kind]
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, EOFError, ValueError) as exc:
        raise ValueError(f"corrupt or truncated {spec.label} ({exc}); re-save it from {spec.app}") from None
    names = {m.filename for m in members}
    if spec.required not in names:
        raise ValueError(_wrong_kind(spec, names))
    if spec.mimetype:
        _check_mimetype(archive, spec)
    _check_sizes(members, spec)
    return archive


def _wrong_kind(spec: ZipKind, names: set[str]) -> str:
    for other in ZIP_KINDS.values():
        if other.required in names and other is not spec:
            return (
                f"the .{spec.suffix} file is {other.what} (it holds {other.required}, not {spec.required}); "
                f"rename it to .{other.suffix}"
            )
    return f"not {spec.what} (a ZIP archive without {spec.required}); save it as .{spec.suffix}"


def _check_mimetype(archive: zipfile.ZipFile, spec: ZipKind) -> None:
    try:
        info = archive.getinfo("mimetype")
    except KeyError:
        raise ValueError(
            f"not {spec.what} (no mimetype member in the ZIP archive); save it as .{spec.suffix}"
        ) from None
    if info.file_size > 200:
        raise ValueError(
            f"{spec.label} mimetype member has {info.file_size:,} bytes, over 200; save it as .{spec.suffix}"
        )
    try:
        declared = archive.read(info).decode("ascii", errors="replace").strip()
    except (zipfile.BadZipFile, EOFError, ValueError, OSError) as exc:
        raise ValueError(f"corrupt or truncated {spec.label} ({exc}); re-save it from {spec.app}") from None
    if not declared.startswith(spec.mimetype):
        raise ValueError(
            f"the .{spec.suffix} file declares the type '{declared[:80]}', not {spec.mimetype}; "
            "rename it to its real type or re-save it"
        )


def _check_sizes(members: list[zipfile.ZipInfo], spec: ZipKind) -> None:
    total = 0
    for member in members:
        total += member.file_size
        if member.filename.lower().endswith(_TEXT_PARTS) and member.file_size > MAX_XML_BYTES:
            raise ValueError(
                f"{spec.label} part {member.filename} expands to {member.file_size:,} bytes, over the "
                f"{MAX_XML_BYTES:,}-byte limit (a zip bomb?); split the document"
            )
    if total > MAX_TOTAL_BYTES:
        raise ValueError(
            f"{spec.label} expands to {total:,} bytes, over the {MAX_TOTAL_BYTES:,}-byte limit (a zip bomb?); "
            "split the document"
        )


# the main part of the Word and PowerPoint packages and the content type python-docx and python-pptx accept for it
_MAIN_PARTS = {
    "docx": ("/word/document.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"),
    "pptx": (
        "/ppt/presentation.xml",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
    ),
}
_CONTENT_TYPES = "[Content_Types].xml"
_OVERRIDE = "{http://schemas.openxmlformats.org/package/2006/content-types}Override"


def as_plain_package(data: bytes, kind: str) -> bytes:
    """A macro-enabled document, a template or a slide show (.docm, .dotx, .pptm, .ppsx, .potx …) is the plain
    package with another content type declared for its main part, which python-docx and python-pptx refuse: the
    bytes with the plain type declared instead (the package rebuilt in memory, uncompressed), unchanged when the
    type already is the plain one. Macros are never run: only the text parts are read."""
    part, plain = _MAIN_PARTS[kind]
    archive = check_archive(data, kind)
    if _CONTENT_TYPES not in set(archive.namelist()):
        return data
    types = parse_xml(
        read_member(archive, _CONTENT_TYPES, ZIP_KINDS[kind].label), f"{ZIP_KINDS[kind].label} content types"
    )
    main = [o for o in types.iter(_OVERRIDE) if (o.get("PartName") or "").lower() == part]
    declared = main[0].get("ContentType", "") if main else plain
    if declared == plain or not declared.endswith("main+xml"):
        return data
    main[0].set("ContentType", plain)
    from lxml import etree

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as rebuilt:
        for member in archive.infolist():
            body = (
                etree.tostring(types, xml_declaration=True, encoding="UTF-8")
                if member.filename == _CONTENT_TYPES
                else None
            )
            rebuilt.writestr(
                member.filename,
                body if body is not None else read_member(archive, member.filename, ZIP_KINDS[kind].label),
            )
    return buffer.getvalue()


def open_package(load: Callable[[io.BytesIO], T], data: bytes, kind: str, errors: tuple[type, ...] = ()) -> T:
    """`load` (python-docx, python-pptx, openpyxl) run on the bytes; whatever a damaged part makes it raise (its own
    package error, lxml's XMLSyntaxError, a KeyError for a missing part) becomes one line naming the format and
    the program to re-save it with."""
    spec = ZIP_KINDS[kind]
    try:
        return load(io.BytesIO(data))
    except (*errors, KeyError, ValueError, TypeError, zipfile.BadZipFile) as exc:
        reason = f"{type(exc).__name__}: {str(exc)[:80]}"
    except Exception as exc:  # noqa: BLE001 - lxml raises its own errors for damaged parts
        reason = type(exc).__name__
    raise ValueError(f"corrupt {spec.label} ({reason}); re-save it from {spec.app}")


def read_member(archive: zipfile.ZipFile, name: str, label: str) -> bytes:
    """One member's bytes (its size was checked by `check_archive`); a missing or damaged one is a ValueError."""
    try:
        return archive.read(name)
    except KeyError:
        raise ValueError(
            f"{label} names the part {name[:120]}, which is not in the archive; re-save the file"
        ) from None
    except (zipfile.BadZipFile, EOFError, ValueError, OSError) as exc:
        raise ValueError(f"corrupt {label} part {name[:120]} ({str(exc)[:80]}); re-save the file") from None


def parse_xml(data: bytes, what: str):  # type: ignore[no-untyped-def]
    """An XML part parsed with lxml, entities not expanded and no network (a document's XML is untrusted)."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise ValueError(f"corrupt {what} ({str(exc)[:100]}); re-save the file") from None
    if root is None:
        raise ValueError(f"empty {what}; re-save the file")
    return root
