"""Retrieve stage: dense (FAISS), lexical (Tantivy BM25) and the candidates hybrid ranking fuses.

Hybrid takes the top candidates of each index (how many grows with the corpus), reads only those passages'
stored vectors, and mixes each passage's dense score with its best sentence's (a one-line answer is not diluted
by its neighbours); qa/search/rank.py fuses and orders them. Cost per question grows with the candidates, not
with the corpus.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..index import dense as dense_index
from ..index.open import LoadedIndex
from ..options import Fusion, Mode
from .extremes import ExtremePassage

MODES = Mode.values()
FUSIONS = Fusion.values()


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

    fusion: Fusion = Fusion.BLEND
    dense_weight: float = 0.5
    rrf_k: int = 60
    candidates: int = 0
    sentence_weight: float = 0.3
    answer_weight: float = 0.5  # hybrid only: add this × the best answer-sentence score, reranking the top answer_depth
    answer_depth: int = 10
    sentence_dense: float = 0.5  # share of the best-sentence similarity in the dense score
    nprobe: int = 512  # IVF lists searched, of dense.ivf_lists(N) ≈ 4·√N; 1/8 of 4096 at 1 M: recall@10 0.99
    ef_search: int = 128
    demote_share: float = 0.5  # contents and reference lists lose this share of their score (rank.py)
    # hybrid only: a passage naming a numbered thing the question names ("Table 5", "Phase 2") gains this much (of a
    # fused score between 0 and 1 + sentence_weight); 0.1, 0.25, 0.5 tried on gold/docs-dev*.jsonl: 0.25 gains both
    # a question without the reader, 0.5 a false alarm more
    label_weight: float = 0.25
    # hybrid only: and the passage holding its caption ("Table 5: …", not "Table 5 shows …") this much more; 0.15 no
    # different on gold/docs-dev*.jsonl, 0.25, 0.3 and 0.5 gain one question (with the cell rules of labels.py)
    caption_weight: float = 0.25
    # hybrid only: a question after a column's largest or smallest value ("the most stations") lifts the passage
    # holding that row, read from the whole table, this much above the table's passage that led to it (0: off)
    extreme_weight: float = 0.25
    # hybrid only: the passage dense search ranks first is shown at this place at the latest (0: no such place).
    # On 1,447 tuning questions it brings 8 more answering passages of the squad validation articles into the top
    # 5 (0.895 -> 0.903), where the blend had buried one that shares few words with the question, and moves
    # nothing else; dense's first two: one more there, one fewer of gold/docs-dev.jsonl and of gold/dev.jsonl
    dense_slot: int = 5

    def __post_init__(self) -> None:
        object.__setattr__(self, "fusion", Fusion.parse(self.fusion, "fusion"))


@dataclass(frozen=True)
class Candidates:
    """The passages hybrid ranking chooses from, with their scores (arrays in the order of `ids`)."""

    ids: list[int]
    dense: np.ndarray  # passage similarity mixed with the best sentence's
    best: np.ndarray | None  # best-sentence similarity; None for an index without sentence vectors
    lexical: dict[int, float]  # BM25 of every candidate that shares a term with the question
    lexical_scores: np.ndarray  # BM25 in the order of `ids` (0 for no shared term)
    dense_first: int | None = None  # the passage dense search alone ranks first (`Retriever.dense`'s first)


@dataclass(frozen=True)
class Retrieved:
    """A mode's retrieval: the hits, best first, and in hybrid mode the passage dense search ranks first."""

    hits: list[Hit]
    dense_first: int | None = None
    extreme: ExtremePassage | None = None  # hybrid: the row a "most"/"least" question asks after, when found

    @property
    def extreme_value(self) -> str | None:
        """The extreme value a "most"/"least" question asks after, as written (None: none found)."""
        return self.extreme.value if self.extreme is not None else None


def candidates_for(passages: int) -> int:
    """Candidates taken from each index: 4·√N, at least 30 and at most 200 (all passages of a tiny corpus)."""
    return int(min(passages, max(30, min(200, round(4 * math.sqrt(max(passages, 1)))))))


def by_passage(found: list[tuple[int, float]], sims: dict[int, np.ndarray]) -> list[Hit]:
    """Dense results ordered by their passage vector's similarity (exactly, from `sims`; ties to the lower id): an
    approximate index's own order may misplace near neighbours. `Retriever.dense`'s order, and its first the
    passage hybrid ranking holds in the top five."""
    scored = [Hit(c, float(sims[c][0])) for c, _ in found if c in sims]
    return sorted(scored, key=lambda h: (-h.score, h.chunk))


class Retriever:
    """Dense and BM25 search, and hybrid candidates, over one loaded index."""

    def __init__(self, index: LoadedIndex) -> None:
        self.index = index
        self.store = index.chunks

    def pool(self, settings: SearchSettings, k: int) -> int:
        return max(settings.candidates or candidates_for(len(self.store)), k)

    def dense(self, query_vector: np.ndarray, k: int, settings: SearchSettings = SearchSettings()) -> list[Hit]:
        """Nearest passages, scored exactly from the stored vectors. An approximate index is asked for the hybrid's
        candidate pool, not just k: it misorders near neighbours (IVF's 8-bit codes) and re-scoring the pool
        restores them."""
        wanted = self.pool(settings, k) if dense_index.approximate(self.index.dense) else k
        found = dense_index.search(
            self.index.dense, query_vector, wanted, nprobe=settings.nprobe, ef_search=settings.ef_search
        )
        return by_passage(found, self.store.similarities([c for c, _ in found], query_vector))[:k]

    def bm25(self, question: str, k: int) -> list[Hit]:
        return [Hit(c, s) for c, s in self.index.bm25.search(question, k)]

    def candidates(
        self, question: str, query_vector: np.ndarray, pool: int, settings: SearchSettings
    ) -> Candidates | None:
        """The top `pool` of each index, scored by both; None when neither finds anything."""
        lexical = dict(self.index.bm25.search(question, pool))
        found = dense_index.search(
            self.index.dense, query_vector, pool, nprobe=settings.nprobe, ef_search=settings.ef_search
        )
        ids = list(dict.fromkeys([c for c, _ in found] + list(lexical)))
        sims = self.store.similarities(ids, query_vector)
        ids = [c for c in ids if c in sims]
        if not ids:
            return None
        passage = np.array([sims[c][0] for c in ids], dtype=np.float64)
        best = self._best_sentence(sims, ids)
        mix = settings.sentence_dense if best is not None else 0.0
        dense_scores = (1 - mix) * passage + mix * best if best is not None else passage
        missing = [c for c in ids if c not in lexical]
        if missing:
            lexical.update(self.index.bm25.scores_for(question, missing))
        lexical_scores = np.array([lexical.get(c, 0.0) for c in ids])
        ranked = by_passage(found, sims)
        first = ranked[0].chunk if ranked else None
        return Candidates(ids, dense_scores, best, lexical, lexical_scores, first)

    def _best_sentence(self, sims: dict[int, np.ndarray], candidates: list[int]) -> np.ndarray | None:
        if not self.index.with_sentences:
            return None
        return np.array([float(sims[c][1:].max()) if len(sims[c]) > 1 else float(sims[c][0]) for c in candidates])
