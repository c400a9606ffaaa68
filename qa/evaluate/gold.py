"""Evaluate stage: gold question files, pure ranking metrics, and an evaluation run over an engine.

A passage is a hit when it contains one of the gold answers after normalization (case, whitespace,
curly quotes, diacritics), the open-domain QA convention of DPR; when a gold line names a `doc`, the
passage must also come from that file.
"""

from __future__ import annotations

import json
import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import GoldFileError, QAError
from ..ingest.tokens import fold

METRIC_KEYS = ("hit@1", "hit@5", "hit@10", "mrr@10", "answer@1")


@dataclass(frozen=True)
class GoldQuestion:
    question: str
    answers: tuple[str, ...]
    doc: str | None = None
    line: int = 0
    page: int | None = None  # 1-based page of the answer in `doc` (PDF), scored as page@1


@dataclass(frozen=True)
class Miss:
    question: str
    expected: tuple[str, ...]
    first_doc: str
    first_text: str
    hit_rank: int | None
    answer_sentence: str


@dataclass(frozen=True)
class EvalReport:
    mode: str
    n: int
    metrics: dict[str, float]
    passage_words_mean: float
    misses: tuple[Miss, ...] = field(default_factory=tuple)

    def to_json(self) -> dict:
        return {
            "mode": self.mode,
            "n": self.n,
            **{key: round(value, 4) for key, value in self.metrics.items()},
            "passage_words_mean": round(self.passage_words_mean, 1),
            "misses": [
                {"question": m.question, "expected": list(m.expected), "first_doc": m.first_doc,
                 "first_text": m.first_text, "hit_rank": m.hit_rank, "answer_sentence": m.answer_sentence}
                for m in self.misses
            ],
        }


# ---------------------------------------------------------------- gold files


def normalize_for_match(text: str) -> str:
    """Case, whitespace, curly quotes and diacritics normalized, for answer matching."""
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return re.sub(r"\s+", " ", fold(text)).strip()


def contains_answer(text: str, answers: Sequence[str]) -> bool:
    haystack = normalize_for_match(text)
    return any(normalize_for_match(a) in haystack for a in answers)


def parse_gold(lines: Sequence[str], *, name: str = "gold file") -> list[GoldQuestion]:
    """Parse JSON Lines gold questions; any fault raises GoldFileError naming the line."""
    questions = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise GoldFileError(f"{name} line {number}: invalid JSON ({exc.msg} at column {exc.colno}); each line must be one JSON object") from None
        if not isinstance(row, dict):
            raise GoldFileError(f"{name} line {number}: expected a JSON object like {{\"question\": ..., \"answers\": [...]}}")
        question = row.get("question")
        if not isinstance(question, str) or not question.strip():
            raise GoldFileError(f"{name} line {number}: missing or empty \"question\" (a non-empty string is required)")
        answers = row.get("answers")
        if not isinstance(answers, list) or not answers:
            raise GoldFileError(f"{name} line {number}: \"answers\" must be a non-empty list of strings")
        if not all(isinstance(a, str) and a.strip() for a in answers):
            raise GoldFileError(f"{name} line {number}: every answer must be a non-empty string")
        doc = row.get("doc")
        if doc is not None and not isinstance(doc, str):
            raise GoldFileError(f"{name} line {number}: \"doc\" must be a file name string when given")
        page = row.get("page")
        if page is not None and (isinstance(page, bool) or not isinstance(page, int) or page < 1):
            raise GoldFileError(f"{name} line {number}: \"page\" must be a page number (1 or more) when given")
        if page is not None and not doc:
            raise GoldFileError(f"{name} line {number}: a \"page\" needs the \"doc\" it is a page of")
        questions.append(GoldQuestion(question.strip(), tuple(answers), doc or None, number, page))
    if not questions:
        raise GoldFileError(f"{name} has no questions; write one JSON object per line")
    return questions


def load_gold(path: str | Path) -> list[GoldQuestion]:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise GoldFileError(f"gold file '{path}' does not exist; pass a JSON Lines file of questions") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise GoldFileError(f"gold file '{path}' cannot be read as UTF-8 text ({exc})") from None
    return parse_gold(text.splitlines(), name=str(path))


def answers_missing_from(gold: Sequence[GoldQuestion], texts: dict[str, str]) -> list[GoldQuestion]:
    """Gold questions none of whose answers occur in the corpus (or in their named doc): worth a warning."""
    normalized = {doc: normalize_for_match(text) for doc, text in texts.items()}
    missing = []
    for q in gold:
        pool = [normalized[q.doc]] if q.doc in normalized else list(normalized.values())
        if not any(normalize_for_match(a) in t for a in q.answers for t in pool):
            missing.append(q)
    return missing


# ---------------------------------------------------------------- pure metrics


def hit_at_k(relevant: Sequence[bool], k: int) -> float:
    """1.0 when any of the first k results is relevant."""
    return 1.0 if any(relevant[:k]) else 0.0


def reciprocal_rank(relevant: Sequence[bool], k: int) -> float:
    """1 / rank of the first relevant result within the first k, else 0."""
    for rank, is_relevant in enumerate(relevant[:k], start=1):
        if is_relevant:
            return 1.0 / rank
    return 0.0


def page_at_1(tops: Sequence[tuple[str | None, int | None]], gold: Sequence[GoldQuestion]) -> float | None:
    """Share of the gold questions with a page whose top result (doc, page) is that doc and page; None when no
    gold question names a page."""
    scored = [(top, q) for top, q in zip(tops, gold) if q.page is not None]
    if not scored:
        return None
    return sum(1.0 for (doc, page), q in scored if doc == q.doc and page == q.page) / len(scored)


# ---------------------------------------------------------------- runs


def evaluate_gold(engine, gold: Sequence[GoldQuestion], *, mode: str = "hybrid", k: int = 10,  # type: ignore[no-untyped-def]
                  settings=None, highlight=None) -> EvalReport:
    """Ask every gold question and score the ranked passages (hit@1/5/10, MRR@10, answer@1)."""
    from ..search.highlight import HighlightSettings
    from ..search.retrieve import SearchSettings

    if not gold:
        raise QAError("no gold questions to evaluate")
    k = max(k, 10)
    sums = dict.fromkeys(METRIC_KEYS, 0.0)
    misses = []
    tops: list[tuple[str | None, int | None]] = []
    for q in gold:
        response = engine.ask(q.question, k=k, mode=mode, settings=settings or SearchSettings(),
                              highlight=highlight or HighlightSettings())
        relevant = [contains_answer(r.text, q.answers) and (q.doc is None or r.doc == q.doc) for r in response.results]
        top = response.results[0] if response.results else None
        tops.append((top.doc, top.page) if top and q.page is not None else (None, None))
        answer_ok = bool(top and relevant[0] and top.answer and contains_answer(top.answer.text, q.answers))
        sums["hit@1"] += hit_at_k(relevant, 1)
        sums["hit@5"] += hit_at_k(relevant, 5)
        sums["hit@10"] += hit_at_k(relevant, 10)
        sums["mrr@10"] += reciprocal_rank(relevant, 10)
        sums["answer@1"] += float(answer_ok)
        if not answer_ok:
            hit_rank = next((i for i, ok in enumerate(relevant, start=1) if ok), None)
            misses.append(Miss(q.question, q.answers, top.doc if top else "", top.text if top else "", hit_rank,
                               top.answer.text if top and top.answer else ""))
    n = len(gold)
    chunk_words = [c.words for c in engine.index.chunks]
    metrics = {key: value / n for key, value in sums.items()}
    pages = page_at_1(tops, gold)
    if pages is not None:
        metrics["page@1"] = pages
    return EvalReport(mode, n, metrics,
                      statistics.mean(chunk_words) if chunk_words else 0.0, tuple(misses))
