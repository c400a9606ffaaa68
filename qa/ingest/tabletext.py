"""Table rows as text a model can read: `| 1 | Zakir Hasanov | 2003 | 2013 |` under a header row becomes
"No.: 1; Name: Zakir Hasanov; Term start: 2003; Term end: 2013." — each cell named by its column.

Models were trained on prose; in a pipe table they cannot tell which number is a term's start and which its end.
The extractors write every table as `| a | b |` lines (qa/ingest/extract/), the first line of a table its header
(below any title rows); text that starts inside a table gets the header from the lines before it
(`header_row_before`). A row's sentence vector is embedded from this text (qa/ingest/chunk.py), and the reader reads
it (qa/search/read.py). The linearized text is a new string; `ReaderText.to_source` maps a span of it back to the
source, so the bold words are always the source's own characters (a span over inserted column names shrinks to the
cell values it covers).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass

from .extract.pdfcolumns import table_runs
from .tokens import has_letter

_ROW = re.compile(r"^\|(.*)\|[ \t]*$")
# rows of a table a window starts inside that are looked at for its title rows: its top, not a sheet's thousands
TITLE_LOOKAHEAD = 50
SEPARATOR = re.compile(r"^\|(?:\s*:?-{3,}:?\s*\|)+\s*$")
_DIGIT = re.compile(r"\d")


@dataclass(frozen=True)
class ReaderText:
    """The text the reader reads and, for its copied pieces, where they come from: `pieces` are sorted
    (reader offset, window offset, length) triples."""

    text: str
    pieces: tuple[tuple[int, int, int], ...]

    def to_source(self, start: int, end: int) -> tuple[int, int] | None:
        """The window offsets of the copied characters inside reader span [start, end), or None if it covers
        only inserted text."""
        covered = [
            (max(start, r), min(end, r + n), w - r)
            for r, w, n in self.pieces[max(0, bisect.bisect_right(self.pieces, (start, 1 << 62, 0)) - 1) :]
            if r < end and r + n > start
        ]
        if not covered:
            return None
        return covered[0][0] + covered[0][2], covered[-1][1] + covered[-1][2]

    def value_named(self, start: int, end: int) -> tuple[int, int] | None:
        """The window offsets of the cell a reader span over an inserted column name points to: "Error value" of
        "Error value: #NULL!" is the "#NULL!" of that row (the reader marks the name a row gives its value);
        None when the span is not all inside a name written just before a copied cell."""
        at = bisect.bisect_left(self.pieces, (end, -1, 0))
        if at >= len(self.pieces) or self.to_source(start, end) is not None:
            return None
        reader_start, window_start, length = self.pieces[at]
        label = self.text[end:reader_start]
        if not label.strip(" ").startswith(":") or label.strip(" :") or "\n" in self.text[start:end]:
            return None
        return window_start, window_start + length

    def from_source(self, offsets: Sequence[int]) -> list[int]:
        """The reader offsets of sorted window offsets: the same character inside a copied piece, else where the
        next copied piece starts (the end of the text after the last one). One pass over the pieces."""
        out: list[int] = []
        at = 0
        for offset in offsets:
            while at < len(self.pieces) and offset >= self.pieces[at][1] + self.pieces[at][2]:
                at += 1
            out.append(
                self.pieces[at][0] + max(0, offset - self.pieces[at][1]) if at < len(self.pieces) else len(self.text)
            )
        return out


def cells(line: str) -> list[tuple[int, int]] | None:
    """(start, end) of each cell's stripped text in a `| a | b |` line, or None when the line is not a table row."""
    match = _ROW.match(line)
    if match is None:
        return None
    out = []
    position = match.start(1)
    for raw in match.group(1).split("|"):
        stripped = raw.strip()
        offset = position + (raw.index(stripped) if stripped else 0)
        out.append((offset, offset + len(stripped)))
        position += len(raw) + 1
    return out


def is_row(line: str) -> bool:
    """Whether a line is a `| a | b |` table row (`cells`' test, without splitting the cells)."""
    return _ROW.match(line) is not None


def header_row_before(preceding: str) -> tuple[str, int] | None:
    """The header row of the table a window starts inside — the first row of the run of table lines that ends
    `preceding` (the document text just before the window), below its title rows — and where the table starts in
    `preceding` (told apart from others by it); None when `preceding` does not end inside a table."""
    lines = preceding.rstrip("\n").split("\n")
    first = len(lines)
    while first > 0 and _ROW.match(lines[first - 1]) is not None:  # `cells`' test, without splitting the cells
        first -= 1
    if first == len(lines):
        return None
    header = _past_titles(lines, first, min(len(lines), first + TITLE_LOOKAHEAD))
    return lines[header], sum(len(line) + 1 for line in lines[:first])


def splits(upper: str, lower: str) -> bool:
    """Whether the row `lower` splits the columns of the row `upper` further, as a header's second row: more
    cells, each with a letter ("| Top-20 | Top-100 |" over "| NQ | TriviaQA | … |"; a data row's cells are
    mostly numbers or marks)."""
    above, below = cell_texts(upper), cell_texts(lower)
    return bool(above) and len(below) > len(above) and all(has_letter(cell) for cell in below if cell)


def cell_texts(line: str) -> list[str]:
    """The stripped text of each cell of a `| a | b |` line (none when it is no table row): `cells`' split, without
    its offsets (a whole sheet's rows are split here)."""
    match = _ROW.match(line)
    return [raw.strip() for raw in match.group(1).split("|")] if match else []


def header_names(header: str | None, rows: list[str]) -> list[str] | None:
    """The column names of a table whose first row is `header` and whose other rows are `rows`, or None when that
    row is no header: a row with fewer cells than the table's widest row, or with names over no more than half of
    them, is a title or caption (a name over the blank corner of a picture column still counts); a row without a
    letter is a row of data ("| 1 | 2 | 3 |"); in a table of two columns the first row names the columns only when
    its first cell is a word over a column of numbers ("| Year | Revenue |" over "| 2015 | 93 |"); otherwise two
    columns are pairs of a key and its value, as in an infobox or a specification sheet ("| Founder | Netscape |"),
    and the first row is a pair like the rest."""
    if header is None or SEPARATOR.match(header):
        return None
    names = cell_texts(header)
    widest = max((len(cell_texts(row)) for row in rows if not SEPARATOR.match(row)), default=0)
    if len(names) < widest or 2 * sum(1 for name in names if name) <= widest or not any(map(has_letter, names)):
        return None
    if _repeated_below(names, rows):
        return None
    if len(names) > 2 or any(SEPARATOR.match(row) for row in rows[:1]):
        return names
    return names if _word_over_numbers(names[0], rows) else None


def _repeated_below(names: list[str], rows: list[str]) -> bool:
    """Whether the first row under a candidate header writes a word of it again in the same column: a column's name
    is not its own value ("| \\grole | yields | >< |" over "| \\lid | yields | <= |" is a table of data)."""
    below = next((cell_texts(row) for row in rows if not SEPARATOR.match(row)), [])
    return any(name and has_letter(name) and name == cell for name, cell in zip(names, below))


def _word_over_numbers(name: str, rows: list[str]) -> bool:
    """A first cell without digits over a first column mostly of numbers (years, counts): a column name."""
    keys = [row_cells[0] for row_cells in map(cell_texts, rows) if row_cells and row_cells[0]]
    numbered = sum(bool(_DIGIT.search(key)) for key in keys)
    return bool(name) and not _DIGIT.search(name) and bool(keys) and numbered * 2 > len(keys)


def folds(names: list[str] | None) -> tuple[int, int] | None:
    """(first column, columns per record) of a table folded side by side, two or more records to a row: its header
    names the same columns over again ("Rank | Name | Pop. | Rank | Name | Pop."), blank corners at either end
    (a column of pictures) aside; None for any other table."""
    if not names:
        return None
    first, last = 0, len(names)
    while first < last and not names[first]:
        first += 1
    while last > first and not names[last - 1]:
        last -= 1
    inner = [name.casefold() for name in names[first:last]]
    for width in range(2, len(inner) // 2 + 1):
        if len(inner) % width == 0 and all(inner[:width]) and all(n == inner[i % width] for i, n in enumerate(inner)):
            return first, width
    return None


def _past_titles(lines: list[str], first: int, end: int) -> int:
    """The first row of a table below its title rows (rows of one written cell, "| Example: … |" or a title
    spanning the table's columns followed by the empty cells it covers, over a table of wider rows)."""
    widest = max(len(cell_texts(line)) for line in lines[first:end])
    while first < end - 1 and widest > 1 and sum(1 for cell in cell_texts(lines[first]) if cell) == 1:
        first += 1
    return first


def column_names(
    lines: list[str], rows: list[list[tuple[int, int]] | None], header: str | None
) -> tuple[dict[int, list[str] | None], set[int]]:
    """Each table line's column names (None in a table of pairs; title rows have none) and the header lines."""
    names_of: dict[int, list[str] | None] = {}
    header_lines: set[int] = set()
    for first, end in table_runs([spans is not None for spans in rows]):
        before = header if first == 0 and header is not None else None
        if before is None:
            first = _past_titles(lines, first, end)
        top = before if before is not None else lines[first]
        names = header_names(top, lines[first + (before is None) : end])
        if names is not None and before is None:
            header_lines.add(first)
        for i in range(first, end):
            names_of[i] = names
    return names_of, header_lines


def linearize(window: str, header: str | None = None) -> ReaderText:
    """The window with every table row written as "Column: value; …." under a header row (`header_names`; header
    and separator rows themselves left out), or as "key: value." in a table of pairs; all other lines copied as
    they are. `header` is the header row of a table the window starts inside (see `header_row_before`)."""
    lines = window.split("\n")
    rows = [cells(line) for line in lines]
    names_of, header_lines = column_names(lines, rows, header)
    out: list[str] = []
    pieces: list[tuple[int, int, int]] = []
    length = position = 0
    for i, (line, spans) in enumerate(zip(lines, rows)):
        if spans is None:
            text, copied = line, [(0, 0, len(line))]
        elif i in header_lines or SEPARATOR.match(line):
            text, copied = "", []
        else:
            text, copied = _row_text(line, spans, names_of.get(i))  # title rows above a table: none
        pieces += [(length + r, position + w, n) for r, w, n in copied if n > 0]
        out.append(text)
        length += len(text) + 1
        position += len(line) + 1
    return ReaderText("\n".join(out), tuple(pieces))


def _row_text(
    line: str, spans: list[tuple[int, int]], names: list[str] | None
) -> tuple[str, list[tuple[int, int, int]]]:
    """A row as "Name: cell; Name: cell." under column names (a folded table's records as sentences of their
    own: `folds`), else as "key: value; more." (a pair's key keeps its own colon: "Order: Anseriformes.")."""
    parts: list[str] = []
    copied: list[tuple[int, int, int]] = []
    written = 0
    fold = folds(names)
    for i, (a, b) in enumerate(spans):
        if a == b:
            continue  # an empty cell says nothing
        if names is not None:
            label = f"{names[i]}: " if i < len(names) and names[i] else ""
            record_starts = fold is not None and i > fold[0] and (i - fold[0]) % fold[1] == 0
            prefix = (". " if record_starts else "; " if parts else "") + label
        elif not parts:
            prefix = ""
        elif len(parts) == 1 and not parts[0].rstrip().endswith(":"):
            prefix = ": "
        else:
            prefix = " " if len(parts) == 1 else "; "
        copied.append((written + len(prefix), a, b - a))
        parts.append(prefix + line[a:b])
        written += len(prefix) + b - a
    text = "".join(parts)
    return (text + "." if text else text), copied


def row_with_names(row: str, preceding: str) -> str | None:
    """A table row written as "Column: value; …." under the header row of the table that `preceding` (the text
    before the row) ends inside; None when no header above names its columns (`header_names`) or the row repeats
    the header."""
    found = header_row_before(preceding)
    if found is None or found[0].strip() == row.strip() or header_names(found[0], [row]) is None:
        return None
    return linearize(row, found[0]).text or None
