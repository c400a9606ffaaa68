"""Rich Text Format (.rtf) with striprtf (BSD-3-Clause, one pure-Python file): the text, one paragraph per line.

striprtf drops control words, font tables and pictures, decodes `\\'xx` escapes with the file's code page and
`\\u` escapes, and writes a table row as cells ended by `|`; such a line becomes a `| a | b |` row here. RTF is
7-bit text; stray 8-bit bytes are read as UTF-8 when they are valid UTF-8, else as Windows-1252.
"""

from __future__ import annotations

from . import Extracted
from .blocks import Writer


def check_rtf(data: bytes) -> str:
    """The file as text, after refusing bytes that are not RTF (NUL bytes, no `{\\rtf` at the start)."""
    if b"\x00" in data[:8192]:
        raise ValueError("binary file (contains NUL bytes)")
    try:
        source = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        source = data.decode("cp1252", errors="replace")
    if not source.lstrip().startswith("{\\rtf"):
        raise ValueError("not an RTF file (it does not start with {\\rtf); rename it to its real type")
    return source


def extract_rtf(data: bytes) -> Extracted:
    from striprtf.striprtf import rtf_to_text

    source = check_rtf(data)
    try:
        text = rtf_to_text(source, errors="replace")
    except (LookupError, ValueError, IndexError) as exc:  # an unknown code page, a damaged escape
        raise ValueError(
            f"corrupt RTF ({type(exc).__name__}: {str(exc)[:80]}); re-save it from the word processor"
        ) from None
    out = Writer()
    for line in text.splitlines():
        if line.rstrip().endswith("|"):
            out.row(line.rstrip().rstrip("|").split("|"))
        else:
            out.end_run()
            out.paragraph(line)
    return Extracted(out.text)
