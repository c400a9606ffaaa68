"""Ranking, in one place and one visible order: retrieve by mode → fuse → rescore by best sentence → lift the
passages naming a numbered thing the question names → demote listings of files → reorder the top by answer
sentence → (with the reading models) rerank the top, then reorder the read top → demote contents, reference lists
and listings of files → (hybrid) hold the passage dense search ranks first in the top five.

`Ranker.rank` is the one ranking path behind `Engine.ask`, `Engine.search`, `qa eval` and BEIR. In hybrid mode
the candidates of both indexes (qa/search/retrieve.py) are fused (min-max blend or reciprocal rank fusion),
rescored by their best sentence's similarity, lifted when they name the "Table 5" or "Phase 2" the question
names, and the top `answer_depth` reordered by the score of their best
answer sentence (qa/search/highlight.py), so retrieval and highlighting agree on the top. Dense and BM25 mode
return their own order. Every step is a separate function.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from ..index.open import LoadedIndex
from ..index.store import StoredChunk
from ..ingest.abbreviations import asked_abbreviations
from ..ingest.chunk import Chunk, sentence_embed_text
from ..ingest.kinds import PassageKind
from ..ingest.tokens import terms
from ..models.encoder import Encoder
from ..models.reader import Reader, SeenSpans
from ..models.reranker import Reranker
from ..options import Fusion, Mode
from .extremes import Extreme, ExtremePassage, asked_extreme, extreme_answer, extreme_passage
from .highlight import AnswerSentence, HighlightSettings, Span, choose_answer
from .labels import caption_pattern, numbered_labels, numbered_pattern
from .read import (
    ReadingSettings,
    ReadWindow,
    combined_scores,
    holding_passage,
    keyword_query,
    moved_to,
    read_windows,
    rerank_text,
    span_floor,
    span_outside,
    window_of,
)
from .retrieve import Candidates, Hit, Retrieved, Retriever, SearchSettings
from .tableheads import table_header_before

EXTREME_DEPTH = 10  # hits searched for a table whose column a "most"/"least" question names


@dataclass(frozen=True)
class Ranking:
    """What `Ranker.rank` found: the hits, best first, and (when asked for) their answers and stored rows."""

    hits: tuple[Hit, ...]
    answers: tuple[AnswerSentence | None, ...]
    rows: dict[int, StoredChunk] = field(default_factory=dict)  # the answered hits' passages and vectors, read once
    windows: dict[int, ReadWindow] = field(default_factory=dict)  # the read hits' windows; answers are relative to them
    no_answer: float | None = None  # the read windows' least "no answer" margin (None: nothing was read)


# ---------------------------------------------------------------- pure steps


def minmax(values: np.ndarray) -> np.ndarray:
    if values.size == 0:
        return values
    low, high = float(values.min()), float(values.max())
    return (values - low) / (high - low) if high > low else np.ones_like(values)


def rrf(rankings: list[list[Hit]], *, k: int = 60) -> list[Hit]:
    """Reciprocal rank fusion: score = Σ 1 / (k + rank), rank counted from 1."""
    scores: dict[int, float] = {}
    for ranking in rankings:
        for rank, hit in enumerate(ranking, start=1):
            scores[hit.chunk] = scores.get(hit.chunk, 0.0) + 1.0 / (k + rank)
    return [Hit(c, s) for c, s in sorted(scores.items(), key=lambda item: (-item[1], item[0]))]


def blend(chunks: list[int], dense: np.ndarray, lexical: np.ndarray, dense_weight: float) -> list[Hit]:
    """Min-max normalize each score list over the candidates, then mix: w·dense + (1−w)·bm25."""
    scores = dense_weight * minmax(np.asarray(dense, dtype=np.float64)) + (1 - dense_weight) * minmax(
        np.asarray(lexical, dtype=np.float64)
    )
    order = np.argsort(-scores, kind="stable")
    return [Hit(chunks[i], float(scores[i])) for i in order]


def fuse(candidates: Candidates, settings: SearchSettings, pool: int) -> list[Hit]:
    """The candidates in one order: reciprocal rank fusion of the two ranked lists, or the min-max blend."""
    if settings.fusion == Fusion.RRF:
        dense_scores = candidates.dense
        dense_ranked = [
            Hit(candidates.ids[i], float(dense_scores[i])) for i in np.argsort(-dense_scores, kind="stable")
        ]
        lexical_ranked = [Hit(c, s) for c, s in sorted(candidates.lexical.items(), key=lambda item: -item[1]) if s > 0]
        return rrf([dense_ranked[:pool], lexical_ranked[:pool]], k=settings.rrf_k)
    return blend(candidates.ids, candidates.dense, candidates.lexical_scores, settings.dense_weight)


def demote_kinds(hits: list[Hit], demoted: Collection[int], share: float) -> list[Hit]:
    """Passages that are not body text (a table of contents, a reference list) lose `share` of their score and
    the list is re-sorted (stable): they stay findable, below the body text that scores like them. The cut is a
    share of each score, so it means the same in every mode (a cosine, BM25, a fused score)."""
    if not hits or not demoted or not any(h.chunk in demoted for h in hits):
        return hits
    moved = [Hit(h.chunk, h.score - share * abs(h.score)) if h.chunk in demoted else h for h in hits]
    return sorted(moved, key=lambda h: -h.score)


def held_up(hits: list[Hit], chunk: int | None, slot: int) -> list[Hit]:
    """`chunk` moved up to place `slot` (counted from 1) when it stands below it or is not among `hits`, scored
    halfway between its neighbours there (scores keep falling down the list, so a benchmark that sorts by score
    keeps the order); the hits as they were when it already stands at or above that place, when `slot` is 0 or
    when there are not `slot` hits."""
    if chunk is None or slot < 1 or len(hits) < slot or any(hit.chunk == chunk for hit in hits[:slot]):
        return hits
    below = [hit for hit in hits[slot - 1 :] if hit.chunk != chunk]
    above = hits[slot - 2].score if slot > 1 else hits[0].score
    return hits[: slot - 1] + [Hit(chunk, (above + hits[slot - 1].score) / 2)] + below


def sections_asked(question_terms: Collection[str], rows: Sequence[StoredChunk]) -> set[int]:
    """Ids of the passages whose section the question names: every term of its heading is one of the question's
    ("who wrote X, listed in the talk's further reading?" asks for the "Further Reading" list, which is otherwise
    demoted below body text)."""
    asked = set(question_terms)
    named = set()
    for row in rows:
        heading = set(terms(row.chunk.heading))
        if heading and heading <= asked:
            named.add(row.id)
    return named


def lift(hits: list[Hit], lifted: Collection[int], weight: float) -> list[Hit]:
    """`lifted` passages gain `weight` and the list is re-sorted (stable)."""
    if not lifted:
        return hits
    return sorted((Hit(h.chunk, h.score + weight) if h.chunk in lifted else h for h in hits), key=lambda h: -h.score)


def lift_extreme(hits: list[Hit], found: ExtremePassage, weight: float) -> list[Hit]:
    """The passage holding an extreme row scored `weight` above the hit that led to its table (or above its own
    score, if higher); `found.place` counts among `hits`' first."""
    led = hits[found.place].score
    own = max((hit.score for hit in hits if hit.chunk == found.chunk), default=led)
    lifted = Hit(found.chunk, max(own, led) + weight)
    return sorted([hit for hit in hits if hit.chunk != found.chunk] + [lifted], key=lambda hit: -hit.score)


def with_extreme_answer(
    question: str,
    hits: list[Hit],
    found: list[AnswerSentence | None],
    rows: dict[int, StoredChunk],
    windows: dict[int, ReadWindow],
    extreme: ExtremePassage | None,
) -> list[AnswerSentence | None]:
    """The answers found, the one of the passage holding an extreme row made that row (`extreme_answer`), in its
    read window's text when it was read."""
    if extreme is None:
        return found
    out = list(found)
    for i, hit in enumerate(hits[: len(found)]):
        if hit.chunk == extreme.chunk:
            window = windows.get(hit.chunk)
            chunk = rows[hit.chunk].chunk
            text, origin = (window.text, window.window.start) if window else (chunk.text, chunk.start)
            out[i] = extreme_answer(found[i], text, origin, extreme, terms(question))
    return out


def naming(passages: Mapping[int, Chunk], pattern: re.Pattern[str]) -> set[int]:
    """Ids of the `passages` whose text (or lead: a cut table's caption) `pattern` finds: those naming a numbered
    thing the question names ("Table 5", "Phase 2"), or holding its caption."""
    return {i for i, chunk in passages.items() if pattern.search(f"{chunk.lead}\n{chunk.text}")}


def rescore_by_sentence(hits: list[Hit], best: np.ndarray, weight: float) -> list[Hit]:
    """Add `weight` × (best sentence similarity, min-max normalized over the hits)."""
    if not hits:
        return hits
    scores = minmax(np.array([h.score for h in hits], dtype=np.float64)) + weight * minmax(
        np.asarray(best, dtype=np.float64)
    )
    order = np.argsort(-scores, kind="stable")
    return [Hit(hits[i].chunk, float(scores[i])) for i in order]


def reorder_by_answer(
    head: list[Hit], answers: list[AnswerSentence | None], weight: float
) -> tuple[list[Hit], list[AnswerSentence | None]]:
    """The passage whose best sentence answers best goes first: score + weight × answer-sentence score."""
    scored = sorted(
        ((hit.score + weight * (a.score if a else 0.0), i) for i, (hit, a) in enumerate(zip(head, answers))),
        key=lambda item: -item[0],
    )
    return [Hit(head[i].chunk, score) for score, i in scored], [answers[i] for _, i in scored]


def reorder_by_reader(
    head: list[Hit], windows: list[ReadWindow], weight: float, penalty: float = 0.0, *, spans_count: bool = True
) -> tuple[list[Hit], list[ReadWindow]]:
    """The read passages by span score + weight × retrieval score, best first (stable); by retrieval score alone
    when the spans do not count (`combined_scores`)."""
    scores = combined_scores(
        [w.span for w in windows], [h.score for h in head], weight, penalty, spans_count=spans_count
    )
    order = sorted(range(len(head)), key=lambda i: -scores[i])
    return [Hit(head[i].chunk, scores[i]) for i in order], [windows[i] for i in order]


def close_to_first(hits: Sequence[Hit], margin: float) -> int:
    """How many of `hits` score within `margin` of the first: passages retrieval cannot tell apart."""
    return sum(1 for hit in hits if hit.score >= hits[0].score - margin) if hits else 0


def first_kept(
    first: Hit, first_window: ReadWindow, head: list[Hit], read: list[ReadWindow]
) -> tuple[list[Hit], list[ReadWindow]]:
    """`first` (with its window) ahead of the read `head`, scored as high as head's best at least; the rest of
    `head` in its order."""
    top = max((hit.score for hit in head), default=first.score)
    rest = [(hit, window) for hit, window in zip(head, read) if hit.chunk != first.chunk]
    return [Hit(first.chunk, max(first.score, top))] + [hit for hit, _ in rest], [first_window] + [w for _, w in rest]


def reorder_by_reranker(head: list[Hit], scores: Sequence[float], weight: float, floor: float) -> list[Hit]:
    """The reranked passages by `weight` × reranker score + retrieval score (each min-max normalized over the
    head), best first (stable); every new score is `floor` (the best score below the head) plus that mix, so
    scores still fall with the rank across the head and the passages below it."""
    if not head:
        return head
    mixed = weight * minmax(np.asarray(scores, dtype=np.float64)) + minmax(
        np.array([hit.score for hit in head], dtype=np.float64)
    )
    order = sorted(range(len(head)), key=lambda i: -mixed[i])
    return [Hit(head[i].chunk, floor + float(mixed[i])) for i in order]


def realigned(before: list[Hit], found: list[AnswerSentence | None], after: list[Hit]) -> list[AnswerSentence | None]:
    """The answers found for a prefix of `before`, as a prefix of `after` (the same hits reordered): each answer
    stays with its hit, up to the first hit of `after` without one (the rest are found later if asked for)."""
    answer_of = {hit.chunk: a for hit, a in zip(before, found)}
    aligned: list[AnswerSentence | None] = []
    for hit in after:
        if hit.chunk not in answer_of:
            break
        aligned.append(answer_of[hit.chunk])
    return aligned


def shifted(answer: AnswerSentence | None, delta: int, text: str) -> AnswerSentence | None:
    """An answer sentence of a passage moved into a window that starts `delta` characters before the passage."""
    if answer is None or delta == 0:
        return answer
    span = answer.span and Span(answer.span.start + delta, answer.span.end + delta, answer.span.text)
    return AnswerSentence(
        answer.start + delta, answer.end + delta, text[answer.start + delta : answer.end + delta], answer.score, span
    )


def finished(
    hits: list[Hit],
    found: list[AnswerSentence | None],
    rows: dict[int, StoredChunk],
    windows: dict[int, ReadWindow],
    answer: Callable[[Hit], AnswerSentence | None] | None,
) -> Ranking:
    """The ranking of the shown hits: every hit's answer sentence when `answer` is given (those not yet found
    are found now), the read windows of the shown hits, and the least "no answer" margin of all read windows."""
    answers = found[: len(hits)] + [answer(hit) for hit in hits[len(found) :]] if answer is not None else []
    no_answer = min((w.span.no_answer for w in windows.values()), default=None)
    shown = {hit.chunk: windows[hit.chunk] for hit in hits if hit.chunk in windows}
    return Ranking(tuple(hits), tuple(answers), rows, shown, no_answer)


# ---------------------------------------------------------------- over an index


class Ranker:
    """The ranking path over one loaded index and its encoder (thread-safe for reads)."""

    def __init__(
        self, index: LoadedIndex, encoder: Encoder, reader: Reader | None = None, reranker: Reranker | None = None
    ) -> None:
        self.index = index
        self.encoder = encoder
        self.reader = reader
        self.reranker = reranker
        self.retriever = Retriever(index)

    def search(
        self,
        question: str,
        query_vector: np.ndarray,
        *,
        mode: Mode,
        k: int,
        settings: SearchSettings = SearchSettings(),
    ) -> list[Hit]:
        """Retrieval by mode, before the answer reorder: dense, BM25, or hybrid (fuse, then rescore)."""
        return self.retrieve(question, query_vector, mode=mode, k=k, settings=settings).hits

    def retrieve(
        self, question: str, query_vector: np.ndarray, *, mode: Mode, k: int, settings: SearchSettings
    ) -> Retrieved:
        """`search`'s hits, with (hybrid mode) the passage dense search alone ranks first."""
        if mode == Mode.DENSE:
            return Retrieved(self.retriever.dense(query_vector, k, settings))
        if mode == Mode.BM25:
            return Retrieved(self.retriever.bm25(question, k))
        return self.hybrid(question, query_vector, k, settings)

    def unanswered(self, retrieved: Retrieved, k: int, settings: SearchSettings) -> Ranking:
        """The ranking without answer sentences or reading (BEIR, `Engine.search`): retrieval order, demoted."""
        hits = demote_kinds(retrieved.hits, self.demoted, settings.demote_share)
        hits = held_up(hits, self.dense_held(retrieved.dense_first), settings.dense_slot)
        return Ranking(tuple(hits[:k]), ())

    def dense_held(self, first: int | None, asked: Collection[int] = ()) -> int | None:
        """Dense search's first passage, when it is body text (or in a section the question names): a contents
        page or reference list dense search puts first is not brought up past the demotion."""
        return None if first is None or first in self.demoted - set(asked) else first

    def hold_dense_first(
        self,
        hits: list[Hit],
        found: list[AnswerSentence | None],
        rows: dict[int, StoredChunk],
        first: int | None,
        slot: int,
        answer: Callable[[Hit], AnswerSentence | None],
        shown: int,
    ) -> tuple[list[Hit], list[AnswerSentence | None]]:
        """The last step of hybrid ranking: dense search's first passage among the first `slot` shown, whatever
        BM25, the answer reorder and the reader made of it (a passage that shares few words with the question, the
        one dense search is surest of, is not buried by the blend); its stored row read and its answer sentence
        found when they were not yet, so the answers read for the hits below it stay theirs. Nothing is done when
        fewer than `slot` hits are `shown`: the places it would change are not."""
        moved = held_up(hits, first, slot if shown >= slot else 0)
        if moved is hits or first is None:
            return hits, found
        if first not in rows:
            rows.update(self.index.chunks.get_many([first]))
        known, answers = hits[: len(found)], found[: len(hits)]
        if all(hit.chunk != first for hit in known):
            known, answers = [Hit(first, 0.0), *known], [answer(Hit(first, 0.0)), *answers]
        return moved, realigned(known, answers, moved)

    def demote(
        self, hits: list[Hit], found: list[AnswerSentence | None], share: float, asked: Collection[int] = ()
    ) -> tuple[list[Hit], list[AnswerSentence | None]]:
        """The last step: contents and reference lists below the body text, each answer kept with its hit; not
        those of a section the question names (`asked`)."""
        moved = demote_kinds(hits, self.demoted - set(asked), share)
        return (hits, found) if moved is hits else (moved, realigned(hits, found, moved))

    @functools.cached_property
    def demoted(self) -> frozenset[int]:
        """The index's passages that rank below body text (read once, on the first question)."""
        return self.index.chunks.demoted_ids()

    @functools.cached_property
    def listings(self) -> frozenset[int]:
        """The index's listings of files (read once, on the first question)."""
        return self.index.chunks.ids_of_kind(PassageKind.LISTING)

    def hybrid(self, question: str, query_vector: np.ndarray, k: int, settings: SearchSettings) -> Retrieved:
        pool = self.retriever.pool(settings, k)
        candidates = self.retriever.candidates(question, query_vector, pool, settings)
        if candidates is None:
            return Retrieved([])
        fused = fuse(candidates, settings, pool)
        if settings.sentence_weight and candidates.best is not None:
            best_of = dict(zip(candidates.ids, candidates.best))
            top = fused[:pool]
            fused = rescore_by_sentence(top, np.array([best_of[h.chunk] for h in top]), settings.sentence_weight)
        asked = numbered_labels(question) if settings.label_weight or settings.caption_weight else set()
        if asked:
            top = fused[:pool]
            passages = self.index.chunks.chunks_many([hit.chunk for hit in top])
            fused = lift(top, naming(passages, numbered_pattern(asked)), settings.label_weight)
            fused = lift(fused, naming(passages, caption_pattern(asked)), settings.caption_weight)
        extreme = asked_extreme(question) if settings.extreme_weight else None
        found = self.extreme(fused, question, extreme) if extreme is not None else None
        if found is None:
            return Retrieved(fused[:k], candidates.dense_first)
        return Retrieved(lift_extreme(fused, found, settings.extreme_weight)[:k], candidates.dense_first, found)

    def extreme(self, hits: list[Hit], question: str, extreme: Extreme) -> ExtremePassage | None:
        """The passage holding the row with the extreme value of the column the question names, in the first
        table among the first `EXTREME_DEPTH` hits that has one (`qa.search.extremes`)."""
        head = hits[:EXTREME_DEPTH]
        passages = self.index.chunks.chunks_many([hit.chunk for hit in head])
        kept = [i for i, hit in enumerate(head) if hit.chunk in passages]
        shown = [passages[head[i].chunk] for i in kept]
        found = extreme_passage(self.index.chunks, shown, terms(question), extreme)
        return replace(found, place=kept[found.place]) if found is not None else None

    def rank(
        self,
        question: str,
        query_vector: np.ndarray,
        *,
        mode: Mode,
        k: int,
        settings: SearchSettings,
        highlight: HighlightSettings,
        answers: bool,
        reading: ReadingSettings | None = None,
    ) -> Ranking:
        """`search`, then in hybrid mode the top `answer_depth` reordered by their best answer sentence, then
        (with `reading` and a reader) the top `reading.rerank_depth` reordered by the reranker (when there is one)
        and the top `reading.depth` read and reordered by the reader; with `answers`, every returned hit's answer
        sentence (computed once)."""
        depth, reads, reranks = self.depths(mode, settings, reading)
        want = max(k, depth, reads, reranks) + reads  # spare hits: a read hit may move to a passage already below it
        retrieved = self.retrieve(question, query_vector, mode=mode, k=want, settings=settings)
        if not (depth or answers or reads):
            return self.unanswered(retrieved, k, settings)
        hits = retrieved.hits
        # a listing of files, read, answers for the files it lists: it goes below them before anything is read
        hits = demote_kinds(hits, self.listings, settings.demote_share)
        rows = self.index.chunks.get_many([hit.chunk for hit in hits[:want]])  # one read, not one per hit
        weights = self.term_weights(question, [rows[hit.chunk].chunk for hit in hits[:want]], retrieved.extreme_value)

        def answer(hit: Hit) -> AnswerSentence | None:
            return self.answer(rows[hit.chunk], question, query_vector, highlight, weights)

        found: list[AnswerSentence | None] = []
        if depth:  # below `depth` the retrieval order stands
            head, found = reorder_by_answer(hits[:depth], [answer(hit) for hit in hits[:depth]], settings.answer_weight)
            hits = head + hits[depth:]
        if reranks:
            moved = self.rerank(question, hits, rows, reranks, reading.rerank_weight)
            hits, found = moved, realigned(hits, found, moved)
        read: list[ReadWindow] = []
        if reads:
            assert reading is not None
            hits, found, read = self.read_head(question, hits, found, rows, reading, answer, weights)
        windows = {hit.chunk: w for hit, w in zip(hits, read)}
        asked = sections_asked(weights, [rows[hit.chunk] for hit in hits if hit.chunk in self.demoted])
        hits, found = self.demote(hits, found, settings.demote_share, asked)
        first = self.dense_held(retrieved.dense_first, asked)
        hits, found = self.hold_dense_first(hits, found, rows, first, settings.dense_slot, answer, k)
        found = with_extreme_answer(question, hits, found, rows, windows, retrieved.extreme)
        return finished(hits[:k], found, rows, windows, answer if answers else None)

    def term_weights(self, question: str, passages: Sequence[Chunk], extreme: str | None = None) -> dict[str, float]:
        """The question's terms by IDF, with its words written apart that passages write as one ("max clients":
        `LexicalIndex.held_joins`), and the abbreviations of `passages`' table cells that the question spells out,
        each weighted as the term of its word ("Dist." as "distantly": `asked_abbreviations`); and the extreme value
        a "most"/"least" question was found to ask after (`Retrieved.extreme`), weighed as its strongest term, so
        the row holding it is the row the question names (`tables.named_row`)."""
        weights = {t: self.index.bm25.idf(t) for t in terms(question)}
        weights.update({j.term: self.index.bm25.idf(j.term) for j in self.index.bm25.held_joins(question)})
        for split in self.index.bm25.held_splits(question):  # "folioNextPos" weighed as "folio", "next", "pos"
            weights.update({part: self.index.bm25.idf(part) for part in split.parts if part not in weights})
        texts = [text for p in passages for text in (p.lead, p.text)]
        for short, word in asked_abbreviations(question, texts).items():
            spelled, abbreviated = terms(word), terms(short)
            if spelled and abbreviated and spelled[0] in weights:
                weights.setdefault(abbreviated[0], weights[spelled[0]])
        if extreme is not None:
            strongest = max(weights.values(), default=1.0)
            weights.update({term: strongest for term in terms(extreme)})
        return weights

    def depths(self, mode: Mode, settings: SearchSettings, reading: ReadingSettings | None) -> tuple[int, int, int]:
        """How many top hits the answer reorder sees (hybrid only), how many the reader reads and how many the
        reranker reorders first (0: none; the reranker only with the reader)."""
        depth = settings.answer_depth if mode == Mode.HYBRID and settings.answer_weight > 0 else 0
        if reading is None or self.reader is None:
            return depth, 0, 0
        reads = reading.depth + reading.unsure_depth
        return depth, reads, reading.rerank_depth if self.reranker is not None else 0

    def rerank(
        self, question: str, hits: list[Hit], rows: dict[int, StoredChunk], depth: int, weight: float
    ) -> list[Hit]:
        """The top `depth` hits reordered by the reranker's score mixed with their retrieval score; the rest as
        they were, below them."""
        assert self.reranker is not None
        head, rest = hits[:depth], hits[depth:]
        scores = self.reranker.score(question, [rerank_text(self.index.chunks, rows[hit.chunk].chunk) for hit in head])
        floor = max((hit.score for hit in rest), default=0.0)
        return reorder_by_reranker(head, scores, weight, floor) + rest

    def read_head(
        self,
        question: str,
        hits: list[Hit],
        found: list[AnswerSentence | None],
        rows: dict[int, StoredChunk],
        reading: ReadingSettings,
        answer: Callable[[Hit], AnswerSentence | None],
        term_weights: dict[str, float] | None = None,
    ) -> tuple[list[Hit], list[AnswerSentence | None], list[ReadWindow]]:
        """The top `reading.depth` hits read and reordered by the reader, with the reader's answer sentences (the top
        `reading.depth + reading.unsure_depth` when no window of the first shows a bold span: the reader is unsure;
        every hit within `reading.close_margin` of the first when retrieval cannot tell more of them apart, the
        first place kept as the usual reading gave it when its window shows a bold span); the hits (and answers)
        below them unchanged."""
        seen: SeenSpans = {}  # the unsure step and the wide reading read no window twice
        head, read = self.read_unsure(question, hits, rows, reading, term_weights, seen)
        close = close_to_first(hits[: reading.wide_depth], reading.close_margin)
        if close > reading.depth and head:
            reading = replace(reading, depth=close)
            wide, wide_read = self.read_unsure(question, hits, rows, reading, term_weights, seen)
            answers = read[0].shows_span(reading.span_margin)  # a first that answers nothing is not kept
            head, read = first_kept(head[0], read[0], wide, wide_read) if answers else (wide, wide_read)
        read_answers = [self.read_answer(w, rows, hit, answer, reading) for hit, w in zip(head, read)]
        floor = span_floor([w.span for w in read], reading.no_span_penalty)
        cited = {hit.chunk for hit in head}
        rest, rest_found = hits[reading.depth :], found[reading.depth :]
        kept = [i for i, hit in enumerate(rest) if hit.chunk not in cited]  # a passage a span moved to, once
        tail = [Hit(rest[i].chunk, floor + reading.retrieval_weight * rest[i].score) for i in kept]
        return head + tail, read_answers + [rest_found[i] for i in kept if i < len(rest_found)], read

    def read_unsure(
        self,
        question: str,
        hits: list[Hit],
        rows: dict[int, StoredChunk],
        reading: ReadingSettings,
        term_weights: dict[str, float] | None,
        seen: SeenSpans,
    ) -> tuple[list[Hit], list[ReadWindow]]:
        """The top `reading.depth` hits read (`unsure_depth` more when no window shows a bold span), reordered by
        the reader, each span cited in the passage that holds it."""
        head, read = self.read(question, hits[: reading.depth], rows, reading, term_weights, seen)
        if reading.unsure_depth and not any(window.shows_span(reading.span_margin) for window in read):
            reading = replace(reading, depth=reading.depth + reading.unsure_depth)
            head, read = self.read(question, hits[: reading.depth], rows, reading, term_weights, seen)
        return self.cite_spans(head, read, rows, reading.span_margin)

    def cite_spans(
        self, head: list[Hit], read: list[ReadWindow], rows: dict[int, StoredChunk], margin: float
    ) -> tuple[list[Hit], list[ReadWindow]]:
        """Each read hit whose answer the reader found in a neighbouring passage of its window is preceded by that
        passage, with its score and window: the passage holding the answer is the one to show and cite (its page,
        its heading). The hit itself follows it, its window without the span (the reader may be wrong). A passage
        reached twice keeps its higher place. `rows` gains the rows of the new passages."""
        hits: list[Hit] = []
        windows: list[ReadWindow] = []
        for hit, window in zip(head, read):
            cited, cited_window = self.cited(hit, window, rows, margin)
            pairs = [(hit, window)]
            if cited.chunk != hit.chunk:
                pairs = [(cited, cited_window), (hit, replace(window, span=replace(window.span, start=0, end=0)))]
            for one, its_window in pairs:
                if all(one.chunk != other.chunk for other in hits):
                    hits.append(one)
                    windows.append(its_window)
        return hits, windows

    def cited(
        self, hit: Hit, window: ReadWindow, rows: dict[int, StoredChunk], margin: float
    ) -> tuple[Hit, ReadWindow]:
        """(hit, window) moved to the passage holding the reader's span when that is not the hit's own passage."""
        span = span_outside(window, rows[hit.chunk].chunk, margin)
        found = span and holding_passage(self.index.chunks.passages_near(window.window.doc, *span), *span)
        if not found or found[0] == hit.chunk:
            return hit, window
        chunk_id, passage = found
        if chunk_id not in rows:
            rows.update(self.index.chunks.get_many([chunk_id]))
        moved = moved_to(self.index.chunks, window, passage) if chunk_id in rows else window
        if moved is window:  # no row, or a store without document text: the window cannot be widened to it
            return hit, window
        return Hit(chunk_id, hit.score), moved

    def read(
        self,
        question: str,
        head: list[Hit],
        rows: dict[int, StoredChunk],
        reading: ReadingSettings,
        term_weights: dict[str, float] | None = None,
        seen: SeenSpans | None = None,
    ) -> tuple[list[Hit], list[ReadWindow]]:
        """Widen each passage of `head` into a window, read them all (`seen`: spans read before, `Reader.read`),
        reorder by the reader (a span in a table moved to the row the question names, given the question's
        `term_weights`)."""
        assert self.reader is not None
        windows = [window_of(self.index.chunks, rows[hit.chunk].chunk, reading.window_words) for hit in head]
        read = read_windows(self.reader, self.index.chunks, question, windows, reading, term_weights, seen)
        # a keyword query no window shows a span for keeps its retrieval order (`keyword_query`)
        spans_count = not keyword_query(question) or any(w.shows_span(reading.span_margin) for w in read)
        return reorder_by_reader(head, read, reading.retrieval_weight, reading.no_span_penalty, spans_count=spans_count)

    @staticmethod
    def read_answer(
        window: ReadWindow,
        rows: dict[int, StoredChunk],
        hit: Hit,
        answer: Callable[[Hit], AnswerSentence | None],
        reading: ReadingSettings,
    ) -> AnswerSentence | None:
        """The reader's answer sentence when it thinks the window answers; otherwise (no span, or "no answer") the
        sentence scorer's, moved into the window and without bold words."""
        found = window.answer_sentence(reading.span_margin)
        if found is not None and found.span is not None:
            return found
        fallback = shifted(answer(hit), rows[hit.chunk].chunk.start - window.window.start, window.text)
        return replace(fallback, span=None) if fallback is not None else found

    def sentence_similarities(self, row: StoredChunk, query_vector: np.ndarray) -> np.ndarray:
        """The question's cosine to each sentence of the passage: stored vectors, or embedded now for an index
        built without them (`sentence_vectors="none"`)."""
        if self.index.with_sentences:
            return row.vectors[1:] @ np.asarray(query_vector, dtype=np.float32)
        return self.encoder.encode([sentence_embed_text(row.chunk, s) for s in row.chunk.sentences]) @ query_vector

    def answer(
        self,
        row: StoredChunk,
        question: str,
        query_vector: np.ndarray,
        highlight: HighlightSettings,
        term_weights: dict[str, float],
    ) -> AnswerSentence | None:
        chunk = row.chunk
        relative = [(a - chunk.start, b - chunk.start) for a, b in chunk.sentences]
        similarities = self.sentence_similarities(row, query_vector)
        header = table_header_before(self.index.chunks, chunk.doc_id, chunk.start, chunk.text)
        return choose_answer(
            question,
            chunk.text,
            relative,
            similarities,
            highlight,
            term_weights,
            table_header=header,
            heading=chunk.heading or chunk.title,
        )
