"""The model runtimes on the real bundled model: ONNX (int8, fp32) against sentence-transformers on torch.

The ONNX exports are made once per session into a temporary cache (the int8 one in this process, the fp32 one by
two processes racing each other), so these tests also cover the export cache.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from qa.errors import QAError
from qa.models.encoder import BUNDLED_MODEL, load_encoder
from qa.models.onnx_export import META, export_onnx, export_path
from qa.models.onnx_runtime import OnnxEncoder
from qa.models.torch_runtime import SentenceTransformerEncoder

ROOT = Path(__file__).resolve().parents[2]
QUESTION = "Who founded the university and in which year?"
PASSAGE = (
    "The Old Mill stands by the river. It was built in 1742 by a family of weavers. "
    "Today the building houses a small museum about the cloth trade."
)
FILLER = " ".join(f"Paragraph filler sentence number {i} talks about weather and roads." for i in range(40))
TEXTS = [QUESTION, PASSAGE, "Café Zürich’s naïve résumé costs €12.50 😀", "x", FILLER, "What year?"]


def _spawn_export(cache: Path, runtime: str) -> subprocess.Popen:
    code = f"from pathlib import Path; from qa.models.onnx_export import export_onnx; print(export_onnx(runtime={runtime!r}, cache_dir=Path({str(cache)!r})))"
    return subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


@pytest.fixture(scope="session")
def onnx_cache(tmp_path_factory) -> Path:
    """fp32 exported here while another process exports it into the same empty cache at once; then int8."""
    cache = tmp_path_factory.mktemp("onnx-cache")
    racer = _spawn_export(cache, "onnx-fp32")
    ours = export_onnx(runtime="onnx-fp32", cache_dir=cache)
    out, err = racer.communicate(timeout=600)
    assert racer.returncode == 0, err[-2000:]
    assert out.strip().splitlines()[-1] == str(ours) == str(export_path(runtime="onnx-fp32", cache_dir=cache))
    export_onnx(runtime="onnx-int8", cache_dir=cache)
    return cache


@pytest.fixture(scope="session")
def torch_encoder() -> SentenceTransformerEncoder:
    return load_encoder(runtime="torch")  # type: ignore[return-value]


@pytest.fixture(scope="session")
def int8(onnx_cache) -> OnnxEncoder:
    return load_encoder(runtime="onnx-int8", cache_dir=onnx_cache)  # type: ignore[return-value]


@pytest.fixture(scope="session")
def fp32(onnx_cache) -> OnnxEncoder:
    return load_encoder(runtime="onnx-fp32", cache_dir=onnx_cache)  # type: ignore[return-value]


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(axis=1)


def test_export_cache_is_complete_reused_and_keyed_by_runtime(onnx_cache):
    leftovers = [p.name for p in onnx_cache.iterdir() if p.name.startswith(".tmp")]
    assert leftovers == []
    folders = sorted(p.name for p in onnx_cache.iterdir() if p.is_dir())
    assert len(folders) == 2 and folders[0].split("-")[0] == folders[1].split("-")[0]  # one model hash, two runtimes
    int8_dir = export_path(runtime="onnx-int8", cache_dir=onnx_cache)
    meta = json.loads((int8_dir / META).read_text())
    assert meta["runtime"] == "onnx-int8" and meta["dimension"] == 384 and meta["max_tokens"] == 256
    stamp = (int8_dir / "model.onnx").stat().st_mtime_ns
    assert export_onnx(runtime="onnx-int8", cache_dir=onnx_cache) == int8_dir
    assert (int8_dir / "model.onnx").stat().st_mtime_ns == stamp  # reused, not exported again
    # int8 is the smaller file: the 36 weight matrices (42 MB as float) are quantized; the 47 MB token table stays float
    fp32_size = (export_path(runtime="onnx-fp32", cache_dir=onnx_cache) / "model.onnx").stat().st_size
    assert fp32_size * 0.6 < (int8_dir / "model.onnx").stat().st_size < fp32_size * 0.7


def test_onnx_vectors_match_sentence_transformers(torch_encoder, int8, fp32):
    reference = torch_encoder.encode(TEXTS)
    assert (int8.runtime, fp32.runtime, torch_encoder.runtime) == ("onnx-int8", "onnx-fp32", "torch")
    for encoder in (int8, fp32):
        vectors = encoder.encode(TEXTS)
        assert vectors.dtype == np.float32 and vectors.shape == (len(TEXTS), 384)
        np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
        assert (encoder.name, encoder.dimension, encoder.max_tokens) == (BUNDLED_MODEL, 384, 256)
    # FILLER is over 256 tokens: equal vectors mean the same truncation as sentence-transformers
    assert _cosines(fp32.encode(TEXTS), reference).min() > 0.9999
    cos = _cosines(int8.encode(TEXTS), reference)
    assert cos.min() > 0.97 and cos.mean() > 0.985
    assert int8.encode([]).shape == (0, 384)


def test_a_vector_does_not_depend_on_its_batch_neighbours(int8):
    alone = np.stack([int8.encode([text])[0] for text in TEXTS])
    assert np.array_equal(int8.encode(TEXTS), alone)
    assert np.array_equal(int8.encode(TEXTS[::-1]), alone[::-1])


@pytest.mark.parametrize("runtime", ["onnx-fp32", "onnx-int8"])
def test_many_texts_run_side_by_side_with_the_vectors_of_one_at_a_time(runtime, onnx_cache):
    encoder = OnnxEncoder(export_path(runtime=runtime, cache_dir=onnx_cache), name=BUNDLED_MODEL, workers=2)
    texts = [f"{TEXTS[i % len(TEXTS)]} ({i})" for i in range(30)]
    alone = np.stack([encoder.encode([text])[0] for text in texts])  # the question path: one shared session
    assert encoder._idle.qsize() == 0
    assert np.array_equal(encoder.encode(texts), alone)
    assert encoder._idle.qsize() == 2  # two single-threaded sessions did the work, and were given back
    spans = [[(0, len(text) // 2), (len(text) // 2, len(text))] for text in texts]
    pooled, per_text = encoder.encode_passages(texts, spans)  # late chunking's passes, side by side too
    assert np.array_equal(pooled, alone)
    few = encoder.encode_passages(texts[:3], spans[:3])  # too few to share out: one at a time
    assert all(np.array_equal(a, b) for a, b in zip(few[1], per_text[:3]))


def test_question_path_never_imports_torch_and_gives_the_same_vector(onnx_cache, int8):
    code = (
        "import sys, json; from pathlib import Path; from qa.models.encoder import load_encoder; "
        f"e = load_encoder(runtime='onnx-int8', cache_dir=Path({str(onnx_cache)!r})); v = e.encode([{QUESTION!r}])[0]; "
        "heavy = sorted(m for m in ('torch', 'transformers', 'sentence_transformers') if m in sys.modules); "
        "print(json.dumps({'heavy': heavy, 'vector': v.tolist()}))"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {"PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["heavy"] == []
    np.testing.assert_array_equal(np.asarray(result["vector"], dtype=np.float32), int8.encode([QUESTION])[0])


def _sentence_spans(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for i, ch in enumerate(text):
        if ch == "." and (i + 1 == len(text) or text[i + 1] == " "):
            spans.append((start, i + 1))
            start = i + 2
    return spans


@pytest.mark.parametrize("runtime", ["onnx-int8", "torch"])
def test_late_chunking_pools_each_sentence_from_one_pass(runtime, torch_encoder, int8):
    encoder = int8 if runtime == "onnx-int8" else torch_encoder
    long_text = FILLER + " " + PASSAGE  # PASSAGE's sentences lie past the 256-token truncation
    texts = [PASSAGE, long_text]
    spans = [_sentence_spans(PASSAGE), _sentence_spans(long_text)]
    pooled, per_text = encoder.encode_passages(texts, spans)
    np.testing.assert_allclose(pooled, encoder.encode(texts), atol=1e-5)
    assert [v.shape for v in per_text] == [(3, 384), (len(spans[1]), 384)]
    np.testing.assert_allclose(np.linalg.norm(per_text[0], axis=1), 1.0, atol=1e-5)
    sentences = [PASSAGE[a:b] for a, b in spans[0]]
    alone = encoder.encode(sentences)
    # each pooled sentence is nearest to its own sentence, yet carries context (not the sentence embedded alone)
    similarity = per_text[0] @ alone.T
    assert list(similarity.argmax(axis=1)) == [0, 1, 2]
    assert np.diag(similarity).max() < 0.999
    # sentences past the truncation were never read in context: they are embedded on their own
    np.testing.assert_allclose(per_text[1][-3:], alone, atol=1e-5)
    assert (per_text[1][:-3] @ per_text[1][0] > 0.3).all()  # filler sentences stay late-chunked, not zero


def test_late_chunking_agrees_across_runtimes(torch_encoder, fp32):
    spans = [_sentence_spans(PASSAGE)]
    _, ours = fp32.encode_passages([PASSAGE], spans)
    _, reference = torch_encoder.encode_passages([PASSAGE], spans)
    assert _cosines(ours[0], reference[0]).min() > 0.9999


def test_late_chunking_rejects_spans_outside_the_text(int8):
    with pytest.raises(ValueError, match=r"span \(5, 999\) lies outside text 0"):
        int8.encode_passages([PASSAGE], [[(5, 999)]])


@pytest.mark.parametrize("runtime", ["onnx-int8", "torch"])
def test_threads_sharing_one_encoder_get_the_sequential_vectors(runtime, torch_encoder, int8):
    encoder = int8 if runtime == "onnx-int8" else torch_encoder
    work = [[TEXTS[(i + j) % len(TEXTS)] for j in range(1 + i % 3)] for i in range(8)]
    expected = [encoder.encode(texts) for texts in work]
    expected_tokens = [encoder.count_tokens(texts[0]) for texts in work]
    results: dict[int, list] = {}
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(work))

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = [(encoder.encode(work[i]), encoder.count_tokens(work[i][0])) for _ in range(2)]
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(work))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    for i in range(len(work)):
        for vectors, tokens in results[i]:
            assert np.array_equal(vectors, expected[i]) and tokens == expected_tokens[i]


def test_unknown_runtime_is_a_one_line_error():
    with pytest.raises(QAError, match=r"unknown model runtime 'tensorrt'; use one of onnx-int8, onnx-fp32, torch"):
        load_encoder(runtime="tensorrt")
