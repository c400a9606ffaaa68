"""The reading view of a non-PDF document: the text the index stores for it (every passage's offsets point into
it), laid out from its markdown-like shape (`# ` headings, `- ` items, `| a | b |` rows, paragraphs) as escaped
HTML, with the passage marked (`<mark id="passage">`) so the `#passage` fragment scrolls it into view.

Pure functions, no Gradio and no file access: `routes.py` checks the path and reads the text. The page runs no
script and loads nothing: its one stylesheet is inline and allowed by its hash in the page's CSP.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
from dataclasses import dataclass, field
from urllib.parse import quote

from ..errors import QAError

READ_ROUTE = "read"
MAX_VIEW_CHARS = 300_000  # a longer document is shown as a window of about this many characters around the passage
MAX_OFFSET_DIGITS = 12  # an offset with more digits is no offset into a document the index could hold

_MD_HEADING = re.compile(r"^[ \t]*(?P<marks>#{1,6})[ \t]+(?P<text>\S.*?)[ \t#]*$")
_EQ_HEADING = re.compile(r"^[ \t]*(?P<marks>={1,6})[ \t]*(?P<text>[^=\s].*?)[ \t]*(?P=marks)[ \t]*$")
_ITEM = re.compile(r"^(?P<indent>[ \t]*)(?:[-*•–·▪●]|\d{1,3}[.)])[ \t]+(?P<text>\S.*)$")
_ROW = re.compile(r"^[ \t]*\|")
_RULE_ROW = re.compile(r"^[ \t]*\|?(?:[ \t]*:?-+:?[ \t]*\|)+[ \t]*:?-*:?[ \t]*$")  # |---|:--:| under a header
_BLANK = re.compile(r"^\s*$")
_OFFSET = re.compile(r"^[0-9]+$")

STYLE = """
body { font: 16px/1.6 system-ui, sans-serif; color: #1f1f1f; background: #fff; margin: 0; }
header { position: sticky; top: 0; background: #f4f4f5; border-bottom: 1px solid #ddd; padding: 8px 24px;
         display: flex; gap: 16px; align-items: baseline; flex-wrap: wrap; }
.doc { font-family: ui-monospace, monospace; font-weight: 600; }
.window { color: #555; font-size: 0.9em; }
main { max-width: 48em; margin: 0 auto; padding: 16px 24px 60vh; }
p { white-space: pre-wrap; }
h1, h2, h3, h4, h5, h6 { line-height: 1.3; margin: 1.2em 0 0.4em; }
li.depth-1 { margin-left: 1.5em; } li.depth-2 { margin-left: 3em; } li.depth-3 { margin-left: 4.5em; }
table { border-collapse: collapse; margin: 0.6em 0; }
td { border: 1px solid #ccc; padding: 3px 8px; vertical-align: top; }
mark { background: #fff1a8; color: inherit; padding: 1px 0; }
mark#passage { scroll-margin-top: 30vh; }
"""
STYLE_HASH = "sha256-" + base64.b64encode(hashlib.sha256(STYLE.encode("utf-8")).digest()).decode("ascii")
# No script, no frame, no form, nothing fetched but the inline stylesheet (by its hash); a sandboxed document
# (no same-origin access) that may still start the original's download.
CSP = (
    f"default-src 'none'; style-src '{STYLE_HASH}'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'; sandbox allow-downloads"
)


def reading_url(doc: str, start: int, end: int) -> str:
    """Relative URL (from the app's page) of `doc`'s reading view with `[start, end)` marked and scrolled to."""
    return f"{READ_ROUTE}/{quote(doc, safe='/')}?start={start}&end={end}#passage"


def parse_offset(value: object, name: str) -> int:
    """A query's character offset as a whole number, or QAError naming it."""
    text = str(value)
    if not _OFFSET.match(text) or len(text) > MAX_OFFSET_DIGITS:
        raise QAError(
            f"{name}={text[:20]!r} is not a character offset (a whole number of at most {MAX_OFFSET_DIGITS} digits);"
            " open the passage from its card again"
        )
    return int(text)


def check_offsets(start: int, end: int, length: int) -> None:
    """Refuse a passage that is not inside the document's `length` characters (or is empty), in one line."""
    if not 0 <= start < end <= length:
        raise QAError(
            f"passage offsets {start}..{end} are outside the document's {length} characters (0 <= start < end <= "
            f"{length}); open the passage from its card again, the index may have been rebuilt"
        )


def view_window(start: int, end: int, length: int, limit: int = MAX_VIEW_CHARS) -> tuple[int, int]:
    """The part of the text the page shows: all of it when it is short, else about `limit` characters with the
    passage in the middle (the caller cuts the ends back to whole lines)."""
    if length <= limit:
        return 0, length
    room = max(0, limit - (end - start)) // 2
    a = max(0, start - room)
    b = min(length, max(end + room, a + limit))
    return max(0, min(a, b - limit)), b


def whole_lines(text: str, a: int, length: int) -> tuple[str, int]:
    """`text` (the document's part from `a`) cut back to whole lines at an end that is not the document's; returns the
    kept text and where it starts in the document."""
    if a > 0 and "\n" in text:
        cut = text.index("\n") + 1
        text, a = text[cut:], a + cut
    if a + len(text) < length and "\n" in text:
        text = text[: text.rindex("\n")]
    return text, a


@dataclass
class Marker:
    """Marks `[start, end)` (document offsets) wherever it overlaps rendered text; the first mark gets the
    `passage` id the fragment scrolls to."""

    start: int
    end: int
    marks: int = field(default=0)

    def render(self, text: str, at: int) -> str:
        """`text` (found at document offset `at`) escaped, with the marked part inside `<mark>`."""
        a = min(max(self.start - at, 0), len(text))
        b = min(max(self.end - at, 0), len(text))
        if a >= b:
            return html.escape(text, quote=True)
        tag = '<mark id="passage">' if self.marks == 0 else '<mark class="passage">'
        self.marks += 1
        return (
            html.escape(text[:a], quote=True)
            + tag
            + html.escape(text[a:b], quote=True)
            + "</mark>"
            + html.escape(text[b:], quote=True)
        )


def _lines(text: str, at: int) -> list[tuple[int, str]]:
    """(document offset, line) for each line of `text`, which starts at document offset `at`."""
    out = []
    pos = 0
    for line in text.splitlines(keepends=True):
        out.append((at + pos, line.rstrip("\r\n")))
        pos += len(line)
    return out


def _kind(line: str) -> str:
    if _BLANK.match(line):
        return "blank"
    if _MD_HEADING.match(line) or _EQ_HEADING.match(line):
        return "heading"
    if _ITEM.match(line):
        return "item"
    if _ROW.match(line):
        return "row"
    return "text"


def _heading(offset: int, line: str, marker: Marker) -> str:
    match = _MD_HEADING.match(line) or _EQ_HEADING.match(line)
    assert match is not None  # _kind said so
    level = min(len(match.group("marks")), 6)
    a, b = match.span("text")
    return f"<h{level}>{marker.render(line[a:b], offset + a)}</h{level}>"


def _item(offset: int, line: str, marker: Marker) -> str:
    match = _ITEM.match(line)
    assert match is not None
    depth = min(len(match.group("indent").expandtabs(2)) // 2, 3)
    a = match.start("text")
    css = f' class="depth-{depth}"' if depth else ""
    return f"<li{css}>{marker.render(line[a:], offset + a)}</li>"


def _cells(line: str) -> list[tuple[int, str]]:
    """(offset in the line, text) of each cell of a `| a | b |` row, without the padding around it."""
    bars = [i for i, ch in enumerate(line) if ch == "|"]
    edges = bars + ([len(line)] if line.rstrip()[-1:] != "|" else [])
    cells = []
    for left, right in zip(edges, edges[1:]):
        piece = line[left + 1 : right]
        stripped = piece.strip()
        cells.append((left + 1 + (piece.find(stripped) if stripped else 0), stripped))
    return cells


def _row(offset: int, line: str, marker: Marker) -> str:
    if _RULE_ROW.match(line):
        return ""
    cells = "".join(f"<td>{marker.render(text, offset + at)}</td>" for at, text in _cells(line))
    return f"<tr>{cells}</tr>"


_WRAP = {"item": ("<ul>", "</ul>"), "row": ("<table>", "</table>"), "text": ("<p>", "</p>")}
_JOIN = {"item": "", "row": "", "text": "\n"}
_RENDER = {"item": _item, "row": _row}


def _block(kind: str, lines: list[tuple[int, str]], marker: Marker) -> str:
    if kind == "heading":
        return "".join(_heading(offset, line, marker) for offset, line in lines)
    render = _RENDER.get(kind, lambda offset, line, m: m.render(line, offset))
    opening, closing = _WRAP[kind]
    return opening + _JOIN[kind].join(render(offset, line, marker) for offset, line in lines) + closing


def text_html(text: str, at: int, start: int, end: int) -> str:
    """The markdown-like `text` (found at document offset `at`) as escaped HTML blocks: headings, lists, tables
    and paragraphs, with `[start, end)` (document offsets) marked. Every character of the text is escaped."""
    marker = Marker(start, end)
    blocks: list[str] = []
    kind, run = "blank", []  # type: ignore[var-annotated]
    for offset, line in _lines(text, at):
        this = _kind(line)
        if this != kind or this == "heading":
            if run and kind != "blank":
                blocks.append(_block(kind, run, marker))
            kind, run = this, []
        run.append((offset, line))
    if run and kind != "blank":
        blocks.append(_block(kind, run, marker))
    return "\n".join(blocks)


@dataclass(frozen=True)
class ReadingPage:
    """What one reading view shows: the document, its `[at, at + len(text))` part, the passage and the length."""

    doc: str
    text: str
    at: int
    start: int
    end: int
    length: int


def page_html(view: ReadingPage) -> str:
    """The whole reading page: a header naming the document with a download link to the original, then the text
    with the passage marked. Links are relative to the page's own URL (`read/<doc>`)."""
    up = "../" * len(view.doc.split("/"))
    download = f"{up}original/{quote(view.doc, safe='/')}?download=1"
    shown = (
        f'<span class="window">characters {view.at:,}–{view.at + len(view.text):,} of {view.length:,}, around the '
        "passage</span>"
        if len(view.text) < view.length
        else ""
    )
    name = html.escape(view.doc, quote=True)
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="referrer" content="no-referrer"><title>{name}</title><style>{STYLE}</style></head><body>'
        f'<header><span class="doc">{name}</span> <span class="window">text as indexed</span> {shown}'
        f'<a class="download" href="{html.escape(download, quote=True)}" download>Download original</a></header>'
        f"<main>{text_html(view.text, view.at, view.start, view.end)}</main></body></html>"
    )
