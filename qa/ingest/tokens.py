"""Lexical matching: one tokenizer for BM25, query-term highlighting and answer-sentence overlap.

Keeps names, numbers and dates matchable: letters folded to ASCII by anyascii ("Şahin" = "Sahin",
"Łukasz" = "Lukasz"), thousands separators dropped ("1,572" = "1572"), possessives stripped ("Nakamura’s" =
"Nakamura"), letters+digits kept whole ("MP5", "A320"). Words are Snowball-stemmed; English stop words (NLTK's
list plus the function words "also", "many", "much") are dropped. A question's neighbouring words are also
tried joined (`joined_terms`): "max clients" finds "MaxClients", "data set" finds "dataset"; and a camel-case
word split into its parts (`split_words`): "folioNextPos" finds "folio_next_pos".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+(?:\d+[^\W\d_]*)*|[^\W_]+", re.UNICODE)
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")
_LETTER = re.compile(r"[^\W\d_]")
_JOINABLE_GAP = re.compile(r"[ \t_-]?")  # between two words written as one: a space, a hyphen or an underscore
_CAMEL = re.compile(r"[a-z][A-Z]|[A-Z]{2}[a-z]{2}")  # a word whose case changes inside it: "folioNextPos", "HTTPServer"
_CASE_PART = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")
MAX_JOINED = 3  # words joined at most: "folio next pos" → "folionextpos"

STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being below between
    both but by can could did do does doing down during each few for from further had has have having he her here
    hers herself him himself his how i if in into is it its itself just me more most my myself no nor not now of off
    on once only or other our ours ourselves out over own same she should so some such than that the their theirs
    them themselves then there these they this those through to too under until up very was we were what when where
    which while who whom why will with would you your yours yourself yourselves s t d ll m o re ve y
    also many much""".split()
)


def has_letter(text: str) -> bool:
    """Whether the text holds a letter, of any script (a name, not a number or a mark: "Top-5", not "33.7")."""
    return _LETTER.search(text) is not None


@dataclass(frozen=True)
class Token:
    """A normalized term and the (start, end) of the word it came from in the original text."""

    term: str
    start: int
    end: int


def fold(text: str) -> str:
    """Lowercase ASCII transliteration (anyascii: every script, not a hand list of letters). The output may be
    longer than the input ("ß" → "ss"): callers fold one word at a time and keep offsets from the original."""
    from anyascii import anyascii

    return anyascii(text).lower()


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
    return list(_tokens(text, keep_stopwords))


@lru_cache(maxsize=1 << 14)
def _tokens(text: str, keep_stopwords: bool) -> tuple[Token, ...]:
    """Cached: answer choice tokenizes the same passages and sentences question after question."""
    return tuple(
        Token(term, match.start(), match.end())
        for match in _TOKEN.finditer(text)
        if (term := _word_term(match.group(), keep_stopwords))
    )


def terms(text: str) -> list[str]:
    """The terms of tokens_with_offsets, without building Token objects (BM25 indexes every passage through this)."""
    return [term for word in _TOKEN.findall(text) if (term := _word_term(word, False))]


@dataclass(frozen=True)
class JoinedWord:
    """A word as one term and as the terms of its parts: neighbouring words of a question written as one
    (`joined_words`), or a camel-case word of it (`split_words`)."""

    term: str
    parts: tuple[str, ...]


def joined_words(text: str) -> list[JoinedWord]:
    """Each run of two to MAX_JOINED neighbouring words of `text` written as one word ("max clients": the term of
    "MaxClients"), for words of letters that are no stop words, split by one space or hyphen at most. A user
    writes an identifier or a compound apart where the passage has it whole. Most joins are no word of the
    corpus: the caller keeps those its index holds."""
    words = [(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text)]
    out: list[JoinedWord] = []
    for i in range(len(words)):
        run = words[i][0]
        if not _joinable(run):
            continue
        for j in range(i + 1, min(i + MAX_JOINED, len(words))):
            word, start, _ = words[j]
            if not _JOINABLE_GAP.fullmatch(text[words[j - 1][2] : start]) or not _joinable(word):
                break
            run += word
            out.append(JoinedWord(normalize_word(run), tuple(normalize_word(w) for w, _, _ in words[i : j + 1])))
    return out


def split_words(text: str) -> list[JoinedWord]:
    """Each word of `text` written in camel case ("folioNextPos", "HTTPServer") with the terms of its parts ("folio",
    "next", "pos"; stop words left out), when two or more remain: a user writes an identifier whole where the
    passage writes it in parts ("folio_next_pos", "folio next pos"). Most are words the corpus holds whole
    ("MaxClients"): the caller keeps the others."""
    out: list[JoinedWord] = []
    for word in _TOKEN.findall(text):
        if not _CAMEL.search(word):
            continue
        parts = tuple(term for part in _CASE_PART.findall(word) if (term := _word_term(part, False)))
        if len(parts) > 1:
            out.append(JoinedWord(normalize_word(word), parts))
    return out


def joined_terms(text: str) -> list[str]:
    """The terms of `joined_words`."""
    return [joined.term for joined in joined_words(text)]


def _joinable(word: str) -> bool:
    """A word that may be part of a word written apart: letters only, no stop word."""
    return word.isalpha() and fold(word) not in STOPWORDS
