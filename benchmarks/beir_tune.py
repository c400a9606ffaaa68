"""Tune the engine on BEIR SciFact's TRAIN split, then report TEST once.

    python benchmarks/beir_tune.py                       # everything: builds, train grid, final test run
    python benchmarks/beir_tune.py build --words 250     # one build (resumable: vectors are cached)
    python benchmarks/beir_tune.py explore               # train grid over the builds that exist
    python benchmarks/beir_tune.py final                 # best train settings -> test table + JSON

Every text embedded is kept in a persistent cache (index/beir-cache/, git-ignored, keyed by the text's
sha256), so builds of different chunkings share sentence vectors and any chunk that is the same in both,
and a killed build resumes. BM25 k1/b are explored by rebuilding only the BM25 index in memory over the
chunks of a build (cheap); the final configuration is then built properly into index/beir-scifact/.
Results: benchmarks/results/beir-scifact.json (git-ignored). SciFact data never leaves /work/shared.
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
    BeirDataset,
    build_or_open_beir_index,
    default_index_dir,
    embed_queries,
    evaluate_beir,
    load_beir,
)
from qa.chunk import ChunkSettings  # noqa: E402
from qa.config import BuildConfig  # noqa: E402
from qa.retrieve import SearchSettings  # noqa: E402

BEIR_DIR = Path(os.environ.get("BEIR_SCIFACT", "/work/shared/beir/scifact"))
TUNE_ROOT = ROOT / "index" / "beir-tune"
CACHE_DIR = ROOT / "index" / "beir-cache"
RESULTS = ROOT / "benchmarks" / "results"
GRID_FILE = RESULTS / "beir-scifact-train-grid.json"
FINAL_FILE = RESULTS / "beir-scifact.json"


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


# ---------------------------------------------------------------- train exploration


class Explorer:
    """One build, its train queries embedded once, BM25 k1/b swappable in memory."""

    def __init__(self, dataset: BeirDataset, engine, split: str = "train") -> None:  # type: ignore[no-untyped-def]
        self.dataset = dataset
        self.engine = engine
        self.split = split
        ids = list(dataset.split(split))
        self.query_vectors = dict(zip(ids, embed_queries(engine, [dataset.queries[q] for q in ids])))
        self.built_bm25 = engine.index.bm25
        self._tokens = None
        self.bm25_params = (engine.index.config.bm25_k1, engine.index.config.bm25_b)

    def set_bm25(self, k1: float, b: float) -> None:
        """Same as BuildConfig(bm25_k1=k1, bm25_b=b) would build (BM25Index.build), without re-embedding."""
        import bm25s

        from qa.lexical import BM25Index, terms

        if (k1, b) == (self.engine.index.config.bm25_k1, self.engine.index.config.bm25_b):
            self.engine.index.bm25 = self.built_bm25
        else:
            if self._tokens is None:
                self._tokens = [terms(c.context_text()) or [""] for c in self.engine.index.chunks]
            model = bm25s.BM25(k1=k1, b=b, method="lucene")
            model.index(self._tokens, show_progress=False)
            self.engine.index.bm25 = BM25Index(model)
        self.bm25_params = (k1, b)

    def run(self, mode: str, settings: SearchSettings = SearchSettings()) -> dict:
        result = evaluate_beir(self.engine, self.dataset, self.split, mode, settings, query_vectors=self.query_vectors)
        return {key: round(value, 4) if isinstance(value, float) else value for key, value in result.items()}


def row(build_name: str, explorer: Explorer, mode: str, settings: SearchSettings, result: dict) -> dict:
    k1, b = explorer.bm25_params
    return {"build": build_name, "bm25_k1": k1, "bm25_b": b, "mode": mode,
            **({"settings": asdict(settings)} if mode == "hybrid" else {}), **result}


BUILDS = (250, 90)          # target_words of the builds explored (150 optional: `build --words 150`)
BM25_GRID = [(k1, b) for k1 in (0.9, 1.2, 1.5) for b in (0.4, 0.75, 0.9)]
DENSE_WEIGHTS = (0.3, 0.4, 0.5, 0.6, 0.7)
RRF_KS = (5, 10, 20, 60)
SENTENCE_WEIGHTS = (0.0, 0.15, 0.3, 0.5, 0.8, 1.2)
CANDIDATES = (300, 1000)


def hybrid_grid() -> list[SearchSettings]:
    grid = []
    for candidates, sentence_weight in itertools.product(CANDIDATES, SENTENCE_WEIGHTS):
        grid += [SearchSettings(fusion="blend", dense_weight=w, candidates=candidates, sentence_weight=sentence_weight)
                 for w in DENSE_WEIGHTS]
        grid += [SearchSettings(fusion="rrf", rrf_k=k, candidates=candidates, sentence_weight=sentence_weight)
                 for k in RRF_KS]
    return grid


def save(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2), encoding="utf-8")
    os.replace(tmp, path)


def explore(dataset: BeirDataset, words_list=BUILDS) -> list[dict]:  # type: ignore[no-untyped-def]
    """Train-split grid per build: BM25 k1/b first (judged by the default hybrid), then the query-time options."""
    rows: list[dict] = []
    builds: dict[str, dict] = {}
    for words in words_list:
        engine, info = build(dataset, words)
        builds[f"w{words}"] = info
        name = f"w{words}"
        ex = Explorer(dataset, engine)
        began = time.perf_counter()
        for k1, b in BM25_GRID:
            ex.set_bm25(k1, b)
            for mode in ("bm25", "hybrid"):
                rows.append({**row(name, ex, mode, SearchSettings(), ex.run(mode)), "stage": "bm25"})
        bm25_rows = [r for r in rows if r["build"] == name and r["stage"] == "bm25" and r["mode"] == "hybrid"]
        best = max(bm25_rows, key=lambda r: r["ndcg@10"])
        ex.set_bm25(best["bm25_k1"], best["bm25_b"])
        rows.append({**row(name, ex, "dense", SearchSettings(), ex.run("dense")), "stage": "modes"})
        rows.append({**row(name, ex, "bm25", SearchSettings(), ex.run("bm25")), "stage": "modes"})
        for settings in hybrid_grid():
            rows.append({**row(name, ex, "hybrid", settings, ex.run("hybrid", settings)), "stage": "hybrid"})
        top = max((r for r in rows if r["build"] == name and r["mode"] == "hybrid"), key=lambda r: r["ndcg@10"])
        print(f"{name}: best BM25 k1={best['bm25_k1']} b={best['bm25_b']}; best hybrid {top['ndcg@10']} "
              f"{top['settings']} ({time.perf_counter() - began:.0f}s)", flush=True)
        save(GRID_FILE, {"split": "train", "builds": builds, "rows": rows})
    return rows


def best_on_train(rows: list[dict]) -> dict:
    """The hybrid row with the highest train nDCG@10 (ties: the earlier, i.e. simpler, row)."""
    hybrid = [r for r in rows if r["mode"] == "hybrid"]
    return max(hybrid, key=lambda r: r["ndcg@10"])


def metrics_only(result: dict) -> dict:
    return {k: result[k] for k in ("ndcg@10", "mrr@10", "recall@10", "recall@100", "n", "seconds")}


def final(dataset: BeirDataset, rows: list[dict], builds: dict) -> dict:
    """Build the chosen configuration into index/beir-<name>/ and report train and test for each mode."""
    chosen = best_on_train(rows)
    words = int(chosen["build"][1:])
    config = build_config(words, True, chosen["bm25_k1"], chosen["bm25_b"])
    settings = SearchSettings(**chosen["settings"])
    began = time.perf_counter()
    engine = build_or_open_beir_index(dataset, default_index_dir(dataset, ROOT / "index"), config, encoder=encoder())
    final_build = time.perf_counter() - began
    table = {}
    for split in ("train", "test"):  # test is run once, here, with settings fixed on train
        ex = Explorer(dataset, engine, split)
        for label, mode, s in (("bm25", "bm25", SearchSettings()), ("dense", "dense", SearchSettings()),
                               ("hybrid (tuned)", "hybrid", settings)):
            table.setdefault(label, {})[split] = metrics_only(ex.run(mode, s))
    report = {
        "dataset": dataset.name, "tuned_on": "train", "reported": "test",
        "build_config": config.to_json(), "search_settings": asdict(settings),
        "chosen_from_train_row": chosen, "table": table,
        "builds": builds, "final_index_seconds": round(final_build, 1),
        "index": str(default_index_dir(dataset, ROOT / "index")),
    }
    save(FINAL_FILE, report)
    print_table(table)
    return report


def print_table(table: dict) -> None:
    print(f"{'mode':16} {'split':6} {'nDCG@10':>8} {'MRR@10':>8} {'R@10':>8} {'R@100':>8}")
    for label, splits in table.items():
        for split, m in splits.items():
            print(f"{label:16} {split:6} {m['ndcg@10']:8.4f} {m['mrr@10']:8.4f} {m['recall@10']:8.4f} {m['recall@100']:8.4f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command")
    b = sub.add_parser("build")
    b.add_argument("--words", type=int, required=True)
    b.add_argument("--no-sentences", action="store_true")
    e = sub.add_parser("explore")
    e.add_argument("--words", type=int, nargs="*", default=list(BUILDS))
    sub.add_parser("final")
    args = parser.parse_args()
    dataset = load_beir(BEIR_DIR)
    if args.command == "build":
        build(dataset, args.words, not args.no_sentences)
        return
    if args.command in (None, "explore"):
        explore(dataset, args.words if args.command else BUILDS)
        if args.command:
            return
    grid = json.loads(GRID_FILE.read_text(encoding="utf-8"))
    final(dataset, grid["rows"], grid.get("builds", {}))


if __name__ == "__main__":
    main()
