"""OpenDocument spreadsheets (.ods) read from their content.xml with lxml: one section per sheet, written as
`sheets.write_sheet` writes every spreadsheet's (the sheet's name as its heading, its filled rows as one table).

A cell is written as the spreadsheet shows it (its `text:p` paragraphs: "12 %", "€3.00", "2024-03-01" as
formatted), else its stored value. Repeated rows and cells (`number-rows-repeated`, `number-columns-repeated`:
how ODF stores runs of equal cells, and the empty rest of a sheet) are expanded only while they are filled, and
every filled cell counts against `sheets.MAX_CELLS`, so a file claiming a billion repeated rows is refused in
one line rather than expanded. A merged cell (`number-rows-spanned`, `number-columns-spanned`) is read as an
`.xlsx` one is (`sheets.with_merges`: a label merged down rows written into each of them, a name merged over two
columns of a two-row header naming both); the cells it covers (`covered-table-cell`) are otherwise empty.
"""

from __future__ import annotations

from . import Extracted
from .blocks import Writer, name_title
from .odt import cell_text, document_title, open_body, table_count, table_rows
from .sheets import CellBudget, Merge, filled, with_merges, write_sheet

_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_CELLS = (f"{_TABLE}table-cell", f"{_TABLE}covered-table-cell")
MAX_COLUMNS = 16_384  # the widest sheet LibreOffice and Excel make; repeated empty cells past it are not expanded


def extract_ods(data: bytes, name: str = "") -> Extracted:
    archive, _, body = open_body(data, "ods", "spreadsheet")
    out = Writer()
    budget = CellBudget()
    for sheet in body.findall(f"{_TABLE}table"):  # the sheets; a table in a cell's text box is that cell's text
        sheet_name = sheet.get(f"{_TABLE}name") or "Sheet"
        rows, merges = _filled_rows(sheet, sheet_name, budget)
        write_sheet(out, sheet_name, with_merges(rows, merges))
    return Extracted(out.text, (), document_title(archive) or name_title(name))


def _filled_rows(sheet, name: str, budget: CellBudget) -> tuple[list[tuple[int, list[str]]], list[Merge]]:  # type: ignore[no-untyped-def]
    """The sheet's filled rows as text, each with its 0-based row number (repeated rows written as often as they
    repeat), and its merged ranges."""
    rows: list[tuple[int, list[str]]] = []
    merges: list[Merge] = []
    number = 0
    for row in table_rows(sheet):
        cells, spans = _cells(row)
        repeat = table_count(row, "number-rows-repeated")
        merges += [(number, column, number + down - 1, column + across - 1) for column, down, across in spans]
        count = filled(cells)
        for offset in range(repeat if count else 0):
            budget.spend(count, name)
            rows.append((number + offset, cells))
        number += repeat
    return rows, merges


def _cells(row) -> tuple[list[str], list[tuple[int, int, int]]]:  # type: ignore[no-untyped-def]
    """A row's cells as text, repeated cells expanded up to MAX_COLUMNS, and its merged cells (column, rows and
    columns spanned). Empty cells are written only when a filled one follows them: the empty rest of a row
    (LibreOffice writes it as one cell repeated to column 1,024 or 16,384) costs nothing, on every row."""
    cells: list[str] = []
    spans: list[tuple[int, int, int]] = []
    empty = 0  # empty cells not yet written
    for cell in row:
        if cell.tag not in _CELLS:
            continue
        text = _shown(cell) if cell.tag == _CELLS[0] else ""
        count = table_count(cell, "number-columns-repeated")
        down, across = table_count(cell, "number-rows-spanned"), table_count(cell, "number-columns-spanned")
        if text and (down > 1 or across > 1):
            spans.append((len(cells) + empty, down, across))
        if not text:
            empty += count
            continue
        room = MAX_COLUMNS - len(cells) - empty
        if room <= 0:
            break
        cells.extend([""] * empty + [text] * min(count, room))
        empty = 0
    return cells, spans


def _shown(cell) -> str:  # type: ignore[no-untyped-def]
    """What the cell shows: its paragraphs, else its stored value (a date, a number, a truth value)."""
    text = cell_text(cell).strip()
    if text:
        return text
    for attribute in ("date-value", "time-value", "value", "boolean-value", "string-value"):
        value = cell.get(f"{_OFFICE}{attribute}")
        if value:
            return value.strip()
    return ""
