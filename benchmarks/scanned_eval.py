"""Accuracy on scanned copies: the gold questions of real PDFs, asked of image-only copies read through OCR.

Each chosen PDF of the documents folder is rendered page by page at `--dpi` and saved as an image-only PDF (no text
layer) under the same relative name in a temporary corpus, so the gold lines of `gold/docs.jsonl` for it apply
unchanged; the copies are indexed (OCR happens in the build) and the questions asked. Prints one JSON object: the
pages, the build's seconds and OCR pages per second, and hit@1/5, page@1, answer@1 for the copies, beside the same
questions asked of the text-layer originals.

    python benchmarks/scanned_eval.py [--docs ../shared/docs] [--files pdf/a.pdf,pdf/b.pdf] [--dpi 150]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa.engine import Engine, build_from_folder, load_encoder  # noqa: E402
from qa.evaluate.gold import evaluate_gold, load_gold  # noqa: E402

DEFAULT_FILES = "pdf/springer_llncsdoc.pdf,pdf/faa_amt_handbook_sample.pdf,pdf/dpr_karpukhin2020_multi-column.pdf"


def scanned_copy(source: Path, target: Path, dpi: int) -> int:
    """Render every page of `source` to an image and save them as one image-only PDF; returns the page count."""
    import pypdfium2

    document = pypdfium2.PdfDocument(str(source))
    images = [document[i].render(scale=dpi / 72).to_pil().convert("RGB") for i in range(len(document))]
    target.parent.mkdir(parents=True, exist_ok=True)
    images[0].save(target, "PDF", resolution=dpi, save_all=True, append_images=images[1:])
    return len(images)


def scores(index: Path, gold: list, encoder) -> dict:  # type: ignore[no-untyped-def]
    with Engine.open(index, encoder=encoder) as engine:
        report = evaluate_gold(engine, gold).to_json()
    keep = ("n", "hit@1", "hit@5", "page@1", "answer@1", "span_f1")
    return {key: report[key] for key in keep if key in report}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", default=str(ROOT.parent / "shared" / "docs"))
    parser.add_argument("--files", default=DEFAULT_FILES)
    parser.add_argument("--dpi", type=int, default=150)
    parser.add_argument("--gold", default=str(ROOT / "gold" / "docs.jsonl"))
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    files = [f.strip() for f in args.files.split(",") if f.strip()]
    gold = [q for q in load_gold(args.gold) if q.doc in files]
    encoder = load_encoder()
    out: dict = {"files": files, "dpi": args.dpi}
    with tempfile.TemporaryDirectory() as tmp:
        scanned, original = Path(tmp) / "scanned", Path(tmp) / "original"
        pages = 0
        for name in files:
            pages += scanned_copy(Path(args.docs) / name, scanned / name, args.dpi)
            (original / name).parent.mkdir(parents=True, exist_ok=True)
            (original / name).write_bytes((Path(args.docs) / name).read_bytes())
        began = time.perf_counter()
        build_from_folder(scanned, Path(tmp) / "index-scanned", encoder=encoder)
        seconds = time.perf_counter() - began
        build_from_folder(original, Path(tmp) / "index-original", encoder=encoder)
        out.update(pages=pages, build_seconds=round(seconds, 1), pages_per_second=round(pages / seconds, 2))
        out["scanned"] = scores(Path(tmp) / "index-scanned", gold, encoder)
        out["original"] = scores(Path(tmp) / "index-original", gold, encoder)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
