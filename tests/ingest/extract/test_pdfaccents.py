"""Accents a PDF draws apart from their letters (qa/ingest/extract/pdfaccents.py), on hand-made character boxes
placed as TeX places them: the accent's own character, just above (a cedilla just below) the letter it marks,
written by pdfium elsewhere in the line."""

from __future__ import annotations

from collections.abc import Callable

from qa.ingest.extract.pdfaccents import compose_accents

Box = tuple[float, float, float, float]  # left, right, bottom, top


def boxes(text: str, accents: dict[int, int], below: frozenset[int] = frozenset()) -> list[Box]:
    """Letters 5 points wide on one line (bottom 100, top 107); each accent at index `i` of `accents` centred
    over (or, in `below`, under) the letter at index `accents[i]`; spaces of no width where they stand, a word
    space wide unless they stand beside an accent (pdfium's own, where the accent broke the line's order)."""
    out: list[Box] = []
    x = 10.0
    for i, ch in enumerate(text):
        if ch == " " or i in accents:
            out.append((x, x, 100.0, 100.0))
            x += 0.0 if i in accents or i - 1 in accents or i + 1 in accents else 2.5
        else:
            out.append((x, x + 5.0, 100.0, 107.0))
            x += 5.0
    for i, letter in accents.items():
        left, right = out[letter][0], out[letter][1]
        out[i] = (left + 1.0, right - 1.0, 97.5, 99.8) if i in below else (left + 1.0, right - 1.0, 107.6, 109.0)
    return out


def finder(placed: list[Box]) -> Callable[[float, float], int]:
    """What pdfium's FPDFText_GetCharIndexAtPos answers: the character whose box holds the point, -1 for none."""

    def at(x: float, y: float) -> int:
        return next((i for i, (x0, x1, b, t) in enumerate(placed) if x0 <= x <= x1 and b <= y <= t), -1)

    return at


def composed(text: str, accents: dict[int, int], below: frozenset[int] = frozenset()) -> str:
    placed = boxes(text, accents, below)
    return compose_accents(text, lambda i: placed[i], finder(placed)).replace("\u200b", "")


def test_an_accent_written_at_the_end_of_the_line_joins_the_letter_under_it() -> None:
    text = "Tim Rocktaschel, ¨"
    assert composed(text, {17: 9}) == "Tim Rocktäschel,  "  # the accent's place is a space: the line keeps its length
    placed = boxes(text, {17: 9})
    assert len(compose_accents(text, lambda i: placed[i], finder(placed))) == len(text)


def test_an_accent_written_inside_its_word_leaves_no_gap_behind() -> None:
    assert composed("Laszl ´ o", {6: 8}) == "Laszló"  # pdfium's spaces around it, between touching letters, go
    assert composed("Pas¸ca", {3: 2}, below=frozenset({3})) == "Paşca"  # a cedilla under its letter
    assert composed("J´egou and Herve", {1: 2}) == "Jégou and Herve"


def test_an_accent_over_no_letter_or_without_a_precomposed_form_stays() -> None:
    text = "the tilde ˜ alone"
    assert composed(text, {}) == text  # it stands over no letter (its box is a letter's, on the line)
    assert composed("m˜ passages", {1: 0}) == "m˜ passages"  # m with a tilde has no one character
    assert composed("a `code` span", {}) == "a `code` span"  # backquotes beside letters, not over one
