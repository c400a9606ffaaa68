"""The shared writer: extractors emit headings, paragraphs, list items and table rows; it lays them out as the
markdown-like text qa/sentences.py segments (one block per line, blank lines between blocks)."""

from __future__ import annotations

import re
import unicodedata

_LIGATURES = re.compile("[\ufb00-\ufb06\ufb13-\ufb17]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\ufeff\ufffe\uffff]")
_SPACES = re.compile(r"\s+")


def clean(text: str) -> str:
    """One line of text: ligatures (ﬁ → fi) unfolded, control and zero-width characters dropped, whitespace
    collapsed."""
    text = _LIGATURES.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)
    text = _CONTROL.sub("", text.replace("\xa0", " "))
    return _SPACES.sub(" ", text).strip()


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
        text = clean(text)
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

    def mark(self) -> int:
        """Offset where the next block will start (after its separating blank line), for page starts."""
        self._heading = None  # offsets are handed out: the text before them no longer changes
        return self.size + (2 if self.parts else 0)

    @property
    def text(self) -> str:
        return "".join(self.parts)
