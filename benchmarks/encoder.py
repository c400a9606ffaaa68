"""Model runtimes compared in one run: torch vs onnx-int8 vs onnx-fp32, and late-chunked sentence vectors.

    .venv/bin/python benchmarks/encoder.py [--squad ../shared/qa-sets/squad-public] [--skip-accuracy] [--out FILE]

Prints (and writes as JSON with --out):

* export time of each ONNX runtime into a fresh temporary cache (torch import included, as a first build pays it);
* texts/s of each runtime on the bundled corpus's passages (`chunk.context_text()`) and sentences (the
  "heading — sentence" texts the build embeds), and the ratios to torch; all in this one process;
* build-embedding throughput in passages/s: today's scheme (passage + each sentence embedded separately) vs late
  chunking (one pass per passage, sentence vectors pooled from its tokens), per runtime;
* cosine of ONNX vectors to torch vectors (min / mean) on the same passages and sentences;
* cold start: a fresh process that imports `qa.models.encoder`, loads the onnx-int8 encoder from the cache and encodes one
  question (median of --cold-runs; also whether torch got imported);
* accuracy of the current pipeline (hit@1, hit@5, answer@1 per mode; `qa eval --compare` semantics) on gold/dev.jsonl
  over corpus/ and on the SQuAD set (index of its corpus/, its gold.jsonl), for: torch (today), onnx-int8,
  torch + late chunking, onnx-int8 + late chunking. Late chunking is injected by wrapping the encoder (the build
  asks it for the sentence texts and gets the vector pooled from the passage pass); index.py is not changed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.update(
    {
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "GRADIO_ANALYTICS_ENABLED": "False",
    }
)

import numpy as np  # noqa: E402

from qa.index.config import BuildConfig  # noqa: E402
from qa.ingest.chunk import (  # noqa: E402
    Chunk,
    chunk_corpus,
    sentence_embed_text,  # noqa: E402
)
from qa.ingest.load import load_corpus  # noqa: E402
from qa.models.encoder import RUNTIMES, load_encoder  # noqa: E402

QUESTION = "When was the university founded?"


def sentence_spans_in_context(chunk: Chunk) -> list[tuple[int, int]]:
    """The chunk's sentence spans as offsets into `chunk.context_text()` (the passage text comes last in it)."""
    offset = len(chunk.context_text()) - len(chunk.text)
    return [(offset + a - chunk.start, offset + b - chunk.start) for a, b in chunk.sentences]


class LateChunked:
    """The build's encoder, answering sentence texts with vectors pooled from their passage's forward pass."""

    def __init__(self, base, chunks: list[Chunk]) -> None:  # type: ignore[no-untyped-def]
        self.base, self.name, self.dimension, self.max_tokens = base, base.name, base.dimension, base.max_tokens
        self.runtime = base.runtime
        self.table: dict[str, np.ndarray] = {}
        pooled, per_chunk = base.encode_passages(
            [c.context_text() for c in chunks], [sentence_spans_in_context(c) for c in chunks]
        )
        for chunk, vector, sentences in zip(chunks, pooled, per_chunk):
            self.table[chunk.context_text()] = vector
            for span, sentence_vector in zip(chunk.sentences, sentences):
                self.table.setdefault(sentence_embed_text(chunk, span), sentence_vector)
        self.fallbacks = 0

    def encode(self, texts: list[str], *, batch_size: int = 64, progress: bool = False) -> np.ndarray:
        missing = [t for t in texts if t not in self.table]
        self.fallbacks += len(missing)
        if missing:
            self.table.update(zip(missing, self.base.encode(missing)))
        return np.stack([self.table[t] for t in texts]) if texts else np.zeros((0, self.dimension), np.float32)


def rate(fn, count: int) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    began = time.perf_counter()
    result = fn()
    return count / (time.perf_counter() - began), result


def throughput(encoders: dict, chunks: list[Chunk]) -> dict:  # type: ignore[type-arg]
    passages = [c.context_text() for c in chunks]
    sentences = [sentence_embed_text(c, s) for c in chunks for s in c.sentences]
    spans = [sentence_spans_in_context(c) for c in chunks]
    out: dict = {"passages": len(passages), "sentences": len(sentences)}
    vectors: dict = {}
    for runtime, encoder in encoders.items():
        encoder.encode(passages[:4])  # warm-up
        p_rate, p_vec = rate(lambda: encoder.encode(passages), len(passages))
        s_rate, s_vec = rate(lambda: encoder.encode(sentences), len(sentences))
        late_rate, _ = rate(lambda: encoder.encode_passages(passages, spans), len(passages))
        separate = len(passages) / (len(passages) / p_rate + len(sentences) / s_rate)
        vectors[runtime] = (p_vec, s_vec)
        out[runtime] = {
            "passage_texts_per_s": round(p_rate, 1),
            "sentence_texts_per_s": round(s_rate, 1),
            "build_passages_per_s_separate": round(separate, 2),
            "build_passages_per_s_late": round(late_rate, 2),
        }
    base = out["torch"]
    for runtime in encoders:
        row = out[runtime]
        row["ratio_to_torch"] = {
            k: round(row[k] / base[k], 2)
            for k in (
                "passage_texts_per_s",
                "sentence_texts_per_s",
                "build_passages_per_s_separate",
                "build_passages_per_s_late",
            )
        }
        row["late_vs_torch_separate"] = round(
            row["build_passages_per_s_late"] / base["build_passages_per_s_separate"], 2
        )
        if runtime != "torch":
            cos_p = (vectors[runtime][0] * vectors["torch"][0]).sum(1)
            cos_s = (vectors[runtime][1] * vectors["torch"][1]).sum(1)
            row["cosine_to_torch"] = {
                "passages_min": round(float(cos_p.min()), 4),
                "passages_mean": round(float(cos_p.mean()), 4),
                "sentences_min": round(float(cos_s.min()), 4),
                "sentences_mean": round(float(cos_s.mean()), 4),
            }
    return out


def cold_start(cache: Path, runs: int) -> dict:
    code = (
        "import time, sys; t = time.perf_counter(); from pathlib import Path; from qa.models.encoder import load_encoder; "
        f"e = load_encoder(runtime='onnx-int8', cache_dir=Path({str(cache)!r})); e.encode([{QUESTION!r}]); "
        "print(time.perf_counter() - t, 'torch' in sys.modules)"
    )
    walls, inner, torch_seen = [], [], False
    for _ in range(runs):
        began = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        walls.append(time.perf_counter() - began)
        seconds, seen = out.stdout.split()
        inner.append(float(seconds))
        torch_seen |= seen == "True"
    return {
        "process_wall_s_median": round(statistics.median(walls), 3),
        "import_load_encode_s_median": round(statistics.median(inner), 3),
        "runs": runs,
        "torch_imported": torch_seen,
    }


def accuracy(name: str, corpus_dir: Path, gold_path: Path, encoders: dict, workdir: Path) -> dict:  # type: ignore[type-arg]
    from qa.engine import Engine
    from qa.process import configure_runtime

    configure_runtime()
    from qa.evaluate.gold import evaluate_gold, load_gold
    from qa.index.build import build_index

    config = BuildConfig()
    corpus = load_corpus(corpus_dir, max_file_bytes=config.max_file_bytes)
    chunks = chunk_corpus(corpus.documents, config.chunking)
    gold = load_gold(gold_path)
    results: dict = {}
    for runtime in ("torch", "onnx-int8"):
        for late in (False, True):
            variant = f"{runtime}{' + late' if late else ''}"
            began = time.perf_counter()
            encoder = LateChunked(encoders[runtime], chunks) if late else encoders[runtime]
            folder = workdir / f"{name}-{runtime}-{int(late)}"
            build_index(corpus, folder, encoder, config)
            seconds = time.perf_counter() - began
            engine = Engine.open(folder, encoder=encoders[runtime])  # questions always embedded the plain way
            row = {"build_s": round(seconds, 1)}
            for mode in ("hybrid", "dense"):
                report = evaluate_gold(engine, gold, mode=mode, k=10)
                row[mode] = {k: round(report.metrics[k], 4) for k in ("hit@1", "hit@5", "answer@1")}
            if late:
                row["late_fallbacks"] = encoder.fallbacks
            results[variant] = row
            print(f"  {name:6} {variant:18} {json.dumps(row)}", flush=True)
    return {"questions": len(gold), "passages": len(chunks), "variants": results}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--squad", type=Path, default=ROOT.parent / "shared" / "qa-sets" / "squad-public")
    parser.add_argument("--cold-runs", type=int, default=5)
    parser.add_argument("--skip-accuracy", action="store_true")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    report: dict = {}
    with tempfile.TemporaryDirectory(prefix="qa-encoder-bench-") as tmp:
        cache = Path(tmp) / "onnx"
        from qa.models.onnx_export import export_onnx

        report["export_s"] = {}
        for runtime in ("onnx-int8", "onnx-fp32"):
            began = time.perf_counter()
            export_onnx(runtime=runtime, cache_dir=cache)
            report["export_s"][runtime] = round(time.perf_counter() - began, 1)
        print("export seconds (first includes importing torch):", report["export_s"], flush=True)
        encoders = {
            runtime: load_encoder(runtime=runtime, cache_dir=cache if runtime != "torch" else None)
            for runtime in RUNTIMES
        }
        corpus = load_corpus(ROOT / "corpus")
        chunks = chunk_corpus(corpus.documents, BuildConfig().chunking)
        report["throughput_bundled_corpus"] = throughput(encoders, chunks)
        print("throughput:", json.dumps(report["throughput_bundled_corpus"], indent=1), flush=True)
        report["cold_start"] = cold_start(cache, args.cold_runs)
        print("cold start:", report["cold_start"], flush=True)
        if not args.skip_accuracy:
            work = Path(tmp) / "indexes"
            report["accuracy"] = {"dev": accuracy("dev", ROOT / "corpus", ROOT / "gold" / "dev.jsonl", encoders, work)}
            if args.squad.is_dir():
                report["accuracy"]["squad"] = accuracy(
                    "squad", args.squad / "corpus", args.squad / "gold.jsonl", encoders, work
                )
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=2))
        print(f"written {args.out}")


if __name__ == "__main__":
    main()
