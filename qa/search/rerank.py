"""Reranking stage: the reranker model (qa/models/reranker.py) reads the question with each of the top passages
and the top is reordered by its score mixed with the retrieval score, before the reader reads the best few.

What the reranker reads for a passage is what a person would glance at: the passage's heading (or the document's
title) on a line, then the passage, a table's rows named by their columns as the reader gets them
(qa/search/tables.py), so "| Malaysia Airlines | … | 537 |" reads as "airline: Malaysia Airlines; …". Both score
lists are min-max normalized over the reranked passages and mixed, `weight` × reranker + retrieval, and the
reranked passages stay above the ones below them. The settings are chosen on the squad-public tuning articles and
`gold/dev.jsonl`; nothing here knows a corpus.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..index.store import ChunkStore
from ..ingest.chunk import Chunk
from .read import reader_text
from .retrieve import Hit
from .windows import Window


def rerank_text(store: ChunkStore, chunk: Chunk) -> str:
    """The passage as the reranker reads it: its heading (or title) line, then its text with table rows named."""
    window = Window(chunk.doc_id, chunk.start, chunk.end, chunk.sentences, (chunk.start, chunk.end))
    text = reader_text(store, window, chunk.text).text
    label = chunk.heading or chunk.title
    return f"{label}\n{text}" if label else text


def _spread(values: Sequence[float]) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64)
    low, high = float(array.min()), float(array.max())
    return (array - low) / (high - low) if high > low else np.zeros_like(array)


def reorder_by_reranker(head: list[Hit], scores: Sequence[float], weight: float, floor: float) -> list[Hit]:
    """The reranked passages by `weight` × reranker score + retrieval score (each min-max normalized over the
    head), best first (stable); every new score is `floor` (the best score below the head) plus that mix, so
    scores still fall with the rank across the head and the passages below it."""
    if not head:
        return head
    mixed = weight * _spread(scores) + _spread([hit.score for hit in head])
    order = sorted(range(len(head)), key=lambda i: -mixed[i])
    return [Hit(head[i].chunk, floor + float(mixed[i])) for i in order]
