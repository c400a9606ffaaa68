"""A PDF page as a PNG with the answer sentence marked where it stands on the page.

pypdfium2 renders the page and lists its characters with their boxes. The sentence is found on that text
layer by comparing letters and digits only (case-folded, NFKC: ligatures, hyphenation at line ends, spacing
and line breaks differ between the page and the extracted text), and each matched line gets a translucent box.
"""

from __future__ import annotations

import io
import threading
import unicodedata
from collections import OrderedDict
from pathlib import Path

from ..errors import QAError

RENDER_SCALE = 1.5  # 108 dpi: legible, a few hundred KB per page
MAX_SENTENCE_CHARS = 2000
CACHE_PAGES = 32
HIGHLIGHT = (255, 200, 0, 90)
OUTLINE = (214, 140, 0, 200)

_cache: OrderedDict[tuple, bytes] = OrderedDict()
_cache_lock = threading.Lock()
_pdfium_lock = threading.Lock()  # pdfium is not thread-safe


def folded(text: str) -> list[tuple[str, int]]:
    """(character, position in `text`) for each letter or digit of `text`, NFKC-normalized and case-folded."""
    out: list[tuple[str, int]] = []
    for i, ch in enumerate(text):
        for c in unicodedata.normalize("NFKC", ch).casefold():
            if c.isalnum():
                out.append((c, i))
    return out


def find_span(page_chars: str, sentence: str) -> list[int]:
    """Positions in `page_chars` of the characters that spell `sentence` (letters and digits compared), or []."""
    hay = folded(page_chars)
    needle = "".join(c for c, _ in folded(sentence))
    if not needle:
        return []
    at = "".join(c for c, _ in hay).find(needle)
    if at < 0:
        return []
    first, last = hay[at][1], hay[at + len(needle) - 1][1]
    return list(range(first, last + 1))


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
                line[0], line[1], line[2], line[3] = min(line[0], left), min(line[1], bottom), max(line[2], right), max(line[3], top)
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


def render_page(path: Path, page_number: int, sentence: str = "", scale: float = RENDER_SCALE) -> bytes:
    """PNG bytes of page `page_number` (1-based) of the PDF at `path`, with `sentence` boxed when found."""
    import pypdfium2 as pdfium
    from PIL import Image, ImageDraw

    sentence = sentence[:MAX_SENTENCE_CHARS]
    with _pdfium_lock:
        try:
            pdf = pdfium.PdfDocument(str(path))
        except pdfium.PdfiumError as exc:
            raise QAError(f"'{path.name}' cannot be opened as a PDF ({exc})") from None
        try:
            if not 1 <= page_number <= len(pdf):
                raise QAError(f"page {page_number} is outside 1..{len(pdf)} of '{path.name}'")
            page = pdf[page_number - 1]
            image = page.render(scale=scale).to_pil().convert("RGBA")
            boxes = []
            if sentence.strip():
                textpage = page.get_textpage()
                text = _page_chars(textpage)
                boxes = [textpage.get_charbox(i) for i in find_span(text, sentence)]
                textpage.close()
            height = page.get_height()
            page.close()
        finally:
            pdf.close()
    if boxes:
        overlay = image.copy()
        overlay.putalpha(0)
        draw = ImageDraw.Draw(overlay)
        for left, bottom, right, top in line_boxes(boxes):
            xy = (left * scale - 2, (height - top) * scale - 2, right * scale + 2, (height - bottom) * scale + 2)
            draw.rectangle(xy, fill=HIGHLIGHT, outline=OUTLINE, width=2)
        image = Image.alpha_composite(image, overlay)
    out = io.BytesIO()
    image.convert("RGB").save(out, format="PNG", optimize=False)
    return out.getvalue()


def page_png(path: Path, page_number: int, sentence: str = "") -> bytes:
    """`render_page`, cached by file identity (path, size, modification time), page and sentence."""
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns, page_number, sentence[:MAX_SENTENCE_CHARS])
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    png = render_page(path, page_number, sentence)
    with _cache_lock:
        _cache[key] = png
        while len(_cache) > CACHE_PAGES:
            _cache.popitem(last=False)
    return png


def cache_info() -> int:
    """How many rendered pages are cached (for tests and the status line)."""
    with _cache_lock:
        return len(_cache)
