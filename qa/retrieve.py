"""Retrieve stage: dense (FAISS), lexical (BM25) and their fusion, all returning the same `Hit` list.

Hybrid takes the top `candidates` of each retriever, fuses them (reciprocal rank fusion or a min-max
normalized score blend) and, optionally, rescores the fused top with the passage's best sentence
similarity to the question: a short answer sentence inside a long passage is otherwise diluted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .embed import Encoder
from .index import LoadedIndex

MODES = ("hybrid", "dense", "bm25")
FUSIONS = ("rrf", "blend")


@dataclass(frozen=True)
class Hit:
    """One ranked passage: `chunk` is its row in the index."""

    chunk: int
    score: float


@dataclass(frozen=True)
class SearchSettings:
    """Query-time options (not part of the index). Defaults chosen on gold/dev.jsonl (benchmarks/tune_corpus.py)."""

    fusion: str = "blend"
    dense_weight: float = 0.5
    rrf_k: int = 60
    candidates: int = 40
    sentence_weight: float = 0.3
    answer_weight: float = 0.5  # hybrid only: add this × the best answer-sentence score, reranking the top answer_depth
    answer_depth: int = 10
    sentence_dense: float = 0.5  # share of the best-sentence similarity in the dense score (and its own candidate pool)


class Retriever:
    """Dense, BM25 and hybrid search over one loaded index with one encoder."""

    def __init__(self, index: LoadedIndex, encoder: Encoder) -> None:
        self.index = index
        self.encoder = encoder
        self.vectors = index.dense.reconstruct_n(0, index.dense.ntotal) if index.dense.ntotal else np.zeros((0, encoder.dimension), np.float32)

    def embed_question(self, question: str) -> np.ndarray:
        return self.encoder.encode([question])[0]

    def dense_scores(self, query_vector: np.ndarray) -> np.ndarray:
        return self.vectors @ query_vector

    def dense(self, query_vector: np.ndarray, k: int) -> list[Hit]:
        scores, rows = self.index.dense.search(query_vector[None, :].astype(np.float32), min(k, self.index.dense.ntotal))
        return [Hit(int(r), float(s)) for r, s in zip(rows[0], scores[0]) if r >= 0]

    def bm25(self, question: str, k: int) -> list[Hit]:
        scores = self.index.bm25.scores(question)
        return _top(scores, k, positive_only=True)

    def search(self, question: str, query_vector: np.ndarray, *, mode: str = "hybrid", k: int = 5,
               settings: SearchSettings = SearchSettings()) -> list[Hit]:
        if mode not in MODES:
            raise ValueError(f"mode '{mode}' is not one of {', '.join(MODES)}")
        if settings.fusion not in FUSIONS:
            raise ValueError(f"fusion '{settings.fusion}' is not one of {', '.join(FUSIONS)}")
        if mode == "dense":
            return self.dense(query_vector, k)
        if mode == "bm25":
            return self.bm25(question, k)
        pool = max(settings.candidates, k)
        lexical_scores = self.index.bm25.scores(question)
        lexical_hits = _top(lexical_scores, pool, positive_only=True)
        mix = settings.sentence_dense if self.index.sentence_vectors is not None else 0.0
        if mix:
            # a passage is also as close as its closest sentence: a one-line answer is not diluted by its neighbours
            dense_all = (1 - mix) * self.dense_scores(query_vector) + mix * self.best_sentence_scores(query_vector)
            dense_hits = _top(dense_all, pool)
        else:
            dense_hits = self.dense(query_vector, pool)
        if settings.fusion == "rrf":
            fused = rrf([dense_hits, lexical_hits], k=settings.rrf_k)
        else:
            candidates = sorted({h.chunk for h in dense_hits} | {h.chunk for h in lexical_hits})
            dense_part = dense_all[candidates] if mix else self.vectors[candidates] @ query_vector
            fused = blend(candidates, dense_part, lexical_scores[candidates], settings.dense_weight)
        if settings.sentence_weight and self.index.sentence_vectors is not None:
            fused = self.rescore_by_sentence(fused[:pool], query_vector, settings.sentence_weight)
        return fused[:k]

    def rescore_by_sentence(self, hits: list[Hit], query_vector: np.ndarray, weight: float) -> list[Hit]:
        """Add `weight` × (best sentence similarity, min-max normalized over the hits)."""
        if not hits:
            return hits
        rows = [h.chunk for h in hits]
        if self.index.sentence_vectors is not None and len(self.index.sentence_vectors):
            best = self.best_sentence_scores(query_vector)[rows].astype(np.float64)
        else:
            best = np.array([self.sentence_similarities(r, query_vector).max(initial=-1.0) for r in rows])
        base = np.array([h.score for h in hits])
        scores = _minmax(base) + weight * _minmax(best)
        order = np.argsort(-scores, kind="stable")
        return [Hit(hits[i].chunk, float(scores[i])) for i in order]

    def best_sentence_scores(self, query_vector: np.ndarray) -> np.ndarray:
        """Each passage's best sentence similarity to the question (needs stored sentence vectors)."""
        sims = self.index.sentence_vectors @ query_vector
        return np.maximum.reduceat(sims, np.asarray(self.index.sentence_rows, dtype=np.int64)) if sims.size else sims

    def sentence_similarities(self, chunk: int, query_vector: np.ndarray) -> np.ndarray:
        """Cosine similarity of the question to each sentence of the chunk (encodes them if not stored)."""
        sentences = self.index.chunks[chunk].sentences
        if self.index.sentence_vectors is not None:
            first = self.index.sentence_rows[chunk]
            vectors = self.index.sentence_vectors[first : first + len(sentences)]
        else:
            from .index import sentence_embed_text

            c = self.index.chunks[chunk]
            vectors = self.encoder.encode([sentence_embed_text(c, s) for s in sentences])
        return vectors @ query_vector


def _minmax(values: np.ndarray) -> np.ndarray:
    if values.size == 0:
        return values
    low, high = float(values.min()), float(values.max())
    return (values - low) / (high - low) if high > low else np.ones_like(values)


def _top(scores: np.ndarray, k: int, *, positive_only: bool = False) -> list[Hit]:
    if scores.size == 0 or k <= 0:
        return []
    k = min(k, scores.size)
    rows = np.argpartition(-scores, k - 1)[:k]
    rows = rows[np.argsort(-scores[rows], kind="stable")]
    return [Hit(int(r), float(scores[r])) for r in rows if not positive_only or scores[r] > 0]


def rrf(rankings: list[list[Hit]], *, k: int = 60) -> list[Hit]:
    """Reciprocal rank fusion: score = Σ 1 / (k + rank), rank counted from 1."""
    scores: dict[int, float] = {}
    for ranking in rankings:
        for rank, hit in enumerate(ranking, start=1):
            scores[hit.chunk] = scores.get(hit.chunk, 0.0) + 1.0 / (k + rank)
    return [Hit(c, s) for c, s in sorted(scores.items(), key=lambda item: (-item[1], item[0]))]


def blend(chunks: list[int], dense: np.ndarray, lexical: np.ndarray, dense_weight: float) -> list[Hit]:
    """Min-max normalize each score list over the candidates, then mix: w·dense + (1−w)·bm25."""
    scores = dense_weight * _minmax(np.asarray(dense, dtype=np.float64)) + (1 - dense_weight) * _minmax(np.asarray(lexical, dtype=np.float64))
    order = np.argsort(-scores, kind="stable")
    return [Hit(chunks[i], float(scores[i])) for i in order]
