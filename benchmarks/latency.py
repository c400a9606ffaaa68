"""Question latency on a built index: warm `Engine.ask` per mode and a cold `qa ask` process (issue 11).

    .venv/bin/python benchmarks/latency.py [--index index] [--gold gold/heldout.jsonl] [--repeat 3]
        [--cold-runs 5] [--out benchmarks/results/latency.json]

Warm: one process opens the index once, asks every gold question once untimed, then `--repeat` times per mode
(k=5, the app's defaults), with and without the reader (interleaved, question by question), timing `Engine.ask`
end to end (question embedding, retrieval, answer sentences, reading, highlights) and, separately, embedding the
question alone. Cold: `qa ask QUESTION --index INDEX` as a new process,
wall time to exit, median of `--cold-runs`, and whether torch got imported (it must not be). Prints p50/p95/mean
per mode and the load average (a busy machine inflates the tails: compare runs taken together).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
ENV = {
    **os.environ,
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "GRADIO_ANALYTICS_ENABLED": "False",
}


def percentiles(seconds: list[float]) -> dict[str, float]:
    ms = np.asarray(seconds) * 1000
    return {
        "p50_ms": round(float(np.percentile(ms, 50)), 1),
        "p95_ms": round(float(np.percentile(ms, 95)), 1),
        "mean_ms": round(float(ms.mean()), 1),
        "n": len(seconds),
    }


def warm(index: Path, questions: list[str], repeat: int) -> dict[str, dict[str, float]]:
    sys.path.insert(0, str(ROOT))
    os.environ.update({k: v for k, v in ENV.items() if k not in os.environ})
    from qa.engine import Engine
    from qa.process import configure_runtime

    configure_runtime()  # BLAS on the calling thread, as every entry point
    from qa.search.retrieve import MODES

    engine = Engine.open(index)
    for question in questions:
        engine.ask(question)
    out: dict[str, dict[str, float]] = {}
    embedding: list[float] = []
    for mode in MODES:
        times: dict[bool, list[float]] = {True: [], False: []}
        for _ in range(repeat):
            for question in questions:
                for reader in (True, False):  # interleaved: the same load for both
                    began = time.perf_counter()
                    engine.ask(question, k=5, mode=mode, reader=reader)
                    times[reader].append(time.perf_counter() - began)
                began = time.perf_counter()
                engine.question_vector(question)
                embedding.append(time.perf_counter() - began)
        out[f"{mode}, reader"] = percentiles(times[True])
        out[f"{mode}, no reader"] = percentiles(times[False])
    out["question embedding alone"] = percentiles(embedding)
    return out


def cold(index: Path, question: str, runs: int) -> dict[str, object]:
    code = (
        "import sys; from qa.cli import main; sys.argv = ['qa', 'ask', sys.argv[1], '--index', sys.argv[2]]\n"
        "try:\n    main()\nfinally:\n    print('TORCH', 'torch' in sys.modules, file=sys.stderr)"
    )
    walls, torch_seen = [], []
    for _ in range(runs):
        began = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-c", code, question, str(index)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            env={**ENV, "PYTHONPATH": str(ROOT)},
        )
        walls.append(time.perf_counter() - began)
        if out.returncode != 0:
            raise SystemExit(f"qa ask failed: {out.stderr.strip().splitlines()[-1:]}")
        torch_seen.append("TORCH True" in out.stderr)
    return {
        "median_s": round(statistics.median(walls), 2),
        "runs": [round(w, 2) for w in walls],
        "torch_imported": any(torch_seen),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--index", type=Path, default=ROOT / "index")
    parser.add_argument("--gold", type=Path, default=ROOT / "gold" / "heldout.jsonl")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cold-runs", type=int, default=5)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "latency.json")
    options = parser.parse_args()
    questions = [
        json.loads(line)["question"] for line in options.gold.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    result = {"index": str(options.index), "gold": str(options.gold), "load_before": os.getloadavg()}
    if options.cold_runs > 0:  # 0: the warm numbers only
        result["cold_qa_ask"] = cold(options.index, questions[0], options.cold_runs)
    result["warm"] = warm(options.index, questions, options.repeat)
    result["load_after"] = os.getloadavg()
    if "cold_qa_ask" in result:
        print(
            f"cold `qa ask`: median {result['cold_qa_ask']['median_s']} s of {options.cold_runs} "
            f"(torch imported: {result['cold_qa_ask']['torch_imported']})"
        )
    print(f"warm Engine.ask, k=5, {len(questions)} questions × {options.repeat}:")
    for name, row in result["warm"].items():
        print(f"  {name:<26} p50 {row['p50_ms']:6.1f} ms  p95 {row['p95_ms']:6.1f} ms  mean {row['mean_ms']:6.1f} ms")
    print(f"load average before {result['load_before'][0]:.1f}, after {result['load_after'][0]:.1f}")
    options.out.parent.mkdir(parents=True, exist_ok=True)
    options.out.write_text(json.dumps(result, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
