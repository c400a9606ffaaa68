"""EPUB read with zipfile and lxml (ebooklib is AGPL-3.0): the chapters in spine order, each a section.

container.xml names the package (OPF) file; its manifest maps ids to files and its spine orders them. Each
XHTML chapter goes through the HTML extractor, and is written under a `# ` heading named by its title (the
chapter's `<h1>`, `<title>` or first heading, else its file name); the chapter's own headings nest under it,
and a first heading that only repeats the title ("I", or an `<hgroup>` of "I" and "A Letter with a Postscript",
under "I: A Letter with a Postscript") is dropped. The book's title is the OPF's dc:title. The archive is checked
for zip bombs as a DOCX is.
"""

from __future__ import annotations

import posixpath
import re
from urllib.parse import unquote

from . import Extracted
from .archive import check_archive, parse_xml, read_member
from .blocks import Writer, clean, name_title

_OPF = "{http://www.idpf.org/2007/opf}"
_CONTAINER = "{urn:oasis:names:tc:opendocument:xmlns:container}"
_DC_TITLE = "{http://purl.org/dc/elements/1.1/}title"
_CHAPTER_TYPES = ("application/xhtml+xml", "text/html")
_HEADING_LINE = re.compile(r"^(#{1,6}) (.*)$", re.M)


def extract_epub(data: bytes) -> Extracted:
    archive = check_archive(data, "epub")
    container = parse_xml(read_member(archive, "META-INF/container.xml", "EPUB"), "EPUB container.xml")
    rootfile = next((r.get("full-path") for r in container.iter(f"{_CONTAINER}rootfile") if r.get("full-path")), None)
    if not rootfile:
        raise ValueError("EPUB container.xml names no package file (rootfile); re-save the book")
    package = parse_xml(read_member(archive, rootfile, "EPUB container.xml"), f"EPUB package {rootfile[:80]}")
    title_node = next(package.iter(_DC_TITLE), None)
    title = clean(title_node.text or "") if title_node is not None else ""
    out = Writer()
    for path in _spine(package, posixpath.dirname(rootfile)):
        _chapter(read_member(archive, path, "the EPUB spine"), path, out)
    if not out.text:
        raise ValueError("no text in the EPUB's chapters (its spine lists no readable XHTML); re-save the book")
    return Extracted(out.text, (), title)


def _spine(package, base: str) -> list[str]:  # type: ignore[no-untyped-def]
    """Archive paths of the spine's XHTML documents in reading order (the navigation document left out)."""
    manifest = {}
    for item in package.iter(f"{_OPF}item"):
        properties = (item.get("properties") or "").split()
        if item.get("media-type") in _CHAPTER_TYPES and "nav" not in properties and item.get("href"):
            manifest[item.get("id")] = posixpath.normpath(posixpath.join(base, unquote(item.get("href"))))
    paths = [manifest[ref.get("idref")] for ref in package.iter(f"{_OPF}itemref") if ref.get("idref") in manifest]
    if not paths:
        raise ValueError("the EPUB's spine lists no XHTML chapter; re-save the book")
    return paths


def _chapter(data: bytes, path: str, out: Writer) -> None:
    """One spine document as a section: a heading with its title, its text with headings one level lower."""
    from .html import extract_html

    try:
        chapter = extract_html(data)
    except ValueError:  # no <body>: a cover made of an image only
        return
    if not chapter.text.strip():
        return
    text = chapter.text
    label = chapter.title or _first_heading(text) or name_title(path)
    first = _HEADING_LINE.match(text)
    if first and _repeats(first.group(2), label):
        text = text[first.end() :]
    out.end_run()
    out.heading(label, 1)
    out.extend(text, 2)


def _first_heading(text: str) -> str:
    match = _HEADING_LINE.search(text)
    return match.group(2) if match else ""


def _repeats(heading: str, label: str) -> bool:
    """Whether a heading only repeats the chapter's title: the same, or its start ('I' of 'I: A Letter')."""
    heading, label = clean(heading).casefold(), clean(label).casefold()
    return label == heading or (label.startswith(heading) and not label[len(heading)].isalnum())
