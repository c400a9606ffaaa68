"""The ONNX encoder: onnxruntime + tokenizers only, so a question is embedded without importing torch.

Each text is its own forward pass, without padding. That makes a text's vector independent of the texts
encoded beside it (int8 dynamic quantization scales activations per tensor, so in a padded batch a passage's
vector shifted with its neighbours: cosine down to 0.98 between the same text batched and alone), and it was
also faster on this CPU than length-sorted batches of 32 (about 2× for passages and sentences, measured).

A question is one forward pass on a single-threaded session; a build's many texts go to one single-threaded session
per core, run side by side: 1.7× the texts/s of one two-threaded session on this 2-core machine, with bitwise the
same vectors (measured; a test holds us to "same vectors").
"""

from __future__ import annotations

import json
import os
import queue
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from ..errors import QAError
from .pooling import Span, late_chunk, pool_text


class OnnxEncoder:
    """An exported model (see qa/onnx_export.py) behind one lock; its thread pool is sized once, here."""

    def __init__(
        self, export_dir: str | os.PathLike[str], *, name: str, threads: int | None = None, workers: int | None = None
    ) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        folder = Path(export_dir)
        try:
            meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
            self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
            self.runtime, self.dimension, self.max_tokens = (
                str(meta["runtime"]),
                int(meta["dimension"]),
                int(meta["max_tokens"]),
            )
        except Exception as exc:  # noqa: BLE001 - OSError, bad JSON, missing keys, or the tokenizers library's own error
            raise QAError(
                f"ONNX export '{folder}' is unreadable ({exc}); delete that folder so it is exported again"
            ) from None
        self.name = name
        self.export_dir = folder
        self._inputs = list(meta["inputs"])
        # sentence-transformers truncates at max_seq_length (256 here), not tokenizer.json's own 128
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(self.max_tokens)
        self._model = folder / "model.onnx"
        self._preoptimized = meta.get("onnxruntime") == ort.__version__ and (folder / "model.opt.onnx").is_file()
        if self._preoptimized:
            self._model = folder / "model.opt.onnx"  # already optimized by this very version: skip the graph passes
        # a question is a dozen tokens: on one thread it embeds in p50 6.2 / p95 8.4 ms against 7.4 / 13.2 ms on two
        # (measured on the shared 2-core machine); the other core stays free for the search and for other requests
        self._session = self._new_session(threads or 1)
        self.workers = max(1, workers or _cores())
        self._idle: queue.SimpleQueue = queue.SimpleQueue()  # single-threaded sessions for many texts, made on demand
        # one forward pass at a time on the shared session: the tokenizer is not safe to share, and two runs on one
        # intra-op pool only fight over the same cores. Locked per text, so a question waits for one passage.
        self._lock = threading.Lock()

    def _new_session(self, threads: int):  # type: ignore[no-untyped-def]
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.log_severity_level = 3
        # idle pool threads sleep instead of spinning: a spinning thread took a core from the search that follows the
        # embedding on a 2-core machine (question-to-answer p50 62 → 45 ms under load, measured)
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        if self._preoptimized:
            options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        return ort.InferenceSession(str(self._model), options, providers=["CPUExecutionProvider"])

    def encode(self, texts: list[str], *, batch_size: int = 64, progress: bool = False) -> np.ndarray:
        """`batch_size` is accepted for the protocol and unused: every text is one unpadded forward pass."""
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        bar = None
        if progress:
            from tqdm import tqdm

            bar = tqdm(total=len(texts), unit="text", desc="embedding")
        if self._side_by_side(texts):
            for i, tokens in enumerate(self._forward_many(texts, bar)):
                out[i] = pool_text(tokens[0])
        else:
            for i, text in enumerate(texts):
                out[i] = pool_text(self._forward(text)[0])
                if bar is not None:
                    bar.update(1)
        if bar is not None:
            bar.close()
        return out

    def _side_by_side(self, texts: list[str]) -> bool:
        return self.workers > 1 and len(texts) >= 4 * self.workers

    def _forward_many(self, texts: list[str], bar=None) -> list[tuple[np.ndarray, list[Span], list[int]]]:  # type: ignore[no-untyped-def]
        """`_forward` of many texts: slices of them on `workers` single-threaded sessions at once (a run releases
        the GIL), results in the order given."""
        with self._lock:
            encodings = self._tokenizer.encode_batch(texts)
        out: list = [None] * len(texts)
        step = max(1, min(16, len(texts) // (4 * self.workers)))

        def run(start: int) -> int:
            session = self._borrow()
            try:
                for i in range(start, min(start + step, len(texts))):
                    encoding = encodings[i]
                    tokens = session.run(None, self._feeds(encoding))[0][0]
                    out[i] = (tokens, list(encoding.offsets), list(encoding.special_tokens_mask))
            finally:
                if self._idle.qsize() < self.workers:  # two builds at once made more; keep only `workers` of them
                    self._idle.put(session)
            return min(start + step, len(texts)) - start

        with ThreadPoolExecutor(self.workers, thread_name_prefix="qa-embed") as pool:
            for done in pool.map(run, range(0, len(texts), step)):
                if bar is not None:
                    bar.update(done)
        return out

    def _borrow(self):  # type: ignore[no-untyped-def]
        try:
            return self._idle.get_nowait()
        except queue.Empty:  # the first many-text call makes them; later calls reuse them
            return self._new_session(1)

    def encode_passages(self, texts: list[str], spans: list[list[Span]]) -> tuple[np.ndarray, list[np.ndarray]]:
        if not self._side_by_side(texts):
            return late_chunk(self, texts, spans, self._forward)
        passes = iter(self._forward_many(texts))  # late_chunk asks for the texts' passes in order
        return late_chunk(self, texts, spans, lambda text: next(passes))

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
            tokens = self._session.run(None, self._feeds(encoding))[0][0]
        return tokens, list(encoding.offsets), list(encoding.special_tokens_mask)

    def _feeds(self, encoding) -> dict[str, np.ndarray]:  # type: ignore[no-untyped-def]
        ids = np.asarray([encoding.ids], dtype=np.int64)
        feeds = {
            "input_ids": ids,
            "attention_mask": np.ones_like(ids),
            "token_type_ids": np.asarray([encoding.type_ids], dtype=np.int64),
        }
        return {k: feeds[k] for k in self._inputs}


def _cores() -> int:
    """Cores this process may run on (a container's CPU set, not the host's count)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1
