"""Ingestion benchmark: per file, what extraction and chunking found and how long they took (no model).

    python benchmarks/ingest.py [FOLDER] [--repeat 3] [--out benchmarks/results/ingest.json]

Per file: kind, pages, characters, passages, headings and table rows in the extracted text, wall and CPU
seconds (the fastest of --repeat runs of read + extract + chunk). Then pages/s over the PDFs with a text layer
(the issue's target is at least 50 pages/s on this machine), per wall second and per CPU second: on a busy
shared machine the wall time is inflated by waiting for a core. Last, one line per format: files, units (PDF
pages, PPTX and ODP slides, XLSX and ODS sheets, EPUB chapters, e-mail messages and attachments: the top-level `# ` sections;
one per file for the other formats), passages, seconds and units per second.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from qa.ingest.chunk import chunk_document  # noqa: E402
from qa.ingest.load import DEFAULT_MAX_FILE_BYTES, iter_corpus_files, read_document  # noqa: E402

_HEADING = re.compile(r"^#{1,6} \S", re.M)
_ROW = re.compile(r"^\| .* \|$", re.M)
_SECTION = re.compile(r"^# \S", re.M)
_UNITS = {
    "pdf": "pages",
    "pptx": "slides",
    "odp": "slides",
    "xlsx": "sheets",
    "ods": "sheets",
    "epub": "chapters",
    "eml": "sections",
}


def units(kind: str, pages: int, text: str) -> int:
    """What a format is made of: its pages (PDF, PPTX), its top-level sections (sheets, chapters, a message and
    its attachments), else 1 (the file)."""
    if kind in ("pdf", "pptx", "odp"):
        return pages
    if kind in _UNITS:
        return len(_SECTION.findall(text))
    return 1


def measure(root: Path, repeat: int) -> list[dict]:
    rows = []
    for doc_id, path in iter_corpus_files(root):
        best, best_cpu, doc, chunks, error = float("inf"), float("inf"), None, [], ""
        for _ in range(repeat):
            start, start_cpu = time.perf_counter(), time.process_time()
            try:
                doc = read_document(root, doc_id, path, max_file_bytes=DEFAULT_MAX_FILE_BYTES)
                chunks = chunk_document(doc)
            except (OSError, ValueError) as exc:
                error = str(exc)
                break
            best = min(best, time.perf_counter() - start)
            best_cpu = min(best_cpu, time.process_time() - start_cpu)
        if doc is None:
            rows.append({"file": doc_id, "error": error})
            continue
        rows.append(
            {
                "file": doc_id,
                "kind": doc.kind,
                "pages": len(doc.pages),
                "units": units(doc.kind, len(doc.pages), doc.text),
                "chars": len(doc.text),
                "passages": len(chunks),
                "headings": len(_HEADING.findall(doc.text)),
                "table_rows": len(_ROW.findall(doc.text)),
                "seconds": round(best, 4),
                "cpu_seconds": round(best_cpu, 4),
            }
        )
    return rows


def format_table(rows: list[dict]) -> str:
    head = f"{'file':<46} {'kind':<5} {'pages':>5} {'chars':>8} {'passages':>8} {'headings':>8} {'table rows':>10} {'seconds':>8} {'cpu s':>7}"
    lines = [head, "-" * len(head)]
    for r in rows:
        if "error" in r:
            lines.append(f"{r['file']:<46} skipped: {r['error']}")
            continue
        lines.append(
            f"{r['file']:<46} {r['kind']:<5} {r['pages'] or '-':>5} {r['chars']:>8,} {r['passages']:>8} "
            f"{r['headings']:>8} {r['table_rows']:>10} {r['seconds']:>8.3f} {r['cpu_seconds']:>7.3f}"
        )
    pdfs = [r for r in rows if r.get("kind") == "pdf"]
    if pdfs:
        pages, seconds = sum(r["pages"] for r in pdfs), sum(r["seconds"] for r in pdfs)
        cpu = sum(r["cpu_seconds"] for r in pdfs)
        lines.append(
            f"\ntext-layer PDFs: {pages} pages in {seconds:.3f} s = {pages / seconds:.0f} pages/s wall, "
            f"{pages / cpu:.0f} pages per CPU second (read + extract + chunk, no model; target >= 50)"
        )
    lines += ["", per_format(rows)]
    lines.append(
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores: wall times on a busy machine "
        "are inflated, CPU seconds much less"
    )
    return "\n".join(lines)


def per_format(rows: list[dict]) -> str:
    """One line per format: files, units (pages, slides, sheets, chapters, ...), passages, seconds, units/s."""
    head = f"{'kind':<5} {'files':>5} {'units':>16} {'passages':>8} {'seconds':>8} {'cpu s':>7} {'units/s':>8} {'per cpu s':>9}"
    lines = [head, "-" * len(head)]
    for kind in sorted({r["kind"] for r in rows if "kind" in r}):
        mine = [r for r in rows if r.get("kind") == kind]
        count = sum(r["units"] for r in mine)
        seconds, cpu = sum(r["seconds"] for r in mine), sum(r["cpu_seconds"] for r in mine)
        label = f"{count} {_UNITS.get(kind, 'files')}"
        lines.append(
            f"{kind:<5} {len(mine):>5} {label:>16} {sum(r['passages'] for r in mine):>8} {seconds:>8.3f} {cpu:>7.3f} "
            f"{count / seconds if seconds else 0:>8.1f} {count / cpu if cpu else 0:>9.1f}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", default="/work/shared/docs", type=Path)
    parser.add_argument("--repeat", type=int, default=3, help="runs per file; the fastest counts")
    parser.add_argument("--out", type=Path, default=None, help="also write the rows as JSON")
    args = parser.parse_args()
    rows = measure(args.folder, max(1, args.repeat))
    print(format_table(rows))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(rows, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
