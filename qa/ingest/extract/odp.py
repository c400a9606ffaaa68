"""OpenDocument presentations (.odp) read from their content.xml with lxml: one page per slide, as for PowerPoint,
so a passage cites "page N" for slide N.

Each slide starts with its title frame's text as a heading ("Slide N" when it has none); its other frames follow
in reading order (top to bottom, then left to right, by their `svg:y`/`svg:x`), groups read where they stand;
a frame's paragraphs, lists and tables are written as in a text document (`odt.write_blocks`: an outline's items
at their depth). The speaker notes follow under a "Notes" heading. Page numbers, dates, headers and footers
(the same on every slide) and pictures are left out.
"""

from __future__ import annotations

import re

from . import Extracted, untitled_slide_heading
from .blocks import Writer, clean, name_title
from .odt import EmbeddedCharts, cell_text, document_title, open_body, write_blocks

_DRAW = "{urn:oasis:names:tc:opendocument:xmlns:drawing:1.0}"
_PRESENTATION = "{urn:oasis:names:tc:opendocument:xmlns:presentation:1.0}"
_SVG = "{urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0}"
_CLASS = f"{_PRESENTATION}class"
_REPEATED = ("page-number", "date-time", "header", "footer", "page")  # the same on every slide, or a thumbnail
_SHAPES = {f"{_DRAW}{n}" for n in ("frame", "custom-shape", "rect", "ellipse", "polygon", "path", "line", "connector")}
_LENGTH = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*(cm|mm|in|pt|pc|px)?\s*$")
_TO_CM = {"cm": 1.0, "mm": 0.1, "in": 2.54, "pt": 2.54 / 72, "pc": 2.54 / 6, "px": 2.54 / 96, None: 1.0}


def extract_odp(data: bytes, name: str = "") -> Extracted:
    archive, _, body = open_body(data, "odp", "presentation")
    charts = EmbeddedCharts(archive, "ODP")
    out = Writer()
    starts: list[int] = []
    first_title = ""
    for number, slide in enumerate(body.findall(f"{_DRAW}page"), 1):
        out.end_run()
        starts.append(out.mark())
        title = _slide(slide, number, out, charts)
        first_title = first_title or title
    return Extracted(out.text, tuple(starts), document_title(archive) or first_title or name_title(name))


def _slide(slide, number: int, out: Writer, charts: EmbeddedCharts) -> str:  # type: ignore[no-untyped-def]
    """Write one slide (title, shapes in reading order, notes); returns its title ("" when it has none)."""
    title_frame = next((f for f in slide.iter(f"{_DRAW}frame") if f.get(_CLASS) == "title"), None)
    title = clean(" ".join(cell_text(title_frame).split())) if title_frame is not None else ""
    out.heading(title or untitled_slide_heading(number), 1)
    _shapes(slide, title_frame, out, charts)
    notes = slide.find(f"{_PRESENTATION}notes")
    if notes is not None and any(clean(cell_text(frame)) for frame in notes.iter(f"{_DRAW}frame")):
        out.heading("Notes", 2)
        _shapes(notes, None, out, charts)
    return title


def _shapes(parent, skip, out: Writer, charts: EmbeddedCharts) -> None:  # type: ignore[no-untyped-def]
    """The shapes of a slide (or its notes) in reading order, those in groups where the group stands."""
    levels = [_in_reading_order(parent)]  # groups nest: a stack of their shapes, no recursion
    while levels:
        shape = next(levels[-1], None)
        if shape is None:
            levels.pop()
        elif shape.tag == f"{_DRAW}g":
            levels.append(_in_reading_order(shape))
        elif shape is not skip and shape.get(_CLASS) not in _REPEATED:
            out.end_run()
            write_blocks(shape, out, charts)
            out.end_run()


def _in_reading_order(parent):  # type: ignore[no-untyped-def]
    """The shapes and groups directly inside `parent`, top to bottom, then left to right."""
    shapes = [c for c in parent if c.tag in _SHAPES or c.tag == f"{_DRAW}g"]
    return iter(sorted(shapes, key=_position))


def _position(shape) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """(top, left) in centimetres; a group, which has no position of its own, stands where its first shape does."""
    if shape.tag != f"{_DRAW}g":
        return _cm(shape.get(f"{_SVG}y")), _cm(shape.get(f"{_SVG}x"))
    placed = [(_cm(s.get(f"{_SVG}y")), _cm(s.get(f"{_SVG}x"))) for s in shape.iter() if s.get(f"{_SVG}y") is not None]
    return min(placed, default=(0.0, 0.0))


def _cm(length: str | None) -> float:
    """An ODF length ("2.5cm", "1in", "72pt") in centimetres; 0 when absent or unreadable."""
    found = _LENGTH.match(length or "")
    return float(found.group(1)) * _TO_CM[found.group(2)] if found else 0.0
