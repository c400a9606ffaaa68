"""The reader: an extractive span model that reads a question and a window of text and marks the answer in it.

Trained here from the bundled all-MiniLM-L6-v2 weights on SQuAD v1.1 train (see `training/` and the model card
beside the weights), shipped as an int8 ONNX graph and run with onnxruntime + tokenizers, like the encoder:
no torch at query time, nothing downloaded.

Each window is one unpadded forward pass of `[CLS] question [SEP] window [SEP]` (int8 activations are scaled
per tensor, so padding a window beside others would shift its scores; one pass each keeps a window's answer
independent of its neighbours). A window longer than `max_tokens` is read in overlapping pieces. The model gives
a start and an end score per token; the span is the best start/end pair inside the window text (end after start,
at most `max_answer_tokens`, inside one unit of the text when the caller says where its units end), and
`no_answer` is how far the [CLS] pair (SQuAD 2.0's "no answer") scores above that span: above 0 the reader thinks
the window does not answer.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from tokenizers import Encoding

from .card import ModelCard, cpu_session, fingerprint, pair_feeds

READER_DIR = Path(__file__).resolve().parent / "reader-weights"
MAX_QUESTION_TOKENS = 64
STRIDE_TOKENS = 48
# spans read, by question, window text, unit ends, typed spans, answer length and barred ranges (`Reader.read`'s
# `seen`)
SeenSpans = dict[
    tuple[str, str, tuple[int, ...], tuple[tuple[int, int], ...], int, tuple[tuple[int, int], ...]], "ReadSpan"
]


@dataclass(frozen=True)
class ReadSpan:
    """The reader's answer in one window: `window[start:end]`, its score, and the no-answer margin."""

    start: int
    end: int
    score: float
    no_answer: float  # [CLS] score minus the span's score: > 0 means "this window does not answer"


def shipped_reader_fingerprint() -> str | None:
    """The fingerprint of the reader shipped with the package, from its model card (the weights are not loaded);
    None when the card is missing or unreadable. `qa build` records it in the manifest."""
    return fingerprint(READER_DIR, "reader")


def best_span(
    start_logits: np.ndarray,
    end_logits: np.ndarray,
    context: np.ndarray,
    max_answer_tokens: int,
    units: np.ndarray | None = None,
    typed: np.ndarray | None = None,
    barred: np.ndarray | None = None,
) -> tuple[int, int, float]:
    """(first token, last token, score) of the best span over the `context` token positions; with `units` (each
    context token's unit number), only spans inside one unit count; with `typed` (per context token, whether it is
    part of a thing of the kind the question asks for), only spans holding such a token, when there is one."""
    starts, ends = start_logits[context], end_logits[context]
    scores = starts[:, None] + ends[None, :]
    width = context[None, :] - context[:, None]
    allowed = (width >= 0) & (width < max_answer_tokens)
    if units is not None:
        allowed &= units[:, None] == units[None, :]
    if barred is not None and barred.any():  # spans touching barred tokens, when any span does not
        free = allowed & ~barred[:, None] & ~barred[None, :]
        allowed = free if free.any() else allowed
    if typed is not None and typed.any():
        before = np.concatenate(([0], np.cumsum(typed)))  # typed tokens before each position
        holding = allowed & ((before[None, 1:] - before[:-1, None]) > 0)
        allowed = holding if holding.any() else allowed
    scores = np.where(allowed, scores, -np.inf)
    flat = int(np.argmax(scores))
    s, e = divmod(flat, len(context))
    return int(context[s]), int(context[e]), float(scores[s, e])


def unit_numbers(token_starts: Sequence[int], breaks: Sequence[int]) -> np.ndarray:
    """Each token's unit: how many of the sorted `breaks` lie at or before the token's first character."""
    return np.searchsorted(np.asarray(breaks, dtype=np.int64), np.asarray(token_starts, dtype=np.int64), side="right")


def typed_tokens(offsets: Sequence[tuple[int, int]], typed: Sequence[tuple[int, int]]) -> np.ndarray:
    """Per token (character offsets), whether it overlaps one of the `typed` (start, end) ranges."""
    return np.array([any(a < e and s < b for s, e in typed) for a, b in offsets], dtype=bool)


class Reader:
    """An exported reader (int8 ONNX + tokenizer + model card) on one onnxruntime session."""

    def __init__(self, folder: Path, card: ModelCard, threads: int = 1) -> None:
        from tokenizers import Tokenizer

        self.folder = folder
        self.card = card
        self.max_tokens = card.max_tokens
        self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._tokenizer.no_padding()
        self._tokenizer.no_truncation()
        self._lock = threading.Lock()  # the tokenizer is shared; the session runs are thread-safe
        self._session = cpu_session(folder / card.file, threads)

    @classmethod
    def open(cls, folder: str | os.PathLike[str] | None = None, *, threads: int = 1) -> Reader:
        """The reader in `folder` (default: the one shipped with the package)."""
        folder = Path(folder) if folder is not None else READER_DIR
        card = ModelCard.read(folder, "reader")
        card.check(folder, "reader")
        return cls(folder, card, threads)

    def read(
        self,
        question: str,
        windows: list[str],
        *,
        max_answer_tokens: int = 30,
        breaks: Sequence[Sequence[int]] | None = None,
        typed: Sequence[Sequence[tuple[int, int]]] | None = None,
        seen: SeenSpans | None = None,
        barred: Sequence[Sequence[tuple[int, int]]] | None = None,
    ) -> list[ReadSpan]:
        """The best span of each window (character offsets into that window's text). `breaks` gives, per window,
        the sorted offsets where one unit of its text ends and the next begins (a list item, a table cell): a span
        never runs across one, so its score is the score of a span that can be shown. `typed` gives, per window,
        the (start, end) of the things of the kind the question asks for (the amounts, for "how many"): the span
        holds one of them when the window has any. `barred` gives, per window, the (start, end) of text the span
        stays out of when it can (a table on another version than the one asked about). `seen` keeps the spans
        read, by question, window, units, kinds and bars, across calls: a window read before is not read again
        (the engine's unsure step reads its first windows again beside the next ones; a window's span depends on
        nothing but the window)."""
        question = self._clip_question(question)
        cuts = breaks if breaks is not None else [()] * len(windows)
        kinds = typed if typed is not None else [()] * len(windows)
        bars = barred if barred is not None else [()] * len(windows)
        for name, given in (("breaks", cuts), ("typed spans", kinds), ("barred ranges", bars)):
            if len(given) != len(windows):
                raise ValueError(f"{len(given)} lists of {name} for {len(windows)} windows: give one list per window")
        spans = seen if seen is not None else {}
        out = []
        for window, cut, kind, bar in zip(windows, cuts, kinds, bars):
            key = (question, window, tuple(cut), tuple(kind), max_answer_tokens, tuple(bar))
            if key not in spans:
                spans[key] = self._read_window(question, window, max_answer_tokens, cut, kind, bar)
            out.append(spans[key])
        return out

    def _clip_question(self, question: str) -> str:
        with self._lock:
            encoding = self._tokenizer.encode(question, add_special_tokens=False)
        if len(encoding.ids) <= MAX_QUESTION_TOKENS:
            return question
        return question[: encoding.offsets[MAX_QUESTION_TOKENS - 1][1]]

    def _read_window(
        self,
        question: str,
        window: str,
        max_answer_tokens: int,
        breaks: Sequence[int],
        typed: Sequence[tuple[int, int]] = (),
        barred: Sequence[tuple[int, int]] = (),
    ) -> ReadSpan:
        with self._lock:
            self._tokenizer.enable_truncation(self.max_tokens, stride=STRIDE_TOKENS, strategy="only_second")
            try:
                first = self._tokenizer.encode(question, window)
            finally:
                self._tokenizer.no_truncation()
        pieces = [
            self._read_piece(encoding, max_answer_tokens, breaks, typed, barred)
            for encoding in [first, *first.overflowing]
        ]
        start, end, score, _ = max(pieces, key=lambda piece: piece[2])
        null = min(piece[3] for piece in pieces)  # SQuAD 2.0's rule: the least confident "no answer" of the pieces
        return ReadSpan(start, end, score, null - score)

    def _read_piece(
        self,
        encoding: Encoding,
        max_answer_tokens: int,
        breaks: Sequence[int],
        typed: Sequence[tuple[int, int]] = (),
        barred: Sequence[tuple[int, int]] = (),
    ) -> tuple[int, int, float, float]:
        """(start char, end char, span score, [CLS] score) of one piece of a window."""
        feeds = pair_feeds(encoding.ids, encoding.type_ids)
        start_logits, end_logits = (out[0] for out in self._session.run(None, feeds))
        null = float(start_logits[0] + end_logits[0])
        context = np.asarray([i for i, s in enumerate(encoding.sequence_ids) if s == 1], dtype=np.int64)
        if context.size == 0:
            return 0, 0, -np.inf, null
        units = unit_numbers([encoding.offsets[i][0] for i in context], breaks) if len(breaks) else None
        offsets = [encoding.offsets[i] for i in context]
        marked = typed_tokens(offsets, typed) if typed else None
        bars = typed_tokens(offsets, barred) if barred else None
        first, last, score = best_span(start_logits, end_logits, context, max_answer_tokens, units, marked, bars)
        return encoding.offsets[first][0], encoding.offsets[last][1], score, null
