"""What both model runtimes share: mean pooling of token vectors, and late chunking (one forward pass per
passage, one vector per sentence span). Pure numpy, so the runtimes import it and not each other."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np

Span = tuple[int, int]


class TextEncoder(Protocol):
    """The part of an encoder late chunking needs: its dimension, and `encode` for spans it embeds alone."""

    dimension: int

    def encode(self, texts: list[str], *, batch_size: int = 64, progress: bool = False) -> np.ndarray: ...


def normalize_rows(vectors: np.ndarray) -> np.ndarray:
    """L2-normalize each row as float32 (a zero row stays zero instead of becoming NaN)."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return np.ascontiguousarray(vectors / np.maximum(norms, 1e-12), dtype=np.float32)


def pool_text(tokens: np.ndarray) -> np.ndarray:
    """Mean over every token the model read (specials included, as sentence-transformers' mean pooling), normalized."""
    return normalize_rows(tokens.mean(axis=0, dtype=np.float64)[None, :])[0]


def pool_spans(
    text: str, tokens: np.ndarray, offsets: Sequence[Span], special: Sequence[int], spans: Sequence[Span]
) -> tuple[np.ndarray, list[int]]:
    """Late chunking: span i's vector is the normalized mean of the non-special tokens overlapping it.

    Returns the vectors and the indices of spans the model did not read to the end (the text was truncated
    before the span ends) or that hold no token: those rows are zero and the caller embeds them on their own.
    """
    starts = np.array([a for a, _ in offsets], dtype=np.int64)
    ends = np.array([b for _, b in offsets], dtype=np.int64)
    content = (np.asarray(special) == 0) & (ends > starts)
    read_to = int(ends[content].max()) if content.any() else 0
    out = np.zeros((len(spans), tokens.shape[1]), dtype=np.float32)
    redo: list[int] = []
    for i, (a, b) in enumerate(spans):
        rows = content & (starts < b) & (ends > a)
        if text[max(a, read_to) : b].strip() or not rows.any():
            redo.append(i)
            continue
        out[i] = tokens[rows].mean(axis=0, dtype=np.float64)
    return normalize_rows(out), redo


def late_chunk(
    encoder: TextEncoder,
    texts: list[str],
    spans: list[list[Span]],
    forward: Callable[[str], tuple[np.ndarray, list[Span], list[int]]],
) -> tuple[np.ndarray, list[np.ndarray]]:
    """`encode_passages` for any runtime whose `forward(text)` returns (token vectors, offsets, special mask)."""
    if len(texts) != len(spans):
        raise ValueError(f"encode_passages got {len(texts)} texts but {len(spans)} span lists; pass one list per text")
    pooled = np.zeros((len(texts), encoder.dimension), dtype=np.float32)
    per_text: list[np.ndarray] = []
    redo: list[tuple[int, int]] = []
    for t, (text, text_spans) in enumerate(zip(texts, spans)):
        for a, b in text_spans:
            if not 0 <= a <= b <= len(text):
                raise ValueError(
                    f"span ({a}, {b}) lies outside text {t} of {len(text)} characters; pass offsets into that text"
                )
        tokens, offsets, special = forward(text)
        pooled[t] = pool_text(tokens)
        vectors, cut = pool_spans(text, tokens, offsets, special, text_spans)
        per_text.append(vectors)
        redo.extend((t, i) for i in cut)
    if redo:  # spans past the truncation point: the model never read them in context, so embed them alone
        alone = encoder.encode([texts[t][spans[t][i][0] : spans[t][i][1]] for t, i in redo])
        for (t, i), vector in zip(redo, alone):
            per_text[t][i] = vector
    return pooled, per_text
