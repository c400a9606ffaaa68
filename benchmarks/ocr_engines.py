"""OCR engine comparison: word accuracy against the text layer, and pages/s, on pages rendered to images.

    python benchmarks/ocr_engines.py [FOLDER] [--pages 5] [--dpi 150] [--out benchmarks/results/ocr_engines.json]

Pages are taken round-robin from the PDFs in FOLDER (default ../shared/docs/pdf), rendered with pypdfium2 at
--dpi to a greyscale image, and read by each engine that is installed: Tesseract through pytesseract (one
`tesseract` process a page) and through tesserocr (the library in process), and RapidOCR (ONNX models in its
wheel). Accuracy is the share of the text layer's words (letters and digits, case-folded, as a multiset) that
the engine read (recall), and the share of the engine's words that are on the page (precision).
Engines that are not installed are reported as such; nothing is downloaded.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

_WORD = re.compile(r"\w+")


def words(text: str) -> Counter[str]:
    return Counter(w.casefold() for w in _WORD.findall(text))


def pages(folder: Path, count: int, dpi: int) -> list[tuple[str, object, str]]:
    """(label, PIL image, text layer) of `count` pages taken round-robin from the folder's PDFs."""
    import pypdfium2 as pdfium

    pdfs = [pdfium.PdfDocument(str(p)) for p in sorted(folder.glob("*.pdf"))]
    names = sorted(p.name for p in folder.glob("*.pdf"))
    out = []
    number = 0
    while len(out) < count and any(number < len(pdf) for pdf in pdfs):
        for name, pdf in zip(names, pdfs):
            if number < len(pdf) and len(out) < count:
                page = pdf[number]
                text = page.get_textpage().get_text_range()
                if len(text.split()) > 30:  # a page worth reading
                    out.append((f"{name}:{number + 1}", page.render(scale=dpi / 72).to_pil().convert("L"), text))
        number += 1
    return out


def pytesseract_engine(lang: str) -> Callable[[object], str] | None:
    try:
        import pytesseract
    except ImportError:
        return None
    return lambda image: pytesseract.image_to_string(image, lang=lang)


def tesserocr_engine(lang: str) -> Callable[[object], str] | None:
    try:
        import tesserocr
    except ImportError:
        return None
    api = tesserocr.PyTessBaseAPI(path="/usr/share/tesseract-ocr/5/tessdata/", lang=lang)

    def read(image: object) -> str:
        api.SetImage(image)
        return api.GetUTF8Text()

    return read


def rapidocr_engine() -> Callable[[object], str] | None:
    try:
        import numpy as np
        from rapidocr_onnxruntime import RapidOCR
    except ImportError:
        return None
    ocr = RapidOCR()

    def read(image: object) -> str:
        result, _ = ocr(np.asarray(image.convert("RGB")))
        return "\n".join(r[1] for r in result or [])

    return read


def pipeline(sample: list[tuple[str, object, str]], dpi: int) -> dict:
    """The build's own path: the pages saved as an image-only PDF, read by `extract_pdf` (each page rendered at
    OCR_DPI and OCR'd on OCR_THREADS threads)."""
    import io

    from qa.ingest.extract.ocr import OCR_THREADS
    from qa.ingest.extract.pdf import extract_pdf

    buffer = io.BytesIO()
    images = [image.convert("RGB") for _, image, _ in sample]
    images[0].save(buffer, format="PDF", save_all=True, append_images=images[1:], resolution=dpi)
    data = buffer.getvalue()
    extract_pdf(data)  # warm up: each OCR thread loads its engine once
    start, cpu = time.perf_counter(), cpu_seconds()
    extracted = extract_pdf(data)
    wall = time.perf_counter() - start
    ref = sum((words(text) for _, _, text in sample), Counter())
    recall, precision = score(ref, words(extracted.text))
    return {
        "pages_per_second": round(len(sample) / wall, 2),
        "cpu_seconds_per_page": round((cpu_seconds() - cpu) / len(sample), 2),
        "word_recall": round(recall, 3),
        "word_precision": round(precision, 3),
        "threads": OCR_THREADS,
        "ocr_pages": len(extracted.ocr_pages),
    }


def score(reference: Counter[str], found: Counter[str]) -> tuple[float, float]:
    hit = sum((reference & found).values())
    return hit / max(1, sum(reference.values())), hit / max(1, sum(found.values()))


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (pytesseract's `tesseract` processes)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def run(engine: Callable[[object], str], sample: list[tuple[str, object, str]]) -> dict:
    engine(sample[0][1])  # warm up (models loaded, first process started)
    ref, got, per_page = Counter(), Counter(), []
    start, cpu = time.perf_counter(), cpu_seconds()
    for label, image, text in sample:
        read = words(engine(image))
        ref += words(text)
        got += read
        per_page.append({"page": label, "recall": round(score(words(text), read)[0], 3)})
    wall = time.perf_counter() - start
    recall, precision = score(ref, got)
    return {
        "pages_per_second": round(len(sample) / wall, 2),
        "cpu_seconds_per_page": round((cpu_seconds() - cpu) / len(sample), 2),
        "word_recall": round(recall, 3),
        "word_precision": round(precision, 3),
        "pages": per_page,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folder", nargs="?", default="../shared/docs/pdf")
    parser.add_argument("--pages", type=int, default=5)
    parser.add_argument("--dpi", type=int, default=150)
    parser.add_argument("--lang", default="eng+deu")
    parser.add_argument("--out", default="benchmarks/results/ocr_engines.json")
    args = parser.parse_args()
    sample = pages(Path(args.folder), args.pages, args.dpi)
    engines = {
        "tesseract (pytesseract)": lambda: pytesseract_engine(args.lang),
        "tesseract (tesserocr)": lambda: tesserocr_engine(args.lang),
        "rapidocr-onnxruntime": rapidocr_engine,
    }
    report = {}
    for name, make in engines.items():
        engine = make()
        if engine is None:
            print(f"{name:26s} not installed")
            continue
        report[name] = run(engine, sample)
        r = report[name]
        print(
            f"{name:26s} {r['pages_per_second']:6.2f} pages/s  {r['cpu_seconds_per_page']:5.2f} CPU s/page  "
            f"recall {r['word_recall']:.3f}  precision {r['word_precision']:.3f}"
        )
    report["qa extract_pdf"] = pipeline(sample, args.dpi)
    r = report["qa extract_pdf"]
    print(
        f"{'qa extract_pdf (OCR_THREADS)':26s} {r['pages_per_second']:6.2f} pages/s  {r['cpu_seconds_per_page']:5.2f} CPU s/page  "
        f"recall {r['word_recall']:.3f}  precision {r['word_precision']:.3f}  (render + OCR, {r['threads']} threads)"
    )
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"pages": [p[0] for p in sample], "dpi": args.dpi, "engines": report}, indent=1))


if __name__ == "__main__":
    main()
