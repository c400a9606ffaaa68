"""Chunk stage: pack whole sentences into passages of about `target_words`, never across a heading.

A passage prefers to end at a paragraph break once it holds `paragraph_fill` of its target; when it has to
break inside a paragraph, the next passage repeats the last `overlap_sentences` sentences for context.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import NamedTuple

from .kinds import PassageKind, passage_kind
from .load import Document
from .sentences import Unit, segment

CAPTION_WORDS = 30  # a paragraph of at most this many words just before a table is its caption (or its introduction)
LABELLED_CAPTION_WORDS = 80  # a numbered caption ("Table 1: …") set below a table may run longer
# A caption's label: a word, a number and a colon or full stop ("Table 1:", "Tab. 2.3.", "Tabelle 4:", "TABLE IV.")
_CAPTION_LABEL = re.compile(r"[^\W\d_]{2,12}\.?\s?(?:\d+(?:\.\d+)*|[IVXLC]+)\s?[:.]\s")


@dataclass(frozen=True)
class ChunkSettings:
    target_words: int = 90
    overlap_sentences: int = 1
    paragraph_fill: float = 0.6
    max_unit_words: int = 150
    tail_fill: float = 0.25  # a section's last passage under this share of the target joins the one before
    min_words: int = 3  # a passage under this many words ("®", a figure label) is dropped if its document has others
    small_table_words: int = 150  # a table up to this size stays whole in one passage


@dataclass(frozen=True)
class Chunk:
    """A passage: `source[start:end] == text`; `sentences` are absolute (start, end) offsets into the source."""

    doc_id: str
    start: int
    end: int
    text: str
    title: str
    headings: tuple[str, ...]
    sentences: tuple[tuple[int, int], ...]
    page: int | None = None  # 1-based page holding `start` (PDF); None for formats without pages
    kind: PassageKind = PassageKind.BODY  # contents and reference lists rank below body text
    lead: str = ""  # the caption and header row of the table the passage starts inside, those it does not hold

    @property
    def heading(self) -> str:
        return self.headings[-1] if self.headings else ""

    @property
    def section(self) -> str:
        """The heading path, for citing where a passage stands: "3 Methods › 3.1 Data"."""
        return " › ".join(self.headings)

    @property
    def words(self) -> int:
        return len(self.text.split())

    def context_text(self) -> str:
        """What is embedded and matched: title, heading path, a table's header row, then the passage."""
        parts = [self.title, *self.headings, self.lead, self.text]
        return " — ".join(p for p in parts if p)


def sentence_embed_text(chunk: Chunk, span: tuple[int, int]) -> str:
    """What is embedded for a sentence: the sentence with its heading (or title) in front, so 'It has 12
    departments' knows what 'it' is."""
    label = chunk.heading or chunk.title
    sentence = chunk.text[span[0] - chunk.start : span[1] - chunk.start]
    return f"{label} — {sentence}" if label else sentence


def _atoms(units: list[Unit], tables: Collection[int], settings: ChunkSettings) -> list[list[Unit]]:
    """Units in packing order, a small table's rows (`tables`: indexes of table-row units) kept as one atom; the
    rows of a larger table are atoms of one row each. Each table is measured once, whole."""
    atoms: list[list[Unit]] = []
    i, n = 0, len(units)
    while i < n:
        j = i + 1
        while i in tables and j < n and j in tables and units[j].paragraph == units[i].paragraph:
            j += 1
        table = units[i:j]
        if len(table) > 1 and sum(u.words for u in table) > settings.small_table_words:
            atoms.extend([u] for u in table)
        else:
            atoms.append(table)
        i = j
    return atoms


def _group_end(atoms: list[list[Unit]], i: int, settings: ChunkSettings) -> int:
    """Where the group starting at atom `i` ends: at the target size, or at a paragraph break once it is full
    enough. A group still under `tail_fill` of the target takes the next atom whatever its size: a line that leads
    into a table or a long paragraph ("Record COLINFO, BIFF3-BIFF8:") is no passage of its own."""
    j, words = i, 0
    while j < len(atoms):
        size = sum(u.words for u in atoms[j])
        if j > i:
            if words + size > settings.target_words and words >= settings.tail_fill * settings.target_words:
                break
            new_paragraph = atoms[j][0].paragraph != atoms[j - 1][-1].paragraph
            if new_paragraph and words >= settings.paragraph_fill * settings.target_words:
                break
        words += size
        j += 1
    return j


def _merged_tail(groups: list[list[Unit]], settings: ChunkSettings) -> list[list[Unit]]:
    """A short tail ("IMG_8788 2", a last half-line) is no passage of its own: with only the title and heading to
    go on, it would match every question about the section. It joins the group before it."""
    if len(groups) >= 2:
        tail = [u for u in groups[-1] if u not in groups[-2]]
        if sum(u.words for u in tail) < settings.tail_fill * settings.target_words:
            groups[-2:] = [groups[-2] + tail]
    return groups


def _pack(units: list[Unit], settings: ChunkSettings, tables: Collection[int] = ()) -> list[list[Unit]]:
    """Greedy packing of one section's units into groups of about target_words (a small table never split)."""
    atoms = _atoms(units, tables, settings)
    groups: list[list[Unit]] = []
    i, n = 0, len(atoms)
    while i < n:
        j = _group_end(atoms, i, settings)
        groups.append([u for atom in atoms[i:j] for u in atom])
        if j >= n:
            break
        inside_paragraph = atoms[j][0].paragraph == atoms[j - 1][-1].paragraph
        i = max(i + 1, j - settings.overlap_sentences) if inside_paragraph and settings.overlap_sentences else j
    return _merged_tail(groups, settings)


def _page_runs(doc: Document, units: list[Unit], settings: ChunkSettings) -> list[list[Unit]]:
    """A section's units split where a new page starts, so a passage cites one page; a run too short to stand
    alone (a sentence ending at the top of the next page) stays with the run before it."""
    if not doc.paged:
        return [units]
    runs: list[list[Unit]] = []
    page = None
    for unit in units:
        unit_page = doc.page_at(unit.start)
        if runs and unit_page == page:
            runs[-1].append(unit)
        else:
            runs.append([unit])
        page = unit_page
    merged: list[list[Unit]] = []
    for run in runs:
        if merged and sum(u.words for u in run) < settings.tail_fill * settings.target_words:
            merged[-1].extend(run)
        else:
            merged.append(run)
    return merged


def _is_row(text: str, unit: Unit) -> bool:
    return text.startswith("|", unit.start)


class _Table(NamedTuple):
    """A table's header row and its caption (empty when it has none), with where the caption stands."""

    header: Unit
    caption: str
    caption_at: tuple[int, int]


def _table_headers(text: str, units: list[Unit]) -> dict[int, _Table]:
    """Per table (a paragraph of rows), found once per section: its first row (the header row) and its caption:
    a numbered caption set just above or just below it ("Table 2: …", as papers set them), else the paragraph
    just before it when that is short (`CAPTION_WORDS`: an HTML caption, or the line introducing it)."""
    paragraphs: dict[int, list[Unit]] = {}
    for unit in units:
        paragraphs.setdefault(unit.paragraph, []).append(unit)
    tables: dict[int, _Table] = {}
    for number, members in paragraphs.items():
        rows = [unit for unit in members if _is_row(text, unit)]
        if not rows:
            continue
        before, after = paragraphs.get(number - 1, []), paragraphs.get(number + 1, [])
        labelled = [p for p in (before, after) if _is_caption(text, p, LABELLED_CAPTION_WORDS, labelled=True)]
        caption = labelled[0] if labelled else before if _is_caption(text, before, CAPTION_WORDS) else []
        at = (caption[0].start, caption[-1].end) if caption else (0, 0)
        tables[number] = _Table(rows[0], text[at[0] : at[1]], at)
    return tables


def _is_caption(text: str, paragraph: list[Unit], most_words: int, *, labelled: bool = False) -> bool:
    """Whether a paragraph next to a table can be its caption: prose (not rows) of at most `most_words` words,
    and when `labelled`, opening with a caption's label and number."""
    if not paragraph or _is_row(text, paragraph[0]) or sum(u.words for u in paragraph) > most_words:
        return False
    return not labelled or _CAPTION_LABEL.match(text, paragraph[0].start) is not None


def _table_lead(text: str, tables: dict[int, _Table], group: list[Unit]) -> str:
    """What a group holding (part of) a table needs from outside it: the table's caption unless the group holds
    it, and when the group starts inside the table, its header row ("| 2015 | 93,580 |" is matched with
    "| Year | Revenue |" in front of it)."""
    number = next((u.paragraph for u in group if u.paragraph in tables and _is_row(text, u)), None)
    if number is None:
        return ""
    table, first = tables[number], group[0]
    held = first.start <= table.caption_at[0] and table.caption_at[1] <= group[-1].end
    row = (
        text[table.header.start : table.header.end]
        if first.paragraph == number and table.header.start < first.start
        else ""
    )
    return "\n".join(part for part in ("" if held else table.caption, row) if part)


def _groups(doc: Document, section_units: list[Unit], settings: ChunkSettings) -> list[list[Unit]]:
    groups = []
    for run in _page_runs(doc, section_units, settings):
        tables = {i for i, unit in enumerate(run) if _is_row(doc.text, unit)}
        groups.extend(_pack(run, settings, tables))
    return groups


def chunk_document(doc: Document, settings: ChunkSettings = ChunkSettings()) -> list[Chunk]:
    units = segment(
        doc.text, title=doc.title, max_unit_words=settings.max_unit_words, loose_headings=doc.kind in ("txt", "md")
    )  # extractors mark headings themselves
    sections: dict[int, list[Unit]] = {}
    for unit in units:
        sections.setdefault(unit.section, []).append(unit)
    chunks = []
    for section_units in sections.values():
        headers = _table_headers(doc.text, section_units)
        for group in _groups(doc, section_units, settings):
            start, end = group[0].start, group[-1].end
            text = doc.text[start:end]
            chunks.append(
                Chunk(
                    doc_id=doc.id,
                    start=start,
                    end=end,
                    text=text,
                    title=doc.title,
                    headings=group[0].headings,
                    sentences=tuple((u.start, u.end) for u in group),
                    page=doc.page_at(start),
                    kind=passage_kind(text, group[0].headings),
                    lead=_table_lead(doc.text, headers, group),
                )
            )
    kept = [c for c in chunks if c.words >= settings.min_words]
    return kept or chunks  # a document of two words keeps them


def chunk_corpus(
    documents: tuple[Document, ...] | list[Document], settings: ChunkSettings = ChunkSettings()
) -> list[Chunk]:
    return [chunk for doc in documents for chunk in chunk_document(doc, settings)]
