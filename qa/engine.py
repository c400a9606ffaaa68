"""The library's front door: build an index from a folder, open it, ask questions.

The CLI and the Gradio app are thin shells over `build_from_folder`, `Engine.open` and `Engine.ask`.
`Response` is the `qa ask --json` contract, as dataclasses. Questions, `mode` and `k` are checked here, once,
with one exception type (QuestionError); ranking is qa/search/rank.py.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Callable, Collection
from dataclasses import asdict, dataclass, field
from enum import Enum
from pathlib import Path

import numpy as np

from .errors import IndexNotReady, QuestionError
from .index.build import BATCH_PASSAGES, BuildReport, ProgressFn, build
from .index.config import BuildConfig
from .index.manifest import FolderSource
from .index.open import LoadedIndex, check_fresh, open_index
from .index.progress import EventFn, StopFn
from .index.sources import folder_sources
from .index.store import StoredChunk
from .ingest.chunk import Chunk
from .ingest.load import no_readable_file
from .ingest.tokens import STOPWORDS, terms
from .models.encoder import Encoder, load_encoder
from .models.reader import Reader
from .models.reranker import Reranker
from .options import Mode
from .search.highlight import AnswerSentence, Highlight, HighlightSettings, term_highlights
from .search.rank import Ranker, Ranking
from .search.read import ReadingSettings, page_at
from .search.retrieve import Hit, SearchSettings

__all__ = [
    "Engine",
    "Notice",
    "NoticeKind",
    "Response",
    "Result",
    "build_from_folder",
    "load_encoder",
    "parse_mode",
    "prepare_question",
]

MAX_QUESTION_CHARS = 100_000
READER_THREADS = min(2, os.cpu_count() or 1)  # reading on two cores: p95 of ask 140 → 97 ms (benchmarks/latency.py)
MAX_K = 50
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
# Below both, the best passage is probably not an answer: the page says so instead of presenting it as one.
# The similarity bar is measured per index at build time (how alike unrelated sentences look to its model).
CONFIDENT_TERM_OVERLAP = 0.5


class NoticeKind(str, Enum):
    """What a notice is about: the app shows some of them in its own way (NOT_CONFIDENT as a banner)."""

    INVALID_BYTES = "invalid-bytes"
    CONTROL_CHARACTERS = "control-characters"
    CUT = "cut"
    NOT_ENGLISH = "not-english"
    NO_MATCH = "no-match"
    NOT_CONFIDENT = "not-confident"


class DoubtReason(str, Enum):
    """Why a NOT_CONFIDENT notice doubts the answer, so a view can say what to do about it."""

    NO_ANSWER_READ = "no-answer-read"  # the reader read the best passages and found no answer in them
    WEAK_MATCH = "weak-match"  # no passage is much like the question


DOUBT_TEXT = {
    DoubtReason.NO_ANSWER_READ: "the best passages do not seem to hold an answer: the corpus may not answer this "
    "question",
    DoubtReason.WEAK_MATCH: "no passage scores well: the corpus may not answer this question",
}


@dataclass(frozen=True)
class Notice:
    """A note for the user about their question or the answer: a kind to act on, one line to show and, for a
    NOT_CONFIDENT notice, the reason."""

    kind: NoticeKind
    text: str
    reason: DoubtReason | None = None

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Attachment:
    """The e-mail attachment a result's passage stands in, a document of its own inside the message: its file name,
    kind ("pdf", "xlsx", ...) and place among the message's attachments (`number`, 1-based: how the app opens it)."""

    name: str
    kind: str
    number: int


@dataclass(frozen=True)
class Result:
    """One ranked passage as shown: `text` is the document's text from `start` to `end` (the reading window when
    the reader read it, else the passage), `passage_start`/`passage_end` the retrieved passage inside it; the
    answer's and highlights' offsets are relative to `text`; `page` is the page of the answer sentence, and `ocr`
    whether that page's text was read by OCR (the build records such pages in the manifest's file entry)."""

    rank: int
    score: float
    doc: str
    heading: str
    page: int | None
    section: str
    start: int
    end: int
    text: str
    answer: AnswerSentence | None
    highlights: tuple[Highlight, ...]
    passage_start: int = -1
    passage_end: int = -1
    read: bool = False  # the reader read this result's window (its bold span is the reader's)
    ocr: bool = False  # the text of `page` was read by OCR from a scan (it may hold misread words)
    attachment: Attachment | None = None  # in an e-mail: the attachment the passage stands in

    @property
    def passage(self) -> str:
        """The retrieved passage itself (what hit@k is judged on)."""
        return self.text[self.passage_start - self.start : self.passage_end - self.start]


@dataclass(frozen=True)
class Response:
    question: str
    mode: str
    results: tuple[Result, ...]
    confident: bool = True
    notices: tuple[Notice, ...] = field(default_factory=tuple)

    def to_json(self) -> dict:
        """The `qa ask --json` contract: notices as their one-line texts."""
        data = asdict(self)
        data["notices"] = [notice.text for notice in self.notices]
        data["doubt"] = next((n.reason.value for n in self.notices if n.reason is not None), None)
        for result in data["results"]:
            if result["answer"] is not None:
                result["answer"].pop("score", None)
        return data


def build_from_folder(
    corpus_dir: str | os.PathLike[str],
    index_dir: str | os.PathLike[str],
    config: BuildConfig = BuildConfig(),
    *,
    encoder: Encoder | None = None,
    on_progress: ProgressFn | None = None,
    wait_for_lock: bool = False,
    ray_address: str | None = None,
    ray_workers: int | None = None,
    ray_batch: int = BATCH_PASSAGES,
    encoder_factory: Callable[[], Encoder] | None = None,
    on_event: EventFn | None = None,
    should_stop: StopFn | None = None,
    new_files: Collection[str] | None = None,
) -> BuildReport:
    """Build (or update) the index of a corpus folder. With `ray_address` ('auto', 'host:port', 'local'), the
    passages are first embedded on a Ray cluster (qa/index/raybuild.py; `encoder_factory` makes the encoder on
    a worker, default: load `config.model` there). `on_event` hears each file's progress (`BuildProgress`:
    pages read, passages embedded), `should_stop` can cancel the build at a safe point (`BuildCancelled`, the
    index untouched) and `new_files` limits which new files this build adds (see `qa.index.build.build`)."""
    watch = {"on_event": on_event, "should_stop": should_stop, "new_files": new_files}
    encoder = encoder or load_encoder(config.model, config.runtime)
    root = Path(corpus_dir)
    sources = folder_sources(root, config.max_file_bytes)
    if not sources:
        raise no_readable_file(root, [])
    source = FolderSource(str(root))
    if ray_address is None:
        return build(
            sources,
            index_dir,
            encoder,
            config,
            source=source,
            root=root,
            on_progress=on_progress,
            wait_for_lock=wait_for_lock,
            **watch,
        )
    from .index.raybuild import build_with_ray

    return build_with_ray(
        sources,
        root,
        Path(index_dir),
        encoder,
        config,
        address=ray_address,
        workers=ray_workers,
        factory=encoder_factory,
        batch=ray_batch,
        on_progress=on_progress,
        wait_for_lock=wait_for_lock,
        **watch,
    )


def parse_mode(mode: str) -> Mode:
    """The retrieval mode, or QuestionError naming the choices (the one check of `mode`)."""
    try:
        return Mode.parse(mode, "mode")
    except ValueError as exc:
        raise QuestionError(str(exc)) from None


def _clean_characters(question: str, notices: list[Notice]) -> str:
    if _SURROGATE.search(question):  # undecodable bytes (e.g. a non-UTF-8 terminal) arrive as lone surrogates
        question = _SURROGATE.sub(" ", question)
        notices.append(
            Notice(
                NoticeKind.INVALID_BYTES,
                "characters that are not valid text (bytes that are not UTF-8) were replaced by spaces",
            )
        )
    cleaned = _CONTROL.sub(" ", unicodedata.normalize("NFC", question))
    if cleaned != unicodedata.normalize("NFC", question):
        notices.append(
            Notice(NoticeKind.CONTROL_CHARACTERS, "control characters in the question were replaced by spaces")
        )
    return re.sub(r"\s+", " ", cleaned).strip()


def _check_words(cleaned: str, notices: list[Notice]) -> None:
    words = re.findall(r"[^\W_]+", cleaned)
    if not words:
        raise QuestionError("the question has no words, only punctuation or symbols; ask about something in the corpus")
    if not terms(cleaned) and all(w.lower() in STOPWORDS for w in words):
        raise QuestionError(
            f"the question '{cleaned[:60]}' has only common words (like 'what', 'the'); name what you are asking about"
        )
    letters = [ch for ch in cleaned if ch.isalpha()]
    if letters and sum(ch.isascii() for ch in letters) / len(letters) < 0.5:
        notices.append(
            Notice(
                NoticeKind.NOT_ENGLISH,
                "the question does not look like English; the model and the corpus are English, so results may be poor",
            )
        )


def prepare_question(question: str, max_chars: int) -> tuple[str, list[Notice]]:
    """Clean a question or raise QuestionError; returns the text to search and notices for the user."""
    if not isinstance(question, str) or not question.strip():
        raise QuestionError("the question is empty; type a question about the corpus")
    if len(question) > MAX_QUESTION_CHARS:
        raise QuestionError(
            f"the question has {len(question):,} characters, over the {MAX_QUESTION_CHARS:,} limit; "
            "ask a shorter question"
        )
    notices: list[Notice] = []
    cleaned = _clean_characters(question, notices)
    if len(cleaned) > max_chars:
        notices.append(
            Notice(
                NoticeKind.CUT,
                f"the question was cut to its first {max_chars:,} characters "
                f"({len(cleaned):,} given), the most the model reads",
            )
        )
        cleaned = cleaned[:max_chars].rsplit(" ", 1)[0] or cleaned[:max_chars]
    _check_words(cleaned, notices)
    return cleaned, notices


class Engine:
    """A loaded index and its encoder: answers questions, thread-safe for reads."""

    def __init__(
        self, index: LoadedIndex, encoder: Encoder, reader: Reader | None = None, reranker: Reranker | None = None
    ) -> None:
        self.index = index
        self.encoder = encoder
        self.reader = reader
        self.reranker = reranker
        self.ranker = Ranker(index, encoder, reader, reranker)
        self.retriever = self.ranker.retriever
        # about 4 characters a token: the model reads max_tokens, the rest is noise
        self.max_question_chars = 4 * encoder.max_tokens

    @classmethod
    def open(
        cls,
        index_dir: str | os.PathLike[str],
        *,
        model: str | None = None,
        corpus_dir: str | os.PathLike[str] | None = None,
        encoder: Encoder | None = None,
        reader: Reader | bool = True,
        reranker: Reranker | bool = False,
    ) -> Engine:
        """Load an index (checking model and, if `corpus_dir` is given, freshness), the model it was built with,
        (unless `reader=False`) the reader shipped with the package or the `Reader` given, and (only with
        `reranker=True` or a `Reranker`) the reranker: it triples the time of a question for a small gain
        (README, "Reranking"), and only reorders what the reader then reads, so without a reader it is not loaded.
        The index's generation stays leased (no build removes it) until `close()` or until the engine is collected."""
        index = open_index(index_dir, model=encoder.name if encoder is not None else model)
        try:
            if corpus_dir is not None:
                check_fresh(index.manifest, corpus_dir, index_dir)
            built = index.manifest.model
            encoder = encoder or load_encoder(built.name, built.runtime or index.config.runtime)
            if encoder.dimension != built.dimension:
                raise IndexNotReady(
                    f"model '{encoder.name}' gives {encoder.dimension}-dimensional vectors but the index at "
                    f"{index_dir} holds {built.dimension}; rebuild it with `qa build`"
                )
            if reader is True:
                reader = Reader.open(threads=READER_THREADS)
            if not reader:
                reranker = False
            elif reranker is True:
                reranker = Reranker.open(threads=READER_THREADS)
        except BaseException:
            index.close()
            raise
        return cls(index, encoder, reader or None, reranker or None)

    def close(self) -> None:
        """Release the index (its generation may then be removed by a later build); the engine answers no more."""
        self.index.close()

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def ask(
        self,
        question: str,
        *,
        k: int = 5,
        mode: str = Mode.HYBRID,
        settings: SearchSettings = SearchSettings(),
        highlight: HighlightSettings = HighlightSettings(),
        reader: bool = True,
        reading: ReadingSettings = ReadingSettings(),
    ) -> Response:
        """Answer a question: the ranked passages, each with its answer sentence and (read by the reader, unless
        `reader=False` or the engine has none) the answer's exact words."""
        mode = parse_mode(mode)
        if not 1 <= k <= MAX_K:
            raise QuestionError(f"k={k} is outside 1..{MAX_K}; ask for between 1 and {MAX_K} passages")
        cleaned, notices = prepare_question(question, self.max_question_chars)
        query_vector = self.embed_question(cleaned)
        ranking = self.ranker.rank(
            cleaned,
            query_vector,
            mode=mode,
            k=k,
            settings=settings,
            highlight=highlight,
            answers=True,
            reading=reading if reader else None,
        )
        results = self._results(ranking, cleaned)
        if not results:
            notices.append(Notice(NoticeKind.NO_MATCH, "no passage matched the question"))
            return Response(cleaned, mode.value, results, False, tuple(notices))
        doubt = self._doubt(ranking, cleaned, query_vector, reading)
        if doubt is not None:
            notices.append(Notice(NoticeKind.NOT_CONFIDENT, DOUBT_TEXT[doubt], doubt))
        return Response(cleaned, mode.value, results, doubt is None, tuple(notices))

    def search(
        self,
        question: str,
        *,
        k: int = 5,
        mode: str = Mode.HYBRID,
        settings: SearchSettings = SearchSettings(),
        highlight: HighlightSettings = HighlightSettings(),
        query_vector: np.ndarray | None = None,
        reader: bool = False,
        reading: ReadingSettings = ReadingSettings(),
    ) -> list[Hit]:
        """The ranked passages for a question, best first: the one ranking path behind `ask`, `qa eval --beir`
        and the BEIR tuning script, so what is measured is what users get.

        The question is cleaned as `ask` cleans it (QuestionError when it cannot be asked); `query_vector`, if
        given, must be `question_vector(question)` (a cache), else the question is embedded here. No `MAX_K`
        limit: a document benchmark needs hundreds of passages. The reader is off unless `reader=True`: a
        retrieval benchmark (BEIR) ranks documents for claims and queries, not answers to questions.
        """
        mode = parse_mode(mode)
        if k < 1:
            raise QuestionError(f"k={k} is below 1; ask for at least one passage")
        cleaned, _ = prepare_question(question, self.max_question_chars)
        if query_vector is None:
            query_vector = self.embed_question(cleaned)
        ranking = self.ranker.rank(
            cleaned,
            query_vector,
            mode=mode,
            k=k,
            settings=settings,
            highlight=highlight,
            answers=False,
            reading=reading if reader else None,
        )
        return list(ranking.hits)

    def embed_question(self, cleaned: str) -> np.ndarray:
        return self.encoder.encode([cleaned])[0]

    def question_vector(self, question: str) -> np.ndarray:
        """The vector `search` embeds for `question` (cleaned the same way): callers may cache it."""
        cleaned, _ = prepare_question(question, self.max_question_chars)
        return self.embed_question(cleaned)

    def _results(self, ranking: Ranking, question: str) -> tuple[Result, ...]:
        pages: dict[str, tuple[int, ...]] = {}
        results = []
        for rank, (hit, answer) in enumerate(zip(ranking.hits, ranking.answers), start=1):
            chunk = ranking.rows[hit.chunk].chunk
            if chunk.page is not None and chunk.doc_id not in pages:
                pages[chunk.doc_id] = self.index.chunks.page_starts(chunk.doc_id)
            results.append(self._result(rank, hit, chunk, answer, question, ranking, pages.get(chunk.doc_id, ())))
        return tuple(results)

    def _result(
        self,
        rank: int,
        hit: Hit,
        chunk: Chunk,
        answer: AnswerSentence | None,
        question: str,
        ranking: Ranking,
        pages: tuple[int, ...],
    ) -> Result:
        window = ranking.windows.get(hit.chunk)
        start, end, text = (
            (window.window.start, window.window.end, window.text) if window else (chunk.start, chunk.end, chunk.text)
        )
        page = page_at(pages, start + answer.start) if answer is not None and pages else chunk.page
        entry = self.index.manifest.files.get(chunk.doc_id)
        part = entry.attachment_at(chunk.start) if entry is not None else None
        return Result(
            rank,
            round(hit.score, 4),
            chunk.doc_id,
            chunk.heading,
            page,
            chunk.section,
            start,
            end,
            text,
            answer,
            tuple(term_highlights(question, text)),
            chunk.start,
            chunk.end,
            window is not None,
            entry is not None and entry.read_by_ocr(page, start + (answer.start if answer is not None else 0)),
            Attachment(part.name, part.kind, part.number) if part is not None else None,
        )

    @property
    def confident_similarity(self) -> float | None:
        """The sentence similarity above which a passage reads as an answer: unrelated sentences of this index
        (for its model) stay below it 95 % of the time. None when the index has too few sentences to tell."""
        return self.index.manifest.calibration.unrelated_sentence_similarity_p95

    def _doubt(
        self, ranking: Ranking, question: str, query_vector: np.ndarray, reading: ReadingSettings
    ) -> DoubtReason | None:
        """Why the corpus may not answer the question (None when the answer looks sound): the reader found no
        answer in any window it read, or (nothing read) no passage scores well."""
        if ranking.no_answer is not None:
            return DoubtReason.NO_ANSWER_READ if ranking.no_answer > reading.no_answer_margin else None
        top = ranking.rows[ranking.hits[0].chunk]
        return None if self._similar(top, question, query_vector) else DoubtReason.WEAK_MATCH

    def _similar(self, row: StoredChunk, question: str, query_vector: np.ndarray) -> bool:
        asked = set(terms(question))
        overlap = len(asked & set(terms(row.chunk.text))) / len(asked) if asked else 0.0
        bar = self.confident_similarity
        if bar is None:
            return overlap >= CONFIDENT_TERM_OVERLAP
        best_sentence = float(self.ranker.sentence_similarities(row, query_vector).max(initial=-1.0))
        return best_sentence >= bar or overlap >= CONFIDENT_TERM_OVERLAP
