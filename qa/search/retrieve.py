"""Retrieve stage: dense (FAISS), lexical (Tantivy BM25) and their fusion, all returning the same `Hit` list.

Hybrid takes the top candidates of each index (how many grows with the corpus), reads only those passages'
stored vectors, mixes each passage's dense score with its best sentence's (a one-line answer is not diluted
by its neighbours), fuses with BM25 (min-max blend or reciprocal rank fusion) and rescores the fused top by
best-sentence similarity. Cost per question grows with the candidates, not with the corpus.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..index import dense as dense_index
from ..models.encoder import Encoder
from ..index.open import LoadedIndex

MODES = ("hybrid", "dense", "bm25")
FUSIONS = ("rrf", "blend")


@dataclass(frozen=True)
class Hit:
    """One ranked passage: `chunk` is its id in the index."""

    chunk: int
    score: float


@dataclass(frozen=True)
class SearchSettings:
    """Query-time options (not part of the index). Defaults chosen on tuning sets only (benchmarks/tune_corpus.py).

    `candidates=0` means: scale with the corpus, `candidates_for(passages)`. `nprobe`/`ef_search` trade ANN
    recall for speed on large (IVF/HNSW) indexes; exact indexes ignore them. `nprobe` counts lists, not a share:
    a question scans about nprobe / nlist of the passages, so its cost grows as √N (nlist ≈ 4·√N); at or above
    nlist every list is searched."""

    fusion: str = "blend"
    dense_weight: float = 0.5
    rrf_k: int = 60
    candidates: int = 0
    sentence_weight: float = 0.3
    answer_weight: float = 0.5  # hybrid only: add this × the best answer-sentence score, reranking the top answer_depth
    answer_depth: int = 10
    sentence_dense: float = 0.5  # share of the best-sentence similarity in the dense score
    nprobe: int = 512  # IVF lists searched, of dense.ivf_lists(N) ≈ 4·√N; 1/8 of 4096 at 1 M: recall@10 0.99, hybrid p95 22 ms
    ef_search: int = 128


def candidates_for(passages: int) -> int:
    """Candidates taken from each index: 4·√N, at least 30 and at most 200 (all passages of a tiny corpus)."""
    return int(min(passages, max(30, min(200, round(4 * math.sqrt(max(passages, 1)))))))


def blas_on_calling_thread() -> None:
    """Run BLAS on the calling thread, for the rest of the process (once is enough).

    A question's products are small (a few hundred stored vectors · the question). OpenBLAS hands each to its
    helper threads, which then spin for a while: on a busy 2-core machine every other step of the question waits
    for a core (at 1 M passages, hybrid p50 40 → 24 ms and half the CPU; benchmarks/README.md). The results
    are the single-threaded kernel's, which the 2-thread one matches on our gold sets to 9 decimals. A BLAS
    threaded by OpenMP (FAISS's) is left alone: its thread count is OpenMP's, which FAISS's own search uses."""
    from threadpoolctl import ThreadpoolController

    for pool in ThreadpoolController().select(user_api="blas").lib_controllers:
        if pool.info().get("threading_layer") != "openmp" and pool.num_threads != 1:
            pool.set_num_threads(1)


class Retriever:
    """Dense, BM25 and hybrid search over one loaded index with one encoder."""

    def __init__(self, index: LoadedIndex, encoder: Encoder) -> None:
        self.index = index
        self.encoder = encoder
        self.store = index.chunks
        blas_on_calling_thread()

    def embed_question(self, question: str) -> np.ndarray:
        return self.encoder.encode([question])[0]

    def pool(self, settings: SearchSettings, k: int) -> int:
        return max(settings.candidates or candidates_for(len(self.store)), k)

    def dense(self, query_vector: np.ndarray, k: int, settings: SearchSettings = SearchSettings()) -> list[Hit]:
        """Nearest passages, scored exactly from the stored vectors. An approximate index is asked for the hybrid's
        candidate pool, not just k: it misorders near neighbours (IVF's 8-bit codes) and re-scoring the pool restores them."""
        wanted = self.pool(settings, k) if dense_index.approximate(self.index.dense) else k
        found = dense_index.search(self.index.dense, query_vector, wanted, nprobe=settings.nprobe, ef_search=settings.ef_search)
        sims = self.store.similarities([c for c, _ in found], query_vector)
        scored = [Hit(c, float(sims[c][0])) for c, _ in found if c in sims]
        return sorted(scored, key=lambda h: (-h.score, h.chunk))[:k]

    def bm25(self, question: str, k: int) -> list[Hit]:
        return [Hit(c, s) for c, s in self.index.bm25.search(question, k)]

    def search(self, question: str, query_vector: np.ndarray, *, mode: str = "hybrid", k: int = 5,
               settings: SearchSettings = SearchSettings()) -> list[Hit]:
        if mode not in MODES:
            raise ValueError(f"mode '{mode}' is not one of {', '.join(MODES)}")
        if settings.fusion not in FUSIONS:
            raise ValueError(f"fusion '{settings.fusion}' is not one of {', '.join(FUSIONS)}")
        if mode == "dense":
            return self.dense(query_vector, k, settings)
        if mode == "bm25":
            return self.bm25(question, k)
        return self.hybrid(question, query_vector, k, settings)

    def hybrid(self, question: str, query_vector: np.ndarray, k: int, settings: SearchSettings) -> list[Hit]:
        pool = self.pool(settings, k)
        lexical = dict(self.index.bm25.search(question, pool))
        found = dense_index.search(self.index.dense, query_vector, pool, nprobe=settings.nprobe, ef_search=settings.ef_search)
        candidates = list(dict.fromkeys([c for c, _ in found] + list(lexical)))
        sims = self.store.similarities(candidates, query_vector)
        candidates = [c for c in candidates if c in sims]
        if not candidates:
            return []
        passage = np.array([sims[c][0] for c in candidates], dtype=np.float64)
        best = self._best_sentence(sims, candidates)
        mix = settings.sentence_dense if best is not None else 0.0
        dense_scores = (1 - mix) * passage + mix * best if best is not None else passage
        missing = [c for c in candidates if c not in lexical]
        if missing:
            lexical.update(self.index.bm25.scores_for(question, missing))
        lexical_scores = np.array([lexical.get(c, 0.0) for c in candidates])
        if settings.fusion == "rrf":
            dense_ranked = [Hit(candidates[i], float(dense_scores[i])) for i in np.argsort(-dense_scores, kind="stable")][:pool]
            lexical_ranked = [Hit(c, s) for c, s in sorted(lexical.items(), key=lambda item: -item[1]) if s > 0][:pool]
            fused = rrf([dense_ranked, lexical_ranked], k=settings.rrf_k)
        else:
            fused = blend(candidates, dense_scores, lexical_scores, settings.dense_weight)
        if settings.sentence_weight and best is not None:
            best_of = dict(zip(candidates, best))
            fused = rescore_by_sentence(fused[:pool], np.array([best_of[h.chunk] for h in fused[:pool]]), settings.sentence_weight)
        return fused[:k]

    def _best_sentence(self, sims: dict[int, np.ndarray], candidates: list[int]) -> np.ndarray | None:
        if not self.index.with_sentences:
            return None
        return np.array([float(sims[c][1:].max()) if len(sims[c]) > 1 else float(sims[c][0]) for c in candidates])


def rescore_by_sentence(hits: list[Hit], best: np.ndarray, weight: float) -> list[Hit]:
    """Add `weight` × (best sentence similarity, min-max normalized over the hits)."""
    if not hits:
        return hits
    scores = _minmax(np.array([h.score for h in hits], dtype=np.float64)) + weight * _minmax(np.asarray(best, dtype=np.float64))
    order = np.argsort(-scores, kind="stable")
    return [Hit(hits[i].chunk, float(scores[i])) for i in order]


def _minmax(values: np.ndarray) -> np.ndarray:
    if values.size == 0:
        return values
    low, high = float(values.min()), float(values.max())
    return (values - low) / (high - low) if high > low else np.ones_like(values)


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
