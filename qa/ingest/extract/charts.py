"""Charts of Word and PowerPoint files (DrawingML chart parts) as the numbers they show: the chart's title, then
one `| a | b |` table per plot, a row per category and a column per series, from the values the file caches for
drawing the chart (what the bars and slices show, without the embedded workbook). A question such as "what was
the revenue in 2015?" can then be answered from a chart as from a table. Parsed with lxml (entities not expanded);
at most MAX_CATEGORIES rows a plot are kept: a chart of thousands of points is a picture, not a lookup table.
"""

from __future__ import annotations

from .archive import parse_xml
from .blocks import Writer, clean
from .xlsx import cell_text

_C = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"
_A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
MAX_CATEGORIES = 500
_CATEGORY_TAGS = (f"{_C}cat", f"{_C}xVal")
_VALUE_TAGS = (f"{_C}val", f"{_C}yVal")


def write_chart(xml: bytes, out: Writer) -> None:
    """Write a chart part's title (a paragraph) and its plots' data (tables)."""
    root = parse_xml(xml, "chart part")
    chart = root.find(f"{_C}chart")
    if chart is None:
        return
    title = chart.find(f"{_C}title")
    if title is not None:
        out.end_run()
        out.paragraph(clean(" ".join(t.text or "" for t in title.iter(f"{_A}t"))))
    area = chart.find(f"{_C}plotArea")
    for plot in area if area is not None else ():
        rows = plot_rows(plot)
        if rows:
            out.end_run()
            for row in rows:
                out.row(row)
            out.end_run()


def plot_rows(plot) -> list[list[str]]:  # type: ignore[no-untyped-def]
    """A plot's header row (an empty corner, then each series' name) and a row per category (its label, then each
    series' value); [] for a plot without series."""
    series = plot.findall(f"{_C}ser")
    if not series:
        return []
    names = [_points(s.find(f"{_C}tx")).get(0, "") or f"Series {i}" for i, s in enumerate(series, 1)]
    columns = [_points(_first(s, _VALUE_TAGS)) for s in series]
    categories = _points(_first(series[0], _CATEGORY_TAGS))
    indexes = sorted(set(categories).union(*columns))[:MAX_CATEGORIES]
    rows = [["", *names]]
    for index in indexes:
        rows.append([categories.get(index, str(index + 1)), *(column.get(index, "") for column in columns)])
    return rows


def _first(series, tags: tuple[str, ...]):  # type: ignore[no-untyped-def]
    return next((found for tag in tags if (found := series.find(tag)) is not None), None)


def _points(element) -> dict[int, str]:  # type: ignore[no-untyped-def]
    """The cached points (`c:pt idx=…` with a `c:v`) under `element`, by index; numbers as a person reads them."""
    found: dict[int, str] = {}
    if element is None:
        return found
    numeric = element.find(f".//{_C}numCache") is not None
    for point in element.iter(f"{_C}pt"):
        index, value = point.get("idx", ""), point.find(f"{_C}v")
        if not index.isascii() or not index.isdigit() or value is None or len(found) >= MAX_CATEGORIES:
            continue
        text = clean(value.text or "")
        found[int(index)] = _number(text) if numeric else text
    if not found and element.find(f".//{_C}v") is not None:  # a literal name: `c:tx/c:v`
        found[0] = clean(element.find(f".//{_C}v").text or "")
    return found


def _number(text: str) -> str:
    """A cached number as a person reads it (93.58, 3 for 3.0); the text itself when it is not a number."""
    try:
        return cell_text(float(text))
    except ValueError:
        return text
