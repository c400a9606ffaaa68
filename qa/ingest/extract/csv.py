"""CSV with the standard csv module: one table, its first non-empty row the header, titled by the file name.

The delimiter (comma, semicolon, tab or bar) is detected by csv.Sniffer from the start of the file, a comma when
it cannot tell. The bytes must be UTF-8 (a BOM is dropped), with the same one-line error as a .txt file. At most
MAX_CELLS filled cells, as for a workbook.
"""

from __future__ import annotations

import csv
import io

from . import Extracted
from .blocks import Writer, name_title
from .sheets import MAX_CELLS
from .text import decode_text

_SNIFF_CHARS = 64 * 1024
_DELIMITERS = ",;\t|"


def extract_csv(data: bytes, name: str = "") -> Extracted:
    text = decode_text(data, name)
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(text[:_SNIFF_CHARS], _DELIMITERS)
    except csv.Error:  # one column, or too few rows to tell
        dialect = csv.excel
    out = Writer()
    filled = 0
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        for cells in reader:
            count = sum(1 for c in cells if c.strip())
            filled += count
            if filled > MAX_CELLS:
                raise ValueError(
                    f"the CSV file has more than {MAX_CELLS:,} filled cells (at line {reader.line_num:,}); "
                    "split it or keep the columns that matter"
                )
            if count:
                while not cells[-1].strip():  # trailing empty cells: `a,b,,`
                    cells.pop()
                out.row(cells)
    except csv.Error as exc:
        raise ValueError(f"malformed CSV at line {reader.line_num:,} ({exc}); re-export the file") from None
    return Extracted(out.text, (), name_title(name))
