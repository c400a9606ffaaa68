"""Tune the engine on BEIR SciFact's TRAIN split, then report TEST once.

    python benchmarks/beir_tune.py                         # everything: builds, train grid, final index, test via the CLI
    python benchmarks/beir_tune.py build --words 250       # one build (resumable: vectors are cached)
    python benchmarks/beir_tune.py explore --words 250 400 # train grid over those builds (built if missing)
    python benchmarks/beir_tune.py refine --words 250 400  # then sentence_dense around each build's best point
    python benchmarks/beir_tune.py show                    # best train rows so far
    python benchmarks/beir_tune.py final                   # best train point -> index/beir-scifact/, checked on train
    python benchmarks/beir_tune.py cli                     # `qa eval --beir ... --split test` per mode -> JSON

Every text embedded is kept in a persistent cache (index/beir-cache/, git-ignored, keyed by the text's
sha256), so builds of different chunkings share sentence vectors and any passage that is the same in both,
and a killed build resumes. A grid point is scored on precomputed (query x passage) matrices: dense scores,
best-sentence similarities and BM25 scores per k1/b (BM25 is re-indexed in memory over the build's
passages, as a build with those k1/b would). `fast_hits` replays `qa.retrieve.Retriever.search` on them,
so a point costs about a second instead of minutes; the best point of every build is re-run through the
engine to confirm the replay (tests/test_beir.py checks it too). The chosen configuration is then built
properly into index/beir-scifact/, which `qa eval --beir` reuses.
Results (git-ignored): benchmarks/results/beir-scifact-train-grid.json (every train row),
beir-scifact-tuning.json (the choice), beir-scifact.json (the CLI's test runs). SciFact stays in /work/shared.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import os
import sys
import tempfile
import time
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa.beir import (  # noqa: E402
    CHUNKS_PER_QUERY,
    DEFAULT_DEPTH,
    BeirDataset,
    build_or_open_beir_index,
    default_index_dir,
    evaluate_beir,
    first_unique,
    load_beir,
    score_run,
)
from qa.chunk import ChunkSettings  # noqa: E402
from qa.config import BuildConfig  # noqa: E402
from qa.retrieve import SearchSettings  # noqa: E402

BEIR_DIR = Path(os.environ.get("BEIR_SCIFACT", "/work/shared/beir/scifact"))
TUNE_ROOT = ROOT / "index" / "beir-tune"
CACHE_DIR = ROOT / "index" / "beir-cache"
RESULTS = ROOT / "benchmarks" / "results"
GRID_FILE = RESULTS / "beir-scifact-train-grid.json"
FINAL_FILE = RESULTS / "beir-scifact-tuning.json"


# ---------------------------------------------------------------- a persistent embedding cache


class CachedEncoder:
    """Wraps an encoder; remembers every vector by sha256(text) in .npz shards (one per encode call)."""

    def __init__(self, inner, folder: Path) -> None:  # type: ignore[no-untyped-def]
        self.inner = inner
        self.name = inner.name
        self.dimension = inner.dimension
        self.max_tokens = inner.max_tokens
        self.folder = folder / hashlib.sha256(inner.name.encode()).hexdigest()[:16]
        self.folder.mkdir(parents=True, exist_ok=True)
        self.vectors: dict[str, np.ndarray] = {}
        self.encoded = 0
        for shard in sorted(self.folder.glob("shard-*.npz")):
            with np.load(shard) as data:
                self.vectors.update(zip(data["keys"].tolist(), data["vectors"]))

    @staticmethod
    def key(text: str) -> str:
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def encode(self, texts: list[str], *, batch_size: int = 64, progress: bool = False) -> np.ndarray:
        keys = [self.key(t) for t in texts]
        missing = list(dict.fromkeys(k for k in keys if k not in self.vectors))
        if missing:
            first = {k: t for k, t in zip(keys, texts)}
            vectors = self.inner.encode([first[k] for k in missing], batch_size=batch_size, progress=progress)
            self.vectors.update(zip(missing, vectors))
            self.encoded += len(missing)
            fd, tmp = tempfile.mkstemp(prefix=".shard-", suffix=".npz", dir=self.folder)
            os.close(fd)
            np.savez(tmp, keys=np.array(missing), vectors=vectors)
            os.replace(tmp, self.folder / f"shard-{time.time_ns()}-{os.getpid()}.npz")
        if not texts:
            return np.zeros((0, self.dimension), np.float32)
        return np.stack([self.vectors[k] for k in keys]).astype(np.float32)


_ENCODER = None


def encoder() -> CachedEncoder:
    global _ENCODER
    if _ENCODER is None:
        from qa.engine import load_encoder

        _ENCODER = CachedEncoder(load_encoder(), CACHE_DIR)
    return _ENCODER


# ---------------------------------------------------------------- builds


def build_config(words: int, sentences: bool = True, k1: float = 1.2, b: float = 0.75) -> BuildConfig:
    return BuildConfig(chunking=ChunkSettings(target_words=words), sentence_vectors=sentences, bm25_k1=k1, bm25_b=b)


def tune_dir(words: int, sentences: bool) -> Path:
    return TUNE_ROOT / f"w{words}{'' if sentences else '-nosv'}"


def build(dataset: BeirDataset, words: int, sentences: bool = True):  # type: ignore[no-untyped-def]
    enc = encoder()
    began = time.perf_counter()
    before = enc.encoded
    last = [0.0]

    def on_progress(fraction: float, message: str) -> None:
        if fraction - last[0] >= 0.05 or fraction >= 1.0 or "embedding" in message:
            last[0] = fraction
            print(f"  [{time.perf_counter() - began:7.1f}s] {fraction:5.1%} {message}", flush=True)

    engine = build_or_open_beir_index(dataset, tune_dir(words, sentences), build_config(words, sentences),
                                      encoder=enc, on_progress=on_progress)
    seconds = time.perf_counter() - began
    info = {"words": words, "sentence_vectors": sentences, "seconds": round(seconds, 1),
            "embedded_now": enc.encoded - before, "chunks": len(engine.index.chunks),
            "manifest_build_seconds": engine.index.manifest.get("build_seconds"),
            "manifest_embedded": engine.index.manifest.get("embedded")}
    print(f"build w{words} sv={sentences}: {info}", flush=True)
    return engine, info


# ---------------------------------------------------------------- fast train exploration


class Precomputed:
    """Every score the retriever would compute, for one build and one split, as (query × chunk) matrices.

    dense[q, c] is the chunk vector · query vector (what FAISS flat IP returns), best_sentence[q, c] the best
    sentence similarity of the chunk (what `Retriever.rescore_by_sentence` uses), bm25(k1, b)[q, c] the
    BM25 score of the chunk with those parameters. `FastRanker` replays `Retriever.search` over them, so a
    grid point costs a second instead of minutes; `check_against_engine` confirms a point equals the engine.
    """

    def __init__(self, dataset: BeirDataset, engine, split: str = "train") -> None:  # type: ignore[no-untyped-def]
        from qa.beir import embed_queries

        self.dataset, self.engine, self.split = dataset, engine, split
        self.qrels = dataset.split(split)
        self.ids = list(self.qrels)
        self.texts = [" ".join(dataset.queries[q].split()) for q in self.ids]
        self.query_vectors = embed_queries(engine, self.texts)
        index = engine.index
        vectors = engine.retriever.vectors
        self.dense = np.ascontiguousarray((vectors @ self.query_vectors.T).T)
        self.chunk_doc = [c.doc_id for c in index.chunks]
        self.best_sentence = None
        if index.sentence_vectors is not None:
            rows = np.asarray(index.sentence_rows)
            counts = np.array([len(c.sentences) for c in index.chunks])
            best = np.empty((len(self.ids), len(index.chunks)), np.float32)
            for i in range(0, len(self.ids), 128):
                sims = index.sentence_vectors @ self.query_vectors[i:i + 128].T  # (sentences, queries)
                best[i:i + 128] = np.maximum.reduceat(sims, rows, axis=0).T
            best[:, counts == 0] = -1.0
            self.best_sentence = best
        self._bm25: dict[tuple[float, float], np.ndarray] = {}
        self._tokens = None
        self.built_bm25 = (index.config.bm25_k1, index.config.bm25_b)

    def bm25(self, k1: float, b: float) -> np.ndarray:
        key = (k1, b)
        if key not in self._bm25:
            from qa.lexical import BM25Index, terms

            if key == self.built_bm25:
                model = self.engine.index.bm25
            else:
                import bm25s

                if self._tokens is None:
                    self._tokens = [terms(c.context_text()) or [""] for c in self.engine.index.chunks]
                raw = bm25s.BM25(k1=k1, b=b, method="lucene")
                raw.index(self._tokens, show_progress=False)
                model = BM25Index(raw)
            self._bm25[key] = np.stack([model.scores(t) for t in self.texts]).astype(np.float32)
        return self._bm25[key]


def _top_rows(scores: np.ndarray, k: int, positive_only: bool = False) -> np.ndarray:
    k = min(k, scores.size)
    rows = np.argpartition(-scores, k - 1)[:k]
    rows = rows[np.argsort(-scores[rows], kind="stable")]
    return rows[scores[rows] > 0] if positive_only else rows


def _minmax(values: np.ndarray) -> np.ndarray:
    low, high = float(values.min()), float(values.max())
    return (values - low) / (high - low) if high > low else np.ones_like(values)


def fast_hits(pre: Precomputed, qi: int, mode: str, settings: SearchSettings, lexical: np.ndarray | None,
              k: int = CHUNKS_PER_QUERY) -> tuple[np.ndarray, np.ndarray]:
    """(chunk rows, scores) best first: `Retriever.search` replayed on the precomputed matrices."""
    dense = pre.dense[qi]
    if mode == "dense":
        rows = _top_rows(dense, k)
        return rows, dense[rows]
    if mode == "bm25":
        rows = _top_rows(lexical, k, positive_only=True)
        return rows, lexical[rows]
    pool = max(settings.candidates, k)
    mix = getattr(settings, "sentence_dense", 0.0) if pre.best_sentence is not None else 0.0
    if mix:  # the passage's dense score mixed with its best sentence's, which also picks the dense candidates
        dense = (1 - mix) * dense + mix * pre.best_sentence[qi]
    dense_rows = _top_rows(dense, pool)
    lexical_rows = _top_rows(lexical, pool, positive_only=True)
    if settings.fusion == "rrf":
        fused: dict[int, float] = {}
        for ranking in (dense_rows, lexical_rows):
            for rank, row in enumerate(ranking.tolist(), start=1):
                fused[row] = fused.get(row, 0.0) + 1.0 / (settings.rrf_k + rank)
        pairs = sorted(fused.items(), key=lambda item: (-item[1], item[0]))
        rows = np.array([p[0] for p in pairs], dtype=np.int64)
        scores = np.array([p[1] for p in pairs])
    else:
        candidates = np.union1d(dense_rows, lexical_rows)
        w = settings.dense_weight
        scores = w * _minmax(dense[candidates].astype(np.float64)) + (1 - w) * _minmax(lexical[candidates].astype(np.float64))
        order = np.argsort(-scores, kind="stable")
        rows, scores = candidates[order], scores[order]
    if settings.sentence_weight and pre.best_sentence is not None:
        rows, scores = rows[:pool], scores[:pool]
        scores = _minmax(scores) + settings.sentence_weight * _minmax(pre.best_sentence[qi, rows].astype(np.float64))
        order = np.argsort(-scores, kind="stable")
        rows, scores = rows[order], scores[order]
    return rows[:k], scores[:k]


def fast_docs(pre: Precomputed, rows: np.ndarray, scores: np.ndarray | None = None, depth: int = DEFAULT_DEPTH,
              doc_sum: float = 0.0) -> list[str]:
    """MaxP: documents in the order of their best passage (as `qa.beir.doc_ranking`); with `doc_sum`, a
    document scores max + doc_sum × (the sum of its other passages' scores among the hits)."""
    if doc_sum and scores is not None:
        best: dict[str, float] = {}
        rest: dict[str, float] = {}
        for row, score in zip(rows.tolist(), scores.tolist()):
            doc = pre.chunk_doc[row]
            if doc in best:
                rest[doc] = rest.get(doc, 0.0) + score
            else:
                best[doc] = score
        total = {doc: value + doc_sum * rest.get(doc, 0.0) for doc, value in best.items()}
        return sorted(total, key=lambda doc: -total[doc])[:depth]
    return first_unique((pre.chunk_doc[row] for row in rows.tolist()), depth)


def fast_eval(pre: Precomputed, mode: str, settings: SearchSettings = SearchSettings(),
              bm25: tuple[float, float] | None = None, *, doc_sum: float = 0.0, return_run: bool = False) -> dict:
    lexical = pre.bm25(*(bm25 or pre.built_bm25)) if mode != "dense" else None
    run = {}
    for qi, query_id in enumerate(pre.ids):
        rows, scores = fast_hits(pre, qi, mode, settings, lexical[qi] if lexical is not None else None)
        run[query_id] = fast_docs(pre, rows, scores, doc_sum=doc_sum)
    result = {key: round(value, 4) if isinstance(value, float) else value for key, value in score_run(run, pre.qrels).items()}
    if return_run:
        result["run"] = run
    return result


def check_against_engine(pre: Precomputed, mode: str, settings: SearchSettings, bm25: tuple[float, float]) -> dict:
    """The same point through the real engine (`qa.beir.evaluate_beir`): must equal `fast_eval`."""
    from qa.lexical import BM25Index

    index = pre.engine.index
    built = index.bm25
    if bm25 != pre.built_bm25:
        import bm25s

        from qa.lexical import terms

        raw = bm25s.BM25(k1=bm25[0], b=bm25[1], method="lucene")
        raw.index([terms(c.context_text()) or [""] for c in index.chunks], show_progress=False)
        index.bm25 = BM25Index(raw)
    try:
        vectors = dict(zip(pre.ids, pre.query_vectors))
        result = evaluate_beir(pre.engine, pre.dataset, pre.split, mode, settings, query_vectors=vectors)
    finally:
        index.bm25 = built
    return {key: round(value, 4) if isinstance(value, float) else value for key, value in result.items()}


BUILDS = (250, 400)  # target_words of the builds explored (400 = whole abstracts but the ~100 longest)
BM25_GRID = [(k1, b) for k1 in (0.3, 0.45, 0.6, 0.9, 1.2) for b in (0.3, 0.5, 0.75, 0.9)]
DENSE_WEIGHTS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7)
RRF_KS = (5, 10, 20, 60)
SENTENCE_WEIGHTS = (0.0, 0.3, 0.6, 0.8, 1.0, 1.2, 1.5, 2.0)
CANDIDATES = (300, 1000)
SENTENCE_DENSE = (0.25, 0.5, 0.75)  # SearchSettings.sentence_dense, tried around each build's best point by `refine`
PROBE = SearchSettings(fusion="blend", dense_weight=0.5, candidates=300, sentence_weight=0.3, sentence_dense=0.0)  # judges BM25 k1/b


def hybrid_grid() -> list[SearchSettings]:
    grid = []
    for candidates, sentence_weight in itertools.product(CANDIDATES, SENTENCE_WEIGHTS):
        grid += [SearchSettings(fusion="blend", dense_weight=w, candidates=candidates, sentence_weight=sentence_weight,
                                sentence_dense=0.0) for w in DENSE_WEIGHTS]
        grid += [SearchSettings(fusion="rrf", rrf_k=k, candidates=candidates, sentence_weight=sentence_weight,
                                sentence_dense=0.0) for k in RRF_KS]
    return grid


def save(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2), encoding="utf-8")
    os.replace(tmp, path)


def row(build_name: str, bm25: tuple[float, float], mode: str, settings: SearchSettings | None, result: dict,
        stage: str) -> dict:
    return {"build": build_name, "bm25_k1": bm25[0], "bm25_b": bm25[1], "mode": mode,
            **({"settings": asdict(settings)} if mode == "hybrid" and settings else {}), **result, "stage": stage}


def explore(dataset: BeirDataset, words_list=BUILDS) -> list[dict]:  # type: ignore[no-untyped-def]
    """Train-split grid per build: BM25 k1/b (judged by BM25 alone and by a probe hybrid), then query-time options."""
    previous = json.loads(GRID_FILE.read_text(encoding="utf-8")) if GRID_FILE.exists() else {}
    names = {f"w{w}" for w in words_list}
    rows: list[dict] = [r for r in previous.get("rows", []) if r["build"] not in names]
    builds: dict[str, dict] = previous.get("builds", {})
    for words in words_list:
        engine, info = build(dataset, words)
        name = f"w{words}"
        builds[name] = info
        began = time.perf_counter()
        pre = Precomputed(dataset, engine, "train")
        print(f"{name}: precomputed train scores in {time.perf_counter() - began:.0f}s", flush=True)
        rows.append(row(name, pre.built_bm25, "dense", None, fast_eval(pre, "dense"), "modes"))
        for bm25 in BM25_GRID:
            rows.append(row(name, bm25, "bm25", None, fast_eval(pre, "bm25", bm25=bm25), "bm25"))
            rows.append(row(name, bm25, "hybrid", PROBE, fast_eval(pre, "hybrid", PROBE, bm25), "bm25"))
        stage = [r for r in rows if r["build"] == name and r["stage"] == "bm25"]
        best_bm25 = max((r for r in stage if r["mode"] == "bm25"), key=lambda r: r["ndcg@10"])
        best_probe = max((r for r in stage if r["mode"] == "hybrid"), key=lambda r: r["ndcg@10"])
        print(f"{name}: best BM25 alone k1={best_bm25['bm25_k1']} b={best_bm25['bm25_b']} {best_bm25['ndcg@10']}; "
              f"in the probe hybrid k1={best_probe['bm25_k1']} b={best_probe['bm25_b']} {best_probe['ndcg@10']}", flush=True)
        for bm25 in dict.fromkeys([(best_probe["bm25_k1"], best_probe["bm25_b"]), (best_bm25["bm25_k1"], best_bm25["bm25_b"])]):
            for settings in hybrid_grid():
                rows.append(row(name, bm25, "hybrid", settings, fast_eval(pre, "hybrid", settings, bm25), "hybrid"))
        top = max((r for r in rows if r["build"] == name and r["mode"] == "hybrid"), key=lambda r: r["ndcg@10"])
        settings = SearchSettings(**top["settings"])
        for bm25 in BM25_GRID:  # k1/b again, under the best query-time settings
            rows.append(row(name, bm25, "hybrid", settings, fast_eval(pre, "hybrid", settings, bm25), "bm25-again"))
        top = max((r for r in rows if r["build"] == name and r["mode"] == "hybrid"), key=lambda r: r["ndcg@10"])
        print(f"{name}: best hybrid {top['ndcg@10']} k1={top['bm25_k1']} b={top['bm25_b']} {top['settings']} "
              f"({time.perf_counter() - began:.0f}s)", flush=True)
        check = check_against_engine(pre, "hybrid", SearchSettings(**top["settings"]), (top["bm25_k1"], top["bm25_b"]))
        print(f"{name}: engine replay of the best point: {check['ndcg@10']} (fast {top['ndcg@10']})", flush=True)
        builds[name]["engine_check"] = {"fast": top["ndcg@10"], "engine": check["ndcg@10"], "seconds": check["seconds"]}
        save(GRID_FILE, {"split": "train", "builds": builds, "rows": rows})
        del pre
    return rows


def refine(dataset: BeirDataset, words_list=BUILDS) -> list[dict]:  # type: ignore[no-untyped-def]
    """Around each build's best point: the dense score mixed with the best sentence's (`sentence_dense`)."""
    grid = json.loads(GRID_FILE.read_text(encoding="utf-8"))
    rows: list[dict] = grid["rows"]
    for words in words_list:
        name = f"w{words}"
        engine, _ = build(dataset, words)
        began = time.perf_counter()
        pre = Precomputed(dataset, engine, "train")
        rows = [r for r in rows if not (r["build"] == name and r["stage"] == "refine")]
        best = max((r for r in rows if r["build"] == name and r["mode"] == "hybrid"), key=lambda r: r["ndcg@10"])
        bm25 = (best["bm25_k1"], best["bm25_b"])
        base = SearchSettings(**best["settings"])
        points = [replace(base, fusion="blend", dense_weight=w, sentence_weight=sw, sentence_dense=sd)
                  for sd in SENTENCE_DENSE for w in (0.2, 0.3, 0.4, 0.5, 0.6, 0.7) for sw in (0.0, 0.3, 0.6, 1.0, 1.5)]
        points += [replace(base, fusion="rrf", rrf_k=k, sentence_weight=sw, sentence_dense=sd)
                   for sd in SENTENCE_DENSE for k in (10, 20, 60) for sw in (0.0, 0.3, 0.6, 1.0)]
        for settings in points:
            rows.append(row(name, bm25, "hybrid", settings, fast_eval(pre, "hybrid", settings, bm25), "refine"))
        top = max((r for r in rows if r["build"] == name and r["mode"] == "hybrid"), key=lambda r: r["ndcg@10"])
        settings = SearchSettings(**top["settings"])
        for k1b in BM25_GRID:  # k1/b again, under the new best
            rows.append(row(name, k1b, "hybrid", settings, fast_eval(pre, "hybrid", settings, k1b), "refine"))
        top = max((r for r in rows if r["build"] == name and r["mode"] == "hybrid"), key=lambda r: r["ndcg@10"])
        check = check_against_engine(pre, "hybrid", SearchSettings(**top["settings"]), (top["bm25_k1"], top["bm25_b"]))
        print(f"{name}: refined best {top['ndcg@10']} (engine replay {check['ndcg@10']}) k1={top['bm25_k1']} "
              f"b={top['bm25_b']} {top['settings']} ({time.perf_counter() - began:.0f}s)", flush=True)
        grid["builds"].setdefault(name, {})["engine_check_refined"] = {"fast": top["ndcg@10"], "engine": check["ndcg@10"]}
        grid["rows"] = rows
        save(GRID_FILE, grid)
    return rows


def best_on_train(rows: list[dict]) -> dict:
    """The hybrid row with the highest train nDCG@10 (ties: the earlier, i.e. simpler, row)."""
    return max((r for r in rows if r["mode"] == "hybrid"), key=lambda r: r["ndcg@10"])


def print_rows(rows: list[dict], n: int = 15) -> None:
    top = sorted((r for r in rows if r["mode"] == "hybrid"), key=lambda r: -r["ndcg@10"])[:n]
    print(f"{'build':6} {'k1':>4} {'b':>5} {'fusion':6} {'w/k':>5} {'cand':>5} {'sent':>5} {'nDCG@10':>8} {'MRR@10':>8} {'R@100':>7}")
    for r in top:
        s = r["settings"]
        wk = s["dense_weight"] if s["fusion"] == "blend" else s["rrf_k"]
        print(f"{r['build']:6} {r['bm25_k1']:4} {r['bm25_b']:5} {s['fusion']:6} {wk:>5} {s['candidates']:>5} "
              f"{s['sentence_weight']:>5} {r['ndcg@10']:8.4f} {r['mrr@10']:8.4f} {r['recall@100']:7.4f}")


def metrics_only(result: dict) -> dict:
    return {k: result[k] for k in ("ndcg@10", "mrr@10", "recall@10", "recall@100", "n", "seconds")}


def final(dataset: BeirDataset, rows: list[dict], builds: dict) -> dict:
    """Build the chosen configuration into index/beir-<name>/ (vectors from the cache) and check it on train.

    The test split is not touched here: `cli` below runs `qa eval --beir ... --split test` once per mode.
    """
    from qa.beir import BEIR_BUILD_CONFIG, BEIR_SEARCH_SETTINGS

    chosen = best_on_train(rows)
    config = build_config(int(chosen["build"][1:]), True, chosen["bm25_k1"], chosen["bm25_b"])
    settings = SearchSettings(**chosen["settings"])
    if (config, settings) != (BEIR_BUILD_CONFIG, BEIR_SEARCH_SETTINGS):
        print("WARNING: qa/beir.py's BEIR_BUILD_CONFIG / BEIR_SEARCH_SETTINGS differ from the train optimum:\n"
              f"  BuildConfig: {config}\n  SearchSettings: {settings}", flush=True)
    began = time.perf_counter()
    engine = build_or_open_beir_index(dataset, default_index_dir(dataset, ROOT / "index"), config, encoder=encoder())
    final_build = time.perf_counter() - began
    train = {}
    for mode in ("bm25", "dense", "hybrid"):
        train[mode] = metrics_only(evaluate_beir(engine, dataset, "train", mode, settings))
    report = {
        "dataset": dataset.name, "tuned_on": "train",
        "build_config": config.to_json(), "search_settings": asdict(settings),
        "chosen_from_train_row": chosen, "train_via_engine": train,
        "builds": builds, "final_index_seconds": round(final_build, 1),
        "index": str(default_index_dir(dataset, ROOT / "index")),
    }
    save(FINAL_FILE, report)
    print(json.dumps(train, indent=1))
    return report


def cli_runs(split: str = "test") -> dict:
    """`qa eval --beir DIR --split SPLIT --mode M --json` for each mode, timed; saved to beir-scifact.json."""
    import subprocess

    qa = Path(sys.executable).with_name("qa")
    out = {"command": f"{qa} eval --beir {BEIR_DIR} --split {split} --mode MODE --json", "runs": []}
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_DISABLE_TELEMETRY": "1"}
    for mode in ("hybrid", "dense", "bm25"):
        began = time.perf_counter()
        done = subprocess.run([str(qa), "eval", "--beir", str(BEIR_DIR), "--split", split, "--mode", mode, "--json"],
                              cwd=ROOT, env=env, capture_output=True, text=True, check=True)
        wall = round(time.perf_counter() - began, 1)
        result = json.loads(done.stdout)
        out["runs"].append({**result, "wall_seconds": wall})
        print(f"{mode:7} nDCG@10 {result['ndcg@10']:.4f} MRR@10 {result['mrr@10']:.4f} R@10 {result['recall@10']:.4f} "
              f"R@100 {result['recall@100']:.4f}  ({wall} s wall)", flush=True)
    if FINAL_FILE.exists():
        out["tuning"] = json.loads(FINAL_FILE.read_text(encoding="utf-8"))
    save(RESULTS / f"beir-{BEIR_DIR.name}.json", out)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command")
    b = sub.add_parser("build")
    b.add_argument("--words", type=int, required=True)
    b.add_argument("--no-sentences", action="store_true")
    e = sub.add_parser("explore")
    e.add_argument("--words", type=int, nargs="*", default=list(BUILDS))
    r = sub.add_parser("refine")
    r.add_argument("--words", type=int, nargs="*", default=list(BUILDS))
    sub.add_parser("show")
    sub.add_parser("final")
    c = sub.add_parser("cli")
    c.add_argument("--split", default="test")
    args = parser.parse_args()
    if args.command == "cli":
        cli_runs(args.split)
        return
    if args.command == "show":
        print_rows(json.loads(GRID_FILE.read_text(encoding="utf-8"))["rows"])
        return
    dataset = load_beir(BEIR_DIR)
    if args.command == "build":
        build(dataset, args.words, not args.no_sentences)
        return
    if args.command == "refine":
        refine(dataset, args.words)
        return
    if args.command in (None, "explore"):
        explore(dataset, args.words if args.command else BUILDS)
        if args.command:
            return
        refine(dataset, BUILDS)
    grid = json.loads(GRID_FILE.read_text(encoding="utf-8"))
    print_rows(grid["rows"])
    final(dataset, grid["rows"], grid.get("builds", {}))
    if args.command is None:
        cli_runs("test")


if __name__ == "__main__":
    main()
