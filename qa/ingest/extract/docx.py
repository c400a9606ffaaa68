"""Word (.docx) with python-docx: body paragraphs and tables in document order.

Heading styles (and the Title style, and paragraphs with an outline level) become headings, numbered or
bulleted paragraphs become list items, tables become `| a | b |` rows (a merged cell once). Before python-docx
parses anything, the ZIP directory is checked: a part that would expand past a limit (a zip bomb) is refused.
"""

from __future__ import annotations

import re

from . import Extracted
from .archive import MAX_TOTAL_BYTES, MAX_XML_BYTES, check_archive, open_package  # noqa: F401 - the limits, re-exported
from .blocks import Writer

_HEADING_STYLE = re.compile(r"^(?:heading|überschrift|titre|título|titolo|kop)\s*(\d)$", re.I)
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def check_zip(data: bytes) -> None:
    """Refuse a corrupt archive, one without a Word body, or one whose parts expand past the limits."""
    check_archive(data, "docx")


def extract_docx(data: bytes) -> Extracted:
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    check_zip(data)
    document = open_package(docx.Document, data, "docx", (PackageNotFoundError,))
    out = Writer()
    levels = [document.element.body.iterchildren()]  # content controls nest: a stack of their children, no recursion
    while levels:
        element = next(levels[-1], None)
        if element is None:
            levels.pop()
        elif element.tag == f"{_W}p":
            _paragraph(Paragraph(element, document), out)
        elif element.tag == f"{_W}tbl":
            _table(Table(element, document), out)
        elif element.tag in (f"{_W}sdt", f"{_W}sdtContent", f"{_W}customXml"):  # content controls
            levels.append(element.iterchildren())
    title = (document.core_properties.title or "").strip()
    return Extracted(out.text, (), title)


def _level(paragraph) -> int | None:  # type: ignore[no-untyped-def]
    """Heading level from the style name or the paragraph's outline level: Title 1, Heading N (outline N) N + 1."""
    name = paragraph.style.name if paragraph.style is not None else ""
    if name.lower() == "title":
        return 1
    match = _HEADING_STYLE.match(name.strip())
    if match:
        return int(match.group(1)) + 1
    p_pr = paragraph._p.pPr
    outline = p_pr.find(f"{_W}outlineLvl") if p_pr is not None else None
    if outline is not None and outline.get(f"{_W}val", "").isdigit() and int(outline.get(f"{_W}val")) < 9:
        return int(outline.get(f"{_W}val")) + 2
    return None


def _paragraph(paragraph, out: Writer) -> None:  # type: ignore[no-untyped-def]
    text = paragraph.text
    if not text.strip():
        return
    level = _level(paragraph)
    if level is not None:
        out.heading(text, level)
        return
    p_pr = paragraph._p.pPr
    numbered = p_pr is not None and p_pr.numPr is not None
    style = (paragraph.style.name if paragraph.style is not None else "").lower()
    if numbered or "list" in style:
        depth = 0
        if numbered and p_pr.numPr.ilvl is not None and p_pr.numPr.ilvl.val is not None:
            depth = int(p_pr.numPr.ilvl.val)
        out.item(text, min(depth, 4))
        return
    out.end_run()
    out.paragraph(text)


def _table(table, out: Writer) -> None:  # type: ignore[no-untyped-def]
    from docx.text.paragraph import Paragraph

    out.end_run()
    for row in table.rows:
        cells, seen = [], set()
        for cell in row.cells:
            if id(cell._tc) in seen:  # a merged cell is repeated by python-docx
                continue
            seen.add(id(cell._tc))
            parts = [Paragraph(p, cell).text for p in cell._tc.iter(f"{_W}p")]  # in content controls, nested tables
            cells.append(" ".join(p for p in parts if p.strip()))
        out.row(cells)
    out.end_run()
