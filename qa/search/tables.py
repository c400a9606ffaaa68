"""Table rows as the reader can read them: `| 1 | Zakir Hasanov | 2003 | 2013 |` under a header row becomes
"No.: 1; Name: Zakir Hasanov; Term start: 2003; Term end: 2013." — each cell named by its column.

The reader was trained on prose; in a pipe table it cannot tell which number is a term's start and which its end,
and picks cells from the wrong row. The extractors write every table as `| a | b |` lines (qa/ingest/extract/),
the first line of a table its header; a window that starts inside a table gets the header from the lines before
the window (`header_before`). The text given to the reader is a new string; `ReaderText.to_source` maps a span of
it back to the window, so the bold words are always the source's own characters (a span over inserted column
names shrinks to the cell values it covers).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

_ROW = re.compile(r"^\|(.*)\|[ \t]*$")
_SEPARATOR = re.compile(r"^\|(?:\s*:?-{3,}:?\s*\|)+\s*$")


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


def header_before(preceding: str) -> str | None:
    """The header row of the table a window starts inside: the first row of the run of table lines that ends
    `preceding` (the document text just before the window), or None when it does not end inside a table."""
    lines = preceding.rstrip("\n").split("\n")
    header = None
    for line in reversed(lines):
        if cells(line) is None:
            break
        header = line
    return header


def _names(line: str) -> list[str]:
    return [line[a:b] for a, b in cells(line) or []]


def linearize(window: str, header: str | None = None) -> ReaderText:
    """The window with every table row after a header row written as "Column: value; …." (header and separator
    rows themselves left out); all other lines copied as they are. `header` is the header row of a table the
    window starts inside (see `header_before`)."""
    out: list[str] = []
    pieces: list[tuple[int, int, int]] = []
    length = 0
    names: list[str] | None = _names(header) if header else None
    position = 0
    for line in window.split("\n"):
        spans = cells(line)
        if spans is None:
            names = None
            text, copied = line, [(0, 0, len(line))]
        elif names is None or _SEPARATOR.match(line):
            names = names if names is not None else [line[a:b] for a, b in spans]
            text, copied = "", []
        else:
            text, copied = _row_text(line, spans, names)
        pieces += [(length + r, position + w, n) for r, w, n in copied if n > 0]
        out.append(text)
        length += len(text) + 1
        position += len(line) + 1
    return ReaderText("\n".join(out), tuple(pieces))


def _row_text(line: str, spans: list[tuple[int, int]], names: list[str]) -> tuple[str, list[tuple[int, int, int]]]:
    parts: list[str] = []
    copied: list[tuple[int, int, int]] = []
    written = 0
    for i, (a, b) in enumerate(spans):
        if a == b:
            continue  # an empty cell says nothing
        label = f"{names[i]}: " if i < len(names) and names[i] else ""
        prefix = ("; " if parts else "") + label
        copied.append((written + len(prefix), a, b - a))
        parts.append(prefix + line[a:b])
        written += len(prefix) + b - a
    text = "".join(parts)
    return (text + "." if text else text), copied
