"""Chunk stage: pack whole sentences into passages of about `target_words`, never across a heading.

A passage prefers to end at a paragraph break once it holds `paragraph_fill` of its target; when it has to
break inside a paragraph, the next passage repeats the last `overlap_sentences` sentences for context.
"""

from __future__ import annotations

from dataclasses import dataclass

from .load import Document
from .sentences import Unit, segment


@dataclass(frozen=True)
class ChunkSettings:
    target_words: int = 90
    overlap_sentences: int = 1
    paragraph_fill: float = 0.6
    max_unit_words: int = 150
    tail_fill: float = 0.25  # a section's last passage under this share of the target joins the one before


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
        """What is embedded and matched: title, heading path, then the passage."""
        parts = [self.title, *self.headings, self.text]
        return " — ".join(p for p in parts if p)


def sentence_embed_text(chunk: Chunk, span: tuple[int, int]) -> str:
    """What is embedded for a sentence: the sentence with its heading (or title) in front, so 'It has 12
    departments' knows what 'it' is."""
    label = chunk.heading or chunk.title
    sentence = chunk.text[span[0] - chunk.start : span[1] - chunk.start]
    return f"{label} — {sentence}" if label else sentence


def _pack(units: list[Unit], settings: ChunkSettings) -> list[list[Unit]]:
    """Greedy packing of one section's units into groups of about target_words."""
    groups: list[list[Unit]] = []
    i, n = 0, len(units)
    while i < n:
        j, words = i, 0
        while j < n:
            if j > i:
                if words + units[j].words > settings.target_words:
                    break
                new_paragraph = units[j].paragraph != units[j - 1].paragraph
                if new_paragraph and words >= settings.paragraph_fill * settings.target_words:
                    break
            words += units[j].words
            j += 1
        groups.append(units[i:j])
        if j >= n:
            break
        inside_paragraph = units[j].paragraph == units[j - 1].paragraph
        i = max(i + 1, j - settings.overlap_sentences) if inside_paragraph and settings.overlap_sentences else j
    if len(groups) >= 2:
        # a short tail ("IMG_8788 2", a last half-line) is no passage of its own: with only the title and
        # heading to go on, it would match every question about the section
        tail = [u for u in groups[-1] if u not in groups[-2]]
        if sum(u.words for u in tail) < settings.tail_fill * settings.target_words:
            groups[-2:] = [groups[-2] + tail]
    return groups


def _page_runs(doc: Document, units: list[Unit], settings: ChunkSettings) -> list[list[Unit]]:
    """A section's units split where a new page starts, so a passage cites one page; a run too short to stand
    alone (a sentence ending at the top of the next page) stays with the run before it."""
    if not doc.pages:
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


def chunk_document(doc: Document, settings: ChunkSettings = ChunkSettings()) -> list[Chunk]:
    units = segment(
        doc.text, title=doc.title, max_unit_words=settings.max_unit_words, loose_headings=doc.kind in ("txt", "md")
    )  # extractors mark headings themselves
    sections: dict[int, list[Unit]] = {}
    for unit in units:
        sections.setdefault(unit.section, []).append(unit)
    chunks = []
    for section_units in sections.values():
        for group in (g for run in _page_runs(doc, section_units, settings) for g in _pack(run, settings)):
            start, end = group[0].start, group[-1].end
            chunks.append(
                Chunk(
                    doc_id=doc.id,
                    start=start,
                    end=end,
                    text=doc.text[start:end],
                    title=doc.title,
                    headings=group[0].headings,
                    sentences=tuple((u.start, u.end) for u in group),
                    page=doc.page_at(start),
                )
            )
    return chunks


def chunk_corpus(
    documents: tuple[Document, ...] | list[Document], settings: ChunkSettings = ChunkSettings()
) -> list[Chunk]:
    return [chunk for doc in documents for chunk in chunk_document(doc, settings)]
