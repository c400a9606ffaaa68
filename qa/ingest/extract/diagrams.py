"""SmartArt diagrams of Word and PowerPoint files (a process, a cycle, an organisation chart): their text, which
lives in the diagram's data part and not in any text box the readers walk, as list items in the diagram's outline
order — each node under its parent (the `parOf` connections, in their order), at its depth — as the Text pane of
Office shows it. Parsed with lxml (entities not expanded).
"""

from __future__ import annotations

from .archive import parse_xml
from .blocks import Writer, clean

_DGM = "{http://schemas.openxmlformats.org/drawingml/2006/diagram}"
_A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
_R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_TEXT_POINTS = ("node", "asst")  # points holding the user's text; the others are the diagram's own structure
MAX_ITEMS = 2_000


def data_part_id(element) -> str:  # type: ignore[no-untyped-def]
    """The relationship id of the data part of the first diagram drawn in `element` ("" when there is none)."""
    ids = next(element.iter(f"{_DGM}relIds"), None)
    return ids.get(f"{_R}dm", "") if ids is not None else ""


def write_diagram(xml: bytes, out: Writer) -> None:
    """A diagram's text nodes as list items in outline order."""
    for depth, text in outline(xml):
        out.item(text, min(depth, 4))


def outline(xml: bytes) -> list[tuple[int, str]]:
    """(depth, text) of each text node: from the document point down its `parOf` connections in their source
    order; nodes no connection reaches follow, in the order the file lists them."""
    root = parse_xml(xml, "diagram data part")
    kinds, texts = _points(root)
    children = _children(root)
    found: list[tuple[int, str]] = []
    seen: set[str] = set()
    stack = [(key, -1) for key, kind in reversed(kinds.items()) if kind == "doc"]
    while stack and len(found) < MAX_ITEMS:  # depth first, a stack (no recursion); each point once
        key, depth = stack.pop()
        if key in seen:
            continue
        seen.add(key)
        if kinds.get(key) in _TEXT_POINTS and texts.get(key):
            found.append((max(depth, 0), texts[key]))
        stack.extend((child, depth + 1) for child in reversed(children.get(key, [])))
    found += [(0, texts[k]) for k, kind in kinds.items() if kind in _TEXT_POINTS and texts[k] and k not in seen]
    return found[:MAX_ITEMS]


def _points(root) -> tuple[dict[str, str], dict[str, str]]:  # type: ignore[no-untyped-def]
    """Each point's type ("node" when unset) and text (its paragraphs joined), by its model id."""
    kinds: dict[str, str] = {}
    texts: dict[str, str] = {}
    for point in root.iter(f"{_DGM}pt"):
        key = point.get("modelId", "")
        kinds[key] = point.get("type", "node")
        body = point.find(f"{_DGM}t")
        paragraphs = body.iter(f"{_A}p") if body is not None else ()
        texts[key] = clean(" ".join(" ".join(t.text or "" for t in p.iter(f"{_A}t")) for p in paragraphs))
    return kinds, texts


def _children(root) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    """Each point's children by the `parOf` connections (the default type), in their source order."""
    linked: dict[str, list[tuple[int, str]]] = {}
    for link in root.iter(f"{_DGM}cxn"):
        if link.get("type", "parOf") == "parOf":
            order = link.get("srcOrd", "0")
            linked.setdefault(link.get("srcId", ""), []).append(
                (int(order) if order.isascii() and order.isdigit() else 0, link.get("destId", ""))
            )
    return {key: [child for _, child in sorted(pairs)] for key, pairs in linked.items()}
