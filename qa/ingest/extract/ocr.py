"""OCR of page images with Tesseract (through tesserocr, in process): words with their boxes and confidence.

The pure core (`page_confidence`, `confident`) judges Tesseract's words — text, box, block/paragraph/line ids,
the line's box, confidence — and keeps or drops a page; the words are laid out like a text layer's characters by
qa/ingest/extract/ocr_layout.py (OCR'd pages go through pdf.py's layout: headings, tables, running lines). The
thin I/O part (`read_words`, `OcrQueue`) runs the engine on PIL images in OCR_THREADS threads (the
cores this process may use, at most 4: tesserocr releases the GIL while Tesseract works, so two pages are read at
once on two cores), each thread with its own engine, loaded once.

The language models are Debian's (`tesseract-ocr-eng`, `tesseract-ocr-deu`; setup.sh installs them): nothing is
downloaded. QA_OCR_LANG (default `eng+deu`) names the models, as Tesseract spells them; the build and the page
pictures read it alike, so a picture's OCR finds the words the index holds.
"""

from __future__ import annotations

import os
import re
import threading
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

OCR_LANG = os.environ.get("QA_OCR_LANG", "eng+deu")
OCR_DPI = 150  # scanned PDF pages are rendered at this resolution for OCR (README: the engine comparison)
OCR_MAX_SIDE_PX = 5000  # longest side of a picture given to OCR; larger pages and images are scaled down to it
OCR_THREADS = max(1, min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1))
MIN_PAGE_CONFIDENCE = 40.0  # a page read with less mean confidence (0-100) is noise, not text: it is dropped
TESSDATA_DIRS = (
    "/usr/share/tesseract-ocr/5/tessdata",
    "/usr/share/tesseract-ocr/4.00/tessdata",
    "/usr/share/tessdata",
    "/usr/local/share/tessdata",
)
_LANG = re.compile(r"^[A-Za-z_]+(\+[A-Za-z_]+)*$")


@dataclass(frozen=True, slots=True)  # a scanned PDF's pages wait as words until written: kept small
class OcrWord:
    """One word as Tesseract read it: its box (left, top, right, bottom) in pixels of the image read, the ids of
    its block, paragraph and line (counted over the page), its confidence, 0-100, and its line's box (one tuple
    shared by the line's words; None: the union of the line's word boxes stands in)."""

    text: str
    box: tuple[int, int, int, int]
    block: int
    paragraph: int
    line: int
    confidence: float
    line_box: tuple[int, int, int, int] | None = None


def page_confidence(words: list[OcrWord]) -> float:
    """Mean word confidence, weighted by word length (a page of confident short noise is still noise); 0 for none."""
    letters = sum(len(w.text) for w in words)
    return sum(w.confidence * len(w.text) for w in words) / letters if letters else 0.0


def confident(words: list[OcrWord], number: int, warnings: list[str]) -> bool:
    """Whether page `number`'s words are kept: a page read with too little confidence is noise, left out with a
    warning (one line) in `warnings`."""
    confidence = page_confidence(words)
    if words and confidence < MIN_PAGE_CONFIDENCE:
        warnings.append(
            f"page {number}: OCR confidence {confidence:.0f} is below {MIN_PAGE_CONFIDENCE:.0f}, so its text was "
            "left out; scan it again sharper (300 dpi, straight) to index it"
        )
        return False
    return True


# ---------------------------------------------------------------- the engine (I/O)


def tessdata_dir(lang: str = OCR_LANG) -> str:
    """The folder holding every language model `lang` names, or ValueError naming the missing one and the fix."""
    if not _LANG.match(lang):
        raise ValueError(f"QA_OCR_LANG '{lang}' is not a Tesseract language list; use names like eng or eng+deu")
    needed = lang.split("+")
    candidates = [os.environ["TESSDATA_PREFIX"]] if os.environ.get("TESSDATA_PREFIX") else []
    for folder in [*candidates, *TESSDATA_DIRS]:
        if all((Path(folder) / f"{name}.traineddata").is_file() for name in needed):
            return folder
    raise ValueError(
        f"no Tesseract language data for '{lang}' in {', '.join(candidates + list(TESSDATA_DIRS))}; "
        f"install it (apt-get install {' '.join('tesseract-ocr-' + n.lower() for n in needed)}) or set TESSDATA_PREFIX"
    )


_local = threading.local()
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _engine(lang: str) -> Any:
    """This thread's Tesseract for `lang`, loaded on first use (loading the models takes a few tenths of a second)."""
    engines = getattr(_local, "engines", None)
    if engines is None:
        engines = _local.engines = {}
    if lang not in engines:
        import tesserocr

        engines[lang] = tesserocr.PyTessBaseAPI(path=tessdata_dir(lang), lang=lang)
    return engines[lang]


def read_words(image: Any, lang: str = OCR_LANG) -> list[OcrWord]:
    """Every word Tesseract reads on a PIL image, in its reading order (call it from one thread per engine)."""
    from tesserocr import RIL, iterate_level

    api = _engine(lang)
    api.SetImage(image)
    api.Recognize()
    iterator = api.GetIterator()
    words: list[OcrWord] = []
    ids = [-1, -1, -1]  # block, paragraph, line
    line_box = None  # the line's own box: steadier than its words' (LSTM word boxes now and then reach far out)
    if iterator is None:
        return words
    for word in iterate_level(iterator, RIL.WORD):
        for i, level in enumerate((RIL.BLOCK, RIL.PARA, RIL.TEXTLINE)):
            if word.IsAtBeginningOf(level):
                ids[i] += 1
        if word.IsAtBeginningOf(RIL.TEXTLINE):
            line_box = tuple(word.BoundingBox(RIL.TEXTLINE) or ()) or None
        text = (word.GetUTF8Text(RIL.WORD) or "").strip()
        box = word.BoundingBox(RIL.WORD)
        if text and box:
            confidence = float(word.Confidence(RIL.WORD))
            words.append(OcrWord(text, tuple(box), ids[0], ids[1], ids[2], confidence, line_box))
    api.Clear()
    return words


def _executor() -> ThreadPoolExecutor:
    """The OCR threads, shared by the build and the page pictures (so at most OCR_THREADS engines are loaded)."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(OCR_THREADS, thread_name_prefix="qa-ocr")
        return _pool


def read_image(image: Any, lang: str = OCR_LANG) -> list[OcrWord]:
    """`read_words` on one of the OCR threads."""
    return _executor().submit(read_words, image, lang).result()


class OcrQueue:
    """Images handed to the OCR threads as they come, read in the background; at most 2 × OCR_THREADS are held
    waiting or being read (adding one more first waits for the oldest). A missing language fails at creation."""

    def __init__(self, lang: str = OCR_LANG) -> None:
        tessdata_dir(lang)
        self.lang = lang
        self._open: list[Future] = []

    def add(self, image: Any) -> Future:
        """A future of the image's words."""
        self._open = [f for f in self._open if not f.done()]
        if len(self._open) >= 2 * OCR_THREADS:
            wait([self._open.pop(0)])
        future = _executor().submit(read_words, image, self.lang)
        self._open.append(future)
        return future
