"""Image files (PNG, JPEG, TIFF, WebP, BMP) read by OCR: each image, or each frame of a multi-page TIFF, is a page.
Only a TIFF's frames are pages: the frames of an animated WebP or a camera's multi-picture JPEG are pictures of one
page (the first is read).

Pillow decodes the image only after its size is checked against MAX_IMAGE_PIXELS (Pillow's own
decompression-bomb limit): a small file that claims a huge picture is refused before it takes the memory.
A picture larger than OCR_MAX_SIDE_PX on a side is scaled down before OCR. The pages are laid out and written
as a scanned PDF's (pdf.py `write_pages`: headings, tables, running headers and footers dropped); their "points"
are the pixels of the picture OCR read, as in the page pictures (qa/web/pageimage.py).
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator
from typing import Any

from . import Extracted
from .ocr import OCR_MAX_SIDE_PX, OcrQueue
from .pdf import Scanned, write_pages

MAX_IMAGE_PIXELS = 89_478_485  # Pillow's default decompression-bomb limit (Image.MAX_IMAGE_PIXELS)
MAX_FRAMES = 2000  # pages of a multi-page TIFF
_RESAVE = "re-save it as PNG, JPEG or TIFF"


def open_image(data: bytes) -> Any:
    """The image, header read (pixels not yet decoded); ValueError for one Pillow cannot read or one too large."""
    from PIL import Image, UnidentifiedImageError

    warnings.filterwarnings("ignore", category=Image.DecompressionBombWarning)  # refused below, in one line
    try:
        image = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError:
        raise ValueError(_too_large("the image")) from None
    except UnidentifiedImageError:
        raise ValueError(f"not a readable image (Pillow does not recognise it); {_RESAVE}") from None
    except OSError as exc:
        raise ValueError(f"not a readable image ({str(exc)[:80]}); {_RESAVE}") from None
    check_pixels(image)
    return image


def check_pixels(image: Any, what: str = "the image") -> None:
    """ValueError when the frame's width × height passes MAX_IMAGE_PIXELS."""
    width, height = image.size
    if width * height > MAX_IMAGE_PIXELS:
        raise ValueError(_too_large(f"{what} ({width}x{height} = {width * height:,} pixels)"))


def _too_large(what: str) -> str:
    return (
        f"{what} is over the {MAX_IMAGE_PIXELS:,}-pixel limit (a decompression bomb, or a scan at too high a "
        "resolution); scale it down, e.g. to 300 dpi"
    )


def page_count(image: Any) -> int:
    """The image's pages: a TIFF's frames, one for any other image (an animation's frames are not pages)."""
    return getattr(image, "n_frames", 1) if image.format == "TIFF" else 1


def frames(image: Any) -> Iterator[Any]:
    """Each page of the image as `ocr_frame` gives it."""
    count = page_count(image)
    if count > MAX_FRAMES:
        raise ValueError(f"the image has {count:,} pages, over the limit of {MAX_FRAMES:,}; split it into files")
    for index in range(count):
        yield ocr_frame(image, index)


def ocr_frame(image: Any, index: int) -> Any:
    """Page `index` (0-based) in grey, scaled down to OCR_MAX_SIDE_PX on its longest side when larger: the
    picture OCR reads (the build and the page pictures alike)."""
    image.seek(index)
    check_pixels(image, f"page {index + 1}")
    page = image.convert("L")
    longest = max(page.size)
    if longest > OCR_MAX_SIDE_PX:
        factor = OCR_MAX_SIDE_PX / longest
        page = page.resize((max(1, round(page.width * factor)), max(1, round(page.height * factor))))
    return page


def extract_image(data: bytes) -> Extracted:
    """The text OCR reads on each page of an image file; ValueError when none is found."""
    from PIL import Image

    image = open_image(data)
    queue = OcrQueue()
    try:
        pending = [(queue.add(page), page.size) for page in frames(image)]
    except (Image.DecompressionBombError, OSError, SyntaxError) as exc:
        raise ValueError(f"the image cannot be decoded ({str(exc)[:80]}); re-save it as PNG, JPEG or TIFF") from None
    pages = [Scanned.read(future.result(), 1.0, *size) for future, size in pending]
    extracted = write_pages(pages, "")
    if not extracted.text.strip():
        detail = f" ({extracted.warnings[0]})" if extracted.warnings else ""
        raise ValueError(f"OCR read no text in the image{detail}; a photo or drawing has nothing to index")
    return extracted
