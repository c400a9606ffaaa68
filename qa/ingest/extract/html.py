"""HTML with selectolax: the visible article text only, with headings, list items and table rows kept.

Nothing is executed: scripts, styles, event handlers and `javascript:` links are markup we never read as text
(attributes are never emitted). Navigation, page headers and footers, forms, hidden elements and cookie or
consent banners are removed; the article is `<main>`, `[role=main]` or `<article>` when the page has one.
Infoboxes and data tables become `| label | value |` rows; footnote markers like `[12]` and a heading's trailing
bracketed link (`History[edit]`) are dropped so answers match the prose.

Nothing here recurses over the tree: every walk keeps its own stack, so depth costs memory, never Python's
call stack. Before parsing, elements nested deeper than MAX_DEPTH lose their tags (their text stays), as browsers
do: an HTML parser checks the open elements at each start tag, so 200,000 nested `<div>`s would take hours.
"""

from __future__ import annotations

import re
from collections import Counter

from . import Extracted
from .blocks import Writer, clean
from .htmltables import children, table_rows
from .tableshape import table_lines

MAX_DEPTH = 512  # nesting kept, as Chromium's parser keeps: far beyond real pages; the parser's cost grows with it

_DROP = (
    "script, style, noscript, template, iframe, object, embed, svg, canvas, math annotation, form, button, "
    "select, textarea, input, nav, footer, "
    "[hidden], [aria-hidden=true], [role=navigation], [role=banner], [role=contentinfo], [role=search], "
    "[role=dialog], [role=alertdialog]"
)
_BANNER_WORDS = ("cookie", "consent", "gdpr")  # banners asking to accept cookies, whatever the site calls them
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_DISPLAY_STYLE = re.compile(r"^\{\\(?:displaystyle|textstyle)\s*(.*)\}$", re.S)
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
# Elements that never nest in themselves (the parser closes the open one) or have no content: not counted as depth.
_FLAT = {
    "p",
    "li",
    "dt",
    "dd",
    "option",
    "optgroup",
    "tr",
    "td",
    "th",
    "thead",
    "tbody",
    "tfoot",
    "colgroup",
    "caption",
    "rb",
    "rt",
    "rtc",
    "rp",
    "html",
    "head",
    "body",
    "a",
    "nobr",
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "param",
    "source",
    "track",
    "wbr",
    "keygen",
    "basefont",
    "bgsound",
    "frame",
}
_RAW_TEXT = {"script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes"}  # no tags inside
# A comment, a raw-text element whole, a doctype, or a tag (group 2: "/" of an end tag, group 3: its name). Each
# alternative ends at the end of the text when unterminated, so a broken tag is never scanned again and again.
_TOKEN = re.compile(
    r"<(?:!--.*?(?:-->|\Z)|(?i:(script|style|textarea|title|xmp|iframe|noembed|noframes))(?=[\s/>])[^>]*"
    r"(?:>(?:.*?(?=</(?i:\1)[\s/>])|.*)|\Z)|[!?][^>]*(?:>|\Z)|(/?)([A-Za-z][^\s/>]*)[^>]*(?:>|\Z))",
    re.S,
)


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

    tree = HTMLParser(flatten_deep(decode_html(data)))
    title_node = tree.css_first("title")
    title = clean(title_node.text()) if title_node is not None else ""
    root = tree.css_first("main") or tree.css_first("[role=main]") or tree.css_first("article") or tree.body
    if root is None:
        raise ValueError("no <body> in the HTML file; save the page as complete HTML")
    _remove_hidden(root)
    out = Writer()
    _walk(root, out)
    h1 = next((line[2:] for line in out.text.splitlines() if line.startswith("# ")), "")
    return Extracted(out.text, (), h1 or _site_stripped(title))


def _remove_hidden(root) -> None:  # type: ignore[no-untyped-def]
    """Remove what a reader does not see as the article: scripts and navigation, hidden elements and banners,
    language switchers, footnote markers (in this order: each step looks at what the steps before left)."""
    _math_as_text(root)
    for node in root.css(_DROP):
        node.decompose()
    for node in root.css("[style], [class], [id]"):
        attrs = node.attributes
        style = attrs.get("style") or ""
        names = f"{attrs.get('class') or ''} {attrs.get('id') or ''}".lower()
        if _HIDDEN_STYLE.search(style) or any(word in names for word in _BANNER_WORDS):
            node.decompose()
    for node in _language_switchers(root):
        node.decompose()
    for node in [n for n in root.css("p, div") if _link_line(n)]:
        node.decompose()
    for node in root.css("sup"):
        if _FOOTNOTE.match(clean(node.text())):
            node.decompose()


def math_text(alttext: str) -> str:
    """A formula's TeX as text: `{\\displaystyle x_{i}}` → `x_{i}` (the wrapper MediaWiki and others add)."""
    text = clean(alttext)
    match = _DISPLAY_STYLE.match(text)
    return clean(match.group(1)) if match else text


def _math_as_text(root) -> None:  # type: ignore[no-untyped-def]
    """Each MathML formula becomes its `alttext` (or TeX annotation), so "denoted by x, then" keeps its x.
    Pages often hide the MathML and show an image; the hidden wrapper around the formula is replaced with it."""
    for node in root.css("math"):
        annotation = node.css_first("annotation[encoding*=tex]")
        alt = node.attributes.get("alttext") or (annotation.text() if annotation is not None else "")
        target = node
        while target.parent is not None and _hidden(target.parent) and target.parent.tag != "body":
            target = target.parent
        if alt.strip():
            target.replace_with(f" {math_text(alt)} ")


def _hidden(node) -> bool:  # type: ignore[no-untyped-def]
    attrs = node.attributes
    return bool(_HIDDEN_STYLE.search(attrs.get("style") or "")) or attrs.get("aria-hidden") == "true"


NAV_MAX_WORDS = 12  # a line this short ...
NAV_LINK_SHARE = 0.6  # ... whose letters are mostly link text is a site's navigation, not the article


def _link_line(node) -> bool:  # type: ignore[no-untyped-def]
    """A short line of inline content that is mostly links: "Jump to: navigation, search", "Edit links",
    "See also: A and B". Article prose keeps most of its words outside links."""
    if any(child.tag not in _INLINE and child.tag not in ("br", "-comment") for child in node.iter(include_text=False)):
        return False
    text = clean(node.text())
    if not text or len(text.split()) > NAV_MAX_WORDS:
        return False
    linked = sum(len(clean(a.text()).replace(" ", "")) for a in node.css("a"))
    return linked >= NAV_LINK_SHARE * len(text.replace(" ", ""))


def _language_switchers(root) -> list:  # type: ignore[no-untyped-def]
    """Lists (`ul`, `ol`) with three or more links, every one naming its target's language (hreflang or lang).
    One pass: each list's counts are added to the list around it when it ends (asking every nested list for its
    links is quadratic in the nesting)."""
    if len(root.css("a[hreflang], a[lang]")) < 3:
        return []
    found: list = []
    lists: list[list] = []  # open lists: [node, links, links naming a language]
    stack: list[tuple[object, bool]] = []  # (next sibling, whether leaving this element ends a list)
    child = root.child
    while True:
        while child is None:
            if not stack:
                return found
            child, ends_list = stack.pop()
            if ends_list:
                _end_list(lists, found)
        tag = child.tag
        if tag == "a" and lists:
            lists[-1][1] += 1
            lists[-1][2] += bool(child.attributes.get("hreflang") or child.attributes.get("lang"))
        opens = tag in ("ul", "ol")
        if opens:
            lists.append([child, 0, 0])
        if child.child is not None:
            stack.append((child.next, opens))
            child = child.child
            continue
        if opens:
            _end_list(lists, found)
        child = child.next


def _end_list(lists: list[list], found: list) -> None:
    node, links, named = lists.pop()
    if links >= 3 and named == links:
        found.append(node)
    if lists:
        lists[-1][1] += links
        lists[-1][2] += named


def _site_stripped(title: str) -> str:
    """'Mozilla - Wikipedia' → 'Mozilla': a page title usually ends with the site's name after a dash or bar."""
    parts = re.split(r"\s+[-–—|]\s+", title)
    return parts[0] if len(parts) > 1 else title


def flatten_deep(html: str, max_depth: int | None = None) -> str:
    """`html` with the tags of elements nested deeper than `max_depth` removed (a block's become `<br>`, so its
    text stays a block of its own); unchanged when nothing is that deep. A scan of the tags, not a parse: comments
    and raw text (scripts, styles) are skipped and elements that cannot nest (`_FLAT`) are not counted."""
    max_depth = MAX_DEPTH if max_depth is None else max_depth
    if html.count("<") <= max_depth or _deepest(html) <= max_depth:  # fewer tags than the limit, or not that deep
        return html
    stack: list[tuple[str, bool]] = []  # open elements: (name, tags removed)
    open_names: Counter[str] = Counter()
    edits: list[tuple[int, int, str]] = []
    for match in _TOKEN.finditer(html):
        closing, name = match.group(2, 3)
        if name is None:  # a comment, a doctype or a raw-text element: no depth
            continue
        name = name.lower()
        if closing:
            edit = _close(stack, open_names, name)
            if edit is not None:
                edits.append((match.start(), match.end(), edit))
        elif name not in _FLAT and not ((open_names["svg"] or open_names["math"]) and match.group(0).endswith("/>")):
            removed = len(stack) >= max_depth
            stack.append((name, removed))
            open_names[name] += 1
            if removed:
                edits.append((match.start(), match.end(), "" if name in _INLINE else "<br>"))
    parts, last = [], 0
    for start, end, text in edits:
        parts += [html[last:start], text]
        last = end
    parts.append(html[last:])
    return "".join(parts)


def _deepest(html: str) -> int:
    """How deep `flatten_deep` would find the elements nested, or a little more (`<path/>` in SVG counted as
    open): the quick pass every large page gets, without positions or edits."""
    stack: list[str] = []
    open_names: Counter[str] = Counter()
    deepest = 0
    for _, closing, name in _TOKEN.findall(html):
        if not name:
            continue
        name = name.lower()
        if closing:
            _close(stack, open_names, name)  # type: ignore[arg-type]
        elif name not in _FLAT:
            stack.append(name)
            open_names[name] += 1
            deepest = max(deepest, len(stack))
    return deepest


def _close(stack: list, open_names: Counter[str], name: str) -> str | None:
    """Pop the open elements down to `name` (as the parser does); the end tag's replacement if its tags were
    removed, else None. An end tag with nothing open to close is left to the parser. `stack` holds names, or
    (name, tags removed) pairs."""
    if not open_names[name]:
        return None
    while stack:
        top = stack.pop()
        popped, removed = top if isinstance(top, tuple) else (top, False)
        open_names[popped] -= 1
        if popped == name:
            return ("" if name in _INLINE else "<br>") if removed else None
    return None


def _text(node, skip: tuple[str, ...] = ()) -> str:  # type: ignore[no-untyped-def]
    """Inline text of a node: text nodes concatenated, a space where a block, cell or line break separates them;
    elements named in `skip` (a list item's nested lists) are left out. Depth first with an explicit stack."""
    parts: list[str] = []
    excluded = {"-comment", *skip}
    stack: list[tuple[object, str]] = []  # (next sibling to resume at, what closes the element left)
    child = node.child
    while True:
        while child is None:
            if not stack:
                return clean("".join(parts))
            child, closing = stack.pop()
            parts.append(closing)
        tag = child.tag
        if tag == "-text":
            parts.append(child.text_content or "")
        elif tag == "br":
            parts.append(" ")
        elif tag not in excluded:
            block = tag not in _INLINE
            if block:
                parts.append(" ")
            stack.append((child.next, " " if block else ""))
            child = child.child
            continue
        child = child.next


def _walk(root, out: Writer) -> None:  # type: ignore[no-untyped-def]
    """Emit the blocks under `root` in document order; loose inline text between blocks is a paragraph. A container
    (a `<div>`) is entered with its next sibling on the stack; inline text is flushed on the way in and out."""
    inline: list[str] = []

    def flush() -> None:
        text = clean(" ".join(inline))
        inline.clear()
        if text:
            out.paragraph(text)

    stack: list[object] = []
    child = root.child
    while True:
        while child is None:
            flush()
            if not stack:
                return
            child = stack.pop()
        tag = child.tag
        if tag in _INLINE:
            inline.append(child.text_content if tag == "-text" else _text(child))
        elif tag == "br":
            flush()
        elif tag in _HEADINGS:
            flush()
            out.heading(_heading_text(child), _HEADINGS[tag])
        elif tag == "hgroup" and (grouped := _hgroup(child)) is not None:
            flush()
            out.heading(*grouped)
        elif tag in _PARAGRAPHS:
            flush()
            out.paragraph(_text(child))
        elif tag in ("ul", "ol", "menu", "dl"):
            flush()
            _list(child, out, 0)
        elif tag == "table":
            flush()
            _table(child, out)
        elif tag not in ("-comment", "head", "hr", "img"):
            flush()
            stack.append(child.next)
            child = child.child
            continue
        child = child.next


def _hgroup(node) -> tuple[str, int] | None:  # type: ignore[no-untyped-def]
    """An `<hgroup>` is one heading: its heading and the lines beside it ("I" and "A Letter with a Postscript", a
    subtitle) joined by ": ", at its heading's level; None when it holds no heading (then it is read as a block)."""
    parts = [c for c in children(node) if c.tag in _HEADINGS or c.tag in _PARAGRAPHS]
    levels = [_HEADINGS[c.tag] for c in parts if c.tag in _HEADINGS]
    if not levels:
        return None
    text = ": ".join(t for c in parts if (t := clean(_heading_text(c))))
    return text, min(levels)


def _heading_text(node) -> str:  # type: ignore[no-untyped-def]
    """A heading's text without Wikipedia's "[edit]" link after it."""
    return _HEADING_TAIL.sub("", _text(node))


def _list(node, out: Writer, depth: int) -> None:  # type: ignore[no-untyped-def]
    """A list's items, nested lists indented one more level. Each open list is a generator on a stack."""
    stack = [_list_items(node, out, depth)]
    while stack:
        nested = next(stack[-1], None)
        if nested is None:
            stack.pop()
        else:
            stack.append(_list_items(nested[0], out, nested[1]))


def _list_items(node, out: Writer, depth: int):  # type: ignore[no-untyped-def]
    """Write one list's items; yield each nested list (node, depth) to be written before the next item."""
    child = node.child
    while child is not None:
        if child.tag in ("li", "dt", "dd"):
            nested = [c for c in children(child) if c.tag in _NESTED]
            out.item(_text(child, _NESTED), depth)
            for n in nested:
                if n.tag == "table":
                    _table(n, out)
                else:
                    yield n, depth + 1
        elif child.tag in ("ul", "ol"):
            yield child, depth + 1
        child = child.next
    out.end_run()


def _table(table, out: Writer) -> None:  # type: ignore[no-untyped-def]
    """One `| cell | cell |` line per row (`htmltables.table_rows`); a table inside a cell is flattened into that
    cell's text; a table set side by side is unfolded (tableshape.py)."""
    caption = table.css_first("caption")
    if caption is not None:
        out.paragraph(_text(caption))
    out.end_run()
    for cells in table_lines(list(table_rows(table, _text))):
        out.row(cells)
    out.end_run()
