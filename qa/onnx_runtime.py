"""The ONNX encoder: onnxruntime + tokenizers only, so a question is embedded without importing torch.

Each text is its own forward pass, without padding. That makes a text's vector independent of the texts
encoded beside it (int8 dynamic quantization scales activations per tensor, so in a padded batch a passage's
vector shifted with its neighbours: cosine down to 0.98 between the same text batched and alone), and it was
also faster on this CPU than length-sorted batches of 32 (about 2× for passages and sentences, measured).
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import numpy as np

from .embed import Span, late_chunk, pool_text
from .errors import QAError


class OnnxEncoder:
    """An exported model (see qa/onnx_export.py) behind one lock; its thread pool is sized once, here."""

    def __init__(self, export_dir: str | os.PathLike[str], *, name: str, threads: int | None = None) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        folder = Path(export_dir)
        try:
            meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
            self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
            self.runtime, self.dimension, self.max_tokens = str(meta["runtime"]), int(meta["dimension"]), int(meta["max_tokens"])
        except Exception as exc:  # noqa: BLE001 - OSError, bad JSON, missing keys, or the tokenizers library's own error
            raise QAError(f"ONNX export '{folder}' is unreadable ({exc}); delete that folder so it is exported again") from None
        self.name = name
        self.export_dir = folder
        self._inputs = list(meta["inputs"])
        # sentence-transformers truncates at max_seq_length (256 here), not tokenizer.json's own 128
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(self.max_tokens)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or os.cpu_count() or 1
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.log_severity_level = 3
        model = folder / "model.onnx"
        if meta.get("onnxruntime") == ort.__version__ and (folder / "model.opt.onnx").is_file():
            model = folder / "model.opt.onnx"  # already optimized by this very version: skip the graph passes
            options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        self._session = ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
        # one forward pass at a time: the tokenizer is not safe to share, and two runs on one intra-op pool
        # only fight over the same cores. Locked per text, so a question waits for one passage, not a batch.
        self._lock = threading.Lock()

    def encode(self, texts: list[str], *, batch_size: int = 64, progress: bool = False) -> np.ndarray:
        """`batch_size` is accepted for the protocol and unused: every text is one unpadded forward pass."""
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        rows = range(len(texts))
        if progress:
            from tqdm import tqdm

            rows = tqdm(rows, total=len(texts), unit="text", desc="embedding")
        for i in rows:
            out[i] = pool_text(self._forward(texts[i])[0])
        return out

    def encode_passages(self, texts: list[str], spans: list[list[Span]]) -> tuple[np.ndarray, list[np.ndarray]]:
        return late_chunk(self, texts, spans, self._forward)

    def count_tokens(self, text: str) -> int:
        with self._lock:
            self._tokenizer.no_truncation()
            try:
                return len(self._tokenizer.encode(text).ids)
            finally:
                self._tokenizer.enable_truncation(self.max_tokens)

    def _forward(self, text: str) -> tuple[np.ndarray, list[Span], list[int]]:
        """Token embeddings (tokens × dimension) of one text, with character offsets and the special-token mask."""
        with self._lock:
            encoding = self._tokenizer.encode(text)
            ids = np.asarray([encoding.ids], dtype=np.int64)
            feeds = {"input_ids": ids, "attention_mask": np.ones_like(ids),
                     "token_type_ids": np.asarray([encoding.type_ids], dtype=np.int64)}
            tokens = self._session.run(None, {k: feeds[k] for k in self._inputs})[0][0]
        return tokens, list(encoding.offsets), list(encoding.special_tokens_mask)
