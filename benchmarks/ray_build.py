"""Ray build benchmark: one corpus built locally and through Ray (1 and 2 workers), in one run.

    .venv/bin/python benchmarks/ray_build.py [--beir ../shared/beir/scifact --docs 300] [--out results/ray.json]

Prints, with the bundled model on this machine:

* the local build (no Ray) and Ray builds with 1 and 2 embedding actors on a local Ray of `--cpus` CPUs:
  wall time, passages/s and the overhead over the local build; each into a fresh index, so each embeds all;
* Ray's fixed costs: starting the local runtime, and the per-batch cost measured with a zero-cost encoder
  (whatever a batch costs beyond the model: scheduling, pickling chunks, moving vectors, committing them);
* a check that each Ray index holds the same passages and vectors as the local one.

The corpus is the first `--docs` documents of a BEIR corpus.jsonl (one file each), or `--corpus DIR`.
On 2 cores the aim is low overhead, not speed-up: a worker gets one CPU and one torch thread.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.update(
    HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", HF_HUB_DISABLE_TELEMETRY="1", GRADIO_ANALYTICS_ENABLED="False"
)


class ZeroEncoder:
    """Costs nothing to run: a Ray build with it measures Ray's own per-batch cost (pickled by value to workers)."""

    name = "bundled:all-MiniLM-L6-v2"
    dimension = 384
    max_tokens = 256

    def encode(self, texts: list[str], *, batch_size: int = 64, progress: bool = False) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        out[:, 0] = 1.0
        return out


def make_corpus(args: argparse.Namespace, folder: Path) -> Path:
    if args.corpus:
        return Path(args.corpus)
    folder.mkdir(parents=True)
    with open(Path(args.beir) / "corpus.jsonl", encoding="utf-8") as fh:
        for number, line in enumerate(fh):
            if number >= args.docs:
                break
            doc = json.loads(line)
            text = (f"# {doc['title']}\n\n" if doc.get("title") else "") + doc["text"]
            (folder / f"{number:05d}.md").write_text(text, encoding="utf-8")
    return folder


def vectors(index: Path) -> tuple[list[tuple], np.ndarray]:
    from qa.index.open import open_index

    store = open_index(index).chunks
    rows = store.get_many(store.ids())
    return (
        [(i, r.chunk.doc_id, r.chunk.start, r.chunk.end) for i, r in sorted(rows.items())],
        np.vstack([r.vectors[0] for _, r in sorted(rows.items())]),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--beir", default=str(ROOT.parent / "shared" / "beir" / "scifact"))
    parser.add_argument("--docs", type=int, default=300)
    parser.add_argument("--corpus", default=None, help="A corpus folder instead of BEIR documents.")
    parser.add_argument("--cpus", type=int, default=2, help="CPUs of the local Ray runtime.")
    parser.add_argument("--batch", type=int, default=256, help="Passages per Ray batch.")
    parser.add_argument("--repeat", type=int, default=1, help="Runs of each build (alternating order); medians shown.")
    parser.add_argument("--out", default=None)
    args = parser.parse_args()

    from qa.engine import build_from_folder, load_encoder
    from qa.index.config import BuildConfig

    work = Path(tempfile.mkdtemp(prefix="ray-bench-"))
    try:
        corpus = make_corpus(args, work / "corpus")
        config = BuildConfig()
        encoder = load_encoder(config.model)
        encoder.encode(["warm up the model before timing"] * 16)
        import ray

        began = time.perf_counter()
        ray.init(num_cpus=args.cpus, include_dashboard=False, log_to_driver=False)
        startup = time.perf_counter() - began

        runs: dict[object, list[dict]] = {0: [], 1: [], 2: []}  # 0 = local
        reference = None
        for repeat in range(args.repeat):
            order = [0, 1, 2] if repeat % 2 == 0 else [2, 1, 0]  # alternate, so a drifting load biases all alike
            for workers in order:
                index = work / f"run-{repeat}-{workers}"
                began = time.perf_counter()
                options = {"ray_address": "auto", "ray_workers": workers, "ray_batch": args.batch} if workers else {}
                report = build_from_folder(corpus, index, config, encoder=encoder, **options)
                seconds = time.perf_counter() - began
                built_with = json.loads((index / "current" / "manifest.json").read_text())["built_with"]
                got = vectors(index)
                if workers == 0 and reference is None:
                    reference = got
                runs[workers].append(
                    {"seconds": seconds, "ray_seconds": built_with.get("ray_seconds"), "report": report, "got": got}
                )
                shutil.rmtree(index, ignore_errors=True)
        local = runs[0][0]["report"]
        local_seconds = statistics.median(r["seconds"] for r in runs[0])
        rows = []
        for workers, done in runs.items():
            same = all(
                r["got"][0] == reference[0] and float(np.max(np.abs(r["got"][1] - reference[1]))) <= 1e-3 for r in done
            )
            rows.append(
                {
                    "run": "ray" if workers else "local",
                    "workers": workers or "-",
                    "seconds": statistics.median(r["seconds"] for r in done),
                    "ray_seconds": statistics.median(r["ray_seconds"] for r in done) if workers else None,
                    "passages": done[0]["report"].chunks,
                    "same_as_local": same if workers else "-",
                    "all_seconds": [round(r["seconds"], 2) for r in done],
                }
            )

        zero = ZeroEncoder()
        overhead: dict[int, dict] = {}
        for number, batch in enumerate(
            [max(8, args.batch // 8), args.batch] * 2
        ):  # small, big, small, big: the best of 2
            index = work / f"zero-{number}"
            report = build_from_folder(
                corpus,
                index,
                config,
                encoder=zero,
                ray_address="auto",
                ray_workers=1,
                ray_batch=batch,
                encoder_factory=ZeroEncoder,
            )
            ray_seconds = json.loads((index / "current" / "manifest.json").read_text())["built_with"]["ray_seconds"]
            if batch not in overhead or ray_seconds < overhead[batch]["ray_seconds"]:
                overhead[batch] = {"batches": -(-report.ray_embedded // batch), "ray_seconds": ray_seconds}
        big, small = sorted(overhead, reverse=True)
        extra = overhead[small]["batches"] - overhead[big]["batches"]
        per_batch = (
            (overhead[small]["ray_seconds"] - overhead[big]["ray_seconds"]) / extra if extra > 0 else float("nan")
        )
        fixed = overhead[big]["ray_seconds"] - per_batch * overhead[big]["batches"]
        ray.shutdown()
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(
        f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; median of {args.repeat} run(s) each"
    )
    print(
        f"corpus: {args.corpus or f'{args.docs} documents of {args.beir}'}; {local.chunks} passages, "
        f"{local.sentences} sentences; local Ray with {args.cpus} CPUs; batch {args.batch} passages"
    )
    print(f"{'build':<16}{'wall s':>9}{'Ray phase s':>13}{'passages/s':>12}{'vs local':>10}  same as local")
    for row in rows:
        label = (
            "local" if row["run"] == "local" else f"ray, {row['workers']} worker{'s' if row['workers'] != 1 else ''}"
        )
        ray_s = f"{row['ray_seconds']:.1f}" if row["ray_seconds"] is not None else "-"
        print(
            f"{label:<16}{row['seconds']:>9.1f}{ray_s:>13}{row['passages'] / row['seconds']:>12.1f}"
            f"{row['seconds'] / local_seconds:>9.2f}x  {row.get('same_as_local', '-')}"
        )
    print(f"Ray start-up (local runtime, ray.init): {startup:.1f} s")
    print(
        f"Ray per-batch cost (zero-cost model, 1 worker): {per_batch * 1000:.0f} ms/batch; the rest of its Ray "
        f"phase (workers starting, reading and chunking, stored keys): {fixed:.1f} s; runs: {overhead}"
    )
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(
            json.dumps(
                {
                    "rows": rows,
                    "load_average": os.getloadavg(),
                    "startup_seconds": startup,
                    "per_batch_seconds": per_batch,
                    "fixed_seconds": fixed,
                    "zero_runs": overhead,
                },
                indent=2,
            )
        )


if __name__ == "__main__":
    main()
