"""Excel (.xlsx) with openpyxl, read-only and with the cached values of formulas: one section per sheet.

Each sheet is a `# Sheet name` heading followed by its rows as one `| a | b |` table whose first row is the
sheet's first non-empty row, its header (a lone cell above the table, a sheet title, is written as a paragraph
before it). Numbers are written as a person reads them (3.0 → 3, 2.62 stays 2.62, no float noise), dates in ISO
form. Columns empty on every row are left out. A workbook with more than MAX_CELLS filled cells is refused, so
a sheet of a million rows cannot swamp the index; the sheet dimensions a file declares are not trusted.
"""

from __future__ import annotations

import datetime as dt
import warnings

from . import Extracted
from .archive import check_archive, open_package
from .blocks import Writer, name_title

MAX_CELLS = 200_000  # filled cells in all sheets together: far more than a table a question can be answered from


def extract_xlsx(data: bytes, name: str = "") -> Extracted:
    import openpyxl

    check_archive(data, "xlsx")
    with warnings.catch_warnings():  # "Workbook contains no default style", unsupported extensions: not the reader's
        warnings.simplefilter("ignore")
        return _read(openpyxl, data, name)


def _read(openpyxl, data: bytes, name: str) -> Extracted:  # type: ignore[no-untyped-def]
    workbook = open_package(lambda stream: openpyxl.load_workbook(stream, read_only=True, data_only=True), data, "xlsx")
    out = Writer()
    budget = [MAX_CELLS]
    try:
        for sheet in workbook.worksheets:
            _sheet(sheet, out, budget)
    finally:
        workbook.close()
    title = (workbook.properties.title or "").strip() if workbook.properties else ""
    return Extracted(out.text, (), title or name_title(name))


def _sheet(sheet, out: Writer, budget: list[int]) -> None:  # type: ignore[no-untyped-def]
    """Write one sheet: its name as a heading, then its filled rows; `budget` counts down the filled cells."""
    rows = _used_columns(_filled_rows(sheet, budget))
    if not rows:
        return  # an empty sheet (or one holding only a chart) is no section
    out.heading(sheet.title, 1)
    if len(rows) > 1 and _filled(rows[0]) == 1 and _filled(rows[1]) > 1:
        out.paragraph(next(c for c in rows[0] if c))  # a title line above the table
        rows = rows[1:]
    out.end_run()
    for cells in rows:
        out.row(cells)
    out.end_run()


def _filled(cells: list[str]) -> int:
    return sum(1 for c in cells if c)


def _filled_rows(sheet, budget: list[int]) -> list[list[str]]:  # type: ignore[no-untyped-def]
    """The sheet's rows with at least one filled cell, as text; ValueError past the workbook's cell budget."""
    sheet.reset_dimensions()  # iterate the rows the file has, not the size it claims
    rows: list[list[str]] = []
    for values in sheet.iter_rows(values_only=True):
        cells = [cell_text(v) for v in values]
        filled = _filled(cells)
        budget[0] -= filled
        if budget[0] < 0:
            raise ValueError(
                f"the workbook has more than {MAX_CELLS:,} filled cells (limit reached in sheet "
                f"'{sheet.title[:60]}'); split it or export the part that matters"
            )
        if filled:
            rows.append(cells)
    return rows


def _used_columns(rows: list[list[str]]) -> list[list[str]]:
    """The rows without the columns that are empty in every row, and without trailing empty cells."""
    width = max((len(r) for r in rows), default=0)
    used = [i for i in range(width) if any(i < len(r) and r[i] for r in rows)]
    kept = [[r[i] if i < len(r) else "" for i in used] for r in rows]
    for cells in kept:
        while cells and not cells[-1]:
            cells.pop()
    return kept


def cell_text(value: object) -> str:
    """A cell value as a person reads it: 3.0 → "3", 2.62 → "2.62", a date → "2024-03-01", TRUE/FALSE."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return f"{value:.15g}"  # Excel shows 15 significant digits: 0.1 + 0.2 is 0.3, not 0.30000000000000004
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)
