"""Excel 2003 XML spreadsheets (SpreadsheetML), which web applications still export under an `.xls` name and Excel
opens: one section per `Worksheet`, written as `sheets.write_sheet` writes every spreadsheet's, so the same table
reads the same from an `.xlsx`. Cells skipped by an `ss:Index` stay empty cells, numbers are written as a person
reads them (3.0 → 3), dates in ISO form, booleans TRUE/FALSE, rich text (HTML inside `ss:Data`) as its words.
Parsed with lxml, entities not expanded; the same `sheets.MAX_CELLS` limit as any workbook.
"""

from __future__ import annotations

import datetime as dt

from . import Extracted
from .archive import parse_xml
from .blocks import Writer, clean, name_title
from .sheets import CellBudget, write_sheet
from .xlsx import cell_text

_SS = "{urn:schemas-microsoft-com:office:spreadsheet}"
_MAX_COLUMN = 16_384  # Excel's last column: a cell placed past it stays where the row has come to


def extract_spreadsheetml(data: bytes, name: str = "") -> Extracted:
    root = parse_xml(data, "Excel 2003 XML spreadsheet")
    if root.tag != f"{_SS}Workbook":
        raise ValueError("not an Excel 2003 XML spreadsheet (no Workbook element); open and save it again in Excel")
    out = Writer()
    budget = CellBudget()
    for number, sheet in enumerate(root.iter(f"{_SS}Worksheet"), 1):
        title = clean(sheet.get(f"{_SS}Name") or "") or f"Sheet{number}"
        rows = []
        for row in sheet.iter(f"{_SS}Row"):
            cells = _cells(row)
            budget.spend(len(cells), title)
            if cells:
                rows.append(cells)
        write_sheet(out, title, _as_lists(rows))
    return Extracted(out.text, (), name_title(name))


def _cells(row) -> dict[int, str]:  # type: ignore[no-untyped-def]
    """A row's filled cells by column (0-based), a cell placed by `ss:Index` (1-based) after empty ones."""
    cells: dict[int, str] = {}
    column = 0
    for cell in row.iter(f"{_SS}Cell"):
        index = cell.get(f"{_SS}Index") or ""
        if index.isascii() and index.isdigit() and column < int(index) - 1 <= _MAX_COLUMN:
            column = int(index) - 1
        data = cell.find(f"{_SS}Data")
        text = "" if data is None else _value("".join(data.itertext()), data.get(f"{_SS}Type") or "")
        if text:
            cells[column] = text
        column += 1
    return cells


def _as_lists(rows: list[dict[int, str]]) -> list[list[str]]:
    """The rows as lists over the columns some row fills (memory follows the filled cells, not the columns)."""
    used = sorted({column for cells in rows for column in cells})
    return [[cells.get(column, "") for column in used] for cells in rows]


def _value(text: str, kind: str) -> str:
    """The text a cell shows for its data type (Number, DateTime, Boolean, String)."""
    text = clean(text)
    try:
        if kind == "Number":
            return cell_text(float(text))
        if kind == "DateTime":
            return cell_text(dt.datetime.fromisoformat(text.rstrip("Z")))
    except ValueError:
        return text
    if kind == "Boolean":
        return "TRUE" if text == "1" else "FALSE" if text == "0" else text
    return text
