"""Word (.docx) with python-docx: body paragraphs and tables in document order.

Heading styles (and the Title style, and paragraphs with an outline level) become headings, numbered or
bulleted paragraphs become list items, tables become `| a | b |` rows (a merged cell once). Footnotes, endnotes
and text boxes are written after the paragraph that anchors them (after the table, for one anchored in a cell),
as the OpenDocument reader writes them: a text box drawn twice (the drawing and its VML fallback for old Word) is
read once; charts and SmartArt diagrams likewise (charts.py, diagrams.py). A chunk of another format Word imports on
opening (`w:altChunk`: HTML, a web archive, RTF, text) is read by that format's reader where it stands. Headers,
footers and comments are left out. A document with next to no text of its own (fewer than SCANNED_BELOW_CHARS
characters: a scan pasted into Word) has its pictures read by OCR, as a scanned PDF page is. Before python-docx
parses anything, the ZIP directory is checked: a part that would expand past a limit (a zip bomb) is refused.
"""

from __future__ import annotations

import re

from . import Extracted
from .archive import (  # noqa: F401 - the limits, re-exported
    MAX_TOTAL_BYTES,
    MAX_XML_BYTES,
    as_plain_package,
    check_archive,
    open_package,
    parse_xml,
)
from .blocks import SPANNED_LABEL_CHARS, Writer, clean, merged_names
from .charts import write_chart
from .diagrams import write_diagram
from .embedded import SCANNED_BELOW_CHARS, write_scans, write_workbook
from .tableshape import table_lines

_HEADING_STYLE = re.compile(r"^(?:heading|überschrift|titre|título|titolo|kop)\s*(\d)$", re.I)
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_NOTE_PARTS = {  # reference element → (relationship type of the notes part, its note element)
    "footnoteReference": ("footnotes", "footnote"),
    "endnoteReference": ("endnotes", "endnote"),
}
_RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
_R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_CHART = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"
_DIAGRAM = "{http://schemas.openxmlformats.org/drawingml/2006/diagram}"
_OFFICE = "{urn:schemas-microsoft-com:office:office}"
_A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
_CHUNK_KINDS = {  # an altChunk part's content type → the reader of its format
    "text/html": "html",
    "application/xhtml+xml": "html",
    "message/rfc822": "mht",
    "application/rtf": "rtf",
    "text/rtf": "rtf",
    "text/plain": "txt",
}


def check_zip(data: bytes) -> None:
    """Refuse a corrupt archive, one without a Word body, or one whose parts expand past the limits."""
    check_archive(data, "docx")


def extract_docx(data: bytes) -> Extracted:
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    check_zip(data)
    document = open_package(docx.Document, as_plain_package(data, "docx"), "docx", (PackageNotFoundError,))
    out = Writer()
    notes = _notes(document)
    # content controls and text boxes nest: a stack of children, no recursion; a text box's blocks are pushed
    # after its paragraph (or table) is written
    levels = [document.element.body.iterchildren()]
    while levels:
        element = next(levels[-1], None)
        if element is None:
            levels.pop()
            continue
        if element.tag == f"{_W}p":
            _paragraph(Paragraph(element, document), out)
        elif element.tag == f"{_W}tbl":
            _table(Table(element, document), out)
        elif element.tag in (f"{_W}sdt", f"{_W}sdtContent", f"{_W}customXml"):  # content controls
            levels.append(element.iterchildren())
            continue
        elif element.tag == f"{_W}altChunk":
            _alt_chunk(element, document.part, out)
            continue
        else:
            continue
        _write_notes(element, notes, out)
        _write_drawings(element, document.part, out)
        boxes = _text_boxes(element)
        if boxes:
            levels.append(child for box in boxes for child in box.iterchildren())
    title = (document.core_properties.title or "").strip()
    scanned = write_scans(_pictures(document), out) if len(clean(out.text)) < SCANNED_BELOW_CHARS else []
    return Extracted(out.text, (), title, ocr_spans=tuple(scanned))


def _pictures(document) -> list[bytes]:  # type: ignore[no-untyped-def]
    """The pictures the body shows, in order, each once (not a fallback's copy)."""
    found, seen = [], set()
    body = document.element.body
    for blip in body.iter(f"{_A}blip"):
        rid = blip.get(f"{_R}embed", "")
        related = (
            document.part.related_parts.get(rid) if rid not in seen and not _inside(blip, body, (_FALLBACK,)) else None
        )
        seen.add(rid)
        if related is not None and related.content_type.startswith("image/"):
            found.append(related.blob)
    return found


def _alt_chunk(element, part, out: Writer) -> None:  # type: ignore[no-untyped-def]
    """A chunk of another format that Word imports when it opens the file (HTML, a web archive, RTF, plain text;
    converters such as html-docx-js write a whole document so), read by that format's reader where it stands. A Word
    document as a chunk is not read (no document in a document in a document …)."""
    from . import extract

    related = part.related_parts.get(element.get(f"{_R}id", ""))
    kind = _CHUNK_KINDS.get(related.content_type.split(";")[0].strip()) if related is not None else None
    if kind is None:
        return
    try:
        read = extract(kind, related.blob, str(related.partname))
    except ValueError as exc:
        raise ValueError(f"its embedded {kind.upper()} chunk could not be read ({exc})") from None
    out.end_run()
    out.extend(read.text, 1)


def _notes(document) -> dict[tuple[str, str], list[str]]:  # type: ignore[no-untyped-def]
    """Each footnote's and endnote's paragraphs, by (reference element, note id); the separator notes Word keeps
    for drawing the line above them have no text and are left out."""
    found: dict[tuple[str, str], list[str]] = {}
    for reference, (part_name, note_tag) in _NOTE_PARTS.items():
        for rel in document.part.rels.values():
            if rel.is_external or rel.reltype != _RELATIONSHIPS + part_name:
                continue
            root = parse_xml(rel.target_part.blob, f"DOCX {part_name} part")
            for note in root.iter(f"{_W}{note_tag}"):
                texts = [_plain_text(p) for p in note.iter(f"{_W}p")]
                if any(t.strip() for t in texts):
                    found[(reference, note.get(f"{_W}id", ""))] = texts
    return found


def _plain_text(paragraph) -> str:  # type: ignore[no-untyped-def]
    """A paragraph's text from a part python-docx does not load (its text runs, tabs and breaks as spaces)."""
    parts = []
    for node in paragraph.iter(f"{_W}t", f"{_W}tab", f"{_W}br", f"{_W}cr"):
        parts.append(node.text or "" if node.tag == f"{_W}t" else " ")
    return "".join(parts)


def _write_notes(element, notes: dict[tuple[str, str], list[str]], out: Writer) -> None:  # type: ignore[no-untyped-def]
    """The notes the block's references name, as paragraphs after it (each once, in reference order)."""
    if not notes:
        return
    for reference in element.iter(*(f"{_W}{name}" for name in _NOTE_PARTS)):
        key = (reference.tag[len(_W) :], reference.get(f"{_W}id", ""))
        for text in notes.pop(key, ()):
            if text.strip():
                out.end_run()
                out.paragraph(text)


def _write_drawings(element, part, out: Writer) -> None:  # type: ignore[no-untyped-def]
    """The charts, SmartArt diagrams and embedded workbooks drawn in a block (not a fallback's) after it: a chart as
    its title and its data's tables, a diagram as its text's outline, a workbook as its sheets' tables."""
    for drawn in element.iter(f"{_CHART}chart", f"{_DIAGRAM}relIds", f"{_OFFICE}OLEObject"):
        if _inside(drawn, element, (_FALLBACK,)):
            continue
        if drawn.tag == f"{_OFFICE}OLEObject":
            related = part.related_parts.get(drawn.get(f"{_R}id", ""))
            if related is not None:
                write_workbook(related.blob, out)
            continue
        chart = drawn.tag == f"{_CHART}chart"
        related = part.related_parts.get(drawn.get(f"{_R}id" if chart else f"{_R}dm", ""))
        if related is not None:
            (write_chart if chart else write_diagram)(related.blob, out)


def _text_boxes(element) -> list:  # type: ignore[no-untyped-def]
    """The outermost text boxes drawn in a block (a box inside a box is written after its own paragraph), not those
    of a VML fallback (the same box again, for old Word)."""
    return [box for box in element.iter(f"{_W}txbxContent") if not _inside(box, element, (_FALLBACK, box.tag))]


def _inside(node, block, tags: tuple[str, ...]) -> bool:  # type: ignore[no-untyped-def]
    """Whether an element between `node` and `block` (exclusive) has one of `tags`."""
    for ancestor in node.iterancestors():
        if ancestor is block:
            return False
        if ancestor.tag in tags:
            return True
    return False


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
    out.end_run()
    rows = list(table.rows)
    for cells in table_lines(_with_merged_header(rows, _table_rows(rows))):  # blank tail, side by side: tableshape.py
        out.row(cells)
    out.end_run()


def _table_rows(rows: list) -> list[tuple[list[str], list[str]]]:  # type: ignore[type-arg]
    """Each row's cells in their columns — a cell merged across columns followed by empty cells, one merged down
    rows repeated in each only as a short label, as HTML's — and the same row with a merged cell's text in every
    column it spans (for a header's names)."""
    from docx.text.paragraph import Paragraph

    out = []
    above: set = set()  # type: ignore[type-arg]  # the cells of the rows above (their elements, held: not ids)
    for row in rows:  # python-docx repeats a merged cell in each column and row it spans
        cells, spread, seen = [], [], set()
        for cell in row.cells:
            if cell._tc in seen:  # spanning columns: an empty cell after its first
                cells.append("")
                spread.append(spread[-1])
                continue
            seen.add(cell._tc)
            parts = [Paragraph(p, cell).text for p in _cell_paragraphs(cell._tc)]
            text = " ".join(p for p in parts if p.strip())
            spans_rows = cell._tc in above  # repeated in the rows it spans when a short label ("Single")
            cells.append("" if spans_rows and len(text) > SPANNED_LABEL_CHARS else text)
            spread.append(cells[-1])
        above |= seen
        out.append((cells, spread))
    return out


def _with_merged_header(rows, cells: list[tuple[list[str], list[str]]]) -> list[list[str]]:  # type: ignore[no-untyped-def]
    """The rows' cells, a header of two rows written as one when Word marks both as header rows ("Repeat as header
    row", `w:tblHeader`) and a name of the first spans columns ("Votes" over "Number | %"): each column named by
    both ("Votes Number"), as the HTML reader writes such a header."""
    written = [row_cells for row_cells, _ in cells]
    if len(cells) < 3 or not all(_header_row(row) for row in rows[:2]) or cells[0][0] == cells[0][1]:
        return written
    return [merged_names(cells[0][1], cells[1][0]), *written[2:]]


def _header_row(row) -> bool:  # type: ignore[no-untyped-def]
    """Whether Word repeats the row as a header row on each page (`w:tblHeader` set)."""
    properties = row._tr.trPr
    marked = properties.find(f"{_W}tblHeader") if properties is not None else None
    return marked is not None and marked.get(f"{_W}val", "true") not in ("0", "false", "off")


def _cell_paragraphs(cell) -> list:  # type: ignore[no-untyped-def]
    """A cell's paragraphs, in content controls and nested tables too; not those of its text boxes (written after
    the table)."""
    return [p for p in cell.iter(f"{_W}p") if not _inside(p, cell, (f"{_W}txbxContent",))]
