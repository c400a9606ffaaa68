"""Presentation of a `Response`: a terminal view (ANSI) and an HTML view (escaped, then marked up)."""

from __future__ import annotations

import html

import click

from .engine import Response, Result
from .ingest.extract import attachment_heading, in_collection, kind_of


def marks(result: Result) -> list[tuple[int, int, str]]:
    """Non-overlapping (start, end, kind) marks over the passage, strongest first: span > sentence > term."""
    out: list[tuple[int, int, str]] = []
    if result.answer is not None:
        out.append((result.answer.start, result.answer.end, "sentence"))
        if result.answer.span is not None:
            out.append((result.answer.span.start, result.answer.span.end, "span"))
    out += [(h.start, h.end, "term") for h in result.highlights]
    return out


def segments(text: str, result: Result) -> list[tuple[str, frozenset[str]]]:
    """Split the passage into runs of text, each with the set of mark kinds covering it."""
    cuts = {0, len(text)}
    spans = marks(result)
    for start, end, _ in spans:
        cuts.update((start, end))
    points = sorted(c for c in cuts if 0 <= c <= len(text))
    runs = []
    for a, b in zip(points, points[1:]):
        kinds = frozenset(kind for start, end, kind in spans if start <= a and b <= end)
        runs.append((text[a:b], kinds))
    return runs


def render_terminal(response: Response) -> str:
    lines = [click.style(f"Q: {response.question}", bold=True)]
    lines += [click.style(f"note: {n.text}", fg="yellow") for n in response.notices]
    for result in response.results:
        joined = "in" if in_collection(kind_of(result.doc)) else "attached"
        attached = f" › {joined} {result.attachment.name}" if result.attachment is not None else ""
        own = attached and result.heading == attachment_heading(result.attachment.name, kind_of(result.doc))
        heading = f" › {result.heading}" if result.heading and not own else ""
        heading += f" (page {result.page}, read by OCR)" if result.ocr else ""
        lines.append("")
        lines.append(
            click.style(
                f"[{result.rank}] {result.doc}{attached}{heading}  ({result.start}–{result.end}, "
                f"score {result.score:.3f})",
                fg="cyan",
            )
        )
        body = []
        for text, kinds in segments(result.text, result):
            if "span" in kinds:
                body.append(click.style(text, fg="green", bold=True, underline=True))
            elif "sentence" in kinds:
                body.append(click.style(text, bold=True))
            else:
                body.append(text)
        lines.append("".join(body))
    return "\n".join(lines)


_NESTING = ("sentence", "span", "term")  # outermost first


def render_html(text: str, result: Result) -> str:
    """The passage as HTML: every corpus character escaped first, then properly nested marks: one
    <mark class="qa-sentence"> around the whole answer sentence, <mark class="qa-span"> inside it,
    <mark class="qa-term"> innermost."""
    out: list[str] = []
    open_: list[str] = []
    for run, kinds in segments(text, result):
        wanted = [k for k in _NESTING if k in kinds]
        keep = 0
        while keep < min(len(open_), len(wanted)) and open_[keep] == wanted[keep]:
            keep += 1
        out.extend("</mark>" for _ in open_[keep:])
        out.extend(f'<mark class="qa-{k}">' for k in wanted[keep:])
        open_ = wanted
        out.append(html.escape(run, quote=True))
    out.extend("</mark>" for _ in open_)
    return "".join(out)
