"""Who speaks in a story's dialogue: lines of quoted speech rarely name their speakers, the passages around them do.

In a novel an exchange runs over several passages ("“The ’ole thing ’ere,” said the Hired Retainer, “is these ’ere
fowls have been and got the roop.”"), and the passage holding the answer may name no one the question names
(Beale, whom the chapter calls "the Hired Retainer" here). So a passage that is mostly dialogue (most of its lines
open with a quotation mark) also gives BM25 the names its neighbours in the same section use: a question naming
the speaker finds the exchange. Names are capitalised words that do not open a sentence; nothing is added to the
text shown, and body text that is not dialogue (a paper, a report, an encyclopedia article) is indexed as it was.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .chunk import Chunk
from .tokens import STOPWORDS

QUOTES = "“\"‘'„«»"  # noqa: RUF001 - the marks lines of speech open with
DIALOGUE_SHARE = 0.5  # of a passage's lines that open with a quotation mark
_WORD = re.compile(r"[^\W\d_]{3,}")
_LETTER = re.compile(r"[^\W\d_]")
# a sentence ends at ". ", "! ", "? ", "” " or a line break; not after a short capitalised abbreviation ("Mrs. Ukridge")
_SENTENCES = re.compile(r"(?<=[.!?”])(?<!\b[A-Z][a-z]\.)(?<!\b[A-Z][a-z]{2}\.)\s+|\n+")


def is_dialogue(text: str) -> bool:
    """Most of the passage's lines open with a quotation mark."""
    lines = [line.lstrip() for line in text.splitlines() if line.strip()]
    return bool(lines) and sum(1 for line in lines if line[0] in QUOTES) / len(lines) >= DIALOGUE_SHARE


def names_in(text: str) -> list[str]:
    """Capitalised words ("Beale", "Ukridge") that are not a sentence's first word nor a stop word, each once."""
    found: list[str] = []
    for sentence in _SENTENCES.split(text):
        first = _LETTER.search(sentence)
        for m in _WORD.finditer(sentence):
            word = m.group()
            opens = first is not None and m.start() == first.start()
            if not opens and word[0].isupper() and word[1:].islower() and word.lower() not in STOPWORDS:
                found.append(word)
    return list(dict.fromkeys(found))


def speaker_names(chunks: Sequence[Chunk]) -> list[str]:
    """For each of one document's passages (in order), the names its neighbours in the same section use and it does
    not, space-separated, when it is dialogue; '' otherwise."""
    out = []
    named: dict[int, list[str]] = {}  # a passage between two dialogue passages is read for names once
    for i, chunk in enumerate(chunks):
        if not is_dialogue(chunk.text):
            out.append("")
            continue
        around = [j for j in (i - 1, i + 1) if 0 <= j < len(chunks) and chunks[j].headings == chunk.headings]
        for j in around:
            if j not in named:
                named[j] = names_in(chunks[j].text)
        names = [name for j in around for name in named[j]]
        out.append(" ".join(name for name in dict.fromkeys(names) if name not in chunk.text))
    return out
