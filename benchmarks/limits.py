"""The wall-clock limits the tests used to assert, as numbers (a shared 2-core machine makes a limit in a test
flaky; here they are measured and printed, with the old limit beside them).

    python benchmarks/limits.py [--work DIR]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from conftest import HashEncoder  # noqa: E402

from qa.engine import build_from_folder  # noqa: E402
from qa.index.config import BuildConfig  # noqa: E402
from qa.process import configure_runtime  # noqa: E402

CONFIG = BuildConfig(model="fake:hash")


def timed(label: str, limit: float, build) -> None:  # type: ignore[no-untyped-def]
    began = time.perf_counter()
    build()
    seconds = time.perf_counter() - began
    print(f"{label:<48} {seconds:7.2f} s   (the test's old limit: {limit:.0f} s)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=None)
    args = parser.parse_args()
    configure_runtime()
    work = args.work or Path(tempfile.mkdtemp(prefix="qa-limits-"))
    huge = work / "huge"
    huge.mkdir(parents=True)
    (huge / "a.txt").write_text("The archive was founded in 1921.\n", encoding="utf-8")
    (huge / "b.txt").write_text("The minutes are kept in the basement.\n", encoding="utf-8")
    with (huge / "huge.txt").open("wb") as fh:
        block = b"The archive holds many pages of minutes. " * 25_000
        for _ in range(49):
            fh.write(block)
    timed(
        "build beside a 50 MB file (skipped unread)",
        20,
        lambda: build_from_folder(huge, work / "huge-index", CONFIG, encoder=HashEncoder()),
    )
    notes = work / "notes"
    for i in range(3_000):
        folder = notes / f"part {i // 500}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"note-{i:04d}.txt").write_text(f"Note {i} records item{i} in the register.\n", encoding="utf-8")
    timed(
        "build 3,000 one-line files",
        60,
        lambda: build_from_folder(notes, work / "notes-index", CONFIG, encoder=HashEncoder()),
    )
    long = work / "long"
    long.mkdir()
    (long / "prose.txt").write_text(
        "".join(f"Sentence {i} of the long line mentions code{i} once. " for i in range(6_000)), encoding="utf-8"
    )
    (long / "blob.txt").write_text("A" * 200_000 + " tail-marker", encoding="utf-8")
    timed(
        "build two files of very long lines",
        60,
        lambda: build_from_folder(long, work / "long-index", CONFIG, encoder=HashEncoder()),
    )
    from qa.models.onnx_export import export_onnx

    export_onnx(runtime="onnx-int8")
    timed("find the cached ONNX export again", 2, lambda: export_onnx(runtime="onnx-int8"))
    print(f"(work folder: {work})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
