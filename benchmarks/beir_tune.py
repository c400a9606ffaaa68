"""Choose a BEIR dataset's hybrid search settings on its own train (or dev) split, then report test.

    python benchmarks/beir_tune.py [DIR]            # build/reuse index/beir-<name>/, tune, save, run test per mode
    python benchmarks/beir_tune.py DIR --no-test    # tune and save only
    python benchmarks/beir_tune.py DIR --split dev  # tune on another split (never the one reported)

Every grid point is scored by `qa.evaluate.beir.evaluate_beir`, i.e. through `Engine.search`, the ranking path of
`qa ask`; the only cache is the question vectors (`Engine.question_vector`, computed once). The grid is
`qa.evaluate.beir_settings.TUNING_AXES`, walked by coordinate ascent from the engine's general defaults. The choice is saved
beside the index (`index/beir-<name>/beir-settings.json`), where `qa eval --beir` reads it. The test split
is then run once per mode with `qa eval --beir DIR --split test --json` (the CLI, as a user would).
Results (git-ignored): benchmarks/results/beir-<name>.json. The dataset itself stays outside the repository.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa.evaluate.beir import build_or_open_beir_index, default_index_dir, load_beir  # noqa: E402
from qa.evaluate.beir_settings import tuning_split  # noqa: E402
from qa.evaluate.beir_tune import tune_beir  # noqa: E402
from qa.index.config import BuildConfig  # noqa: E402
from qa.process import configure_runtime  # noqa: E402
from qa.search.retrieve import SearchSettings  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
# the `qa` command must import this checkout's package, whatever the venv's install points at
ENV = {
    **os.environ,
    "HF_HUB_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
}


def cli_runs(beir_dir: Path, split: str) -> list[dict]:
    """`qa eval --beir DIR --split SPLIT --mode M --json` per mode, timed."""
    qa = Path(sys.executable).with_name("qa")
    runs = []
    for mode in ("hybrid", "dense", "bm25"):
        began = time.perf_counter()
        done = subprocess.run(
            [str(qa), "eval", "--beir", str(beir_dir), "--split", split, "--mode", mode, "--json"],
            cwd=ROOT,
            env=ENV,
            capture_output=True,
            text=True,
            check=True,
        )
        result = {**json.loads(done.stdout), "wall_seconds": round(time.perf_counter() - began, 1)}
        runs.append(result)
        print(
            f"{mode:7} nDCG@10 {result['ndcg@10']:.4f} MRR@10 {result['mrr@10']:.4f} R@10 {result['recall@10']:.4f} "
            f"R@100 {result['recall@100']:.4f}  ({result['wall_seconds']} s; settings {result['settings_from']})",
            flush=True,
        )
    return runs


def main() -> None:
    configure_runtime()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "beir_dir", nargs="?", type=Path, default=Path(os.environ.get("BEIR_SCIFACT", "/work/shared/beir/scifact"))
    )
    parser.add_argument("--split", default=None, help="split to tune on (default: train, else dev)")
    parser.add_argument("--report", default="test", help="split to report once after tuning")
    parser.add_argument("--no-test", action="store_true", help="tune and save only")
    args = parser.parse_args()

    dataset = load_beir(args.beir_dir)
    split = args.split or tuning_split(dataset)
    if split is None:
        raise SystemExit(f"{args.beir_dir} has no train or dev qrels: `qa eval --beir` uses the general defaults")
    if split == args.report:
        raise SystemExit(f"tuning on '{split}' and reporting '{split}' would report a tuned-on split; pick another")
    config = BuildConfig()  # what `qa eval --beir` builds with
    index_dir = default_index_dir(dataset, ROOT / "index")
    began = time.perf_counter()
    engine = build_or_open_beir_index(
        dataset, index_dir, config, on_progress=lambda f, m: print(f"  build {f:5.1%} {m}", flush=True)
    )
    print(f"index {index_dir}: {len(engine.index.chunks)} passages ({time.perf_counter() - began:.0f} s)", flush=True)

    def on_point(settings: SearchSettings, score: float) -> None:
        print(f"  {split} nDCG@10 {score:.4f}  {asdict(settings)}", flush=True)

    began = time.perf_counter()
    best, rows, path = tune_beir(engine, dataset, split, index_dir, config, on_point=on_point)
    print(
        f"chosen on {split} ({len(rows)} points, {time.perf_counter() - began:.0f} s): {asdict(best)} -> {path}",
        flush=True,
    )
    out: dict = {"dataset": dataset.name, "tuned_on": split, "settings": asdict(best), "grid": rows}
    if not args.no_test:
        out["runs"] = cli_runs(args.beir_dir, args.report)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"beir-{dataset.name}.json").write_text(json.dumps(out, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
