"""OCR'd words as the pieces a text layer gives (qa/ingest/extract/pdf.py turns them into its `Piece`s), so a
scanned page is laid out like a text page: columns, rows, tables, headings by size, running headers and footers.

A piece is a run of words on one Tesseract line, split at gaps wider than `gap_em` sizes as the text layer's
lines are, in PDF points with y up (pdfium's boxes): x = px / scale, y = page height - px / scale. Each piece
spans its line's box, so the pieces of one line share a baseline. Tesseract reads no font size, bold or italic
(its font attributes are unset in 5.x: WordFontAttributes gave bold and italic False on every line of the
documents measured, and point sizes in no fixed ratio to the text layer's), so the size is estimated from the
line's box height (LINE_EM, or FLAT_LINE_EM for a line without a descending letter) and bold/italic are False.
The lines of a Tesseract paragraph of three lines or more take the paragraph's median size: a single line of body
text measured tall (a bracket, a formula) would otherwise come out as a heading; a heading is a paragraph of its
own.
"""

from __future__ import annotations

import re
from itertools import groupby
from typing import NamedTuple

from .ocr import OcrWord
from .pdfcolumns import SOFT_GAP_EM, Gap

# A Tesseract line's box (ascender to descender) is this many font sizes high. Measured on the pages of
# ../shared/docs/pdf/*.pdf rendered at OCR_DPI, each OCR line beside the text layer's size of the same line
# (1,028 lines): median 0.91, half of the lines within 0.87-0.92, for 9, 10, 11 and 12 pt text and in all three
# documents alike (so the body sizes come out as the text layer's: 11 and 10 pt). The tails are wide (5th
# percentile 0.48, 95th 1.27): lines without ascenders or descenders measure less, lines with brackets,
# superscripts, formulas or table rules more. The union of the line's word boxes is noisier still (LSTM word
# boxes now and then reach half a line too far), hence `OcrWord.line_box`.
LINE_EM = 0.91
# A line without a descending character measures less: 0.72 sizes (median of the 116 such lines of the same
# measurement; half within 0.67-0.77). Headings often are such lines ("1 Installation", "2.1 General Information"),
# and at 0.91 they came out at the body size and were no headings.
FLAT_LINE_EM = 0.72
_DESCENDING = re.compile(r"[gjpqyQJ,;()\[\]{}|/@$µ]")  # characters reaching below the baseline
_PARAGRAPH_LINES = 3  # a Tesseract paragraph of this many lines or more is written in one size
_VERTICAL_MIN_CHARS = 4  # a line taller than wide with at least this many characters is set sideways


class OcrPiece(NamedTuple):
    """A run of words on one line, in points (y up): a text layer's piece without bold or italic."""

    x0: float
    x1: float
    bottom: float
    top: float
    size: float
    text: str
    gaps: tuple[Gap, ...] = ()  # gaps wider than a word space, where a table's columns may part (pdfcolumns.py)


def ocr_pieces(words: list[OcrWord], scale: float, height: float, gap_em: float) -> list[OcrPiece]:
    """The pieces of a page's words: `scale` pixels per point of the picture read, `height` the page's height in
    points, a line split where a gap is wider than `gap_em` sizes. Pure: no I/O."""
    pieces: list[OcrPiece] = []
    for _, paragraph in groupby(words, key=lambda w: w.paragraph):
        lines = [list(line) for _, line in groupby(paragraph, key=lambda w: w.line)]
        size = _paragraph_size(lines, scale)
        for line in lines:
            pieces += _line_pieces(line, (scale, height, gap_em), size)
    return pieces


def _paragraph_size(lines: list[list[OcrWord]], scale: float) -> float | None:
    """The median line size of a paragraph of `_PARAGRAPH_LINES` lines or more, which its lines take: one line
    with a bracket or a formula measures taller than its neighbours (LINE_EM), and would look like a heading."""
    if len(lines) < _PARAGRAPH_LINES:
        return None
    sizes = sorted(_size((box[3] - box[1]) / scale, _line_em(line)) for line in lines for box in [line_box(line)])
    return sizes[len(sizes) // 2]


def _line_em(words: list[OcrWord]) -> float:
    """How many font sizes high a line's box is: less without a descending character (FLAT_LINE_EM)."""
    return LINE_EM if any(_DESCENDING.search(w.text) for w in words) else FLAT_LINE_EM


def line_box(words: list[OcrWord]) -> tuple[int, int, int, int]:
    """The line's box in pixels (left, top, right, bottom): Tesseract's, else the union of its words' boxes."""
    if words[0].line_box:
        return words[0].line_box
    boxes = [w.box for w in words]
    return min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes)


def _line_pieces(words: list[OcrWord], page: tuple[float, float, float], size: float | None) -> list[OcrPiece]:
    """One line's words as pieces (`page`: scale, height, gap_em; `size`: its paragraph's, if any): split at wide
    gaps; a line set sideways is one piece as tall as the line, its size from the line's width, so the layout
    puts it aside as rotated text (a margin stamp)."""
    scale, height, gap_em = page
    left, top, right, bottom = line_box(words)
    upper, lower = height - top / scale, height - bottom / scale
    if bottom - top > right - left and sum(len(w.text) for w in words) >= _VERTICAL_MIN_CHARS:
        size = _size((right - left) / scale)
        return [OcrPiece(left / scale, right / scale, lower, upper, size, " ".join(w.text for w in words))]
    size = size or _size((bottom - top) / scale, _line_em(words))
    runs: list[list[OcrWord]] = [[words[0]]]
    for before, word in zip(words, words[1:]):
        if (word.box[0] - before.box[2]) / scale > gap_em * size:
            runs.append([])
        runs[-1].append(word)
    return [
        OcrPiece(run[0].box[0] / scale, run[-1].box[2] / scale, lower, upper, size, " ".join(w.text for w in run), gaps)
        for run in runs
        for gaps in [_soft_gaps(run, scale, size)]
    ]


def _soft_gaps(run: list[OcrWord], scale: float, size: float) -> tuple[Gap, ...]:
    """The gaps of a run wider than a word space (SOFT_GAP_EM sizes): where its next word starts in the run's
    text, and the x (points) where the gap begins and ends, as the text layer records them."""
    gaps, at = [], 0
    for before, word in zip(run, run[1:]):
        at += len(before.text) + 1
        left, right = before.box[2] / scale, word.box[0] / scale
        if right - left > SOFT_GAP_EM * size:
            gaps.append((at, left, right))
    return tuple(gaps)


def _size(extent: float, em: float = LINE_EM) -> float:
    """A font size from a line's extent across its text (`em` sizes), in points, to the half point (as the text
    layer's)."""
    return max(0.5, round(extent / em * 2) / 2)
