"""The reranker: a cross-encoder that reads a question and a passage together and scores how well the passage
answers it.

Retrieval scores a passage without the question in view (a vector, word counts); the reranker reads both at once,
so "the passage that holds the answer" can beat "the passage that repeats the question's words". Trained here
from the bundled all-MiniLM-L6-v2 weights on SQuAD v1.1 train with hard negatives (see `training/` and the
model card beside the weights), shipped as an int8 ONNX graph and run with onnxruntime + tokenizers, like the
reader: no torch at query time, nothing downloaded.

Each passage is one unpadded forward pass of `[CLS] question [SEP] passage [SEP]`, cut to `max_tokens` (int8
activations are scaled per tensor, so padding a passage beside others would shift its score). The score is the
model's one logit: only differences between passages of one question mean anything.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import numpy as np

from .card import ModelCard, cpu_session, fingerprint, pair_feeds

RERANKER_DIR = Path(__file__).resolve().parent / "reranker-weights"
MAX_QUESTION_TOKENS = 64


def shipped_reranker_fingerprint() -> str | None:
    """The fingerprint of the reranker shipped with the package (from its card); None when there is none."""
    return fingerprint(RERANKER_DIR, "reranker")


class Reranker:
    """An exported reranker (int8 ONNX + tokenizer + model card) on one onnxruntime session."""

    def __init__(self, folder: Path, card: ModelCard, threads: int = 1) -> None:
        from tokenizers import Tokenizer

        self.folder = folder
        self.card = card
        self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(card.max_tokens, strategy="only_second")
        self._lock = threading.Lock()  # the tokenizer is shared; the session runs are thread-safe
        self._session = cpu_session(folder / card.file, threads)

    @classmethod
    def open(cls, folder: str | os.PathLike[str] | None = None, *, threads: int = 1) -> Reranker:
        """The reranker in `folder` (default: the one shipped with the package), its file checked against its card."""
        folder = Path(folder) if folder is not None else RERANKER_DIR
        card = ModelCard.read(folder, "reranker")
        card.check(folder, "reranker")
        return cls(folder, card, threads)

    def score(self, question: str, passages: list[str]) -> list[float]:
        """One relevance score per passage (higher: more likely to answer the question)."""
        with self._lock:
            asked = self._tokenizer.encode(question, add_special_tokens=False)
            if len(asked.ids) > MAX_QUESTION_TOKENS:
                question = question[: asked.offsets[MAX_QUESTION_TOKENS - 1][1]]
            encodings = [self._tokenizer.encode(question, passage) for passage in passages]
        return [self._score_one(encoding.ids, encoding.type_ids) for encoding in encodings]

    def _score_one(self, ids: list[int], types: list[int]) -> float:
        (logits,) = self._session.run(None, pair_feeds(ids, types))
        return float(np.asarray(logits).reshape(-1)[0])
