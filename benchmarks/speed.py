"""Speed benchmark of the library, in one process: encoding, build, query latency, cold start, memory.

    .venv/bin/python benchmarks/speed.py [--repeat 3] [--out benchmarks/results/speed.json]

Measures, on the bundled model and the real corpus:

* raw encoding throughput: `SentenceTransformer.encode` called directly (same batch size as the build)
  on the chunks' context texts, and on every text the build embeds (chunk context texts + sentence texts);
* `build_index` throughput into a fresh temporary folder (empty embedding cache) and its overhead over
  raw encoding of exactly the same texts (the figure to watch: aim < 10 %), with a phase breakdown taken
  from the build's own progress callbacks;
* query latency (p50/p95/mean) of `Engine.ask` per mode over every gold question (test + dev), question
  embedding included;
* cold start of `qa ask "..."` as a subprocess (wall time to exit, median of --cold-runs);
* peak RSS of this process and of each `qa ask` child.

Raw and build runs alternate (raw first on even repeats, build first on odd ones) and the overhead is the
median of the per-repeat ratios, so a noisy shared machine biases both sides alike.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

OFFLINE_ENV = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1",
               "GRADIO_ANALYTICS_ENABLED": "False"}
os.environ.update({k: os.environ.get(k, v) for k, v in OFFLINE_ENV.items()})

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

MODES = ("hybrid", "dense", "bm25")
COLD_QUESTION = "How many members does the band of the Internal Troops have?"


# ---------------------------------------------------------------- helpers


def pct(values: list[float], p: float) -> float:
    return float(np.percentile(np.asarray(values, dtype=np.float64), p)) if values else float("nan")


def rss_mb(kilobytes: int) -> float:
    return kilobytes / 1024.0  # Linux reports ru_maxrss in KiB


def self_peak_mb() -> float:
    return rss_mb(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "-"


def machine_info() -> dict:
    import torch

    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "cores_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "memory_total_mb": _mem_total_mb(),
        "torch_threads": torch.get_num_threads(),
        "torch_interop_threads": torch.get_num_interop_threads(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "versions": {n: version(n) for n in ("torch", "sentence-transformers", "transformers", "tokenizers",
                                              "faiss-cpu", "numpy", "bm25s", "gradio", "qa-retrieval")},
    }


def _mem_total_mb() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024, 0)
    except OSError:
        pass
    return None


def gold_questions() -> list[str]:
    from qa.evaluate import load_gold

    return [q.question for name in ("heldout.jsonl", "dev.jsonl") for q in load_gold(ROOT / "gold" / name)]


# ---------------------------------------------------------------- encoding and build


def build_texts(corpus, config) -> tuple[list[str], list[str]]:  # type: ignore[no-untyped-def]
    """(chunk context texts, every text the build embeds), deduplicated and ordered as build_index does."""
    from qa.chunk import chunk_corpus
    from qa.index import _sentence_key, sentence_embed_text

    chunks = chunk_corpus(corpus.documents, config.chunking)
    chunk_texts = {c.content_key(): c.context_text() for c in chunks}
    sentence_texts = ({_sentence_key(c, s): sentence_embed_text(c, s) for c in chunks for s in c.sentences}
                      if config.sentence_vectors else {})
    return list(chunk_texts.values()), list({**chunk_texts, **sentence_texts}.values())


def raw_encode(encoder, texts: list[str], batch_size: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """(wall seconds, process CPU seconds) for the model itself (no pipeline) to encode `texts`."""
    began, cpu = time.perf_counter(), time.process_time()
    encoder._model.encode(texts, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True,
                          show_progress_bar=False)
    return time.perf_counter() - began, time.process_time() - cpu


def timed_build(corpus, encoder, config) -> dict:  # type: ignore[no-untyped-def]
    """One build_index into a fresh temporary folder (so the embedding cache is empty)."""
    from qa.index import build_index

    events: list[tuple[float, float, str]] = []
    with tempfile.TemporaryDirectory(prefix="qa-speed-") as folder:
        began, cpu = time.perf_counter(), time.process_time()
        report = build_index(corpus, Path(folder) / "index", encoder, config, source={"kind": "benchmark"},
                             on_progress=lambda f, m: events.append((time.perf_counter() - began, f, m)))
        seconds, cpu_seconds = time.perf_counter() - began, time.process_time() - cpu
    marks = {m.split(" ")[0]: t for t, _, m in events}
    start_embed = next((t for t, _, m in events if m.startswith("embedding ")), 0.0)
    start_write = marks.get("writing", seconds)
    during = [t for t, _, m in events if start_embed <= t <= start_write]
    gaps = [b - a for a, b in zip(during, during[1:])]
    return {
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "embedded": report.embedded,
        "chunks": report.chunks,
        "sentences": report.sentences,
        "phases": {"before_encoding": start_embed, "encoding": start_write - start_embed, "writing": seconds - start_write},
        "progress_updates": len(events),
        "progress_updates_while_encoding": max(len(during) - 2, 0),  # not counting the start and end marks
        "progress_longest_gap": max(gaps) if gaps else seconds,
        "progress": [{"t": round(t, 3), "fraction": round(f, 3), "message": m} for t, f, m in events],
    }


# ---------------------------------------------------------------- queries


def query_latencies(engine, questions: list[str], repeat: int) -> dict[str, list[float]]:  # type: ignore[no-untyped-def]
    for q in questions[:5]:  # warm-up: first calls allocate
        for mode in MODES:
            engine.ask(q, k=5, mode=mode)
    out: dict[str, list[float]] = {m: [] for m in MODES}
    for _ in range(repeat):
        for mode in MODES:
            for q in questions:
                began = time.perf_counter()
                response = engine.ask(q, k=5, mode=mode)
                out[mode].append(time.perf_counter() - began)
                if not response.results:
                    raise RuntimeError(f"no results for '{q}' ({mode})")
    return out


def embed_latencies(encoder, questions: list[str], threads: int) -> list[float]:  # type: ignore[no-untyped-def]
    """One-question latency of the model itself (bypassing any thread policy of the encoder wrapper) with
    torch set to `threads` intra-op threads (restored afterwards)."""
    import torch

    def encode(q: str) -> None:
        encoder._model.encode([q], normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)

    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        for q in questions[:5]:
            encode(q)
        out = []
        for q in questions:
            began = time.perf_counter()
            encode(q)
            out.append(time.perf_counter() - began)
        return out
    finally:
        torch.set_num_threads(before)


# ---------------------------------------------------------------- cold start


# Runs in a small separate interpreter: on Linux a child's ru_maxrss starts from the RSS of the process that
# spawned it (the high-water mark of the address space replaced by exec), so spawning `qa ask` straight
# from this 1 GB process would report this process's peak, not the child's.
_SPAWNER = """
import json, resource, subprocess, sys, time
began = time.perf_counter()
process = subprocess.Popen(sys.argv[2:], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
out, err = process.communicate()
wall = time.perf_counter() - began
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
with open(sys.argv[1], "w") as fh:
    json.dump({"wall": wall, "exit": process.returncode, "peak_rss_kb": peak,
               "stdout": out.decode("utf-8", "replace"), "stderr": err.decode("utf-8", "replace")}, fh)
"""


def cold_start(runs: int, index_dir: Path) -> list[dict]:
    """`qa ask QUESTION` in a fresh process: wall time to exit, the CLI's own (open + ask) time, child peak RSS."""
    qa = Path(sys.executable).with_name("qa")
    command = [str(qa), "ask", COLD_QUESTION, "--index", str(index_dir)] if qa.exists() else \
        [sys.executable, "-m", "qa.cli", "ask", COLD_QUESTION, "--index", str(index_dir)]
    env = {**os.environ, **OFFLINE_ENV}
    out = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="qa-cold-") as folder:
            report = Path(folder) / "run.json"
            subprocess.run([sys.executable, "-S", "-c", _SPAWNER, str(report), *command], cwd=ROOT, env=env, check=True)
            run = json.loads(report.read_text(encoding="utf-8"))
        if run["exit"] != 0 or not run["stdout"].strip():
            raise RuntimeError(f"`{' '.join(command)}` failed (exit {run['exit']}):\n{run['stderr'][-2000:]}")
        found = re.search(r"\((\d+(?:\.\d+)?) s\)", run["stderr"])
        out.append({"wall": run["wall"], "in_process": float(found.group(1)) if found else None,
                    "peak_rss_mb": rss_mb(run["peak_rss_kb"]), "exit": run["exit"]})
    return out


# ---------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="raw/build pairs and passes over the gold questions (default 3)")
    parser.add_argument("--cold-runs", type=int, default=3, help="`qa ask` subprocess runs (default 3)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "speed.json")
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    parser.add_argument("--index", type=Path, default=ROOT / "index", help="built index for queries and cold start")
    parser.add_argument("--threads", type=int, default=None, help="torch intra-op threads (default: torch's own)")
    args = parser.parse_args(argv)
    began_all = time.perf_counter()

    from qa.config import BuildConfig
    from qa.embed import SentenceTransformerEncoder, offline_environment, quiet_libraries
    from qa.engine import Engine, load_encoder
    from qa.index import read_manifest
    from qa.load import load_corpus

    offline_environment()
    quiet_libraries()
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    info = machine_info()
    print(f"machine: {info['cpu']}, {info['cores']} cores ({info['cores_usable']} usable), "
          f"{info['memory_total_mb']:.0f} MB RAM, load average {' '.join(map(str, info['load_average']))}")
    print(f"torch {info['versions']['torch']} ({info['torch_threads']} threads, {info['torch_interop_threads']} inter-op), "
          f"sentence-transformers {info['versions']['sentence-transformers']}, transformers {info['versions']['transformers']}, "
          f"faiss {info['versions']['faiss-cpu']}, numpy {info['versions']['numpy']}, bm25s {info['versions']['bm25s']}, "
          f"python {info['python']}")

    config = BuildConfig.from_json(read_manifest(args.index)["config"])
    corpus = load_corpus(args.corpus, max_file_bytes=config.max_file_bytes)
    t = time.perf_counter()
    encoder = load_encoder(config.model)
    model_load = time.perf_counter() - t
    batch_size = inspect.signature(SentenceTransformerEncoder.encode).parameters["batch_size"].default
    chunk_texts, all_texts = build_texts(corpus, config)
    print(f"corpus: {len(corpus.documents)} documents -> {len(chunk_texts)} chunk texts, {len(all_texts)} texts embedded "
          f"by a build (chunks + sentences); model {config.model} loaded in {model_load:.1f} s; batch size {batch_size}\n")

    # warm-up: one full untimed pass, so every batch shape has been seen once (oneDNN primitives, allocator)
    raw_encode(encoder, all_texts, batch_size)

    raw_chunks: list[tuple[float, float]] = []
    raw_all: list[tuple[float, float]] = []
    builds: list[dict] = []
    for r in range(args.repeat):
        def raw() -> None:
            raw_chunks.append(raw_encode(encoder, chunk_texts, batch_size))
            raw_all.append(raw_encode(encoder, all_texts, batch_size))

        if r % 2 == 0:
            raw(); builds.append(timed_build(corpus, encoder, config))  # noqa: E702
        else:
            builds.append(timed_build(corpus, encoder, config)); raw()  # noqa: E702
        print(f"  repeat {r + 1}/{args.repeat}: raw chunks {raw_chunks[-1][0]:.2f} s, raw all {raw_all[-1][0]:.2f} s "
              f"(cpu {raw_all[-1][1]:.2f} s), build {builds[-1]['seconds']:.2f} s (cpu {builds[-1]['cpu_seconds']:.2f} s), "
              f"load average {os.getloadavg()[0]:.2f}", flush=True)
    embedded = builds[0]["embedded"]
    if embedded != len(all_texts):
        print(f"warning: the build embedded {embedded} texts, the raw run {len(all_texts)}")

    med = statistics.median
    wall = {"chunks": [w for w, _ in raw_chunks], "raw": [w for w, _ in raw_all], "build": [b["seconds"] for b in builds]}
    cpu = {"chunks": [c for _, c in raw_chunks], "raw": [c for _, c in raw_all], "build": [b["cpu_seconds"] for b in builds]}
    overheads = [b / r - 1 for b, r in zip(wall["build"], wall["raw"])]
    cpu_overheads = [b / r - 1 for b, r in zip(cpu["build"], cpu["raw"])]
    phases = {k: med(b["phases"][k] for b in builds) for k in builds[0]["phases"]}
    encode_overheads = [b["phases"]["encoding"] / r - 1 for b, r in zip(builds, wall["raw"])]

    engine = Engine.open(args.index, encoder=encoder)
    questions = gold_questions()
    latencies = query_latencies(engine, questions, args.repeat)
    default_threads = torch.get_num_threads()
    embed_default = embed_latencies(encoder, questions, default_threads)
    embed_one = embed_latencies(encoder, questions, 1) if default_threads != 1 else embed_default
    self_peak = self_peak_mb()

    cold = cold_start(args.cold_runs, args.index)

    # ------------------------------------------------ print
    n_all, n_chunks = len(all_texts), len(chunk_texts)
    line = "-" * 91
    print()
    print(f"{'encoding and build (median of %d)' % args.repeat:<48}{'wall s':>8}{'texts/s':>9}{'vs raw':>9}{'cpu s':>8}{'vs raw':>9}")
    print(line)
    print(f"{'raw encode, chunk context texts (%d)' % n_chunks:<48}{med(wall['chunks']):>8.2f}{n_chunks / med(wall['chunks']):>9.1f}"
          f"{'':>9}{med(cpu['chunks']):>8.2f}")
    print(f"{'raw encode, all texts a build embeds (%d)' % n_all:<48}{med(wall['raw']):>8.2f}{n_all / med(wall['raw']):>9.1f}"
          f"{'':>9}{med(cpu['raw']):>8.2f}")
    print(f"{'build_index, empty cache (%d texts)' % embedded:<48}{med(wall['build']):>8.2f}{embedded / med(wall['build']):>9.1f}"
          f"{med(overheads):>+9.1%}{med(cpu['build']):>8.2f}{med(cpu_overheads):>+9.1%}")
    print(f"{'  before encoding (chunk, hash)':<48}{phases['before_encoding']:>8.2f}")
    print(f"{'  encoding (pipeline)':<48}{phases['encoding']:>8.2f}{'':>9}{med(encode_overheads):>+9.1%}")
    print(f"{'  writing (faiss, bm25, chunks, fsync, swap)':<48}{phases['writing']:>8.2f}")
    print(f"build overhead vs raw per repeat (wall): {', '.join(f'{o:+.1%}' for o in overheads)}; "
          f"(cpu): {', '.join(f'{o:+.1%}' for o in cpu_overheads)}")
    print(f"build progress: {builds[0]['progress_updates']} updates in all, {builds[0]['progress_updates_while_encoding']} "
          f"while encoding; longest silence {med(b['progress_longest_gap'] for b in builds):.2f} s (median)")
    print()
    n_q = len(questions)
    print(f"{'query latency, Engine.ask k=5 (%d questions x %d)' % (n_q, args.repeat):<48}{'p50 ms':>8}{'p95 ms':>9}{'mean ms':>9}")
    print(line)
    for mode in MODES:
        values = latencies[mode]
        print(f"{mode:<48}{pct(values, 50) * 1e3:>8.1f}{pct(values, 95) * 1e3:>9.1f}{statistics.fmean(values) * 1e3:>9.1f}")
    embed_rows = [(f"  raw model, 1 question, {default_threads} torch thread(s)", embed_default)]
    if default_threads != 1:
        embed_rows.append(("  raw model, 1 question, 1 torch thread", embed_one))
    for label, values in embed_rows:
        print(f"{label:<48}{pct(values, 50) * 1e3:>8.1f}{pct(values, 95) * 1e3:>9.1f}{statistics.fmean(values) * 1e3:>9.1f}")
    print()
    walls = [c["wall"] for c in cold]
    inside = [c["in_process"] for c in cold if c["in_process"] is not None]
    print(f"{'cold start `qa ask` (%d runs)' % len(cold):<48}{'median s':>8}{'min s':>9}{'max s':>9}")
    print(line)
    print(f"{'wall time to exit':<48}{med(walls):>8.2f}{min(walls):>9.2f}{max(walls):>9.2f}")
    if inside:
        print(f"{'  of which Engine.open + ask (CLI timer)':<48}{med(inside):>8.2f}{min(inside):>9.2f}{max(inside):>9.2f}")
    print()
    child_peak = max(c["peak_rss_mb"] for c in cold)
    print(f"peak RSS: this process {self_peak:.0f} MB (model, {args.repeat} builds, queries); `qa ask` child {child_peak:.0f} MB (max of runs)")
    total = time.perf_counter() - began_all
    print(f"benchmark ran {total:.0f} s; load average now {' '.join(f'{x:.2f}' for x in os.getloadavg())}")

    # ------------------------------------------------ JSON
    def lat(values: list[float]) -> dict:
        return {"p50_ms": pct(values, 50) * 1e3, "p95_ms": pct(values, 95) * 1e3, "mean_ms": statistics.fmean(values) * 1e3,
                "n": len(values)}

    result = {
        "benchmark": "speed",
        "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": info,
        "load_average_end": [round(x, 2) for x in os.getloadavg()],
        "settings": {"repeat": args.repeat, "cold_runs": args.cold_runs, "batch_size": batch_size, "model": config.model,
                     "config": config.to_json(), "corpus": str(args.corpus), "index": str(args.index),
                     "threads": torch.get_num_threads()},
        "corpus": {"documents": len(corpus.documents), "chunk_texts": n_chunks, "all_texts": n_all},
        "model_load_seconds": model_load,
        "raw_encode": {
            "chunk_texts": {"seconds": wall["chunks"], "cpu_seconds": cpu["chunks"], "median_seconds": med(wall["chunks"]),
                            "texts_per_second": n_chunks / med(wall["chunks"])},
            "all_texts": {"seconds": wall["raw"], "cpu_seconds": cpu["raw"], "median_seconds": med(wall["raw"]),
                          "texts_per_second": n_all / med(wall["raw"])},
        },
        "build": {
            "seconds": wall["build"], "cpu_seconds": cpu["build"], "median_seconds": med(wall["build"]),
            "texts_per_second": embedded / med(wall["build"]),
            "overhead_vs_raw": overheads, "overhead_vs_raw_median": med(overheads),
            "cpu_overhead_vs_raw": cpu_overheads, "cpu_overhead_vs_raw_median": med(cpu_overheads),
            "encoding_phase_overhead_vs_raw_median": med(encode_overheads),
            "phases_median_seconds": phases, "runs": builds,
        },
        "query": {"questions": n_q, **{mode: lat(v) for mode, v in latencies.items()},
                  "embed_only": {f"{default_threads}_threads": lat(embed_default), "1_thread": lat(embed_one)}},
        "cold_start": {"command": "qa ask QUESTION --index INDEX", "question": COLD_QUESTION, "runs": cold,
                       "median_wall_seconds": med(walls), "median_in_process_seconds": med(inside) if inside else None},
        "peak_rss_mb": {"self": self_peak, "qa_ask_child": child_peak},
        "seconds": total,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(f"results written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
