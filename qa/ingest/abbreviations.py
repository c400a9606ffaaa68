"""Abbreviations of table cells spelled out from their own document, for lexical matching.

A table abbreviates what its document's prose spells out: DPR's Table 5 heads a row "Dist. Sup." where the text
says "distantly-supervised passages", so a question on "the distantly supervised model" shares no word with the
row. An abbreviation here is a word of 3 to 6 letters ending in a full stop inside a table row ("Dist.", "Sup.",
"Avg."); a run of them in one cell ("Dist. Sup.") is spelled out by a run of as many consecutive words of the
same document, each longer than its abbreviation and starting with it ("distantly-supervised", "distant
supervision"). It is spelled out only when every such run of the document comes to the same terms (stemmed), so
"Dist." alone, which "distance" and "distribution" both begin, is left as it is. Pure functions over strings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .tabletext import cells
from .tokens import normalize_word

_ABBREVIATION = re.compile(r"(?<![\w.])([^\W\d_]{3,6})\.(?=\s|$)")
_RUN = re.compile(r"(?:(?<![\w.])[^\W\d_]{3,6}\.(?:\s+|$))+")
_WORD = re.compile(r"[^\W\d_]+")
_WHOLE_WORD = re.compile(r"(?<!\w)([^\W\d_]+)(?![\w.])")  # a word not cut short by a full stop
MAX_RUN = 3  # abbreviations in one run ("Avg. Dist. Sup.")


@dataclass(frozen=True)
class DocumentWords:
    """A document's words in order, casefolded (hyphenated words as their parts), and where each first letter
    pair starts, so a run of abbreviations is looked up without scanning the document for each."""

    words: tuple[str, ...]
    at: dict[str, tuple[int, ...]]
    whole: frozenset[str]  # words the document also writes without a full stop: "format." ends a sentence

    @classmethod
    def of(cls, text: str) -> DocumentWords:
        words = tuple(word.casefold() for word in _WORD.findall(text))
        at: dict[str, list[int]] = {}
        for i, word in enumerate(words):
            at.setdefault(word[:2], []).append(i)
        whole = frozenset(word.casefold() for word in _WHOLE_WORD.findall(text))
        return cls(words, {key: tuple(found) for key, found in at.items()}, whole)

    def spellings(self, run: Sequence[str]) -> dict[tuple[str, ...], tuple[str, ...]]:
        """Every run of consecutive words spelling out `run` (abbreviations, casefolded), by its stemmed terms
        (one run of words for each)."""
        found: dict[tuple[str, ...], tuple[str, ...]] = {}
        if any(short in self.whole for short in run):
            return found
        for i in self.at.get(run[0][:2], ()):
            words = self.words[i : i + len(run)]
            if spells(words, run):
                found.setdefault(tuple(normalize_word(word) for word in words), words)
        return found


def spells(words: Sequence[str], run: Sequence[str]) -> bool:
    """Whether `words` (casefolded) spell out the abbreviations of `run` one by one: as many, each longer than its
    abbreviation and beginning with it."""
    return len(words) == len(run) and all(len(w) > len(short) and w.startswith(short) for w, short in zip(words, run))


def abbreviation_runs(text: str) -> list[tuple[str, ...]]:
    """The runs of abbreviations in `text`'s table cells, casefolded: "| Dist. Sup. | 43.9 |" → [("dist", "sup")]."""
    if "|" not in text:  # no table row: most passages, read for every question
        return []
    runs = []
    for line in text.splitlines():
        if cells(line) is None:
            continue
        for cell in line.strip().strip("|").split("|"):
            for found in _RUN.finditer(cell):
                run = tuple(word.casefold() for word in _ABBREVIATION.findall(found.group(0)))
                if 0 < len(run) <= MAX_RUN:
                    runs.append(run)
    return runs


def spelled_out(texts: Iterable[str], words: DocumentWords) -> str:
    """The words that spell out the abbreviations of `texts` (a passage and its lead) in their document, space
    separated ("" when none is spelled out one way only): added to what BM25 indexes for the passage."""
    spelled: list[str] = []
    seen: set[tuple[str, ...]] = set()
    for text in texts:
        for run in abbreviation_runs(text):
            if run in seen:
                continue
            seen.add(run)
            found = words.spellings(run)
            if len(found) == 1:
                spelled.extend(next(iter(found.values())))
    return " ".join(spelled)


def asked_abbreviations(question: str, texts: Iterable[str]) -> dict[str, str]:
    """The abbreviations of `texts`' table cells that the question spells out, each with the word that spells it
    ("… the distantly supervised model" and "| Dist. Sup. |": {"dist": "distantly", "sup": "supervised"}), so a
    question's term weights can count the abbreviation as the word."""
    words = [word.casefold() for word in _WORD.findall(question)]
    asked: dict[str, str] = {}
    for text in texts:
        for run in abbreviation_runs(text):
            for i in range(len(words) - len(run) + 1):
                spelled = words[i : i + len(run)]
                if spells(spelled, run):
                    asked.update(zip(run, spelled))
                    break
    return asked
