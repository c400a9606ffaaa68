"""The torch runtime: a sentence-transformers model (imports torch, seconds of start-up; chosen with
`runtime="torch"`, and on a GPU node of a Ray build)."""

from __future__ import annotations

import threading

import numpy as np

from ..errors import QAError
from .offline import BUNDLED_MODEL, offline_environment, quiet_libraries, resolve_model
from .pooling import Span, late_chunk


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
        get_dimension = (
            getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        )
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
            vectors = self._model.encode(
                texts,
                batch_size=batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=progress,
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def encode_passages(self, texts: list[str], spans: list[list[Span]]) -> tuple[np.ndarray, list[np.ndarray]]:
        return late_chunk(self, texts, spans, self._token_vectors)

    def _token_vectors(self, text: str) -> tuple[np.ndarray, list[Span], list[int]]:
        """The first module's token embeddings for one text, with the tokenizer's character offsets."""
        import torch

        with self._lock:
            features = self._model.tokenizer(
                text,
                truncation=True,
                max_length=self.max_tokens,
                return_tensors="pt",
                return_offsets_mapping=True,
                return_special_tokens_mask=True,
            )
            offsets = [tuple(map(int, pair)) for pair in features.pop("offset_mapping")[0].tolist()]
            special = features.pop("special_tokens_mask")[0].tolist()
            with torch.inference_mode():
                tokens = self._model[0].auto_model(**features).last_hidden_state[0]
        return tokens.float().numpy(), offsets, special

    def count_tokens(self, text: str) -> int:
        with self._lock:
            return len(self._model.tokenizer(text, add_special_tokens=True, truncation=False)["input_ids"])
