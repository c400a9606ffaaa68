"""Lexical matching: one tokenizer for BM25, query-term highlighting and answer-sentence overlap.

Keeps names, numbers and dates matchable: diacritics folded ("Vilayət" = "Vilayet"), thousands
separators dropped ("1,572" = "1572"), possessives stripped ("Eyvazov's" = "Eyvazov"), letters+digits
kept whole ("MP5", "AZ1005"). Words are Snowball-stemmed; English stop words are dropped.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

_FOLD_EXTRA = str.maketrans({"ə": "e", "Ə": "e", "ı": "i", "ł": "l", "ø": "o", "ß": "ss", "æ": "ae", "œ": "oe", "đ": "d"})
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+(?:\d+[^\W\d_]*)*|[^\W_]+", re.UNICODE)
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")

STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being below between
    both but by can could did do does doing down during each few for from further had has have having he her here
    hers herself him himself his how i if in into is it its itself just me more most my myself no nor not now of off
    on once only or other our ours ourselves out over own same she should so some such than that the their theirs
    them themselves then there these they this those through to too under until up very was we were what when where
    which while who whom why will with would you your yours yourself yourselves also s t d ll m o re ve y
    many much does did tell please know named name called""".split()
)


@dataclass(frozen=True)
class Token:
    """A normalized term and the (start, end) of the word it came from in the original text."""

    term: str
    start: int
    end: int


def fold(text: str) -> str:
    """Lowercase and strip diacritics, keeping one character per input character where possible."""
    text = text.translate(_FOLD_EXTRA)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


@lru_cache(maxsize=1)
def _stemmer():  # type: ignore[no-untyped-def]
    import Stemmer

    return Stemmer.Stemmer("english")


def normalize_word(word: str) -> str:
    """The term a word matches as: folded, possessive dropped, numbers without separators, stemmed."""
    w = fold(word)
    if w[:1].isdigit():
        return _THOUSANDS.sub("", w)
    if w.endswith(("'s", "’s")):
        w = w[:-2]
    return _stemmer().stemWord(w)


@lru_cache(maxsize=1 << 18)
def _word_term(word: str, keep_stopwords: bool) -> str:
    """normalize_word, or '' for a stop word; cached: a corpus repeats its words (4x faster builds)."""
    if not keep_stopwords and fold(word) in STOPWORDS:
        return ""
    return normalize_word(word)


def tokens_with_offsets(text: str, *, keep_stopwords: bool = False) -> list[Token]:
    out = []
    for match in _TOKEN.finditer(text):
        term = _word_term(match.group(), keep_stopwords)
        if term:
            out.append(Token(term, match.start(), match.end()))
    return out


def terms(text: str) -> list[str]:
    """The terms of tokens_with_offsets, without building Token objects (BM25 indexes every passage through this)."""
    return [term for word in _TOKEN.findall(text) if (term := _word_term(word, False))]


class BM25Index:
    """bm25s over our own tokens; saved as bm25s' plain files inside the index folder."""

    def __init__(self, model) -> None:  # type: ignore[no-untyped-def]
        self._model = model
        vocab = model.vocab_dict
        self._vocab = vocab

    @classmethod
    def build(cls, texts: list[str], *, k1: float = 1.2, b: float = 0.75) -> "BM25Index":
        import bm25s

        model = bm25s.BM25(k1=k1, b=b, method="lucene")
        model.index([terms(t) or [""] for t in texts], show_progress=False)
        return cls(model)

    def save(self, folder: Path) -> None:
        self._model.save(str(folder), show_progress=False)

    @classmethod
    def load(cls, folder: Path) -> "BM25Index":
        import bm25s

        return cls(bm25s.BM25.load(str(folder), show_progress=False, verbosity=0))

    def idf(self, term: str) -> float:
        """BM25's inverse document frequency of a term over the passages (0 for a term never seen)."""
        token = self._vocab.get(term)
        if token is None:
            return 0.0
        indptr = self._model.scores["indptr"]
        df = int(indptr[token + 1] - indptr[token])
        n = int(self._model.scores["num_docs"])
        return float(np.log(1.0 + (n - df + 0.5) / (df + 0.5)))

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every passage for the query (zeros when no query term is in the vocabulary)."""
        query_terms = [t for t in terms(query) if t in self._vocab]
        n = int(self._model.scores["num_docs"])
        if not query_terms:
            return np.zeros(n, dtype=np.float32)
        return np.asarray(self._model.get_scores(query_terms), dtype=np.float32)
