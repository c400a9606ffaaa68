"""Old binary Excel (.xls: Excel 97–2003 workbooks, BIFF5 and BIFF8 inside an OLE container) with xlrd: one section
per sheet, written as `sheets.write_sheet` writes every spreadsheet's, so a workbook reads the same whether saved as
.xls or .xlsx. Numbers as a person reads them (`xlsx.cell_text`: 3.0 → 3), date cells in ISO form through the
workbook's own date system (1900 or 1904), booleans TRUE/FALSE, error cells as Excel shows them ("#DIV/0!"). The
filled cells are counted against `sheets.MAX_CELLS` while the sheets are read, one at a time; an encrypted or
damaged workbook is refused in one line. Offices keep years of these files beside the newer formats.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from . import Extracted
from .blocks import Writer, name_title
from .sheets import CellBudget, TooManyCells, filled, with_merges, write_sheet
from .xlsx import cell_text


def extract_xls(data: bytes, name: str = "") -> Extracted:
    """The workbook's sheets, merged cells read as an `.xlsx` workbook's are (`sheets.with_merges`). xlrd reads
    merged ranges only with the formatting records; a workbook whose formatting it cannot parse is read again
    without them (its merged cells as the file stores them) before it is refused."""
    try:
        return _read(data, name, formatting=True)
    except TooManyCells:  # the same either way
        raise
    except ValueError:
        return _read(data, name, formatting=False)


def _read(data: bytes, name: str, formatting: bool) -> Extracted:
    import xlrd

    out = Writer()
    budget = CellBudget()
    with _opened(data, formatting) as book:
        try:
            for index in range(book.nsheets):
                sheet = book.sheet_by_index(index)  # parsed here: a damaged sheet fails here, not at opening
                merges = [(r0, c0, r1 - 1, c1 - 1) for r0, r1, c0, c1 in sheet.merged_cells]
                write_sheet(out, sheet.name, with_merges(_filled_rows(xlrd, book, sheet, budget), merges))
                book.unload_sheet(index)  # one sheet in memory at a time
        except ValueError:  # the cell budget's refusal, already one line
            raise
        except Exception as exc:  # xlrd raises what its parser met (AssertionError, struct.error, …)
            raise ValueError(_refusal(exc)) from None
    return Extracted(out.text, (), name_title(name))


def check_xls(data: bytes) -> None:
    """Refuse bytes that are not a readable workbook (the upload check): its globals are parsed, no sheet is."""
    with _opened(data):
        pass


@contextmanager
def _opened(data: bytes, formatting: bool = False) -> Iterator[Any]:
    """The workbook, sheets loaded on demand (with their formatting records: merged ranges); ValueError in one
    line for what xlrd cannot open."""
    import xlrd

    try:
        book = xlrd.open_workbook(
            file_contents=data, on_demand=True, ragged_rows=True, formatting_info=formatting, logfile=io.StringIO()
        )
    except Exception as exc:  # a damaged container or record: xlrd raises what its parser met
        raise ValueError(_refusal(exc)) from None
    try:
        yield book
    finally:
        book.release_resources()


def _refusal(exc: Exception) -> str:
    """Why xlrd refused the bytes and what to do, in the user's terms where the reason is known (a workbook it
    could not parse is damaged, whatever error its parser raised)."""
    import xlrd

    if not isinstance(exc, xlrd.XLRDError):
        return f"the .xls workbook is damaged ({type(exc).__name__}); open and save it again"
    text = str(exc).strip().rstrip(".")
    if "encrypt" in text.lower():
        return "the .xls workbook is password-protected; save it again without a password"
    if "find workbook" in text.lower():
        return "the .xls file is an OLE file without a workbook, such as an old Word .doc; rename it to its real type"
    return f"the .xls workbook cannot be read ({text[:120] or type(exc).__name__}); open and save it again"


def _filled_rows(xlrd, book, sheet, budget: CellBudget) -> list[tuple[int, list[str]]]:  # type: ignore[no-untyped-def]
    """The sheet's rows with at least one filled cell, as text, each with its 0-based row number; ValueError past
    the workbook's cell budget."""
    rows: list[tuple[int, list[str]]] = []
    for r in range(sheet.nrows):
        cells = [_cell(xlrd, book, cell) for cell in sheet.row(r)]
        count = filled(cells)
        budget.spend(count, sheet.name)
        if count:
            rows.append((r, cells))
    return rows


def _cell(xlrd, book, cell) -> str:  # type: ignore[no-untyped-def]
    """A cell as a person reads it, by its type: a date through the workbook's date system, an error by its
    Excel text; a date xlrd cannot place (before 1900, or a serial past the calendar) as its number."""
    if cell.ctype == xlrd.XL_CELL_DATE:
        try:
            return cell_text(xlrd.xldate.xldate_as_datetime(cell.value, book.datemode))
        except (xlrd.xldate.XLDateError, OverflowError, ValueError):
            return cell_text(cell.value)
    if cell.ctype == xlrd.XL_CELL_BOOLEAN:
        return cell_text(bool(cell.value))
    if cell.ctype == xlrd.XL_CELL_ERROR:
        return xlrd.error_text_from_code.get(cell.value, "#ERROR")
    return cell_text(cell.value)  # text, a number, or "" for an empty cell
