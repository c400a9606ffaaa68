"""The shared writer: extractors emit headings, paragraphs, list items and table rows; it lays them out as the
markdown-like text qa/sentences.py segments (one block per line, blank lines between blocks)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from itertools import zip_longest
from pathlib import PurePosixPath

_LIGATURES = re.compile("[\ufb00-\ufb06\ufb13-\ufb17]")
# control and zero-width characters, and private-use ones: a font's own icons (a link or mail glyph) that no other
# font draws and no question types (a bullet drawn with one is read as a bullet before text is cleaned)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\u2060\ufeff\ufffe\uffff\ue000-\uf8ff]")
_SPACES = re.compile(r"\s+")
_HEADING_LINE = re.compile(r"^(#{1,6}) (\S.*)$")
_HEADING_LINES = re.compile(r"^(#{1,6}) \S", re.M)
_MARKED = re.compile(r"^(#{1,6}) ")  # what the segmenter takes for a heading's marks
_BLOCK_BREAK = re.compile(r"\n[ \t\r\f\v]*\n")
# terminal escape sequences (colours, cursor moves) in a log file: CSI, OSC and two-character ones
_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_`-~])")
_HYPHENS = ("-", "\xad")
SPANNED_LABEL_CHARS = 80  # a table cell spanning rows repeats its text in each when it is no longer than this


def clean(text: str) -> str:
    """One line of text: ligatures (ﬁ → fi) unfolded, control, zero-width and private-use characters dropped,
    whitespace collapsed."""
    text = _LIGATURES.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)
    text = _CONTROL.sub("", text.replace("\xa0", " "))
    return _SPACES.sub(" ", text).strip()


def name_title(name: str) -> str:
    """A file name made readable as a title: 'airline_safety-2014.csv' → 'Airline safety 2014'."""
    stem = PurePosixPath(name).stem
    words = re.sub(r"[-_]+", " ", stem).strip()
    return words[:1].upper() + words[1:] if words else stem


def join_line(line: str, text: str) -> str:
    """Append a line to a paragraph: a word hyphenated across the line break is joined."""
    if not line:
        return text
    if line.endswith(_HYPHENS) and len(line) > 1 and line[-2].isalpha() and text[:1].islower():
        return line[:-1] + text
    return line + " " + text


def table_row(cells: list[str]) -> str:
    """`| a | b |`: a question can match "Founded 1975" in one row. A `|` inside a cell becomes `/`."""
    return "| " + " | ".join(clean(c).replace("|", "/") for c in cells) + " |"


class Writer:
    """Accumulates blocks; `text` joins them with blank lines (a table's rows and a list's items stay together)."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.size = 0
        self.headings = 0
        self.table_rows = 0
        self._run = ""  # "table" or "list" while rows/items follow each other without a blank line
        self._heading: tuple[int, int] | None = None  # (index in parts, level) while the last block is a heading

    def _add(self, line: str, run: str = "") -> None:
        if self.parts:
            sep = "\n" if run and run == self._run else "\n\n"
            self.parts.append(sep)
            self.size += len(sep)
        self.parts.append(line)
        self.size += len(line)
        self._run = run
        self._heading = None

    def heading(self, text: str, level: int) -> None:
        text = clean(text)
        if not text:
            return
        level = max(1, min(level, 6))
        if self._heading is not None and self._heading[1] >= level:
            # the heading before heads nothing (an author line, a date under a title): it is text, not a section
            index, previous = self._heading
            self.parts[index] = self.parts[index][previous + 1 :]
            self.size -= previous + 1
            self.headings -= 1
        self._add("#" * level + " " + text)
        self.headings += 1
        self._heading = (len(self.parts) - 1, level)

    def paragraph(self, text: str) -> None:
        """A paragraph of a document's text. One that opens with "# " ("# of passages", a figure's legend) is
        text, not a heading: its space becomes a no-break space, which the segmenter's heading marks do not take."""
        text = _MARKED.sub(lambda m: m.group(1) + "\xa0", clean(text), count=1)
        if text:
            self._add(text)

    def item(self, text: str, depth: int = 0) -> None:
        text = clean(text)
        if text:
            self._add("  " * depth + "- " + text, "list")

    def row(self, cells: list[str]) -> None:
        cells = [clean(c) for c in cells]
        if any(cells):
            self._add(table_row(cells), "table")
            self.table_rows += 1

    def end_run(self) -> None:
        """The next list item or table row starts a new block (a second table right after the first)."""
        self._run = ""

    def extend(self, text: str, top: int = 1, pages: Sequence[int] = ()) -> tuple[int, ...]:
        """Append text another extractor laid out (an e-mail attachment, an EPUB chapter), its `#` headings moved
        so the highest lands at level `top` (under the heading written before), their nesting kept. Lines are kept
        as written (a plain-text attachment's line breaks are the segmenter's to read); control characters and
        terminal escapes are dropped. With `pages` (where each page starts in `text`, page 1 first), returns where
        each page starts in this writer's text."""
        starts = sorted(min(max(0, p), len(text)) for p in pages)
        ends = [*starts[1:], len(text)]
        bounds = [(0, starts[0])] if starts and starts[0] > 0 else [] if starts else [(0, len(text))]
        unmarked = len(bounds)  # the text before page 1 (all of it without pages)
        bounds += zip(starts, ends)
        pieces = [_ANSI.sub("", text[a:b].replace("\r\n", "\n").replace("\r", "\n")) for a, b in bounds]
        levels = [len(m.group(1)) for piece in pieces for m in _HEADING_LINES.finditer(piece)]
        shift = top - min(levels) if levels else 0
        marks = []
        for number, piece in enumerate(pieces):
            if number >= unmarked:  # a page of `pages` (an empty one too: page numbers stay aligned)
                marks.append(self.mark())
            self._blocks(piece, shift)
        return tuple(marks)

    def _blocks(self, text: str, shift: int) -> None:
        """The blocks of laid-out text, headings moved by `shift` levels."""
        for block in _BLOCK_BREAK.split(text):
            lines: list[str] = []
            for line in block.split("\n"):
                line = _CONTROL.sub("", line.replace("\t", "    ")).rstrip()
                heading = _HEADING_LINE.match(line)
                if heading is None:
                    if line.strip():
                        lines.append(line)
                    continue
                self._raw(lines)
                self.heading(heading.group(2), len(heading.group(1)) + shift)
            self._raw(lines)

    def _raw(self, lines: list[str]) -> None:
        """Lines of an already laid-out block, kept together; `lines` is emptied."""
        if lines:
            self._add("\n".join(lines))
            self.table_rows += sum(1 for line in lines if line.startswith("| "))
            lines.clear()

    def mark(self) -> int:
        """Offset where the next block will start (after its separating blank line), for page starts."""
        self._heading = None  # offsets are handed out: the text before them no longer changes
        return self.size + (2 if self.parts else 0)

    @property
    def text(self) -> str:
        return "".join(self.parts)


def merged_names(first: Sequence[str], second: Sequence[str]) -> list[str]:
    """One header row from two: each column named by its name in the first row (a name spanning columns given to
    each) and in the second, top to bottom, a name written once ("Votes" over "Number" → "Votes Number"; "Party"
    spanning both rows → "Party")."""
    return [" ".join(dict.fromkeys(name for name in pair if name)) for pair in zip_longest(first, second, fillvalue="")]
