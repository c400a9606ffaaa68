"""A PDF page as a PNG with the answer sentence marked where it stands on the page.

pypdfium2 renders the page and lists its characters with their boxes. The sentence is found on that text
layer by comparing letters and digits only (case-folded, NFKC: ligatures, hyphenation at line ends, spacing
and line breaks differ between the page and the extracted text), and each matched line gets a translucent box (a
sentence that runs on to the next page, as far as this page holds it).
A scanned page (no text layer: the build read it by OCR) gets its text layer from OCR of the same picture the
build read, so the same words come back, each character with its word's box; a page of an image file
(PNG, JPEG, TIFF, WebP, BMP) likewise, shown as the picture OCR read. A PDF or image attached to an e-mail is drawn the same
way from its bytes, read out of the message again (`files.attachment_of`).

A page can be any size (a 1 KB PDF may hold a 5000x5000 pt page), so rendering is bounded: the longest side
of a picture is at most MAX_SIDE_PX (huge pages are scaled down), each page is rendered once and kept in a
small LRU bounded by bytes (the box for a sentence is drawn on a copy), and at most MAX_RENDERS requests
render or draw at a time; the others wait for a slot (RenderBusy after RENDER_WAIT_SECONDS).
"""

from __future__ import annotations

import io
import threading
import unicodedata
from array import array
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import QAError
from ..ingest.extract import kind_of
from ..ingest.extract.image import ocr_frame, open_image, page_count
from ..ingest.extract.ocr import OcrWord, read_image
from ..ingest.extract.pdf import needs_ocr, ocr_render
from .files import attachment_of

RENDER_SCALE = 1.5  # 108 dpi: legible, a few hundred KB per page
MAX_SIDE_PX = 2000  # longest side of a rendered page; larger pages are scaled down to it
MAX_SENTENCE_CHARS = 2000
MAX_PAGE_CHARS = 200_000  # a page with more characters is shown without a box
MAX_RENDERS = 2  # requests rendering or drawing at once
MIN_PART_LETTERS = 20  # the least of a sentence's letters boxed on the page it starts on, when it runs on
RENDER_WAIT_SECONDS = 60.0
PAGE_CACHE_BYTES = 64 * 1024 * 1024  # rendered pages (pixels and character boxes)
PNG_CACHE_BYTES = 16 * 1024 * 1024  # finished pictures, by page and sentence
HIGHLIGHT = (255, 200, 0, 90)
OUTLINE = (214, 140, 0, 200)

_pdfium_lock = threading.Lock()  # pdfium is not thread-safe
_fill_lock = threading.Lock()  # one page render being added to the cache at a time
_render_slots = threading.BoundedSemaphore(MAX_RENDERS)


class RenderBusy(QAError):
    """Every render slot stayed taken for RENDER_WAIT_SECONDS."""


class ByteLRU:
    """A thread-safe LRU of values whose sizes add up to at most `max_bytes` (a value larger than that is not kept)."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any | None:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            self._items.move_to_end(key)
            return item[0]

    def put(self, key: Hashable, value: Any, size: int) -> None:
        with self._lock:
            if key in self._items:
                self._bytes -= self._items.pop(key)[1]
            if size > self.max_bytes:
                return
            self._items[key] = (value, size)
            self._bytes += size
            while self._bytes > self.max_bytes:
                self._bytes -= self._items.popitem(last=False)[1][1]

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    @property
    def bytes(self) -> int:
        with self._lock:
            return self._bytes


@dataclass(frozen=True)
class PageRender:
    """One rendered page: its pixels, the scale used, its height in points, and its text layer (characters and
    their boxes, left-bottom-right-top in points, four numbers per character)."""

    image: Any  # PIL.Image.Image, RGB
    scale: float
    height: float
    chars: str
    boxes: array

    @property
    def nbytes(self) -> int:
        width, height = self.image.size
        return width * height * 3 + len(self.chars) * 4 + self.boxes.itemsize * len(self.boxes) + 512


_pages = ByteLRU(PAGE_CACHE_BYTES)
_pngs = ByteLRU(PNG_CACHE_BYTES)
_counts = {"renders": 0, "active": 0, "peak_active": 0}
_counts_lock = threading.Lock()


def folded(text: str) -> list[tuple[str, int]]:
    """(character, position in `text`) for each letter or digit of `text`, NFKC-normalized and case-folded."""
    out: list[tuple[str, int]] = []
    for i, ch in enumerate(text):
        for c in unicodedata.normalize("NFKC", ch).casefold():
            if c.isalnum():
                out.append((c, i))
    return out


def find_span(page_chars: str, sentence: str) -> list[int]:
    """Positions in `page_chars` of the characters that spell `sentence` (letters and digits compared), or [].
    A sentence that runs on to the next page (the page it starts on is the one cited) is found by its longest
    beginning on this page, `MIN_PART_LETTERS` letters at least (the whole sentence is looked for first: a
    beginning stands for it only where the page does not hold it all)."""
    hay = folded(page_chars)
    needle = "".join(c for c, _ in folded(sentence))
    if not needle:
        return []
    letters = "".join(c for c, _ in hay)
    at, length = letters.find(needle), len(needle)
    if at < 0:
        at, length = longest_beginning(letters, needle)
        if length < MIN_PART_LETTERS:
            return []
    first, last = hay[at][1], hay[at + length - 1][1]
    return list(range(first, last + 1))


def longest_beginning(letters: str, needle: str) -> tuple[int, int]:
    """(where, how long) the longest beginning of `needle` found in `letters` (-1, 0 when none): a binary search,
    since every beginning of a found one is found too."""
    low, high, at = 0, len(needle), -1
    while low < high:
        middle = (low + high + 1) // 2
        found = letters.find(needle[:middle])
        if found >= 0:
            low, at = middle, found
        else:
            high = middle - 1
    return at, low


def line_boxes(boxes: list[tuple[float, float, float, float]]) -> list[tuple[float, float, float, float]]:
    """Merge character boxes (left, bottom, right, top) into one box per line of text."""
    lines: list[list[float]] = []
    for left, bottom, right, top in boxes:
        if right <= left or top <= bottom:
            continue  # spaces and generated characters have no area
        if lines:
            line = lines[-1]
            overlap = min(top, line[3]) - max(bottom, line[1])
            if overlap > 0.5 * min(top - bottom, line[3] - line[1]) and left >= line[0] - 2:
                line[0], line[1], line[2], line[3] = (
                    min(line[0], left),
                    min(line[1], bottom),
                    max(line[2], right),
                    max(line[3], top),
                )
                continue
        lines.append([left, bottom, right, top])
    return [tuple(line) for line in lines]  # type: ignore[misc]


def _page_chars(textpage) -> str:  # type: ignore[no-untyped-def]
    """The page's characters as a string, one per pdfium character index (so positions are char indices)."""
    import pypdfium2.raw as pdfium_c

    chars = []
    for i in range(textpage.count_chars()):
        code = pdfium_c.FPDFText_GetUnicode(textpage, i)
        chars.append(chr(code) if 0 < code < 0x110000 and not 0xD800 <= code < 0xE000 else " ")
    return "".join(chars)


def page_scale(width: float, height: float, scale: float = RENDER_SCALE) -> float:
    """`scale`, lowered so that the longest side of the picture is at most MAX_SIDE_PX (pypdfium2 rounds sizes up)."""
    longest = max(width, height, 1.0)
    return min(scale, (MAX_SIDE_PX - 0.01) / longest)


def _text_layer(textpage) -> tuple[str, array]:  # type: ignore[no-untyped-def]
    """The page's characters and their boxes; none for a page with more than MAX_PAGE_CHARS characters."""
    if textpage.count_chars() > MAX_PAGE_CHARS:
        return "", array("d")
    chars = _page_chars(textpage)
    boxes = array("d")
    for i in range(len(chars)):
        boxes.extend(textpage.get_charbox(i))
    return chars, boxes


def ocr_layer(words: list[OcrWord], pixels_per_point: float, height: float) -> tuple[str, array]:
    """A text layer made of OCR words, as `_text_layer` gives one: the words joined by spaces, each character
    with its word's box turned into points (left, bottom, right, top; y up), each space with an empty box."""
    chars: list[str] = []
    boxes = array("d")
    for word in words:
        if chars:
            chars.append(" ")
            boxes.extend((0.0, 0.0, 0.0, 0.0))
        left, top, right, bottom = (v / pixels_per_point for v in word.box)
        chars.append(word.text)
        boxes.extend((left, height - bottom, right, height - top) * len(word.text))
    return "".join(chars), boxes


def _count_render() -> None:
    with _counts_lock:
        _counts["renders"] += 1


def page_source(path: Path, part: int | None = None) -> tuple[str, Path | bytes]:
    """(file name, what to draw from) for the corpus file at `path`, or for its attachment `part` (an e-mail's PDF
    or image, its bytes read out of the message); QAError when there is no such attachment or it has no pages."""
    if part is None:
        return path.name, path
    name, data = attachment_of(path, part)
    if kind_of(name) not in ("pdf", "image"):
        raise QAError(f"attachment {part} of '{path.name}' ({name}) is not a PDF or an image: it has no page picture")
    return name, data


def _render(name: str, source: Path | bytes, page_number: int, scale: float = RENDER_SCALE) -> PageRender:
    """Render page `page_number` (1-based) of the PDF or image named `name` (a file, or the bytes of an attachment)
    once, at most MAX_SIDE_PX on its longest side. A scanned page's text layer is read by OCR from the picture the
    build read (outside pdfium's lock)."""
    if kind_of(name) == "image":
        return _render_image(name, source if isinstance(source, bytes) else source.read_bytes(), page_number, scale)
    import pypdfium2 as pdfium

    with _pdfium_lock:
        try:
            pdf = pdfium.PdfDocument(source if isinstance(source, bytes) else str(source))
        except pdfium.PdfiumError as exc:
            raise QAError(f"'{name}' cannot be opened as a PDF ({exc})") from None
        try:
            if not 1 <= page_number <= len(pdf):
                raise QAError(f"page {page_number} is outside 1..{len(pdf)} of '{name}'")
            page = pdf[page_number - 1]
            width, height = page.get_size()
            used = page_scale(width, height, scale)
            image = page.render(scale=used).to_pil().convert("RGB")
            textpage = page.get_textpage()
            scan = ocr_render(page) if needs_ocr(page, textpage) else None
            chars, boxes = _text_layer(textpage) if scan is None else ("", array("d"))
            textpage.close()
            page.close()
            _count_render()
        finally:
            pdf.close()
    if scan is not None:
        chars, boxes = ocr_layer(read_image(scan[0]), scan[1], height)
    return PageRender(image, used, height, chars, boxes)


def _render_image(name: str, data: bytes, page_number: int, scale: float) -> PageRender:
    """A page of an image file: the picture OCR read at build time (grey, scaled as then), shown at most
    MAX_SIDE_PX on a side, its text layer read by OCR. Its "points" are that picture's pixels."""
    try:
        image = open_image(data)
        count = page_count(image)
        if not 1 <= page_number <= count:
            raise QAError(f"page {page_number} is outside 1..{count} of '{name}'")
        scan = ocr_frame(image, page_number - 1)
    except (ValueError, OSError) as exc:
        raise QAError(f"'{name}' cannot be read as an image ({str(exc)[:80]})") from None
    used = page_scale(*scan.size, scale=min(scale, 1.0))
    shown = scan.convert("RGB").resize((max(1, round(scan.width * used)), max(1, round(scan.height * used))))
    _count_render()
    chars, boxes = ocr_layer(read_image(scan), 1.0, scan.height)
    return PageRender(shown, used, scan.height, chars, boxes)


def _marked_png(render: PageRender, sentence: str) -> bytes:
    """PNG bytes of the rendered page with `sentence` boxed when found, drawn on a copy (the render stays clean)."""
    from PIL import Image, ImageDraw

    sentence = sentence[:MAX_SENTENCE_CHARS]
    span = find_span(render.chars, sentence) if sentence.strip() else []
    image = render.image
    if span:
        b = render.boxes
        boxes = [(b[4 * i], b[4 * i + 1], b[4 * i + 2], b[4 * i + 3]) for i in span]
        overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
        draw = ImageDraw.Draw(overlay)
        scale, height = render.scale, render.height
        for left, bottom, right, top in line_boxes(boxes):
            xy = (left * scale - 2, (height - top) * scale - 2, right * scale + 2, (height - bottom) * scale + 2)
            draw.rectangle(xy, fill=HIGHLIGHT, outline=OUTLINE, width=2)
        image = Image.alpha_composite(image.convert("RGBA"), overlay).convert("RGB")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()


def render_page(path: Path, page_number: int, sentence: str = "", scale: float = RENDER_SCALE) -> bytes:
    """PNG bytes of page `page_number` (1-based) of the PDF at `path`, with `sentence` boxed when found (not cached)."""
    return _marked_png(_render(path.name, path, page_number, scale), sentence)


def _cached_render(page_key: tuple, path: Path, page_number: int, part: int | None) -> PageRender:
    """The page's render from the cache, else rendered now. One page is filled in at a time (pdfium renders one
    at a time anyway), so requests for the same page arriving together render it once."""
    render = _pages.get(page_key)
    if render is not None:
        return render
    with _fill_lock:
        render = _pages.get(page_key)
        if render is None:
            render = _render(*page_source(path, part), page_number)
            _pages.put(page_key, render, render.nbytes)
    return render


def page_png(path: Path, page_number: int, sentence: str = "", part: int | None = None) -> bytes:
    """`render_page`, cached (of the file's attachment `part`, when given): the page's render by file identity
    (path, size, modification time), attachment and page, the finished picture by page and sentence. At most
    MAX_RENDERS calls render or draw at a time."""
    stat = path.stat()
    page_key = (str(path), stat.st_size, stat.st_mtime_ns, part, page_number)
    png_key = (*page_key, sentence[:MAX_SENTENCE_CHARS])
    png = _pngs.get(png_key)
    if png is not None:
        return png
    if not _render_slots.acquire(timeout=RENDER_WAIT_SECONDS):
        raise RenderBusy(f"page pictures are busy ({MAX_RENDERS} being made); try again in a moment")
    _count_slot(+1)
    try:
        png = _pngs.get(png_key)
        if png is None:
            png = _marked_png(_cached_render(page_key, path, page_number, part), sentence)
            _pngs.put(png_key, png, len(png))
    finally:
        _count_slot(-1)
        _render_slots.release()
    return png


def _count_slot(step: int) -> None:
    """Track how many calls hold a render slot, and the most that ever did (the semaphore's bound, observed)."""
    with _counts_lock:
        _counts["active"] += step
        _counts["peak_active"] = max(_counts["peak_active"], _counts["active"])


def cache_info() -> dict[str, int]:
    """Pages rendered since start, the most calls that held a render slot at once, pages and pictures cached and
    their bytes (for tests and the status line)."""
    with _counts_lock:
        renders, peak = _counts["renders"], _counts["peak_active"]
    return {
        "renders": renders,
        "peak_active": peak,
        "pages": len(_pages),
        "page_bytes": _pages.bytes,
        "pictures": len(_pngs),
        "picture_bytes": _pngs.bytes,
    }


def clear_cache() -> None:
    """Forget every cached render and picture (the render count stays)."""
    _pages.clear()
    _pngs.clear()
