"""Reading windows: a retrieved passage widened within its section, so the reader sees what the passage refers to.

Passages stay short for retrieval (a short passage is a sharp vector), but "she", "the band" or "it" often name
something two sentences back. A window adds the section's neighbouring sentences around the passage, earlier ones
first (what a pronoun refers to stands before it), while the window stays within `max_words` and never crosses a
heading. Offsets are absolute offsets into the document's extracted text, like a passage's, so a span the reader
marks in a window is a span of the source.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..ingest.chunk import Chunk

DEFAULT_WINDOW_WORDS = 130  # about 170 word pieces: with the question, a window fits one 192-token reader pass


@dataclass(frozen=True)
class Window:
    """What the reader reads for one passage: `source[start:end]`, its sentences (absolute offsets) and where the
    retrieved passage itself lies inside it."""

    doc: str
    start: int
    end: int
    sentences: tuple[tuple[int, int], ...]
    passage: tuple[int, int]


def _words(text: str, span: tuple[int, int], origin: int) -> int:
    return len(text[span[0] - origin : span[1] - origin].split())


Sentence = tuple[int, int, int]  # start, end (absolute offsets), words


def section_sentences(chunk: Chunk, neighbours: Sequence[Chunk]) -> tuple[list[Sentence], list[Sentence]]:
    """The sentences of the same document and section before and after `chunk` (nearest first), with their word
    counts: neighbours under other headings are left out, a sentence two neighbours share is counted once."""
    before: dict[tuple[int, int], int] = {}
    after: dict[tuple[int, int], int] = {}
    for other in neighbours:
        if other.doc_id != chunk.doc_id or other.headings != chunk.headings:
            continue
        for span in other.sentences:
            if span[1] <= chunk.start:
                before.setdefault(span, _words(other.text, span, other.start))
            elif span[0] >= chunk.end:
                after.setdefault(span, _words(other.text, span, other.start))
    return (
        [(a, b, before[(a, b)]) for a, b in sorted(before, key=lambda s: -s[0])],
        [(a, b, after[(a, b)]) for a, b in sorted(after)],
    )


def widen(chunk: Chunk, neighbours: Sequence[Chunk], max_words: int = DEFAULT_WINDOW_WORDS) -> Window:
    """The window around `chunk`: whole sentences of its section, earlier ones first, up to `max_words` words in
    all (the passage itself always; a sentence that would overflow the budget stops that side). A preceding
    sentence is only added while it is adjacent to what the window holds, so the window is one stretch of text."""
    budget = max_words - chunk.words
    before, after = section_sentences(chunk, neighbours)
    start, end = chunk.start, chunk.end
    sentences = list(chunk.sentences)
    sides = [iter(before), iter(after)]
    pending: list[Sentence | None] = [next(sides[0], None), next(sides[1], None)]
    while budget > 0 and any(pending):
        side = 0 if pending[0] is not None and (pending[1] is None or budget >= pending[0][2]) else 1
        candidate = pending[side]
        if candidate is None or candidate[2] > budget:
            pending[side] = None  # this side is full; try the other one
            continue
        a, b, words = candidate
        sentences.append((a, b))
        start, end = min(start, a), max(end, b)
        budget -= words
        pending[side] = next(sides[side], None)
    return Window(chunk.doc_id, start, end, tuple(sorted(set(sentences))), (chunk.start, chunk.end))


def sentence_holding(window: Window, start: int, end: int) -> tuple[int, int]:
    """The window sentence that holds the span [start, end) (absolute offsets): the one overlapping it most;
    a span across sentences gets the stretch from the first to the last."""
    touched = [s for s in window.sentences if s[0] < end and start < s[1]]
    if not touched:
        return (start, end)
    return (min(s[0] for s in touched), max(s[1] for s in touched))
