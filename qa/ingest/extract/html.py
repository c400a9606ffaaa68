"""HTML with selectolax: the visible article text only, with headings, list items and table rows kept.

Nothing is executed: scripts, styles, event handlers and `javascript:` links are markup we never read as text
(attributes are never emitted). Navigation, page headers and footers, forms, hidden elements and cookie or
consent banners are removed; the article is `<main>`, `[role=main]` or `<article>` when the page has one.
Infoboxes and data tables become `| label | value |` rows; footnote markers like `[12]` and a heading's trailing
bracketed link (`History[edit]`) are dropped so answers match the prose.
"""

from __future__ import annotations

import re

from . import Extracted
from .blocks import Writer, clean

_DROP = (
    "script, style, noscript, template, iframe, object, embed, svg, canvas, math annotation, form, button, "
    "select, textarea, input, nav, footer, "
    "[hidden], [aria-hidden=true], [role=navigation], [role=banner], [role=contentinfo], [role=search], "
    "[role=dialog], [role=alertdialog]"
)
_BANNER_WORDS = ("cookie", "consent", "gdpr")  # banners asking to accept cookies, whatever the site calls them
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_FOOTNOTE = re.compile(r"^\[[^\]]{1,24}\]$")
_HEADING_TAIL = re.compile(r"\s*\[[^\]]{1,24}\]\s*$")
_INLINE = {
    "a",
    "abbr",
    "b",
    "bdi",
    "bdo",
    "cite",
    "code",
    "data",
    "dfn",
    "em",
    "font",
    "i",
    "img",
    "kbd",
    "label",
    "mark",
    "q",
    "s",
    "samp",
    "small",
    "span",
    "strong",
    "sub",
    "sup",
    "time",
    "u",
    "var",
    "wbr",
    "-text",
}
_PARAGRAPHS = {"p", "pre", "blockquote", "figcaption", "caption", "dt", "dd", "address", "summary", "legend"}
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_NESTED = ("ul", "ol", "menu", "dl", "table")


def decode_html(data: bytes) -> str:
    """UTF-8 (with or without BOM), else the charset the page declares, else Windows-1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    declared = re.search(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", data[:4096], re.I)
    for encoding in ([declared.group(1).decode("ascii")] if declared else []) + ["cp1252"]:
        try:
            return data.decode(encoding, errors="replace")
        except LookupError:
            continue
    return data.decode("latin-1")


def extract_html(data: bytes) -> Extracted:
    from selectolax.lexbor import LexborHTMLParser as HTMLParser

    tree = HTMLParser(decode_html(data))
    title_node = tree.css_first("title")
    title = clean(title_node.text()) if title_node is not None else ""
    root = tree.css_first("main") or tree.css_first("[role=main]") or tree.css_first("article") or tree.body
    if root is None:
        raise ValueError("no <body> in the HTML file; save the page as complete HTML")
    for node in root.css(_DROP):
        node.decompose()
    for node in root.css("[style], [class], [id]"):
        attrs = node.attributes
        style = attrs.get("style") or ""
        names = f"{attrs.get('class') or ''} {attrs.get('id') or ''}".lower()
        if _HIDDEN_STYLE.search(style) or any(word in names for word in _BANNER_WORDS):
            node.decompose()
    for node in root.css("ul, ol"):  # a language switcher: every link names the language of its target
        links = node.css("a")
        if len(links) >= 3 and all(a.attributes.get("hreflang") or a.attributes.get("lang") for a in links):
            node.decompose()
    for node in root.css("sup"):
        if _FOOTNOTE.match(clean(node.text())):
            node.decompose()
    out = Writer()
    _walk(root, out, 0)
    h1 = next((line[2:] for line in out.text.splitlines() if line.startswith("# ")), "")
    return Extracted(out.text, (), h1 or _site_stripped(title))


def _site_stripped(title: str) -> str:
    """'Mozilla - Wikipedia' → 'Mozilla': a page title usually ends with the site's name after a dash or bar."""
    parts = re.split(r"\s+[-–—|]\s+", title)
    return parts[0] if len(parts) > 1 else title


def _text(node, skip: tuple[str, ...] = ()) -> str:  # type: ignore[no-untyped-def]
    """Inline text of a node: text nodes concatenated, a space where a block, cell or line break separates them;
    elements named in `skip` (a list item's nested lists) are left out."""
    parts: list[str] = []

    def visit(n) -> None:  # type: ignore[no-untyped-def]
        child = n.child
        while child is not None:
            tag = child.tag
            if tag == "-text":
                parts.append(child.text_content or "")
            elif tag == "br":
                parts.append(" ")
            elif tag not in ("-comment", *skip):
                block = tag not in _INLINE
                if block:
                    parts.append(" ")
                visit(child)
                if block:
                    parts.append(" ")
            child = child.next

    visit(node)
    return clean("".join(parts))


def _walk(node, out: Writer, depth: int) -> None:  # type: ignore[no-untyped-def]
    """Emit the blocks under `node` in document order; loose inline text between blocks is a paragraph."""
    inline: list[str] = []

    def flush() -> None:
        text = clean(" ".join(inline))
        inline.clear()
        if text:
            out.paragraph(text)

    child = node.child
    while child is not None:
        tag = child.tag
        if tag in _INLINE:
            inline.append(child.text_content if tag == "-text" else _text(child))
        elif tag == "br":
            flush()
        elif tag in _HEADINGS:
            flush()
            out.heading(_HEADING_TAIL.sub("", _text(child)), _HEADINGS[tag])
        elif tag in _PARAGRAPHS:
            flush()
            out.paragraph(_text(child))
        elif tag in ("ul", "ol", "menu", "dl"):
            flush()
            _list(child, out, depth)
        elif tag == "table":
            flush()
            _table(child, out)
        elif tag not in ("-comment", "head", "hr", "img"):
            flush()
            _walk(child, out, depth)
        child = child.next
    flush()


def _list(node, out: Writer, depth: int) -> None:  # type: ignore[no-untyped-def]
    child = node.child
    while child is not None:
        if child.tag in ("li", "dt", "dd"):
            nested = [c for c in _children(child) if c.tag in _NESTED]
            out.item(_text(child, _NESTED), depth)
            for n in nested:
                (_table(n, out) if n.tag == "table" else _list(n, out, depth + 1))
        elif child.tag in ("ul", "ol"):
            _list(child, out, depth + 1)
        child = child.next
    out.end_run()


def _children(node):  # type: ignore[no-untyped-def]
    child = node.child
    while child is not None:
        yield child
        child = child.next


def _table(table, out: Writer) -> None:  # type: ignore[no-untyped-def]
    """One `| cell | cell |` line per row; a table inside a cell is flattened into that cell's text."""
    caption = table.css_first("caption")
    if caption is not None:
        out.paragraph(_text(caption))
    out.end_run()
    for row in table.css("tr"):
        if _parent_table(row).mem_id != table.mem_id:
            continue
        cells = [_text(cell) for cell in _children(row) if cell.tag in ("td", "th")]
        if sum(1 for c in cells if c) == 1 and len(cells) > 1:
            cells = [c for c in cells if c]  # a row spanning the table: a sub-heading inside it
        out.row(cells)
    out.end_run()


def _parent_table(node):  # type: ignore[no-untyped-def]
    parent = node.parent
    while parent is not None and parent.tag != "table":
        parent = parent.parent
    return parent
