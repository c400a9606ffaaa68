"""Excel workbooks embedded in a slide or a Word document (OLE objects: the page shows a picture of some cells, the
data is the workbook inside the file): read by the workbook readers and written where the object stands, each
sheet's name a paragraph above its table (a heading would put the text after the object under the sheet). Only
workbooks are read, whatever program saved them (an embedded document could embed another, and so on): an object
the workbook readers refuse (a PDF, a Word file, a workbook they cannot read) is left out, its picture being all
the page shows. A Word document with next to no text of its own (a scan pasted in) has its pictures read by OCR
(`write_scans`); slides are not (a title over a screenshot is the usual slide with little text, and OCR of a
screenshot reads noise).
"""

from __future__ import annotations

import re

from .blocks import Writer

_HEADING_MARKS = re.compile(r"^#{1,6} ", re.M)
SCANNED_BELOW_CHARS = 20  # a document with less text than this is a scan pasted in (as pdf.MIN_TEXT_CHARS a page)


def write_workbook(data: bytes, out: Writer) -> None:
    """An embedded object's sheets when it is a workbook (an .xlsx package or an old binary one), as paragraphs and
    tables; nothing for any other object."""
    from . import extract

    kind = "xlsx" if data[:2] == b"PK" else "xls"
    try:
        read = extract(kind, data, f"embedded.{kind}")
    except ValueError:
        return
    out.end_run()
    out.extend(_HEADING_MARKS.sub("", read.text), 1)


def write_scans(pictures: list[bytes], out: Writer) -> list[tuple[int, int]]:
    """Pictures read by OCR, each where it stands in order (a scan pasted into a document that has next to no text
    of its own); returns the stretches of `out`'s text OCR read. A picture OCR reads nothing in (a logo, a photo) or
    cannot decode adds nothing."""
    from . import extract

    spans = []
    for picture in pictures:
        try:
            read = extract("image", picture, "picture")
        except ValueError:
            continue
        out.end_run()
        start = len(out.text)
        out.extend(read.text, 1)
        spans.append((start, len(out.text)))
    return spans
