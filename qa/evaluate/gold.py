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
from typing import TYPE_CHECKING

from ..errors import GoldFileError, QAError, QuestionError
from ..ingest.tokens import fold
from .metrics import hit_at_k, page_at_1, reciprocal_rank
from .span_metrics import exact_match, f1

if TYPE_CHECKING:
    from ..engine import Engine, Response
    from ..search.highlight import HighlightSettings
    from ..search.read import ReadingSettings
    from ..search.retrieve import SearchSettings


METRIC_KEYS = ("hit@1", "hit@5", "hit@10", "mrr@10", "answer@1", "span_em", "span_f1", "false_alarms")


@dataclass(frozen=True)
class GoldQuestion:
    question: str
    answers: tuple[str, ...]
    doc: str | None = None
    line: int = 0
    page: int | None = None  # 1-based page of the answer in `doc` (PDF), scored as page@1
    unanswerable: bool = False  # the corpus does not answer it ("answers": [] and "unanswerable": true)


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
                {
                    "question": m.question,
                    "expected": list(m.expected),
                    "first_doc": m.first_doc,
                    "first_text": m.first_text,
                    "hit_rank": m.hit_rank,
                    "answer_sentence": m.answer_sentence,
                }
                for m in self.misses
            ],
        }


# ---------------------------------------------------------------- gold files


def normalize_for_match(text: str) -> str:
    """Case, whitespace, curly quotes and diacritics normalized, and table cell bars read as spaces (where an
    extractor draws a cell boundary is layout, not words: "yields IR" matches "| yields | IR |"), for answer
    matching."""
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"').replace("|", " ")
    return re.sub(r"\s+", " ", fold(text)).strip()


def contains_answer(text: str, answers: Sequence[str]) -> bool:
    haystack = normalize_for_match(text)
    return any(normalize_for_match(a) in haystack for a in answers)


def _row(line: str) -> dict:
    """One gold line as a JSON object, or ValueError saying what is wrong."""
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"invalid JSON ({exc.msg} at column {exc.colno}); each line must be one JSON object") from None
    if not isinstance(row, dict):
        raise ValueError('expected a JSON object like {"question": ..., "answers": [...]}')
    return row


def _question_problem(row: dict) -> str | None:
    question, answers = row.get("question"), row.get("answers")
    if not isinstance(question, str) or not question.strip():
        return 'missing or empty "question" (a non-empty string is required)'
    if row.get("unanswerable") is True:
        if answers not in (None, []):
            return 'an "unanswerable": true question has no answers ("answers": [])'
        return _refused(question)
    if not isinstance(answers, list) or not answers:
        return '"answers" must be a non-empty list of strings (or [] with "unanswerable": true)'
    if not all(isinstance(a, str) and a.strip() for a in answers):
        return "every answer must be a non-empty string"
    return _refused(question)


def _refused(question: str) -> str | None:
    """Why the engine would refuse the question (too long, no words, only common words), or None: a gold file
    says so at its line before anything is asked."""
    from ..engine import MAX_QUESTION_CHARS, prepare_question

    try:
        prepare_question(question, MAX_QUESTION_CHARS)
    except QuestionError as exc:
        return str(exc)
    return None


def _source_problem(row: dict) -> str | None:
    doc, page = row.get("doc"), row.get("page")
    if doc is not None and not isinstance(doc, str):
        return '"doc" must be a file name string when given'
    if page is not None and (isinstance(page, bool) or not isinstance(page, int) or page < 1):
        return '"page" must be a page number (1 or more) when given'
    if page is not None and not doc:
        return 'a "page" needs the "doc" it is a page of'
    return None


def parse_gold(lines: Sequence[str], *, name: str = "gold file") -> list[GoldQuestion]:
    """Parse JSON Lines gold questions; any fault raises GoldFileError naming the line."""
    questions = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = _row(line)
        except ValueError as exc:
            raise GoldFileError(f"{name} line {number}: {exc}") from None
        problem = _question_problem(row) or _source_problem(row)
        if problem:
            raise GoldFileError(f"{name} line {number}: {problem}")
        questions.append(
            GoldQuestion(
                row["question"].strip(),
                tuple(row.get("answers") or ()),
                row.get("doc") or None,
                number,
                row.get("page"),
                row.get("unanswerable") is True,
            )
        )
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
    for q in (q for q in gold if not q.unanswerable):
        pool = [normalized[q.doc]] if q.doc in normalized else list(normalized.values())
        if not any(normalize_for_match(a) in t for a in q.answers for t in pool):
            missing.append(q)
    return missing


# ---------------------------------------------------------------- runs


def _top_answer(q: GoldQuestion, response: Response) -> tuple[str, str]:
    """(answer sentence, bold words) shown first, both empty when the first result is from another document."""
    top = response.results[0] if response.results else None
    if top is None or top.answer is None or (q.doc is not None and top.doc != q.doc):
        return "", ""
    return top.answer.text, top.answer.span.text if top.answer.span else ""


def _score(q: GoldQuestion, response: Response, sums: dict[str, float], k: int = 10) -> Miss | None:
    """Add one question's hit@1/5/10 (and hit@k when `k` > 10: how deep the answer lies, the ceiling of any
    reordering of the top k), MRR@10, answer@1, span EM/F1 and "may not answer" flag to `sums`; its Miss
    when the top answer is wrong. A hit is judged on the retrieved passage (not the wider window the reader read);
    answer@1 on the answer sentence shown first, span EM/F1 on its bold words (none: empty)."""
    relevant = [contains_answer(r.passage, q.answers) and (q.doc is None or r.doc == q.doc) for r in response.results]
    sentence, bold = _top_answer(q, response)
    answer_ok = bool(sentence) and contains_answer(sentence, q.answers)
    sums["hit@1"] += hit_at_k(relevant, 1)
    sums["hit@5"] += hit_at_k(relevant, 5)
    sums["hit@10"] += hit_at_k(relevant, 10)
    if k > 10:
        sums[f"hit@{k}"] += hit_at_k(relevant, k)
    sums["mrr@10"] += reciprocal_rank(relevant, 10)
    sums["answer@1"] += float(answer_ok)
    sums["span_em"] += exact_match(bold, q.answers)
    sums["span_f1"] += f1(bold, q.answers)
    sums["false_alarms"] += float(not response.confident)
    if answer_ok:
        return None
    top = response.results[0] if response.results else None
    return Miss(
        q.question,
        q.answers,
        top.doc if top else "",
        top.text if top else "",
        next((i for i, ok in enumerate(relevant, start=1) if ok), None),
        top.answer.text if top and top.answer else "",
    )


def _ask(engine: Engine, q: GoldQuestion, mode: str, k: int, options: dict) -> Response:
    try:
        return engine.ask(q.question, k=k, mode=mode, **options)
    except QuestionError as exc:  # parse_gold checks this first; gold built in code may not have been parsed
        raise GoldFileError(f"gold question on line {q.line}: {exc}") from None


def _run_answerable(
    engine: Engine,
    gold: Sequence[GoldQuestion],
    mode: str,
    k: int,
    options: dict,
) -> tuple[dict[str, float], list[Miss], list[tuple[str | None, int | None]]]:
    sums = dict.fromkeys((*METRIC_KEYS, *([f"hit@{k}"] if k > 10 else [])), 0.0)  # hit@k: how deep answers lie
    misses = []
    tops: list[tuple[str | None, int | None]] = []
    for q in gold:
        response = _ask(engine, q, mode, k, options)
        top = response.results[0] if response.results else None
        tops.append((top.doc, top.page) if top and q.page is not None else (None, None))
        miss = _score(q, response, sums, k)
        if miss is not None:
            misses.append(miss)
    return {key: value / max(1, len(gold)) for key, value in sums.items()}, misses, tops


def evaluate_gold(
    engine: Engine,
    gold: Sequence[GoldQuestion],
    *,
    mode: str = "hybrid",
    k: int = 10,
    settings: SearchSettings | None = None,
    highlight: HighlightSettings | None = None,
    reader: bool = True,
    reading: ReadingSettings | None = None,
) -> EvalReport:
    """Ask every gold question and score the ranked passages (hit@1/5/10, MRR@10, answer@1, span EM/F1, the
    share of answerable questions flagged "may not answer"); unanswerable questions are only scored on how many
    are flagged (`flagged_unanswerable`). `reading` (default: the engine's) is how the reader reads, for grids
    over its settings (`training/engine_grid.py`)."""
    from ..search.highlight import HighlightSettings
    from ..search.read import ReadingSettings
    from ..search.retrieve import SearchSettings

    if not gold:
        raise QAError("no gold questions to evaluate")
    k = max(k, 10)
    options = {
        "settings": settings or SearchSettings(),
        "highlight": highlight or HighlightSettings(),
        "reader": reader,
        "reading": reading or ReadingSettings(),
    }
    answerable = [q for q in gold if not q.unanswerable]
    metrics, misses, tops = _run_answerable(engine, answerable, mode, k, options)
    unanswerable = [q for q in gold if q.unanswerable]
    if unanswerable:
        flagged = sum(not _ask(engine, q, mode, k, options).confident for q in unanswerable)
        metrics["flagged_unanswerable"] = flagged / len(unanswerable)
    pages = page_at_1(tops, answerable)
    if pages is not None:
        metrics["page@1"] = pages
    chunk_words = [c.words for c in engine.index.chunks]
    label = mode if reader else f"{mode} (no reader)"
    return EvalReport(
        label, len(answerable), metrics, statistics.mean(chunk_words) if chunk_words else 0.0, tuple(misses)
    )
