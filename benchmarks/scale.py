"""Scale benchmark (issue 11): the index pipeline at 10 k, 100 k and 1 M passages of real English text.

A fast deterministic stand-in encoder (hashed word vectors, 384 dimensions) replaces the model so the
pipeline — reading, chunking, storing, BM25, FAISS, the query path — is what is measured; the real model's
throughput is measured separately on a small sample. Every measured phase runs in a fresh child process
(its peak RSS is its own VmHWM, not a parent's). Corpora and indexes go to a scratch folder (default
/tmp/qa-scale/<size>/), are kept, and are reused by later runs (`--rebuild` to start over).

    PY=.venv/bin/python
    nice -n 10 $PY benchmarks/scale.py --sizes 10k            # quick
    nice -n 10 $PY benchmarks/scale.py                        # 10k, 100k, 1M (hours on 2 cores)
    $PY benchmarks/scale.py --sizes 1M --phases serve,recall  # re-measure a built index

Prints a table and writes benchmarks/results/scale.json (merged with what is there, per size).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shutil
import subprocess
import sys
import time
import zlib
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [ROOT / "corpus", ROOT.parent / "shared" / "qa-sets" / "squad-public" / "corpus"]
GOLD = [ROOT.parent / "shared" / "qa-sets" / "squad-public" / "gold.jsonl"]
PASSAGES_PER_FILE = 100
DEFAULT_ANN_THRESHOLD = 100_000
PHASES = ("corpus", "build", "serve", "recall", "real")
TARGETS = {"hybrid_p95_ms": 50.0, "serve_rss_gb": 3.0, "open_s": 5.0, "build_peak_rss_gb": 6.0, "recall_at_10": 0.95}
_WORD = re.compile(r"[a-z0-9]+")


# ---------------------------------------------------------------- stand-in encoder


class HashedWordEncoder:
    """Sum of per-word Gaussian vectors (seeded by the word's CRC32), stop words left out, unit-normalized.

    Deterministic across processes, dense like a real embedding, and texts sharing words are similar. Same
    interface as tests/conftest.py's HashEncoder."""

    name = "bench:hashed-words-384"
    dimension = 384
    max_tokens = 256

    def __init__(self) -> None:
        from qa.ingest.tokens import STOPWORDS

        self._stop = STOPWORDS
        self._ids: dict[str, int] = {}
        self._table = np.zeros((1024, self.dimension), dtype=np.float32)

    def _id(self, word: str) -> int:
        found = self._ids.get(word)
        if found is None:
            found = len(self._ids)
            if found >= len(self._table):
                self._table = np.vstack([self._table, np.zeros_like(self._table)])
            seed = zlib.crc32(word.encode("utf-8"))
            self._table[found] = np.random.default_rng(seed).standard_normal(self.dimension, dtype=np.float32)
            self._ids[word] = found
        return found

    def encode(self, texts: list[str], *, batch_size: int = 64, progress: bool = False) -> np.ndarray:
        from scipy.sparse import csr_matrix

        ids: list[int] = []
        starts = [0]
        known, stop = self._ids, self._stop
        for text in texts:
            for w in _WORD.findall(text.lower()):
                if w not in stop:
                    found = known.get(w)
                    ids.append(found if found is not None else self._id(w))
            starts.append(len(ids))
        counts = csr_matrix(
            (np.ones(len(ids), dtype=np.float32), np.asarray(ids, dtype=np.int64), np.asarray(starts)),
            shape=(len(texts), len(self._table)),
        )
        out = np.asarray(counts @ self._table, dtype=np.float32)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)


# ---------------------------------------------------------------- helpers


def size_of(label: str) -> int:
    label = label.strip().lower()
    scale = {"k": 1_000, "m": 1_000_000}.get(label[-1], 1)
    return int(float(label[:-1] if label[-1] in "km" else label) * scale)


def label_of(n: int) -> str:
    return f"{n // 1_000_000}M" if n % 1_000_000 == 0 else f"{n // 1000}k" if n % 1000 == 0 else str(n)


def proc_status(field: str) -> float:
    """VmRSS / VmHWM of this process in GB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024 / 1024
    return float("nan")


def cpu_seconds() -> float:
    """User + system CPU time of this process: on a shared machine, steadier than wall time."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def disk_gb(path: Path) -> float:
    return (
        sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink()) / 1e9
        if path.exists()
        else 0.0
    )


def pct(values: list[float], q: float) -> float:
    return round(float(np.percentile(values, q)), 3) if values else float("nan")


def env() -> dict[str, str]:
    return {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "GRADIO_ANALYTICS_ENABLED": "False",
        "PYTHONPATH": str(ROOT),
    }


def run_child(*args: str, log: Path) -> dict:
    """Run this script as `--child ...` in a fresh interpreter; its last stdout line is JSON."""
    command = [sys.executable, str(Path(__file__).resolve()), "--child", *args]
    began = time.perf_counter()
    with log.open("a") as err:
        err.write(f"\n$ {' '.join(command)}\n")
        err.flush()
        done = subprocess.run(command, stdout=subprocess.PIPE, stderr=err, text=True, env=env(), cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"child {args[0]} failed (exit {done.returncode}); see {log}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["child_wall_s"] = round(time.perf_counter() - began, 2)
    return result


# ---------------------------------------------------------------- corpus


def source_sentences() -> list[str]:
    """Prose sentences (≥ 6 words) of the bundled corpus and the SQuAD sample, in a fixed order."""
    from qa.ingest.sentences import sentence_spans

    out: list[str] = []
    for folder in SOURCES:
        for path in sorted(folder.rglob("*.txt")):
            for paragraph in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")):
                paragraph = " ".join(paragraph.split())
                if len(paragraph.split()) < 12:  # headings and short lines
                    continue
                for a, b in sentence_spans(paragraph):
                    sentence = paragraph[a:b].strip()
                    if len(sentence.split()) >= 6:
                        out.append(sentence)
    return out


def write_corpus(folder: Path, passages: int, seed: int = 0) -> dict:
    """Files of shuffled real sentences, ~PASSAGES_PER_FILE passages each, until the chunker counts `passages`."""
    from qa.ingest.chunk import chunk_document
    from qa.ingest.load import Document

    sentences = source_sentences()
    rng = np.random.default_rng(seed)

    def paragraph() -> str:
        words, picked = 0, []
        while words < 70:
            s = sentences[int(rng.integers(len(sentences)))]
            picked.append(s)
            words += len(s.split())
        return " ".join(picked)

    def text_of(number: int, paragraphs: list[str]) -> str:
        return f"Document {number}\n\n" + "\n\n".join(paragraphs) + "\n"

    # passages per paragraph, measured once on a sample file (chunking every file would cost as much as the build)
    sample = [paragraph() for _ in range(PASSAGES_PER_FILE)]
    ratio = len(chunk_document(Document("sample.txt", text_of(0, sample), "sample", ""))) / len(sample)
    per_file = max(1, round(PASSAGES_PER_FILE / ratio))
    samples = [[paragraph() for _ in range(per_file)] for _ in range(5)]  # files as they will be written
    ratio = sum(len(chunk_document(Document("s.txt", text_of(i, p), "s", ""))) for i, p in enumerate(samples)) / (
        5 * per_file
    )
    tmp = folder.with_name(folder.name + ".part")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    files = max(1, math.ceil(1.02 * passages / (per_file * ratio)))  # 2 % headroom: 100k must reach the IVF threshold
    began = time.perf_counter()
    for number in range(files):
        path = tmp / f"{number // 1000:04d}" / f"doc-{number:07d}.txt"
        path.parent.mkdir(exist_ok=True)
        path.write_text(text_of(number, [paragraph() for _ in range(per_file)]), encoding="utf-8")
    tmp.rename(folder)
    return {
        "files": files,
        "paragraphs_per_file": per_file,
        "passages_per_paragraph": round(ratio, 3),
        "passages_expected": round(files * per_file * ratio),
        "source_sentences": len(sentences),
        "seconds": round(time.perf_counter() - began, 1),
    }


def questions(limit: int) -> list[str]:
    out: list[str] = []
    for path in GOLD:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                out.append(json.loads(line)["question"])
    return out[:limit]


# ---------------------------------------------------------------- children


def child_build(corpus: str, index: str, threshold: int) -> dict:
    from qa.index.build import build_folder
    from qa.index.config import BuildConfig

    encoder = HashedWordEncoder()
    marks: dict[str, float] = {}
    began = time.perf_counter()

    def progress(fraction: float, message: str) -> None:
        now = time.perf_counter() - began
        if fraction >= 0.92 and "finish_started_s" not in marks:
            marks["finish_started_s"] = round(now, 2)
            marks["finish_started_cpu_s"] = round(cpu_seconds(), 1)
        print(
            f"[{now:8.1f}s cpu {cpu_seconds():8.1f}s rss {proc_status('VmRSS'):.2f} GB] {fraction:.3f} {message}",
            file=sys.stderr,
            flush=True,
        )

    report = build_folder(
        corpus, index, encoder, BuildConfig(model=encoder.name, ann_threshold=threshold), on_progress=progress
    )
    seconds = time.perf_counter() - began
    manifest = json.loads((report.path / "manifest.json").read_text())
    return {
        "build_s": round(seconds, 1),
        "build_cpu_s": round(cpu_seconds(), 1),
        "build_peak_rss_gb": round(proc_status("VmHWM"), 3),
        "passages": report.chunks,
        "documents": report.documents,
        "sentences": report.sentences,
        "passages_per_s": round(report.chunks / seconds, 1),
        "dense": manifest["dense"],
        **marks,
        "stream_s": marks.get("finish_started_s"),
        "finish_s": round(seconds - marks["finish_started_s"], 1) if "finish_started_s" in marks else None,
    }


def child_serve(index: str, count: int) -> dict:
    """Open time and RSS, then latency per mode without (retriever.search) and with (engine.ask) embedding."""
    baseline = proc_status("VmRSS")
    import faiss  # noqa: F401  (imports are not the open time being measured; `qa ask` pays them too)
    import tantivy  # noqa: F401

    from qa.engine import Engine
    from qa.process import configure_runtime

    configure_runtime()
    from qa.search.retrieve import SearchSettings

    encoder = HashedWordEncoder()
    imported = proc_status("VmRSS")
    began = time.perf_counter()
    engine = Engine.open(index, encoder=encoder)
    open_s = time.perf_counter() - began
    opened = proc_status("VmRSS")
    # the store into the page cache, as on a server that has been answering for a while: this VM's disk reads
    # ~6 MB/s at random and its kernel drops cold file pages within minutes, so rows read cold cost seconds
    began = time.perf_counter()
    with (Path(index) / "current" / "store.sqlite").open("rb") as f:
        while f.read(1 << 24):
            pass
    store_read_s = time.perf_counter() - began
    asked = questions(count)
    vectors = [engine.question_vector(q) for q in asked]
    from qa.engine import prepare_question

    cleaned = [prepare_question(q, engine.max_question_chars)[0] for q in asked]
    settings = SearchSettings()
    out: dict = {
        "open_s": round(open_s, 3),
        "rss_after_open_gb": round(opened, 3),
        "rss_python_and_libs_gb": round(imported, 3),
        "rss_baseline_gb": round(baseline, 3),
        "questions": len(asked),
        "dense": engine.index.manifest["dense"],
        "store_read_s": round(store_read_s, 1),
    }
    for q, v in list(zip(cleaned, vectors))[:5]:  # first-touch warm-up (page cache, lazy tables)
        engine.ranker.search(q, v, mode="hybrid", k=5, settings=settings)
    first = time.perf_counter()
    engine.ranker.search(cleaned[-1], vectors[-1], mode="hybrid", k=5, settings=settings)
    out["first_hybrid_ms"] = round(1000 * (time.perf_counter() - first), 2)
    for mode in ("hybrid", "dense", "bm25"):
        times = []
        for q, v in zip(cleaned, vectors):
            t = time.perf_counter()
            engine.ranker.search(q, v, mode=mode, k=5, settings=settings)
            times.append(1000 * (time.perf_counter() - t))
        out[f"{mode}_p50_ms"], out[f"{mode}_p95_ms"] = pct(times, 50), pct(times, 95)
    for mode in ("hybrid", "dense", "bm25"):
        times = []
        for q in asked:
            t = time.perf_counter()
            engine.ask(q, k=5, mode=mode)
            times.append(1000 * (time.perf_counter() - t))
        out[f"ask_{mode}_p50_ms"], out[f"ask_{mode}_p95_ms"] = pct(times, 50), pct(times, 95)
    # FAISS parallelizes one query over OpenMP threads: on a busy 2-core machine that costs more than it gains
    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    # with one thread, CPU time per question is what the wall time would be on an idle machine
    for mode in ("hybrid", "dense", "bm25"):
        times, cpu = [], []
        for q, v in zip(cleaned, vectors):
            t, c = time.perf_counter(), time.process_time()
            engine.ranker.search(q, v, mode=mode, k=5, settings=settings)
            times.append(1000 * (time.perf_counter() - t))
            cpu.append(1000 * (time.process_time() - c))
        out[f"{mode}_1thread_p50_ms"], out[f"{mode}_1thread_p95_ms"] = pct(times, 50), pct(times, 95)
        out[f"{mode}_1thread_cpu_p50_ms"], out[f"{mode}_1thread_cpu_p95_ms"] = pct(cpu, 50), pct(cpu, 95)
    times, cpu = [], []
    for q in asked:
        t, c = time.perf_counter(), time.process_time()
        engine.ask(q, k=5, mode="hybrid")
        times.append(1000 * (time.perf_counter() - t))
        cpu.append(1000 * (time.process_time() - c))
    out["ask_hybrid_1thread_p50_ms"], out["ask_hybrid_1thread_p95_ms"] = pct(times, 50), pct(times, 95)
    out["ask_hybrid_1thread_cpu_p50_ms"], out["ask_hybrid_1thread_cpu_p95_ms"] = pct(cpu, 50), pct(cpu, 95)
    faiss.omp_set_num_threads(threads)
    out["omp_threads_default"] = threads
    out["serve_rss_gb"] = round(proc_status("VmRSS"), 3)
    out["load_avg"] = os.getloadavg()[0]
    out["serve_peak_rss_gb"] = round(proc_status("VmHWM"), 3)
    return out


def child_recall(index: str, count: int, nprobes: str) -> dict:
    """ANN recall@10 of the dense index against brute force over the stored passage vectors."""
    import faiss

    from qa import dense as dense_index
    from qa.engine import Engine, prepare_question
    from qa.search.retrieve import SearchSettings

    encoder = HashedWordEncoder()
    engine = Engine.open(index, encoder=encoder)
    faiss.omp_set_num_threads(1)  # per-question latency below is single-threaded (CPU time = idle-machine time)
    asked = questions(count)
    queries = np.stack([engine.question_vector(q) for q in asked]).astype(np.float32)
    began = time.perf_counter()
    store = engine.index.chunks
    db = store._db()  # the benchmark reads every vector once; the engine never does
    cursor = db.execute("SELECT id, substr(vectors, 1, ?) FROM chunks ORDER BY id", (2 * encoder.dimension,))
    best_ids = np.full((len(queries), 0), -1, dtype=np.int64)
    best_scores = np.full((len(queries), 0), -np.inf, dtype=np.float32)
    while True:
        block = cursor.fetchmany(65536)
        if not block:
            break
        ids = np.fromiter((r[0] for r in block), dtype=np.int64, count=len(block))
        vectors = (
            np.frombuffer(b"".join(r[1] for r in block), dtype=np.float16).reshape(len(block), -1).astype(np.float32)
        )
        scores = queries @ vectors.T
        all_scores = np.hstack([best_scores, scores])
        all_ids = np.hstack([best_ids, np.broadcast_to(ids, scores.shape)])
        top = np.argsort(-all_scores, axis=1, kind="stable")[:, :10]
        best_scores = np.take_along_axis(all_scores, top, axis=1)
        best_ids = np.take_along_axis(all_ids, top, axis=1)
    exact_s = time.perf_counter() - began
    inner = (
        faiss.downcast_index(engine.index.dense.index)
        if isinstance(engine.index.dense, faiss.IndexIDMap2)
        else faiss.downcast_index(engine.index.dense)
    )
    nlist = int(getattr(inner, "nlist", 0))
    pool = engine.retriever.pool(SearchSettings(), 10)
    out: dict = {"exact_scan_s": round(exact_s, 1), "nlist": nlist, "pool": pool, "by_nprobe": {}}
    probes = [int(p) for p in nprobes.split(",")] if nlist else [0]
    probes = sorted({min(p, nlist) for p in probes} | ({SearchSettings().nprobe} if nlist else set()))
    for nprobe in probes:
        strict, tied, reranked, times = [], [], [], []
        for qi, q in enumerate(queries):
            t = time.perf_counter()
            found = dense_index.search(engine.index.dense, q, 10, nprobe=max(nprobe, 1), ef_search=128)
            times.append(1000 * (time.perf_counter() - t))
            ids = [c for c, _ in found]
            strict.append(len(set(ids) & set(best_ids[qi].tolist())) / 10)
            # ties: a found passage scoring (exactly, from the stored vector) at least the 10th exact score counts
            rows = store.get_many(ids)
            tenth = float(best_scores[qi, -1]) - 1e-4
            tied.append(sum(1 for c in ids if c in rows and float(rows[c].vectors[0] @ q) >= tenth) / 10)
            # what the dense mode returns: the ANN's top `pool` re-scored exactly from the stored vectors
            top = [h.chunk for h in engine.retriever.dense(q, 10, SearchSettings(nprobe=max(nprobe, 1)))]
            reranked.append(len(set(top) & set(best_ids[qi].tolist())) / 10)
        # the engine's dense mode searches nprobe = SearchSettings.nprobe; full dense path latency with that nprobe
        hybrid_times, hybrid_cpu = [], []
        settings = SearchSettings(nprobe=max(nprobe, 1))
        for q, v in zip(asked, queries):
            cleaned = prepare_question(q, engine.max_question_chars)[0]
            t, c = time.perf_counter(), time.process_time()
            engine.ranker.search(cleaned, v, mode="hybrid", k=5, settings=settings)
            hybrid_times.append(1000 * (time.perf_counter() - t))
            hybrid_cpu.append(1000 * (time.process_time() - c))
        out["by_nprobe"][str(nprobe)] = {
            "recall_at_10": round(float(np.mean(strict)), 4),
            "recall_at_10_ties": round(float(np.mean(tied)), 4),
            f"recall_at_10_rerank_top{pool}": round(float(np.mean(reranked)), 4),
            "ann_p50_ms": pct(times, 50),
            "ann_p95_ms": pct(times, 95),
            "hybrid_p50_ms": pct(hybrid_times, 50),
            "hybrid_p95_ms": pct(hybrid_times, 95),
            "hybrid_cpu_p50_ms": pct(hybrid_cpu, 50),
            "hybrid_cpu_p95_ms": pct(hybrid_cpu, 95),
        }
    out["peak_rss_gb"] = round(proc_status("VmHWM"), 3)
    return out


def child_real(corpus: str, index: str) -> dict:
    from qa.engine import build_from_folder, load_encoder

    encoder = load_encoder()
    encoder.encode(["warm up"])
    began = time.perf_counter()
    report = build_from_folder(corpus, index, encoder=encoder)
    seconds = time.perf_counter() - began
    embed_ms = []
    for q in questions(50):  # one question at a time, as `ask` embeds it
        t = time.perf_counter()
        encoder.encode([q])
        embed_ms.append(1000 * (time.perf_counter() - t))
    return {
        "question_embed_p50_ms": pct(embed_ms, 50),
        "question_embed_p95_ms": pct(embed_ms, 95),
        "cpu_s": round(cpu_seconds(), 1),
        "load_avg": os.getloadavg()[0],
        "passages": report.chunks,
        "sentences": report.sentences,
        "seconds": round(seconds, 1),
        "passages_per_s": round(report.chunks / seconds, 2),
        "peak_rss_gb": round(proc_status("VmHWM"), 3),
    }


# ---------------------------------------------------------------- driver


def measure(size: int, args: argparse.Namespace, results: dict) -> dict:
    label = label_of(size)
    where = Path(args.work) / label
    custom = args.ann_threshold != DEFAULT_ANN_THRESHOLD  # a separate index beside the default one
    corpus = where / "corpus"
    index = where / (f"index-ann{args.ann_threshold}" if custom else "index")
    log = where / (f"log-ann{args.ann_threshold}.txt" if custom else "log.txt")
    where.mkdir(parents=True, exist_ok=True)
    key = f"{label} ann_threshold={args.ann_threshold}" if custom else label
    row = results.setdefault(key, {"target_passages": size})
    phases = set(args.phases.split(","))
    if args.rebuild:
        shutil.rmtree(corpus, ignore_errors=True)
        shutil.rmtree(index, ignore_errors=True)
    if "corpus" in phases and not corpus.exists():
        print(f"[{label}] writing corpus to {corpus}", flush=True)
        row["corpus"] = write_corpus(corpus, size)
    if "build" in phases and (args.rebuild or not (index / "current").exists()):
        shutil.rmtree(index, ignore_errors=True)
        print(f"[{label}] building (stand-in encoder, log {log})", flush=True)
        row["build"] = run_child("build", str(corpus), str(index), str(args.ann_threshold), log=log)
        row["build"]["load_avg_after"] = os.getloadavg()[0]
        generation = index / "current"
        row["build"]["disk_gb"] = {
            "generation": round(disk_gb(generation.resolve()), 3),
            "store": round((generation / "store.sqlite").stat().st_size / 1e9, 3),
            "dense": round((generation / "dense.faiss").stat().st_size / 1e9, 3),
            "lexical": round(disk_gb(generation / "lexical"), 3),
            "embedding_cache": round(disk_gb(index / "embeddings"), 3),
        }
        save(args.out, results)
    if "serve" in phases:
        print(f"[{label}] serving", flush=True)
        row["serve"] = run_child("serve", str(index), str(args.questions), log=log)
        save(args.out, results)
    if "recall" in phases:
        print(f"[{label}] ANN recall", flush=True)
        row["recall"] = run_child("recall", str(index), str(args.questions), args.nprobes, log=log)
        save(args.out, results)
    return row


def real_sample(args: argparse.Namespace, results: dict) -> None:
    """The bundled model through build_from_folder on ~args.real_passages generated passages."""
    where = Path(args.work) / "real"
    shutil.rmtree(where, ignore_errors=True)
    where.mkdir(parents=True)
    print(f"[real] writing ~{args.real_passages} passages and building with the bundled model", flush=True)
    write_corpus(where / "corpus", args.real_passages, seed=1)
    results["real_model"] = run_child("real", str(where / "corpus"), str(where / "index"), log=where / "log.txt")
    save(args.out, results)


def save(path: str, results: dict) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


def table(results: dict) -> str:
    """Markdown table. Latencies: wall p50/p95 with FAISS on one thread, and CPU p50/p95 (≈ an idle machine's wall)."""
    head = (
        "| size | passages | dense index | build wall s (CPU s) | build peak RSS GB | disk GB gen + cache | open s | "
        "serve RSS GB | hybrid wall p50/p95 ms, 1 FAISS thread | hybrid wall p50/p95 ms, FAISS default threads | hybrid CPU p50/p95 ms | dense CPU p50/p95 ms | BM25 CPU p50/p95 ms | "
        "ask hybrid CPU p50/p95 ms | recall@10 by nprobe: strict / after re-scoring the pool (hybrid CPU p95 ms) |"
    )
    lines = [head, "|" + "---|" * (head.count("|") - 1)]

    def pair(row: dict, name: str) -> str:
        return f"{row.get(name + '_p50_ms', '')}/{row.get(name + '_p95_ms', '')}" if row else ""

    for label, row in results.items():
        if not isinstance(row, dict) or "target_passages" not in row:
            continue
        b, s, r = row.get("build", {}), row.get("serve", {}), row.get("recall", {})
        disk = b.get("disk_gb", {})
        dense = (s or b).get("dense", {})
        rerank = f"recall_at_10_rerank_top{r.get('pool')}"
        recall = (
            "; ".join(
                f"{p}: {v['recall_at_10']:.3f} / {v.get(rerank, float('nan')):.3f} ({v.get('hybrid_cpu_p95_ms', '')})"
                for p, v in r.get("by_nprobe", {}).items()
            )
            if r.get("nlist")
            else ("exact" if r else "")
        )
        lines.append(
            " | ".join(
                [
                    f"| {label}",
                    str(b.get("passages", "")),
                    str(dense.get("factory", dense.get("type", ""))),
                    f"{b.get('build_s', '')} ({b.get('build_cpu_s', '')})",
                    str(b.get("build_peak_rss_gb", "")),
                    f"{disk.get('generation', '')} + {disk.get('embedding_cache', '')}" if disk else "",
                    str(s.get("open_s", "")),
                    str(s.get("serve_rss_gb", "")),
                    pair(s, "hybrid_1thread"),
                    pair(s, "hybrid"),
                    pair(s, "hybrid_1thread_cpu"),
                    pair(s, "dense_1thread_cpu"),
                    pair(s, "bm25_1thread_cpu"),
                    pair(s, "ask_hybrid_1thread_cpu"),
                    recall,
                ]
            )
            + " |"
        )
    if "real_model" in results:
        real = results["real_model"]
        lines.append(
            f"\nBundled model through build_from_folder: {real['passages']} passages ({real['sentences']} sentences) "
            f"in {real['seconds']} s = {real['passages_per_s']} passages/s (CPU {real.get('cpu_s', '?')} s, "
            f"load {real.get('load_avg', '?')}); one question embedded in {real['question_embed_p50_ms']}/"
            f"{real['question_embed_p95_ms']} ms p50/p95"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10k,100k,1M", help="comma-separated passage counts (10k, 100k, 1M)")
    parser.add_argument("--phases", default=",".join(PHASES), help=f"subset of {','.join(PHASES)}")
    parser.add_argument("--work", default="/tmp/qa-scale", help="scratch folder for corpora and indexes")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "scale.json"))
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--nprobes", default="32,64,128,256,512,1024")
    parser.add_argument(
        "--ann-threshold",
        type=int,
        default=DEFAULT_ANN_THRESHOLD,
        help="BuildConfig.ann_threshold; another value builds a separate index (e.g. to force IVF)",
    )
    parser.add_argument("--real-passages", type=int, default=200)
    parser.add_argument("--rebuild", action="store_true", help="write corpora and indexes again")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        result = {
            "build": lambda: child_build(rest[0], rest[1], int(rest[2])),
            "serve": lambda: child_serve(rest[0], int(rest[1])),
            "recall": lambda: child_recall(rest[0], int(rest[1]), rest[2]),
            "real": lambda: child_real(rest[0], rest[1]),
        }[kind]()
        print(json.dumps(result))
        return
    results = json.loads(Path(args.out).read_text()) if Path(args.out).exists() else {}
    results["machine"] = {"cpus": os.cpu_count(), "load_avg": os.getloadavg(), "python": sys.version.split()[0]}
    for size in [size_of(s) for s in args.sizes.split(",") if s.strip()]:
        measure(size, args, results)
    if "real" in args.phases.split(","):
        real_sample(args, results)
    print(table(results))
    print("targets at 1M (issue 11):", json.dumps(TARGETS))


if __name__ == "__main__":
    main()
