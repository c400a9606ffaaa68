"""training/recover_reader.py: the shipped int8 reader graph turned back into a trainable model that reads alike."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GRAPH = ROOT / "qa" / "models" / "reader-weights" / "reader-int8.onnx"


@pytest.fixture(scope="module")
def recover_reader():  # type: ignore[no-untyped-def]
    sys.path.insert(0, str(ROOT / "training"))
    import recover_reader

    return recover_reader


def test_dequantize_per_channel_by_hand(recover_reader) -> None:  # type: ignore[no-untyped-def]
    import numpy as np

    q = np.array([[-2, 10], [4, 0]], dtype=np.int8)
    out = recover_reader.dequantize(q, np.array([0.5, 0.25], dtype=np.float32), np.array([0, 2], dtype=np.int8))
    assert out.tolist() == [[-1.0, 2.0], [2.0, -0.5]]


def test_recovered_reader_reads_as_the_shipped_graph(recover_reader, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    kept = recover_reader.recover(GRAPH, tmp_path / "final")
    assert kept == ["bert.embeddings.word_embeddings.weight"]  # frozen in training: the bundled table, exactly
    gap = recover_reader.logit_gap(GRAPH, tmp_path / "final")
    assert gap["argmax_agree"] == 1.0
    assert gap["mean"] < 0.3, gap  # int8 rounding only; a transposed or misnamed weight gives several units
