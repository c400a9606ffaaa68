"""Accents a PDF draws apart from their letters, set back on them: "Rockt¨aschel" as "Rocktäschel".

TeX's default fonts have no "ä": it draws an "a" and, just above it, a spacing diaeresis "¨" (a cedilla "¸" just
below). The text layer then holds the accent as a character of its own, and pdfium, finding it above the line,
writes it at the end of the line or of the next ("Tim Rocktaschel, … ¨"), so a name in the references reads
"Laszl ´ o Luk ´ acs" and a question naming "Lukács" matches nothing. Here each spacing accent whose box stands
right above (or below, for a cedilla or ogonek) a letter, centred within the letter's width, is joined to that
letter as its precomposed character (Unicode NFC), and the accent itself becomes a space. The letter is the
character pdfium finds just under the accent's centre (one call, wherever the text wrote the accent: a page of
code with 500 backquotes costs 15 ms). An accent over no letter ("˜" of a formula's m̃, which has no precomposed
form) is left as it is. The text keeps its length, so character indexes still point at pdfium's boxes. Pure: the
page text, a function giving a character's box and one finding the character at a point.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

CharBox = tuple[float, float, float, float]  # left, right, bottom, top (pdfium's order for a character)

# spacing accents and the combining marks they draw; the last two sit below their letter
COMBINING = {
    "\u00a8": "\u0308",  # ¨ diaeresis
    "\u00b4": "\u0301",  # ´ acute
    "\u02c6": "\u0302",  # ˆ circumflex
    "\u02dc": "\u0303",  # ˜ tilde
    "\u00af": "\u0304",  # ¯ macron
    "\u02d8": "\u0306",  # ˘ breve
    "\u02d9": "\u0307",  # ˙ dot above
    "\u02da": "\u030a",  # ˚ ring above
    "\u02dd": "\u030b",  # ˝ double acute
    "\u02c7": "\u030c",  # ˇ caron
    "`": "\u0300",  # ` grave, as TeX's fonts place it (a code font's backquote stands beside letters, not over one)
    "\u00b8": "\u0327",  # ¸ cedilla
    "\u02db": "\u0328",  # ˛ ogonek
}
BELOW = frozenset("\u00b8\u02db")
PROBE = 2.0  # points under an accent (over a cedilla) where its letter is looked for
TOUCH = 1.0  # points by which an accent's box may overlap its letter's
APART = 0.6  # the most an accent may stand apart from its letter, as a share of the letter's height
TIGHT = 0.2  # letters closer than this share of a letter's height are of one word
_GAP = frozenset(" \u200b")
_DOTLESS = {"\u0131": "i", "\u0237": "j"}  # TeX accents "ı" and "ȷ": the accent takes the dot's place


def compose_accents(text: str, box: Callable[[int], CharBox], at: Callable[[float, float], int]) -> str:
    """`text` with each spacing accent set on the letter under (or over) it; same length. `at(x, y)` is the index
    of the character whose box holds the point (pdfium finds it; -1 for none): the letter is looked for just under
    the accent's centre, however far from it the text wrote the accent."""
    if not any(ch in COMBINING for ch in text):
        return text
    chars = list(text)
    for i, ch in enumerate(text):
        if ch not in COMBINING:
            continue
        j = _letter_of(text, i, box, at)
        if j is None:
            continue
        composed = unicodedata.normalize("NFC", _DOTLESS.get(chars[j], chars[j]) + COMBINING[ch])
        if len(composed) == 1:
            chars[j], chars[i] = composed, " "
            _close_gap(chars, i, box)
    return "".join(chars)


def _close_gap(chars: list[str], i: int, box: Callable[[int], CharBox]) -> None:
    """The spaces pdfium wrote around the accent at `i` (now a space) made zero-width ("\u200b", dropped when
    the text is cleaned) when the characters on either side touch on the page: "Laszl ´ o" is one word, "László"."""
    a, b = i, i
    while a > 0 and chars[a - 1] in _GAP:
        a -= 1
    while b < len(chars) - 1 and chars[b + 1] in _GAP:
        b += 1
    if a == 0 or b == len(chars) - 1 or chars[a - 1].isspace() or chars[b + 1].isspace():
        return
    left, right = box(a - 1), box(b + 1)
    if abs(right[0] - left[1]) <= TIGHT * (left[3] - left[2]):
        chars[a : b + 1] = ["\u200b"] * (b + 1 - a)


def _letter_of(text: str, i: int, box: Callable[[int], CharBox], at: Callable[[float, float], int]) -> int | None:
    """The index of the letter the accent at `i` stands on: the character just under its centre (just over it for
    a cedilla), when it is a letter whose box holds that centre across and the accent sits just above its top
    (just below its bottom)."""
    left, right, bottom, top = box(i)
    centre = (left + right) / 2
    below = text[i] in BELOW
    j = at(centre, top + PROBE if below else bottom - PROBE)
    if not 0 <= j < len(text) or j == i or not text[j].isalpha():
        return None
    x0, x1, b, t = box(j)
    gap = b - top if below else bottom - t  # from the letter's edge to the accent, outward
    inside = x0 - 0.5 <= centre <= x1 + 0.5 and -TOUCH <= gap <= APART * (t - b)
    return j if inside else None
