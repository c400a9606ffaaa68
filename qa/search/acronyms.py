"""What an acronym stands for: the acronym a question asks about, and the runs of words in a text that spell it.

"What does the paper C.A.C. stand for?" is answered by "Chiefly About Chickens", whose words' initials spell it; the
reader left to itself marks "It's a paper, you know". A run spells an acronym when its letters, in order, are
taken from its words: each word gives its initial and may give more letters of itself ("polychlorinated
biphenyls": PCB; "infrared": IR), a hyphenated word's parts count as words ("light-emitting diodes": LED), and
the short function words of English may give a letter or none ("Restriction of Hazardous Substances": RoHS).
Pure functions over strings; nothing here knows a corpus.
"""

from __future__ import annotations

import re
from functools import lru_cache

# English function words that sit inside names without always lending them a letter
_SMALL = frozenset("a an and at by de for in of on or the to".split())
_ASKED = re.compile(r"(?<![\w.])([A-Za-z][A-Za-z.&]*[A-Z][A-Za-z.&]*)\s+(?:stands?|stood)\s+for\b")
_WORD = re.compile(r"[^\W\d_]+")
MAX_LETTERS = 10
EXTRA_WORDS = 4  # a run may have this many more words than the acronym has letters


def asked_acronym(question: str) -> str | None:
    """The letters of the acronym a "what does X stand for" question asks about, lower case ("C.A.C." → "cac",
    "LEDs" → "led", "vBNS" → "vbns"), or None. An acronym has two capitals at least."""
    found = _ASKED.search(question)
    if found is None:
        return None
    token = found.group(1)
    if len(re.findall(r"[A-Z]", token)) < 2:
        return None
    letters = re.sub(r"[^A-Za-z]", "", token)
    if letters.endswith("s") and letters[:-1].isupper():  # a plural: "LEDs"
        letters = letters[:-1]
    return letters.lower() if 2 <= len(letters) <= MAX_LETTERS else None


def expansions(letters: str, text: str) -> list[tuple[int, int]]:
    """(start, end) of each shortest run of words in `text` that spells `letters` (from `asked_acronym`), starting
    with a word whose initial is the first letter: by initials alone where a run does, else taking more letters of
    its words. A run holding the acronym itself ("C.A.C.", "NCQLP", "LEDs") is none."""
    words = [(m.start(), m.end(), m.group().lower()) for m in _WORD.finditer(text)]
    found = []
    for i, (start, _, word) in enumerate(words):
        if word[0] != letters[0] or word in _SMALL:
            continue
        last = min(len(words), i + len(letters) + EXTRA_WORDS)
        runs = [tuple(w for _, _, w in words[i : j + 1]) for j in range(i, last)]
        for loose in (False, True):
            spelt = (n for n, run in enumerate(runs) if not _written(letters, run) and _spells(letters, run, loose))
            end = next(spelt, None)
            if end is not None:
                found.append((start, words[i + end][1]))
                break
    return found


def _written(letters: str, run: tuple[str, ...]) -> bool:
    """Whether the run holds the acronym itself: "NCQLP", "LEDs", or "C.A.C." as its letters one word each."""
    return "".join(run) == letters or any(word in (letters, letters + "s") for word in run)


@lru_cache(maxsize=4096)
def _spells(letters: str, words: tuple[str, ...], loose: bool) -> bool:
    """Whether `words`, in order, give exactly `letters`: every word its initial (and when `loose`, perhaps more of
    its letters in order), a function word perhaps none; the last word gives at least one."""
    if not words:
        return not letters
    word, rest = words[0], words[1:]
    if word in _SMALL and _spells(letters, rest, loose):
        return True
    if not letters or letters[0] != word[0]:
        return False
    taken, at = 1, 1
    while True:
        if _spells(letters[taken:], rest, loose) and (rest or taken == len(letters)):
            return True
        if not loose or taken == len(letters):
            return False
        at = word.find(letters[taken], at)
        if at < 0:
            return False
        taken, at = taken + 1, at + 1
