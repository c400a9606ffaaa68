"""OpenDocument text (.odt) read from its content.xml with lxml (odfpy adds nothing we need).

`text:h` headings keep their outline level (one below a paragraph in the Title style, as for Word) and the
number the document's outline style gives them ("2.1 Header"), since the text refers to sections by it.
Paragraphs, list items at their depth, and tables as `| a | b |` rows (merged cells in their columns) follow in document
order; spaces, tabs and line breaks inside a paragraph are kept as spaces; footnotes, text boxes and charts are
written after the paragraph that anchors them (a chart, an object embedded in the file, as its title and its data
table: `EmbeddedCharts`). Generated indexes (the table of contents), tracked deletions,
comments and forms are left out. Every walk keeps its own stack: deep nesting costs memory, not recursion.
The OpenDocument spreadsheet and presentation readers (ods.py, odp.py) share its `open_body`, `document_title`,
`table_rows`, `cell_text` and `write_blocks`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator

from ..tokens import has_letter
from . import Extracted
from .archive import ZIP_KINDS, check_archive, parse_xml, read_member
from .blocks import SPANNED_LABEL_CHARS, Writer, clean, merged_names
from .tableshape import InnerTables, names_over_names, spread_names, table_lines, with_inner_rows

_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_STYLE = "{urn:oasis:names:tc:opendocument:xmlns:style:1.0}"
_DRAW = "{urn:oasis:names:tc:opendocument:xmlns:drawing:1.0}"
_DC_TITLE = "{http://purl.org/dc/elements/1.1/}title"
_CHART = "{urn:oasis:names:tc:opendocument:xmlns:chart:1.0}"
_HREF = "{http://www.w3.org/1999/xlink}href"
_SKIPPED = {
    f"{_TEXT}{name}"
    for name in (
        "table-of-content",
        "alphabetical-index",
        "illustration-index",
        "table-index",
        "object-index",
        "user-index",
        "bibliography",
        "tracked-changes",
        "sequence-decls",
        "variable-decls",
        "user-field-decls",
        "dde-connection-decls",
    )
} | {f"{_OFFICE}forms", f"{_OFFICE}annotation", f"{_OFFICE}annotation-end", f"{_TABLE}covered-table-cell"}
_INLINE_SKIPPED = {f"{_TEXT}note-citation", f"{_OFFICE}annotation", f"{_TEXT}bookmark-ref"}
_ROW_GROUPS = {f"{_TABLE}{n}" for n in ("table-header-rows", "table-rows", "table-row-group")}
_CELL_TAGS = (f"{_TABLE}table-cell", f"{_TABLE}covered-table-cell")
MAX_REPEATED_CELLS = 256  # a text table's cell repeated more often than this is written this many times
MAX_TABLE_COUNT = 10**9  # a repeat or span count past this is read as this (a sheet's cell budget stops it long before)


def extract_odt(data: bytes) -> Extracted:
    archive, content, body = open_body(data, "odt", "text")
    names = set(archive.namelist())
    numbering = (
        _Outline(parse_xml(read_member(archive, "styles.xml", "ODT"), "ODT styles.xml"))
        if ("styles.xml" in names)
        else _Outline(None)
    )
    title = document_title(archive)
    out = Writer()
    _walk(body, out, numbering, _title_styles(content), EmbeddedCharts(archive, "ODT"))
    return Extracted(out.text, (), title)


class EmbeddedCharts:
    """The charts embedded in an OpenDocument file (each an object folder with its own content.xml), written where a
    frame shows them: the chart's title, then its data table as `| a | b |` rows (categories down, series across).
    Each object is written once, however often it is shown; other embedded objects (formulas, documents) are not
    read."""

    def __init__(self, archive, label: str) -> None:  # type: ignore[no-untyped-def]
        self.archive = archive
        self.label = label
        self.names = set(archive.namelist())
        self.written: set[str] = set()

    def write(self, element, out: Writer) -> None:  # type: ignore[no-untyped-def]
        name = (element.get(_HREF) or "").removeprefix("./").strip("/") + "/content.xml"
        if name in self.written or name not in self.names:
            return
        self.written.add(name)
        root = parse_xml(read_member(self.archive, name, self.label), f"{self.label} embedded object")
        chart = next(root.iter(f"{_CHART}chart"), None)
        if chart is None:
            return
        title = chart.find(f"{_CHART}title")
        out.end_run()
        if title is not None and clean(cell_text(title)):
            out.paragraph(cell_text(title))
        for table in chart.iter(f"{_TABLE}table"):
            _table(table, out)


def open_body(data: bytes, kind: str, body: str):  # type: ignore[no-untyped-def]
    """(archive, content.xml root, its `office:<body>` element) of an OpenDocument file of `kind` ("odt", "ods",
    "odp"), after the archive's checks; a file without that body is refused naming what it is not."""
    archive = check_archive(data, kind)
    label = kind.upper()
    content = parse_xml(read_member(archive, "content.xml", label), f"{label} content.xml")
    found = content.find(f"{_OFFICE}body/{_OFFICE}{body}")
    if found is None:
        raise ValueError(f"not {ZIP_KINDS[kind].what} (content.xml has no office:{body} body); save it as .{kind}")
    return archive, content, found


def _title_styles(content) -> set[str]:  # type: ignore[no-untyped-def]
    """Names of the paragraph styles that are the Title style or automatic styles derived from it."""
    titles = {"Title"}
    for style in content.iter(f"{_STYLE}style"):
        if style.get(f"{_STYLE}parent-style-name") == "Title":
            titles.add(style.get(f"{_STYLE}name"))
    return titles


class _Outline:
    """Heading numbers from the document's outline style: counters per level, shown as its levels ask."""

    def __init__(self, styles) -> None:  # type: ignore[no-untyped-def]
        self.formats: dict[int, tuple[str, int, str, str]] = {}
        self.counters = [0] * 11
        outline = next(styles.iter(f"{_TEXT}outline-style"), None) if styles is not None else None
        for level_style in outline if outline is not None else ():
            level = int(level_style.get(f"{_TEXT}level", "0") or 0)
            fmt = level_style.get(f"{_STYLE}num-format") or ""
            shown = int(level_style.get(f"{_TEXT}display-levels", "1") or 1)
            prefix, suffix = level_style.get(f"{_STYLE}num-prefix", ""), level_style.get(f"{_STYLE}num-suffix", "")
            if 1 <= level <= 10 and fmt in ("1", "A", "a", "I", "i"):
                self.formats[level] = (fmt, max(1, min(shown, level)), prefix, suffix)

    def number(self, level: int, counted: bool) -> str:
        """The number of the next heading at `level` ("2.1"), or "" when the outline does not number it."""
        if not 1 <= level <= 10 or not counted:
            return ""
        self.counters[level] += 1
        self.counters[level + 1 :] = [0] * (10 - level)
        if level not in self.formats:
            return ""
        fmt, shown, prefix, suffix = self.formats[level]
        parts = [
            _numeral(self.counters[n], self.formats.get(n, (fmt,))[0]) for n in range(level - shown + 1, level + 1)
        ]
        return f"{prefix}{'.'.join(parts)}{suffix}"


def _numeral(value: int, fmt: str) -> str:
    if fmt in ("A", "a") and value > 0:
        letters = ""
        while value:
            value, rest = divmod(value - 1, 26)
            letters = chr(ord(fmt) + rest) + letters
        return letters
    if fmt in ("I", "i") and 0 < value < 4000:
        numerals = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"))
        numerals += ((40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))
        roman = ""
        for amount, mark in numerals:
            count, value = divmod(value, amount)
            roman += mark * count
        return roman if fmt == "I" else roman.lower()
    return str(value)


def write_blocks(element, out: Writer, charts: EmbeddedCharts | None = None) -> None:  # type: ignore[no-untyped-def]
    """The paragraphs, lists (items at their depth), tables and charts inside an element (a slide's text box or
    chart frame), written as a text document's are; headings unnumbered."""
    _walk(element, out, _Outline(None), set(), charts)


def _walk(  # type: ignore[no-untyped-def]
    body, out: Writer, numbering: _Outline, title_styles: set[str], charts: EmbeddedCharts | None
) -> None:
    """Blocks in document order. The stack holds (children, list depth): -1 outside lists."""
    stack: list[tuple[Iterator, int]] = [(iter(body), -1)]
    while stack:
        children, depth = stack[-1]
        element = next(children, None)
        if element is None:
            stack.pop()
            continue
        tag = element.tag
        if not isinstance(tag, str) or tag in _SKIPPED:
            continue
        if tag in (f"{_TEXT}h", f"{_TEXT}p"):
            extras = _block(element, out, numbering, title_styles, depth)
            if extras:
                stack.append((iter(extras), depth))
        elif tag == f"{_TEXT}list":
            stack.append((iter(element), depth + 1))
        elif tag == f"{_TABLE}table":
            _table(element, out)
        elif tag == f"{_DRAW}object" and charts is not None:
            charts.write(element, out)
        else:  # sections, list items, text boxes, note bodies: their children are blocks
            stack.append((iter(element), depth))


def _block(element, out: Writer, numbering: _Outline, title_styles: set[str], depth: int) -> list:  # type: ignore[no-untyped-def]
    """Write a heading, list item or paragraph; returns the footnote bodies and text boxes it anchors."""
    text, extras = _inline(element)
    if element.tag == f"{_TEXT}h":
        level = int(element.get(f"{_TEXT}outline-level", "1") or 1)
        counted = element.get(f"{_TEXT}is-list-header") != "true"
        number = _rendered_number(element) or numbering.number(level, counted)
        if clean(text):
            out.heading(f"{number} {text}" if number else text, level + 1)
    elif element.get(f"{_TEXT}style-name") in title_styles:
        out.heading(text, 1)
    elif depth >= 0:
        out.item(text, min(depth, 4))
    else:
        out.end_run()
        out.paragraph(text)
    return extras


def _rendered_number(heading) -> str:  # type: ignore[no-untyped-def]
    """The number a word processor cached in the heading (`text:number`), if it did."""
    node = heading.find(f"{_TEXT}number")
    return clean(node.text or "") if node is not None else ""


def _inline(element) -> tuple[str, list]:  # type: ignore[no-untyped-def]
    """A paragraph's text: spans entered, `text:s` as spaces, tabs and line breaks as a space; footnote bodies and
    text boxes are returned to be written after it. Depth first with an explicit stack."""
    parts = [element.text or ""]
    extras: list = []
    todo: list = list(reversed(element))
    while todo:
        item = todo.pop()
        if isinstance(item, str):
            parts.append(item)
            continue
        tag = item.tag
        tail = item.tail or ""
        if tag == f"{_TEXT}s":
            parts.append(" " * min(int(item.get(f"{_TEXT}c", "1") or 1), 100))
        elif tag in (f"{_TEXT}tab", f"{_TEXT}line-break"):
            parts.append(" ")
        elif tag == f"{_TEXT}note":
            extras.extend(item.iter(f"{_TEXT}note-body"))
        elif tag == f"{_DRAW}frame":
            extras.append(item)
        elif isinstance(tag, str) and tag not in _INLINE_SKIPPED and tag != f"{_TEXT}number":
            todo.append(tail)
            todo.extend(reversed(item))
            parts.append(item.text or "")
            continue
        parts.append(tail)
    return "".join(parts), extras


def _table(table, out: Writer) -> None:  # type: ignore[no-untyped-def]
    """One `| cell | cell |` line per row, each cell in its column; a table that is all a cell holds gives its
    rows lines of their own (`_inner_tables`), one inside it again is flattened into its cell's text; a table set
    side by side is unfolded (tableshape.py). A merged cell is followed by the covered cells ODF writes where it
    spans: empty in its row, and in the rows below it its text again when a short label ("Single" beside its
    group), as the HTML and Word readers write theirs."""
    out.end_run()
    held: dict[int, tuple[int, str]] = {}  # column → (rows below still covered, text repeated there)
    rows = list(table_rows(table))
    written = _with_merged_header(rows, [_row_cells(row, held) for row in rows])
    lines: list[list[str]] = []
    for row, cells in zip(rows[len(rows) - len(written) :], written):  # a merged header row stands for two
        inner = _inner_tables(row)
        shown = with_inner_rows(cells, inner)
        if (row is rows[0] or row.getparent().tag == f"{_TABLE}table-header-rows") and names_over_names(inner):
            shown = [spread_names(shown, inner)]
        lines += shown
    for line in table_lines(lines):
        out.row(line)
    out.end_run()


def _inner_tables(row) -> InnerTables:  # type: ignore[no-untyped-def]
    """For each cell of `row` whose only content is a table of two rows or more (a table set inside a cell to line
    up a list of codes and their meanings): its column → (columns it spans, that table's rows' cells). A table
    inside it again stays flattened into its cell's text."""
    found: InnerTables = {}
    column = 0
    for cell in row:
        if cell.tag not in _CELL_TAGS:
            continue
        inner = _only_table(cell)
        if inner is not None:
            lines = [cells for cells in (_row_cells(r, {}) for r in table_rows(inner)) if any(c.strip() for c in cells)]
            if len(lines) > 1:
                found[column] = (table_count(cell, "number-columns-spanned", MAX_REPEATED_CELLS), lines)
        column += table_count(cell, "number-columns-repeated", MAX_REPEATED_CELLS)
    return found


def _only_table(cell):  # type: ignore[no-untyped-def]
    """The table a cell holds when that is all it holds (no text beside it), else None."""
    if cell.tag != f"{_TABLE}table-cell":
        return None
    tables = [child for child in cell if child.tag == f"{_TABLE}table"]
    others = [child for child in cell if child.tag != f"{_TABLE}table" and "".join(child.itertext()).strip()]
    return tables[0] if len(tables) == 1 and not others else None


def _with_merged_header(rows: list, written: list[list[str]]) -> list[list[str]]:  # type: ignore[type-arg]
    """The rows' cells, a header of two rows written as one when the table's header rows (`table-header-rows`,
    repeated on each page) are two and a name of the first spans columns ("Votes" over "Number | %"): each column
    named by both ("Votes Number"), as the HTML and Word readers write such a header. A second row of marks or
    numbers ("1004H | ● | ●", which a document may repeat on each page with the header) is data: no merge."""
    in_header = [row.getparent().tag == f"{_TABLE}table-header-rows" for row in rows[:3]]
    if in_header != [True, True, False] or not any(table_count(c, "number-columns-spanned") > 1 for c in rows[0]):
        return written
    if any(_data(name) for name in written[1]):  # a row of marks or numbers is data
        return written
    names: list[str] = []  # the first row's names over every column they span
    for cell in rows[0]:
        if cell.tag in _CELL_TAGS:
            name = cell_text(cell) if cell.tag == f"{_TABLE}table-cell" else (names[-1] if names else "")
            names += [name] * table_count(cell, "number-columns-repeated", MAX_REPEATED_CELLS)
    return [merged_names(names, written[1]), *written[2:]]


def _data(text: str) -> bool:
    """A number without a letter ("33.7", "2 3 4") or a mark ("●", "✓"): data, not a column's name."""
    if has_letter(text):
        return False
    return any(c.isdigit() for c in text) or (bool(text) and all(unicodedata.category(c) == "So" for c in text))


def _row_cells(row, held: dict[int, tuple[int, str]]) -> list[str]:  # type: ignore[no-untyped-def]
    """The row's cell texts in their columns (`held`: the columns cells of rows above still cover, updated); the
    empty cells a merged cell covers at the row's end are left out (they move no cell)."""
    cells: list[str] = []
    covered = 0  # empty covered cells ending the row so far
    for cell in row:
        if cell.tag not in _CELL_TAGS:
            continue
        text = cell_text(cell) if cell.tag == f"{_TABLE}table-cell" else ""
        rows = table_count(cell, "number-rows-spanned") if text else 1
        for _ in range(table_count(cell, "number-columns-repeated", MAX_REPEATED_CELLS)):
            if cell.tag == f"{_TABLE}covered-table-cell":
                left, above = held.get(len(cells), (0, ""))
                if left:
                    held[len(cells)] = (left - 1, above)
                cells.append(above if left else "")
                covered = 0 if left else covered + 1
                continue
            if rows > 1:
                held[len(cells)] = (rows - 1, text if len(text) <= SPANNED_LABEL_CHARS else "")
            cells.append(text)
            covered = 0
    return cells[: len(cells) - covered]


def table_count(element, attribute: str, limit: int = MAX_TABLE_COUNT) -> int:  # type: ignore[no-untyped-def]
    """How many rows or columns a table element's count attribute says it repeats or spans (1 when it has none; a
    malformed count counts once; a runaway one is read by its first 12 digits, at most `limit`)."""
    value = element.get(f"{_TABLE}{attribute}", "1")
    return max(1, min(int(value[:12]), limit)) if value.isdigit() else 1


def table_rows(table) -> Iterator:  # type: ignore[no-untyped-def]
    """A table's `table-row` elements in order, header rows and row groups entered (a stack, no recursion)."""
    stack = [iter(table)]
    while stack:
        child = next(stack[-1], None)
        if child is None:
            stack.pop()
        elif child.tag in _ROW_GROUPS:
            stack.append(iter(child))
        elif child.tag == f"{_TABLE}table-row":
            yield child


def cell_text(cell) -> str:  # type: ignore[no-untyped-def]
    """A table cell's text as shown: its paragraphs joined by a space (a spreadsheet's cells too)."""
    return " ".join(_inline(p)[0] for p in cell.iter(f"{_TEXT}p", f"{_TEXT}h"))


def document_title(archive) -> str:  # type: ignore[no-untyped-def]
    """The title an OpenDocument's meta.xml gives it, '' when none."""
    if "meta.xml" not in set(archive.namelist()):
        return ""
    node = next(parse_xml(read_member(archive, "meta.xml", "ODF"), "ODF meta.xml").iter(_DC_TITLE), None)
    return clean(node.text or "") if node is not None else ""
