"""PowerPoint (.pptx) with python-pptx: one page per slide, so a passage cites "page N" for slide N.

Each slide starts with its title as a heading (an untitled slide is headed "Slide N", so its text is not filed
under the slide before). The other shapes follow in reading order, top to bottom, then left to right; shapes
inside groups are read in place (a stack of groups, no recursion). Bulleted paragraphs become list items with
their outline level, tables become `| a | b |` rows, and the speaker notes follow the slide body under a
"Notes" heading. Slide numbers, dates and footers (repeated on every slide) are left out.
"""

from __future__ import annotations

from . import Extracted, untitled_slide_heading
from .archive import as_plain_package, open_package
from .blocks import Writer, clean
from .charts import write_chart
from .diagrams import data_part_id, write_diagram
from .embedded import write_workbook

_A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
_REPEATED = ("SLIDE_NUMBER", "DATE", "FOOTER", "HEADER")  # placeholder types: the same on every slide
_BULLETED = ("BODY", "OBJECT")  # placeholder types whose paragraphs are bullets unless they say otherwise


def extract_pptx(data: bytes) -> Extracted:
    import pptx
    from pptx.exc import PackageNotFoundError

    presentation = open_package(pptx.Presentation, as_plain_package(data, "pptx"), "pptx", (PackageNotFoundError,))
    out = Writer()
    starts: list[int] = []
    first_title = ""
    for number, slide in enumerate(presentation.slides, 1):
        out.end_run()
        starts.append(out.mark())
        title = _slide(slide, number, out)
        first_title = first_title or title
    title = (presentation.core_properties.title or "").strip() or first_title
    return Extracted(out.text, tuple(starts), title)


def _slide(slide, number: int, out: Writer) -> str:  # type: ignore[no-untyped-def]
    """Write one slide (title, shapes in reading order, notes); returns its title ("" when it has none)."""
    title_shape = slide.shapes.title
    if title_shape is not None and not title_shape.has_text_frame:  # a picture in the title's place
        title_shape = None
    title = clean(_paragraph_text(title_shape.text_frame.text)) if title_shape is not None else ""
    out.heading(title or untitled_slide_heading(number), 1)
    _shapes(slide.shapes, title_shape.shape_id if title_shape is not None else None, out)
    if slide.has_notes_slide:
        notes = slide.notes_slide.notes_text_frame
        if notes is not None and notes.text.strip():
            out.heading("Notes", 2)
            _text_frame(notes, out, bulleted=False)
    return title


def _shapes(shapes, skip: int | None, out: Writer) -> None:  # type: ignore[no-untyped-def]
    """The slide's shapes in reading order, those in groups where the group stands (the title, `skip`, left out)."""
    levels = [_in_reading_order(shapes)]  # groups nest: a stack of their shapes, no recursion
    while levels:
        shape = next(levels[-1], None)
        if shape is None:
            levels.pop()
        elif shape.shape_type is not None and shape.shape_type.name == "GROUP":
            levels.append(_in_reading_order(shape.shapes))
        elif shape.shape_id != skip and not _repeated(shape):
            _shape(shape, out)


def _in_reading_order(shapes):  # type: ignore[no-untyped-def]
    """Top to bottom, then left to right (a shape without a position, inherited from nowhere, first)."""
    return iter(sorted(shapes, key=lambda s: (s.top or 0, s.left or 0)))


def _repeated(shape) -> bool:  # type: ignore[no-untyped-def]
    return (
        shape.is_placeholder
        and shape.placeholder_format.type is not None
        and (shape.placeholder_format.type.name in _REPEATED)
    )


def _shape(shape, out: Writer) -> None:  # type: ignore[no-untyped-def]
    if getattr(shape, "has_table", False) and shape.has_table:
        out.end_run()
        for row in shape.table.rows:
            out.row([_paragraph_text(cell.text) for cell in row.cells if not cell.is_spanned])
        out.end_run()
    elif getattr(shape, "has_chart", False) and shape.has_chart:
        write_chart(shape.chart_part.blob, out)
    elif diagram := data_part_id(shape._element):
        write_diagram(shape.part.related_part(diagram).blob, out)
    elif embedded := _embedded(shape):
        write_workbook(embedded, out)
    elif shape.has_text_frame:
        bulleted = shape.is_placeholder and shape.placeholder_format.type is not None
        bulleted = bulleted and shape.placeholder_format.type.name in _BULLETED
        _text_frame(shape.text_frame, out, bulleted)


def _embedded(shape) -> bytes:  # type: ignore[no-untyped-def]
    """The bytes of an object embedded in the shape (an OLE object), b"" for any other shape."""
    if shape.shape_type is None or shape.shape_type.name != "EMBEDDED_OLE_OBJECT":
        return b""
    return shape.ole_format.blob or b""


def _text_frame(frame, out: Writer, bulleted: bool) -> None:  # type: ignore[no-untyped-def]
    """Paragraphs of a text box: bullets (a body placeholder's by default, else those with a bullet character or
    number, or indented) as list items at their level, the rest as paragraphs."""
    for paragraph in frame.paragraphs:
        text = _paragraph_text(paragraph.text)
        p_pr = paragraph._p.pPr
        marks = {child.tag for child in p_pr} if p_pr is not None else set()
        if f"{_A}buNone" in marks:
            is_item = False
        else:
            is_item = bulleted or paragraph.level > 0 or bool(marks & {f"{_A}buChar", f"{_A}buAutoNum"})
        if is_item:
            out.item(text, min(paragraph.level, 4))
        else:
            out.end_run()
            out.paragraph(text)


def _paragraph_text(text: str) -> str:
    """python-pptx writes a line break inside a paragraph as a vertical tab: a space here."""
    return text.replace("\v", " ")
