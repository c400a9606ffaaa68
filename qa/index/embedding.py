"""What a build embeds for a passage, and the key that lets a later build reuse the vectors (the embedding store)."""

from __future__ import annotations

import json

import numpy as np

from ..ingest.chunk import Chunk, passage_embed_text, sentence_embed_text
from ..ingest.load import content_hash
from ..models.encoder import Encoder


def passage_text(chunk: Chunk, method: str) -> str:
    """The text a passage's vector is embedded from: `passage_embed_text` (table rows with their cells named), but
    `context_text` as written for the `late` method, which pools its sentence vectors from that text's tokens."""
    return chunk.context_text() if method == "late" else passage_embed_text(chunk)


def embed_key(chunk: Chunk, method: str) -> str:
    """Hash of exactly what is embedded for a passage (and how): equal keys reuse a stored embedding. The sentences'
    own texts are part of it, so a change to what a sentence is embedded with re-embeds it."""
    spans = [(a - chunk.start, b - chunk.start) for a, b in chunk.sentences] if method != "none" else []
    sentences = [sentence_embed_text(chunk, s) for s in chunk.sentences] if method not in ("none", "late") else []
    return content_hash(
        json.dumps([method, passage_text(chunk, method), spans, sentences], ensure_ascii=False).encode("utf-8")
    )


def embed_chunks(encoder: Encoder, chunks: list[Chunk], method: str) -> list[np.ndarray]:
    """(1 + sentences) × dimension unit vectors per passage: the passage, then each sentence (none for 'none')."""
    texts = [passage_text(c, method) for c in chunks]
    if method == "late":
        spans = []
        for c, text in zip(chunks, texts):
            offset = len(text) - len(c.text)  # the passage text ends the context text
            spans.append([(offset + a - c.start, offset + b - c.start) for a, b in c.sentences])
        passages, sentences = encoder.encode_passages(texts, spans)  # type: ignore[attr-defined]
        return [np.vstack([p[None, :], s]) for p, s in zip(passages, sentences)]
    if method == "none":
        return list(encoder.encode(texts)[:, None, :])
    sentence_texts = [sentence_embed_text(c, s) for c in chunks for s in c.sentences]
    # a sentence repeated by the next passage's overlap (or a one-sentence passage) is embedded once
    wanted = texts + sentence_texts
    unique = list(dict.fromkeys(wanted))
    row_of = {text: i for i, text in enumerate(unique)}
    vectors = encoder.encode(unique)[[row_of[text] for text in wanted]]
    out, row = [], len(texts)
    for i, c in enumerate(chunks):
        out.append(np.vstack([vectors[i][None, :], vectors[row : row + len(c.sentences)]]))
        row += len(c.sentences)
    return out
