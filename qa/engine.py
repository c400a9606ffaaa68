"""The library's front door: build an index from a folder, open it, ask questions.

The CLI and the Gradio app are thin shells over `build_from_folder`, `Engine.open` and `Engine.ask`.
`Response` is the `qa ask --json` contract, as dataclasses.
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import asdict, dataclass, field

import numpy as np

from .index.config import BuildConfig
from .models.encoder import BUNDLED_MODEL, DEFAULT_RUNTIME, Encoder
from .errors import IndexNotReady, QuestionError
from .search.highlight import AnswerSentence, Highlight, HighlightSettings, choose_answer, term_highlights
from .index.build import BuildReport, ProgressFn, build_folder
from .ingest.chunk import Chunk
from .index.open import LoadedIndex, check_fresh, open_index, sentence_embed_text
from .ingest.tokens import STOPWORDS, terms
from .search.retrieve import MODES, Hit, Retriever, SearchSettings
from .index.store import StoredChunk

MAX_QUESTION_CHARS = 100_000
MAX_K = 50
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
# Below both, the best passage is probably not an answer: the page says so instead of presenting it as one.
# The similarity bar is measured per index at build time (how alike unrelated sentences look to its model).
CONFIDENT_TERM_OVERLAP = 0.5


@dataclass(frozen=True)
class Result:
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


@dataclass(frozen=True)
class Response:
    question: str
    mode: str
    results: tuple[Result, ...]
    confident: bool = True
    notices: tuple[str, ...] = field(default_factory=tuple)

    def to_json(self) -> dict:
        data = asdict(self)
        for result in data["results"]:
            if result["answer"] is not None:
                result["answer"].pop("score", None)
        return data


def load_encoder(model: str = BUNDLED_MODEL, runtime: str = DEFAULT_RUNTIME) -> Encoder:
    """One model per (model, runtime) per process, whoever asks for it."""
    from .models.encoder import load_encoder as load

    return load(model, runtime=runtime)


def build_from_folder(corpus_dir: str | os.PathLike[str], index_dir: str | os.PathLike[str],
                      config: BuildConfig = BuildConfig(), *, encoder: Encoder | None = None,
                      on_progress: ProgressFn | None = None, wait_for_lock: bool = False,
                      ray_address: str | None = None, ray_workers: int | None = None) -> BuildReport:
    encoder = encoder or load_encoder(config.model, config.runtime)
    return build_folder(corpus_dir, index_dir, encoder, config, on_progress=on_progress, wait_for_lock=wait_for_lock,
                        ray_address=ray_address, ray_workers=ray_workers)


def prepare_question(question: str, max_chars: int) -> tuple[str, list[str]]:
    """Clean a question or raise QuestionError; returns the text to search and notices for the user."""
    if not isinstance(question, str) or not question.strip():
        raise QuestionError("the question is empty; type a question about the corpus")
    if len(question) > MAX_QUESTION_CHARS:
        raise QuestionError(f"the question has {len(question):,} characters, over the {MAX_QUESTION_CHARS:,} limit; ask a shorter question")
    notices = []
    if _SURROGATE.search(question):  # undecodable bytes (e.g. a non-UTF-8 terminal) arrive as lone surrogates
        question = _SURROGATE.sub(" ", question)
        notices.append("characters that are not valid text (bytes that are not UTF-8) were replaced by spaces")
    cleaned = _CONTROL.sub(" ", unicodedata.normalize("NFC", question))
    if cleaned != unicodedata.normalize("NFC", question):
        notices.append("control characters in the question were replaced by spaces")
    cleaned = re.sub(r"\s+", " ", cleaned).strip()
    if len(cleaned) > max_chars:
        notices.append(f"the question was cut to its first {max_chars:,} characters ({len(cleaned):,} given), the most the model reads")
        cleaned = cleaned[:max_chars].rsplit(" ", 1)[0] or cleaned[:max_chars]
    words = re.findall(r"[^\W_]+", cleaned)
    if not words:
        raise QuestionError("the question has no words, only punctuation or symbols; ask about something in the corpus")
    if not terms(cleaned) and all(w.lower() in STOPWORDS for w in words):
        raise QuestionError(f"the question '{cleaned[:60]}' has only common words (like 'what', 'the'); name what you are asking about")
    letters = [ch for ch in cleaned if ch.isalpha()]
    if letters and sum(ch.isascii() for ch in letters) / len(letters) < 0.5:
        notices.append("the question does not look like English; the model and the corpus are English, so results may be poor")
    return cleaned, notices


@dataclass(frozen=True)
class _Ranking:
    """What `Engine._rank` found: the cleaned question, its vector, the hits and (when asked for) their answers."""

    question: str
    notices: tuple[str, ...]
    query_vector: np.ndarray
    hits: tuple[Hit, ...]
    answers: tuple[AnswerSentence | None, ...]
    rows: dict[int, StoredChunk] = field(default_factory=dict)  # the answered hits' passages and vectors, read once


class Engine:
    """A loaded index and its encoder: answers questions, thread-safe for reads."""

    def __init__(self, index: LoadedIndex, encoder: Encoder) -> None:
        self.index = index
        self.encoder = encoder
        self.retriever = Retriever(index, encoder)
        # about 4 characters a token: the model reads max_tokens, the rest is noise
        self.max_question_chars = 4 * encoder.max_tokens

    @classmethod
    def open(cls, index_dir: str | os.PathLike[str], *, model: str | None = None,
             corpus_dir: str | os.PathLike[str] | None = None, encoder: Encoder | None = None) -> "Engine":
        """Load an index (checking model and, if `corpus_dir` is given, freshness) and the model it was built with."""
        index = open_index(index_dir, model=encoder.name if encoder is not None else model)
        if corpus_dir is not None:
            check_fresh(index.manifest, corpus_dir, index_dir)
        encoder = encoder or load_encoder(index.manifest["model"]["name"], index.manifest["model"].get("runtime") or index.config.runtime)
        if encoder.dimension != index.manifest["model"]["dimension"]:
            raise IndexNotReady(
                f"model '{encoder.name}' gives {encoder.dimension}-dimensional vectors but the index at {index_dir} holds "
                f"{index.manifest['model']['dimension']}; rebuild it with `qa build`"
            )
        return cls(index, encoder)

    def ask(self, question: str, *, k: int = 5, mode: str = "hybrid", settings: SearchSettings = SearchSettings(),
            highlight: HighlightSettings = HighlightSettings()) -> Response:
        if mode not in MODES:
            raise QuestionError(f"mode '{mode}' is not one of {', '.join(MODES)}")
        if not 1 <= k <= MAX_K:
            raise QuestionError(f"k={k} is outside 1..{MAX_K}; ask for between 1 and {MAX_K} passages")
        ranking = self._rank(question, k=k, mode=mode, settings=settings, highlight=highlight, query_vector=None, answers=True)
        cleaned, hits, notices, rows = ranking.question, ranking.hits, list(ranking.notices), ranking.rows
        results = tuple(self._result(rank, hit, rows[hit.chunk].chunk, answer, cleaned)
                        for rank, (hit, answer) in enumerate(zip(hits, ranking.answers), start=1))
        confident = bool(results) and self._confident(results[0], rows[hits[0].chunk], cleaned, ranking.query_vector)
        if not results:
            notices.append("no passage matched the question")
        elif not confident:
            notices.append("no passage scores well: the corpus may not answer this question")
        return Response(question=cleaned, mode=mode, results=results, confident=confident, notices=tuple(notices))

    def search(self, question: str, *, k: int = 5, mode: str = "hybrid", settings: SearchSettings = SearchSettings(),
               highlight: HighlightSettings = HighlightSettings(), query_vector: np.ndarray | None = None) -> list[Hit]:
        """The ranked passages for a question, best first: the one ranking path behind `ask`, `qa eval --beir`
        and the BEIR tuning script, so what is measured is what users get.

        The question is cleaned as `ask` cleans it (QuestionError when it cannot be asked); `query_vector`, if
        given, must be `question_vector(question)` (a cache), else the question is embedded here. No `MAX_K`
        limit: a document benchmark needs hundreds of passages.
        """
        return list(self._rank(question, k=k, mode=mode, settings=settings, highlight=highlight,
                               query_vector=query_vector, answers=False).hits)

    def question_vector(self, question: str) -> np.ndarray:
        """The vector `search` embeds for `question` (cleaned the same way): callers may cache it."""
        cleaned, _ = prepare_question(question, self.max_question_chars)
        return self.retriever.embed_question(cleaned)

    def _rank(self, question: str, *, k: int, mode: str, settings: SearchSettings, highlight: HighlightSettings,
              query_vector: np.ndarray | None, answers: bool) -> _Ranking:
        """Retrieve, then in hybrid mode reorder the top `answer_depth` by their best answer sentence."""
        if mode not in MODES:
            raise QuestionError(f"mode '{mode}' is not one of {', '.join(MODES)}")
        if k < 1:
            raise QuestionError(f"k={k} is below 1; ask for at least one passage")
        cleaned, notices = prepare_question(question, self.max_question_chars)
        if query_vector is None:
            query_vector = self.retriever.embed_question(cleaned)
        depth = settings.answer_depth if mode == "hybrid" and settings.answer_weight > 0 else 0
        hits = self.retriever.search(cleaned, query_vector, mode=mode, k=max(k, depth), settings=settings)
        found: list[AnswerSentence | None] = []
        rows: dict[int, StoredChunk] = {}
        if depth or answers:
            weights = {t: self.index.bm25.idf(t) for t in terms(cleaned)}
            rows = self.index.chunks.get_many([hit.chunk for hit in hits[:max(k, depth)]])  # one read, not one per hit

            def answer(hit: Hit) -> AnswerSentence | None:
                return self._answer(rows[hit.chunk], cleaned, query_vector, highlight, weights)

        if depth:
            # the passage whose best sentence answers best goes first: retrieval and highlight agree on the top;
            # below `depth` the retrieval order stands
            head = hits[:depth]
            head_answers = [answer(hit) for hit in head]
            scored = sorted(((hit.score + settings.answer_weight * (a.score if a else 0.0), i)
                             for i, (hit, a) in enumerate(zip(head, head_answers))), key=lambda item: -item[0])
            hits = [Hit(head[i].chunk, score) for score, i in scored] + hits[depth:]
            found = [head_answers[i] for _, i in scored]
        hits = hits[:k]
        if answers:
            found = found[:k] + [answer(hit) for hit in hits[len(found):]]
        return _Ranking(cleaned, tuple(notices), query_vector, tuple(hits), tuple(found) if answers else (), rows)

    def _sentence_similarities(self, row: StoredChunk, query_vector: np.ndarray) -> np.ndarray:
        """The question's cosine to each sentence of the passage: stored vectors, or embedded now for an index
        built without them (`sentence_vectors="none"`)."""
        if self.index.with_sentences:
            return row.vectors[1:] @ np.asarray(query_vector, dtype=np.float32)
        return self.encoder.encode([sentence_embed_text(row.chunk, s) for s in row.chunk.sentences]) @ query_vector

    def _answer(self, row: StoredChunk, question: str, query_vector, highlight: HighlightSettings,  # type: ignore[no-untyped-def]
                term_weights: dict[str, float]) -> AnswerSentence | None:
        chunk = row.chunk
        relative = [(a - chunk.start, b - chunk.start) for a, b in chunk.sentences]
        similarities = self._sentence_similarities(row, query_vector)
        return choose_answer(question, chunk.text, relative, similarities, highlight, term_weights)

    def _result(self, rank: int, hit: Hit, chunk: Chunk, answer: AnswerSentence | None, question: str) -> Result:
        return Result(rank, round(hit.score, 4), chunk.doc_id, chunk.heading, chunk.page, chunk.section, chunk.start,
                      chunk.end, chunk.text, answer, tuple(term_highlights(question, chunk.text)))

    @property
    def confident_similarity(self) -> float | None:
        """The sentence similarity above which a passage reads as an answer: unrelated sentences of this index
        (for its model) stay below it 95 % of the time. None when the index has too few sentences to tell."""
        return self.index.manifest.get("calibration", {}).get("unrelated_sentence_similarity_p95")

    def _confident(self, top: Result, row: StoredChunk, question: str, query_vector) -> bool:  # type: ignore[no-untyped-def]
        asked = set(terms(question))
        overlap = len(asked & set(terms(top.text))) / len(asked) if asked else 0.0
        bar = self.confident_similarity
        if bar is None:
            return overlap >= CONFIDENT_TERM_OVERLAP
        best_sentence = float(self._sentence_similarities(row, query_vector).max(initial=-1.0))
        return best_sentence >= bar or overlap >= CONFIDENT_TERM_OVERLAP
