"""Chunk stage: pack whole sentences into passages of about `target_words`, never across a heading.

A passage prefers to end at a paragraph break once it holds `paragraph_fill` of its target; when it has to
break inside a paragraph, the next passage repeats the last `overlap_sentences` sentences for context.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import NamedTuple

from .extract import SLIDE_KINDS, untitled_slide_heading
from .kinds import PassageKind, passage_kind
from .load import Document
from .sentences import Unit, heading_of, segment
from .tabletext import cells, header_row_before, linearize, row_with_names, splits

CAPTION_WORDS = 30  # a paragraph of at most this many words just before a table is its caption (or its introduction)
LABELLED_CAPTION_WORDS = 80  # a numbered caption ("Table 1: …") set below a table may run longer
# A caption's label: a word, a number and a colon or full stop ("Table 1:", "Tab. 2.3.", "Tabelle 4:", "TABLE IV.")
CAPTION_LABEL = re.compile(r"[^\W\d_]{2,12}\.?\s?(?:\d+(?:\.\d+)*|[IVXLC]+)\s?[:.]\s")
# A list item's marker at the start of a unit: a bullet the extractors write ("- ") or others a text file holds,
# or a number ("3.", "12)")
_ITEM = re.compile(r"(?:[-–•▪►‣*]|\d{1,3}[.)])\s")


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
    kind: PassageKind = PassageKind.BODY  # contents, reference lists and listings of files rank below body text
    lead: str = ""  # the caption and header row of the table the passage starts inside, those it does not hold;
    # or the line introducing the list it starts inside ("… involves two phases:"), when it does not hold it

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

    def context_text(self, text: str | None = None) -> str:
        """What is embedded and matched: title, heading path, a table's header row, then the passage (or `text`
        written for it: `passage_embed_text`)."""
        body = self.text if text is None else text
        # a title or heading the passage opens with (a slide's title, which its first passage holds) is said once
        named = [p for p in (self.title, *self.headings, self.lead) if p and not opens_with_line(body, p)]
        return " — ".join([*named, body] if body else named)


def passage_embed_text(chunk: Chunk) -> str:
    """What is embedded for a passage: its `context_text` with its table rows' cells named by their columns, as its
    sentences are ("Rank: 5; Name: Tauranga; …"), the header taken from its lead when it starts inside a table.
    (The `late` sentence method pools sentence vectors from `context_text` itself, and keeps it.)"""
    if "|" not in chunk.text:
        return chunk.context_text()
    starts_in_table = cells(chunk.text.split("\n", 1)[0]) is not None
    found = header_row_before(f"{chunk.lead}\n") if chunk.lead and starts_in_table else None
    return chunk.context_text(linearize(chunk.text, found[0] if found else None).text)


def sentence_embed_text(chunk: Chunk, span: tuple[int, int]) -> str:
    """What is embedded for a sentence: the sentence with its heading (or title) in front, so 'It has 12
    departments' knows what 'it' is; a table row with its cells named by their columns ("Rank: 5; Name: Tauranga;
    …; Pop.: 141,600."), so it matches a question naming the column ("what population … for Tauranga")."""
    label = chunk.heading or chunk.title
    sentence = chunk.text[span[0] - chunk.start : span[1] - chunk.start]
    if sentence.startswith("|"):
        sentence = row_with_names(sentence, f"{chunk.lead}\n{chunk.text[: span[0] - chunk.start]}") or sentence
    return f"{label} — {sentence}" if label and sentence != label else sentence


def opens_with_line(text: str, line: str) -> bool:
    """Whether `text` starts with `line` as a line of its own (a slide's passage with its title)."""
    return text == line or text.startswith(f"{line}\n")


def _atoms(
    units: list[Unit], tables: Collection[int], settings: ChunkSettings, captions: dict[int, int] | None = None
) -> list[list[Unit]]:
    """Units in packing order, a small table's rows (`tables`: indexes of table-row units) kept as one atom, with
    its numbered caption when `captions` (table paragraph → caption paragraph, just above or below) names one and
    the two fit `small_table_words`: "Table 5: … (Dist. Sup.)" is what tells the row "Dist. Sup." from a question's
    words. The rows of a larger table are atoms of one row each. Each table is measured once, whole."""
    captions = captions or {}
    atoms: list[list[Unit]] = []
    i, n = 0, len(units)
    while i < n:
        j = i + 1
        while i in tables and j < n and j in tables and units[j].paragraph == units[i].paragraph:
            j += 1
        table = units[i:j]
        size = sum(u.words for u in table)
        if len(table) > 1 and size > settings.small_table_words:
            atoms.extend([u] for u in table)
        elif i in tables and units[i].paragraph in captions:
            atom, j = _with_caption(units, atoms, i, j, captions[units[i].paragraph], settings.small_table_words)
            atoms.append(atom)
        else:
            atoms.append(table)
        i = j
    return atoms


def _with_caption(
    units: list[Unit], atoms: list[list[Unit]], i: int, j: int, caption: int, most_words: int
) -> tuple[list[Unit], int]:
    """The table `units[i:j]` with its caption paragraph: the atoms just packed (above it) or the units that follow
    (below it), when the two fit `most_words`; and where packing goes on."""
    table = units[i:j]
    size = sum(u.words for u in table)
    below = j
    while below < len(units) and units[below].paragraph == caption:
        below += 1
    if below > j:
        if size + sum(u.words for u in units[j:below]) <= most_words:
            return table + units[j:below], below
        return table, j
    above = len(atoms)
    while above > 0 and all(u.paragraph == caption for u in atoms[above - 1]):
        above -= 1
    held = [u for atom in atoms[above:] for u in atom]
    if held and size + sum(u.words for u in held) <= most_words:
        del atoms[above:]
        return held + table, j
    return table, j


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


def _pack(
    units: list[Unit], settings: ChunkSettings, tables: Collection[int] = (), captions: dict[int, int] | None = None
) -> list[list[Unit]]:
    """Greedy packing of one section's units into groups of about target_words (a small table never split, nor
    parted from its numbered caption)."""
    atoms = _atoms(units, tables, settings, captions)
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
    """A table's header (its first row, or two: `_header_rows`) and its caption (empty when it has none), with where
    the caption stands; `numbered` when the caption is a labelled one ("Table 2: …"), `caption_paragraph` its
    paragraph (-1 without one)."""

    header: Unit
    caption: str
    caption_at: tuple[int, int]
    numbered: bool = False
    caption_paragraph: int = -1


def _table_headers(text: str, units: list[Unit]) -> dict[int, _Table]:
    """Per table (a paragraph of rows), found once per document: its header row(s) and its caption:
    a numbered caption set just above or just below it ("Table 2: …"), else the paragraph just before it when that
    is short (`CAPTION_WORDS`: an HTML caption, or the line introducing it), else that paragraph's closing sentence
    when it ends with a colon (`_intro`). A table with a numbered caption on both sides takes the one on the side
    the document sets its captions (where its tables with one have it): in a paper
    that sets them below, the caption above is the previous table's."""
    paragraphs: dict[int, list[Unit]] = {}
    for unit in units:
        paragraphs.setdefault(unit.paragraph, []).append(unit)
    sides = _numbered_captions(text, paragraphs)
    set_below = sum(b and not a for _, a, b in sides.values()) > sum(a and not b for _, a, b in sides.values())
    tables: dict[int, _Table] = {}
    for number, (rows, above, below) in sides.items():
        before, after = paragraphs.get(number - 1, []), paragraphs.get(number + 1, [])
        labelled = [p for p, ok in ((after, below), (before, above))[:: 1 if set_below else -1] if ok]
        caption = (
            labelled[0] if labelled else before if _is_caption(text, before, CAPTION_WORDS) else _intro(text, before)
        )
        at = (caption[0].start, caption[-1].end) if caption else (0, 0)
        paragraph = caption[0].paragraph if caption else -1
        tables[number] = _Table(_header_rows(text, rows), text[at[0] : at[1]], at, bool(labelled), paragraph)
    return tables


def _intro(text: str, paragraph: list[Unit]) -> list[Unit]:
    """The sentence ending `paragraph` when it ends with a colon, introducing the table below it ("… you can also
    use the following commands from the llncs class:"), as a table's caption; else none."""
    last = paragraph[-1] if paragraph else None
    if last is None or _is_row(text, last) or not _introduces(text, last):
        return []
    return [last]


def _introduces(text: str, unit: Unit) -> bool:
    """Whether the sentence ends with a colon: it introduces the table or list below it."""
    return text[unit.start : unit.end].rstrip().endswith(":")


def _header_rows(text: str, rows: list[Unit]) -> Unit:
    """A table's header: its first row, and the row below it when that `splits` the first's columns further ("|
    Top-20 | Top-100 |" over "| NQ | TriviaQA | … |", a title row over the column names), as one span."""
    first = rows[0]
    if len(rows) > 2 and splits(*(text[r.start : r.end] for r in rows[:2])):
        return Unit(
            first.start, rows[1].end, first.paragraph, first.section, first.headings, first.words + rows[1].words
        )
    return first


def _numbered_captions(text: str, paragraphs: dict[int, list[Unit]]) -> dict[int, tuple[list[Unit], bool, bool]]:
    """Per table paragraph: its rows, and whether a numbered caption stands just above it and just below it."""
    sides = {}
    for number, members in paragraphs.items():
        rows = [unit for unit in members if _is_row(text, unit)]
        if rows:
            before, after = paragraphs.get(number - 1, []), paragraphs.get(number + 1, [])
            above, below = (_is_caption(text, p, LABELLED_CAPTION_WORDS, labelled=True) for p in (before, after))
            sides[number] = (rows, above, below)
    return sides


def _is_caption(text: str, paragraph: list[Unit], most_words: int, *, labelled: bool = False) -> bool:
    """Whether a paragraph next to a table can be its caption: prose (not rows) of at most `most_words` words,
    and when `labelled`, opening with a caption's label and number."""
    if not paragraph or _is_row(text, paragraph[0]) or sum(u.words for u in paragraph) > most_words:
        return False
    return not labelled or CAPTION_LABEL.match(text, paragraph[0].start) is not None


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


def _list_intros(text: str, units: list[Unit]) -> dict[int, Unit]:
    """Per unit of a list (by start offset), the sentence introducing the list: the unit just before its first
    item, when it ends with a colon. A list is a run of items (a unit opening with a bullet or a number) and the
    further sentences of their paragraphs."""
    intros: dict[int, Unit] = {}
    intro: Unit | None = None
    item_paragraph = -1
    previous: Unit | None = None
    for unit in units:
        if _ITEM.match(text, unit.start):
            if item_paragraph < 0:
                opens = previous is not None and previous.section == unit.section
                intro = previous if opens and _introduces(text, previous) else None
            item_paragraph = unit.paragraph
        elif unit.paragraph != item_paragraph:
            item_paragraph, intro = -1, None
        if intro is not None:
            intros[unit.start] = intro
        previous = unit
    return intros


def _list_lead(text: str, intros: dict[int, Unit], group: list[Unit]) -> str:
    """The sentence introducing the list a group starts inside, when the group does not hold it: "- Phase 2 (…)"
    cut from "The transformation … involves two phases:" is matched with it in front."""
    intro = intros.get(group[0].start)
    return text[intro.start : intro.end] if intro is not None else ""


def _groups(
    doc: Document, section_units: list[Unit], settings: ChunkSettings, captions: dict[int, int]
) -> list[list[Unit]]:
    groups = []
    for run in _page_runs(doc, section_units, settings):
        tables = {i for i, unit in enumerate(run) if _is_row(doc.text, unit)}
        groups.extend(_pack(run, settings, tables, captions))
    return groups


def slide_titles(doc: Document) -> frozenset[int]:
    """Where each slide's title starts, in a presentation and in one attached to an e-mail: the heading line its
    page starts with, unless it was written for an untitled slide ("Slide 3" is not on the slide)."""
    runs = [(doc.kind, doc.pages)] + [(part.kind, part.pages) for part in doc.parts]
    found = set()
    for kind, pages in runs:
        for number, start in enumerate(pages if kind in SLIDE_KINDS else (), 1):
            end = doc.text.find("\n", start)
            line = doc.text[start : end if end >= 0 else None]
            heading = heading_of(line, alone=False)
            if heading is not None and heading[1] != untitled_slide_heading(number):
                found.add(start)
    return frozenset(found)


def chunk_document(doc: Document, settings: ChunkSettings = ChunkSettings()) -> list[Chunk]:
    units = segment(
        doc.text,
        title=doc.title,
        max_unit_words=settings.max_unit_words,
        loose_headings=doc.kind in ("txt", "md"),  # extractors mark headings themselves
        headings_read=slide_titles(doc),
    )
    sections: dict[int, list[Unit]] = {}
    for unit in units:
        sections.setdefault(unit.section, []).append(unit)
    headers = _table_headers(doc.text, units)
    captions = {number: table.caption_paragraph for number, table in headers.items() if table.numbered}
    intros = _list_intros(doc.text, units)
    chunks = []
    for section_units in sections.values():
        for group in _groups(doc, section_units, settings, captions):
            start, end = group[0].start, group[-1].end
            text = doc.text[start:end]
            lead = _table_lead(doc.text, headers, group) or _list_lead(doc.text, intros, group)
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
                    kind=passage_kind(text, group[0].headings, lead),
                    lead=lead,
                )
            )
    kept = [c for c in chunks if c.words >= settings.min_words]
    return kept or chunks  # a document of two words keeps them


def chunk_corpus(
    documents: tuple[Document, ...] | list[Document], settings: ChunkSettings = ChunkSettings()
) -> list[Chunk]:
    return [chunk for doc in documents for chunk in chunk_document(doc, settings)]
