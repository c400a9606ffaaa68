"""Model cards of the models trained here (the reader, the reranker): what a card promises about its weights and
the checks made before a session is opened on them, with one clear error per fault."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import QAError
from ..ingest.load import file_hash

CARD_FILE = "model-card.json"
CARD_VERSION = 1


@dataclass(frozen=True)
class ModelCard:
    """What the model card promises about the weights: which file, its checksum, how many tokens it reads."""

    file: str
    sha256: str
    max_tokens: int

    @classmethod
    def read(cls, folder: Path, kind: str) -> ModelCard:
        """The card of a `kind` model ("reader", "reranker") in `folder`; QAError naming the fault and the fix."""
        path = folder / CARD_FILE
        expected = f"qa-{kind}-card"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise QAError(
                f"{kind} model card '{path}' is unreadable ({exc}); reinstall the package or pass --no-reader"
            ) from None
        if data.get("format") != expected or data.get("version") != CARD_VERSION:
            raise QAError(
                f"{kind} model card '{path}' has format {data.get('format')!r} version {data.get('version')!r}, "
                f"this program reads {expected!r} version {CARD_VERSION}; re-export the {kind}"
            )
        try:
            return cls(str(data["file"]), str(data["sha256"]), int(data["max_tokens"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise QAError(f"{kind} model card '{path}' lacks {exc}; re-export the {kind}") from None

    def check(self, folder: Path, kind: str) -> None:
        """The weights and tokenizer are there and the weights are the ones the card names."""
        for name in (self.file, "tokenizer.json"):
            if not (folder / name).is_file():
                raise QAError(f"{kind} file '{folder / name}' is missing; reinstall the package or pass --no-reader")
        found = file_hash(folder / self.file)
        if found != self.sha256:
            raise QAError(
                f"{kind} file '{folder / self.file}' has SHA-256 {found[:16]}…, its model card says "
                f"{self.sha256[:16]}…: the file is damaged; reinstall the package or pass --no-reader"
            )


def cpu_session(path: Path, threads: int):  # type: ignore[no-untyped-def]
    """An onnxruntime session on the CPU for one trained model: `threads` for one pass, no spinning between passes."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = max(1, threads)
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def pair_feeds(ids: list[int], type_ids: list[int]) -> dict[str, np.ndarray]:
    """The inputs of one unpadded pass over `[CLS] question [SEP] text [SEP]`, as both trained models take them."""
    return {
        "input_ids": np.asarray([ids], dtype=np.int64),
        "attention_mask": np.ones((1, len(ids)), dtype=np.int64),
        "token_type_ids": np.asarray([type_ids], dtype=np.int64),
    }


def fingerprint(folder: Path, kind: str) -> str | None:
    """The fingerprint of a shipped model from its card (the weights are not loaded); None when the card is
    missing or unreadable. `qa build` records it in the manifest."""
    try:
        return ModelCard.read(folder, kind).sha256[:24]
    except QAError:
        return None
