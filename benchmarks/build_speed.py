"""End-to-end `qa build` speed: this checkout against an older revision of the code, in one run (issue 11).

    .venv/bin/python benchmarks/build_speed.py [--baseline 046160f] [--runtimes onnx-fp32,onnx-int8]
        [--corpora corpus,../shared/qa-sets/squad-public/corpus] [--repeat 2] [--out FILE]

Each build is the real CLI in a fresh process (`qa build --corpus C --index <fresh temp folder>`), so start-up,
model loading, reading, chunking, embedding and writing are all counted; the embedding store lives inside the
index folder, so nothing is reused between builds. The baseline is `git archive <rev> qa` unpacked into a
temporary folder and run the same way with this virtualenv (046160f is the code issue 11 was filed against:
torch, every text embedded in length-sorted batches). ONNX exports are made once, untimed, before the first
build (a one-time cost per machine and model, printed). Builds alternate between baseline and current per repeat;
the table gives the median wall seconds, passages/s and the ratio to the baseline's passages/s on the same corpus.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENV = {
    **os.environ,
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "GRADIO_ANALYTICS_ENABLED": "False",
}
_BUILT = re.compile(r"(\d+) (?:chunks|passages)\b")
_CLI = "import sys; from qa.cli import main; sys.argv = ['qa', *sys.argv[1:]]; sys.exit(main())"


def unpack(rev: str, into: Path) -> Path:
    """The `qa/` package of `rev`, unpacked under `into` (no worktree, nothing in this checkout changes)."""
    archive = subprocess.run(
        ["git", "archive", "--format=tar", rev, "qa"], cwd=ROOT, capture_output=True, check=True
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


def build(code_root: Path, corpus: Path, index: Path, runtime: str | None) -> dict:
    """One `qa build` in a fresh process; wall and CPU seconds of the child and the passages it reports."""
    args = [sys.executable, "-c", _CLI, "build", "--corpus", str(corpus), "--index", str(index)]
    if runtime:
        args += ["--runtime", runtime]
    env = {**ENV, "PYTHONPATH": str(code_root)}
    began = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(args, cwd=code_root, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if out.returncode != 0:
        raise SystemExit(f"build failed ({code_root}, {runtime}): {out.stderr.strip().splitlines()[-1:]}")
    found = _BUILT.findall(out.stdout + out.stderr)
    return {
        "wall_s": round(wall, 2),
        "cpu_s": round((after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime), 2),
        "passages": int(found[-1]) if found else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--baseline", default="046160f")
    parser.add_argument("--runtimes", default="onnx-fp32", help="comma-separated runtimes of the current code to time")
    parser.add_argument("--corpora", default=f"corpus,{ROOT.parent / 'shared' / 'qa-sets' / 'squad-public' / 'corpus'}")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--out", type=Path, default=None)
    options = parser.parse_args()

    corpora = [Path(c) if Path(c).is_absolute() else ROOT / c for c in options.corpora.split(",")]
    labels = {c: c.name if c.name != "corpus" or c.parent == ROOT else c.parent.name for c in corpora}
    runtimes = [r for r in options.runtimes.split(",") if r]
    sys.path.insert(0, str(ROOT))
    from qa.models.onnx_export import export_onnx

    for runtime in runtimes:
        if runtime.startswith("onnx"):
            began = time.perf_counter()
            export_onnx(runtime=runtime)
            print(f"export {runtime}: {time.perf_counter() - began:.1f} s (0 if cached)")
    rows: dict[tuple[str, str], list[dict]] = {}
    with tempfile.TemporaryDirectory(prefix="qa-build-speed-") as tmp:
        base = unpack(options.baseline, Path(tmp) / "baseline")
        variants = [(f"baseline {options.baseline} (torch)", base, None)] + [
            (f"current {r}", ROOT, r) for r in runtimes
        ]
        for repeat in range(options.repeat):
            order = variants if repeat % 2 == 0 else variants[::-1]
            for corpus in corpora:
                for name, code_root, runtime in order:
                    index = Path(tmp) / f"index-{len(rows)}-{repeat}-{time.monotonic_ns()}"
                    result = build(code_root, corpus, index, runtime)
                    rows.setdefault((labels[corpus], name), []).append(result)
                    print(
                        f"  {labels[corpus]:>13} {name:<32} {result['wall_s']:7.1f} s wall {result['cpu_s']:7.1f} s CPU "
                        f"{result['passages']} passages  load {os.getloadavg()[0]:.1f}",
                        flush=True,
                    )
    print(f"\n{'corpus':>13} | {'code':<32} | wall s (median) | CPU s | passages/s | × baseline")
    table = []
    for corpus in corpora:
        baseline_rate = None
        for name, _, _ in variants:
            runs = rows[(labels[corpus], name)]
            wall = statistics.median(r["wall_s"] for r in runs)
            cpu = statistics.median(r["cpu_s"] for r in runs)
            passages = runs[0]["passages"] or 0
            rate = passages / wall if wall else 0.0
            baseline_rate = baseline_rate or rate
            ratio = rate / baseline_rate if baseline_rate else 0.0
            table.append(
                {
                    "corpus": labels[corpus],
                    "code": name,
                    "wall_s": wall,
                    "cpu_s": cpu,
                    "passages": passages,
                    "passages_per_s": round(rate, 2),
                    "ratio": round(ratio, 2),
                    "runs": runs,
                }
            )
            print(f"{labels[corpus]:>13} | {name:<32} | {wall:15.1f} | {cpu:5.1f} | {rate:10.2f} | {ratio:.2f}")
    print(f"load average {os.getloadavg()}, cores {os.cpu_count()}")
    if options.out:
        options.out.parent.mkdir(parents=True, exist_ok=True)
        options.out.write_text(json.dumps(table, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
