"""Excel (.xlsx) with openpyxl, read-only and with the cached values of formulas: one section per sheet, written
as `sheets.write_sheet` writes every spreadsheet's. Numbers are written as a person reads them (3.0 → 3, 2.62
stays 2.62, no float noise), dates in ISO form. A workbook with more than `sheets.MAX_CELLS` filled cells is
refused; the sheet dimensions a file declares are not trusted. Merged cells, which openpyxl's read-only sheets do
not load, are read from the sheet's `mergeCell` elements (`sheets.with_merges`: labels merged down rows repeated,
a group name merged across columns joined to the names below it).
"""

from __future__ import annotations

import datetime as dt
import re
import warnings
import zipfile

from . import Extracted
from .archive import check_archive, open_package
from .blocks import Writer, name_title
from .sheets import MAX_CELLS, CellBudget, Merge, filled, with_merges, write_sheet

__all__ = ["MAX_CELLS", "cell_text", "extract_xlsx"]


def extract_xlsx(data: bytes, name: str = "") -> Extracted:
    import openpyxl

    package = check_archive(data, "xlsx")
    with warnings.catch_warnings():  # "Workbook contains no default style", unsupported extensions: not the reader's
        warnings.simplefilter("ignore")
        return _read(openpyxl, data, name, package)


def _read(openpyxl, data: bytes, name: str, package: zipfile.ZipFile) -> Extracted:  # type: ignore[no-untyped-def]
    workbook = open_package(lambda stream: openpyxl.load_workbook(stream, read_only=True, data_only=True), data, "xlsx")
    out = Writer()
    budget = CellBudget()
    try:
        for sheet in workbook.worksheets:
            rows = with_merges(_filled_rows(sheet, budget), merged_ranges(package, sheet))
            write_sheet(out, sheet.title, rows)
    finally:
        workbook.close()
    title = (workbook.properties.title or "").strip() if workbook.properties else ""
    return Extracted(out.text, (), title or name_title(name))


def _filled_rows(sheet, budget: CellBudget) -> list[tuple[int, list[str]]]:  # type: ignore[no-untyped-def]
    """The sheet's rows with at least one filled cell, as text, each with its 0-based row number; ValueError past
    the workbook's cell budget."""
    sheet.reset_dimensions()  # iterate the rows the file has, not the size it claims
    rows: list[tuple[int, list[str]]] = []
    for number, values in enumerate(sheet.iter_rows(values_only=True)):
        cells = [cell_text(v) for v in values]
        count = filled(cells)
        budget.spend(count, sheet.title)
        if count:
            rows.append((number, cells))
    return rows


_CELL = rb"[A-Za-z]{1,3}[0-9]{1,7}"
_MERGE_CELL = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="(' + _CELL + rb"(?::" + _CELL + rb')?)"')


def merged_ranges(package: zipfile.ZipFile, sheet) -> list[Merge]:  # type: ignore[no-untyped-def]
    """The sheet's merged ranges (0-based first row, first column, last row, last column), read from its XML part
    (checked against the archive's size limits before); none when the part cannot be found."""
    from openpyxl.utils.cell import range_boundaries

    path = getattr(sheet, "_worksheet_path", None)  # where a read-only sheet's XML is: openpyxl has no public name
    try:
        xml = package.read(str(path).lstrip("/")) if path else b""
    except KeyError:
        return []
    merges = []
    for found in _MERGE_CELL.finditer(xml):
        first_column, first_row, last_column, last_row = range_boundaries(found.group(1).decode("ascii"))
        merges.append((first_row - 1, first_column - 1, last_row - 1, last_column - 1))
    return merges


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
