"""One changed file in a large index: what the update costs (issue 11). Uses scale.py's stand-in encoder.

    .venv/bin/python benchmarks/update.py --corpus /tmp/qa-scale/100k/corpus --index /tmp/qa-scale/100k/index
        [--updates 3] [--out benchmarks/results/update.json]

The index must have been built from the corpus with the stand-in encoder (`benchmarks/scale.py --phases
corpus,build`). Each update appends a paragraph to one file (a different file each time), runs `build_folder`
in a fresh process and reports wall and CPU seconds, files read, passages embedded and removed, and the bytes
the build wrote (files of the new generation not shared by hard link with the previous one), next to the size
of the store a copy-based update would have copied. The appended paragraphs are removed again at the end (one
more update, also reported).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def child(corpus: str, index: str) -> dict:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    sys.path.insert(0, str(ROOT))
    from scale import HashedWordEncoder

    from qa.index.build import build_folder
    from qa.index.config import BuildConfig
    from qa.index.open import current_generation, read_manifest

    encoder = HashedWordEncoder()
    config = BuildConfig.from_json(read_manifest(Path(index))["config"])
    before = current_generation(Path(index))
    began, cpu = time.perf_counter(), time.process_time()
    report = build_folder(corpus, index, encoder, config)
    out = {
        "wall_s": round(time.perf_counter() - began, 2),
        "cpu_s": round(time.process_time() - cpu, 2),
        "read": report.read,
        "embedded": report.embedded,
        "removed": report.removed,
        "passages": report.chunks,
    }
    shared = {(p.stat().st_ino) for p in before.rglob("*") if p.is_file()} if before else set()
    files = [p for p in report.path.rglob("*") if p.is_file()]
    out["written_mb"] = round(sum(p.stat().st_size for p in files if p.stat().st_ino not in shared) / 1e6, 1)
    out["written"] = {
        p.name: round(p.stat().st_size / 1e6, 1)
        for p in files
        if p.stat().st_ino not in shared and p.stat().st_size > 1e6
    }
    out["store_mb"] = round((report.path / "store.sqlite").stat().st_size / 1e6, 1)
    return out


def run_child(corpus: Path, index: Path) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(corpus), str(index)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    if out.returncode != 0:
        raise SystemExit(out.stderr[-2000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path)
    parser.add_argument("--index", type=Path)
    parser.add_argument("--updates", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "update.json")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        print(json.dumps(child(*options.child)))
        return
    files = sorted(options.corpus.rglob("*.txt"))
    chosen = [files[(i * len(files)) // max(options.updates, 1)] for i in range(options.updates)]
    originals = {path: path.read_text(encoding="utf-8") for path in chosen}
    rows = []
    try:
        for number, path in enumerate(chosen):
            path.write_text(
                originals[path] + f"\n\nAn added paragraph, number {number}, about quinces and lanterns.\n",
                encoding="utf-8",
            )
            rows.append({"update": f"append to {path.name}", **run_child(options.corpus, options.index)})
            print(json.dumps(rows[-1]), flush=True)
    finally:
        for path, text in originals.items():
            path.write_text(text, encoding="utf-8")
    rows.append({"update": f"restore {len(chosen)} files", **run_child(options.corpus, options.index)})
    print(json.dumps(rows[-1]))
    print(f"load average {os.getloadavg()}")
    options.out.parent.mkdir(parents=True, exist_ok=True)
    options.out.write_text(json.dumps(rows, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
