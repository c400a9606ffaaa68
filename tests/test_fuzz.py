"""Hypothesis properties: the chunker's offsets for any Unicode text, and question handling for any string.

Kept small (a few hundred examples in all, no deadline) so the file runs in well under 30 s.
"""

from __future__ import annotations

import html
import json
import os
import re
import tempfile
from dataclasses import replace
from pathlib import Path

import click
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from robustness_support import FAKE_MODEL, TINY, make_corpus

from qa.engine import Engine, build_from_folder, prepare_question
from qa.errors import CorpusError, QuestionError
from qa.index.config import BuildConfig
from qa.ingest.chunk import ChunkSettings, chunk_document
from qa.ingest.load import Document, decode_text, derive_title, load_corpus, printable_id
from qa.ingest.sentences import _loose_lines_kept_as_text, _paragraphs, heading_of, segment

FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)  # derandomized in CI (conftest)

# Pieces that steer the text into every branch of the segmenter: headings of both syntaxes, bullets, table rows,
# abbreviations, line breaks of every kind, odd spaces and marks.
PIECES = st.sampled_from(
    [
        "= Title =",
        "== History ==",
        "=== Sub ===",
        "# Heading",
        "### Deep #",
        "Loose heading",
        "- item",
        "* item",
        "1. item",
        "12) item",
        "| a | b |",
        "Gen. J. Smith led it.",
        "It was formed in 1991.",
        "Dr. No",
        "e.g. this",
        "U.S.A.",
        "...",
        "?!",
        "“Quoted.”",
        "(Parenthesis.)",
        "\n",
        "\n\n",
        "\r\n",
        "\r",
        "\n \n",
        "\t",
        " ",
        "\u00a0",
        "\u2028",
        "\u2029",
        "\x0b",
        "\x0c",
        "\x1c",
        "\x85",
        "\u200b",
        "\ufeff",
        "e\u0301",
        "ﬁ",
        "İ",
        "ß",
        "ǅ",
        "🙂",
        "日本語の文。",
        "Привет. Мир!",
        "word " * 40,
        "x" * 300,
    ]
)
TEXT = st.one_of(
    st.text(max_size=400),
    st.lists(st.one_of(PIECES, st.text(max_size=20)), max_size=40).map("".join),
)
SETTINGS = st.builds(
    ChunkSettings,
    target_words=st.integers(5, 120),
    overlap_sentences=st.integers(0, 3),
    paragraph_fill=st.floats(0.0, 1.0),
    max_unit_words=st.integers(1, 150),
    tail_fill=st.floats(0.0, 0.5),
)


def heading_lines(text: str) -> list[tuple[int, int]]:
    """The lines the segmenter takes as headings (metadata, not passage text), by its own rules."""
    paragraphs = _paragraphs(text)
    kept = _loose_lines_kept_as_text(text, paragraphs)
    return [
        (start, end)
        for lines in paragraphs
        for start, end in lines
        if heading_of(text[start:end], alone=len(lines) == 1 and start not in kept)
    ]


@FUZZ
@given(text=TEXT, chunking=SETTINGS)
def test_chunk_offsets_round_trip_and_cover_the_text(text: str, chunking: ChunkSettings) -> None:
    doc = Document("fuzz.txt", text, derive_title("fuzz.txt", text), "0")
    chunks = chunk_document(doc, replace(chunking, min_words=0))  # every passage, the tiny ones too
    kept = chunk_document(doc, chunking)  # passages under min_words are dropped, unless nothing else is left
    assert kept == ([c for c in chunks if c.words >= chunking.min_words] or chunks)
    covered = bytearray(len(text))
    for chunk in chunks:
        assert 0 <= chunk.start < chunk.end <= len(text)
        assert text[chunk.start : chunk.end] == chunk.text
        assert chunk.sentences and chunk.sentences[0][0] == chunk.start and chunk.sentences[-1][1] == chunk.end
        previous_end = chunk.start
        for a, b in chunk.sentences:
            assert previous_end <= a < b <= chunk.end  # inside the chunk, in order, never overlapping
            assert text[a:b].strip() and not text[a].isspace() and not text[b - 1].isspace()
            previous_end = b
            covered[a:b] = b"\x01" * (b - a)
        # a full passage, plus at most a short section tail folded into it
        limit = max(chunking.max_unit_words, chunking.target_words) + chunking.tail_fill * chunking.target_words
        assert chunk.words <= limit or len(chunk.sentences) == 1
    headings = bytearray(len(text))
    for a, b in heading_lines(text):
        headings[a:b] = b"\x01" * (b - a)
    lost = [i for i, ch in enumerate(text) if not ch.isspace() and not covered[i] and not headings[i]]
    assert not lost, f"characters in no passage and no heading: {[text[i] for i in lost][:10]}"
    # chunks of one section follow each other; overlap repeats at most overlap_sentences sentences
    for before, after in zip(chunks, chunks[1:]):
        shared = set(before.sentences) & set(after.sentences)
        assert len(shared) <= chunking.overlap_sentences


@FUZZ
@given(text=TEXT)
def test_segment_units_are_trimmed_spans_of_the_text(text: str) -> None:
    for unit in segment(text, max_unit_words=30):
        piece = text[unit.start : unit.end]
        assert piece and piece == piece.strip() and 1 <= unit.words <= 30 and unit.words == len(piece.split())


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=300))
def test_decode_text_returns_text_or_says_why_not(data: bytes) -> None:
    try:
        text = decode_text(data, "f.txt")
    except ValueError as exc:
        assert str(exc) and "\n" not in str(exc)
    else:  # read in one of the encodings a text file is saved in, by its mark, its zero bytes or its bytes
        encodings = ("utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "cp1252")
        assert text.strip() and any(text == data.decode(e, errors="ignore") for e in encodings)


NAME = st.text(st.characters(blacklist_characters="/\x00", blacklist_categories=("Cs",)), min_size=1, max_size=12)


@settings(max_examples=25, deadline=None)
@given(files=st.dictionaries(NAME, st.binary(max_size=80), min_size=1, max_size=5))
def test_load_corpus_reads_or_names_every_text_file(files: dict[str, bytes]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        names = []
        for name, data in files.items():
            path = os.path.join(folder, name + ".txt")
            if os.path.exists(path):
                continue
            with open(path, "wb") as fh:
                fh.write(data)
            if not (name + ".txt").startswith("."):
                names.append(printable_id(name + ".txt"))
        try:
            loaded = load_corpus(folder)
        except CorpusError as exc:
            assert "\n" not in str(exc)
            return
        assert sorted([d.id for d in loaded.documents] + [s.path for s in loaded.skipped]) == sorted(names)
        assert all("\n" not in f"{s.path}: {s.reason}" for s in loaded.skipped)  # each fits the one-line Warning
        assert all("\n" not in f"{s.path}: {s.reason}" for s in loaded.skipped)  # each fits the one-line Warning
        for doc in loaded.documents:
            assert Path(folder, doc.id).read_bytes().decode("utf-8-sig") == doc.text


# ---------------------------------------------------------------- questions

QUESTION = st.one_of(
    st.text(st.characters(codec=None), max_size=200),  # surrogates included: undecodable argv bytes arrive as those
    st.lists(
        st.sampled_from(
            [
                "what",
                "is",
                "the",
                "band",
                "?",
                "<b>",
                " ",
                "\x00",
                "\ud800",
                "Baku",
                "١٢٣",
                "日本",
                "members",
                "\u200b",
                "\n",
                "🙂",
                "...",
                "1991",
            ]
        ),
        max_size=30,
    ).map("".join),
    st.integers(0, 20_000).map(lambda n: "band " * n),
)
_FORBIDDEN = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


@settings(max_examples=300, deadline=None)
@given(question=QUESTION, max_chars=st.integers(1, 2_000))
def test_prepare_question_cleans_or_raises_question_error(question: str, max_chars: int) -> None:
    try:
        cleaned, notices = prepare_question(question, max_chars)
    except QuestionError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    assert cleaned and cleaned == cleaned.strip() and "  " not in cleaned and len(cleaned) <= max_chars
    assert not _FORBIDDEN.search(cleaned)
    assert all(isinstance(n.text, str) and n.text and "\n" not in n.text for n in notices)


# the tiny corpus plus a file whose text looks like markup: it must come back as text, escaped
FILES = TINY | {
    "markup.txt": 'Markup\n\nThe band <b>plays</b> & sings "loud" songs at 5 < 6 pm in <script>Baku</script>.\n'
}
_MARK_TAGS = re.compile(r'<mark class="qa-(?:sentence|span|term)">|</mark>')


@pytest.fixture(scope="module")
def engine(tmp_path_factory) -> Engine:  # type: ignore[no-untyped-def]
    from conftest import HashEncoder

    folder = tmp_path_factory.mktemp("fuzz")
    make_corpus(folder / "corpus", FILES)
    build_from_folder(folder / "corpus", folder / "index", BuildConfig(model=FAKE_MODEL), encoder=HashEncoder())
    return Engine.open(folder / "index", encoder=HashEncoder())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(question=QUESTION, k=st.integers(1, 50), mode=st.sampled_from(["hybrid", "dense", "bm25"]))
def test_ask_answers_or_raises_question_error(engine: Engine, question: str, k: int, mode: str) -> None:
    from qa.render import render_html, render_terminal

    try:
        response = engine.ask(question, k=k, mode=mode)
    except QuestionError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    assert len(response.results) <= k and not _FORBIDDEN.search(response.question)
    for result in response.results:
        # the passage is the source file's own text at the offsets the result reports
        assert result.text == FILES[result.doc][result.start : result.end]
        if result.answer is not None:
            assert result.text[result.answer.start : result.answer.end] == result.answer.text
        page = render_html(result.text, result)
        # every passage character is shown, escaped, and the only tags are our marks
        assert html.unescape(_MARK_TAGS.sub("", page)) == result.text
        assert "<" not in _MARK_TAGS.sub("", page)
        if result.answer is not None and result.answer.span is not None:
            assert '<mark class="qa-span">' in page
    # what `qa ask` prints, in both forms, can be written as UTF-8 and shows every passage
    json.dumps(response.to_json(), ensure_ascii=False).encode("utf-8")
    shown = click.unstyle(render_terminal(response))
    shown.encode("utf-8")
    assert all(result.text in shown for result in response.results)
