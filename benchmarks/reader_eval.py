"""Choose the reading settings on the squad-public tuning articles: how many passages, how wide, how to mix scores.

For each question of the chosen articles the engine's own ranking (reader off) gives the top passages; for each
window width they are widened (`qa.search.read.window_of`) and read once by the shipped reader; every depth and
score weight is then scored from those readings with the engine's own functions (`reorder_by_reader`,
`ReadWindow.answer_sentence`), so the grid costs one reading per width. Prints, per setting, span EM/F1 of the
top answer (SQuAD normalization), answer@1 (the answer sentence holds a gold answer) and the milliseconds the
reader took; and, over the unanswerable questions of the same articles, which share each "no answer" margin flags
against the share of answerable questions it flags by mistake.

    python benchmarks/reader_eval.py [--articles tuning] [--depths 1,2,3,5] [--words 90,130,170] [--weights 0,2,5,10]

Only the tuning articles (gold/squad-split.json) are for choosing settings; the held-out articles are reported
once, through `qa eval`, with the settings chosen here.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa.engine import Engine, build_from_folder, load_encoder  # noqa: E402
from qa.evaluate.gold import contains_answer  # noqa: E402
from qa.evaluate.span_metrics import exact_match, f1  # noqa: E402
from qa.options import Mode  # noqa: E402
from qa.search.highlight import HighlightSettings  # noqa: E402
from qa.search.rank import reorder_by_reader  # noqa: E402
from qa.search.read import ReadWindow, window_of  # noqa: E402
from qa.search.retrieve import SearchSettings  # noqa: E402

SQUAD = Path(os.environ.get("QA_SHARED", ROOT.parent / "shared")) / "qa-sets" / "squad-public"
MARGINS = (-6.0, -4.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0)


@dataclass(frozen=True)
class Question:
    question: str
    answers: tuple[str, ...]  # empty for an unanswerable question
    doc: str


def questions(path: Path, articles: list[str]) -> list[Question]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [Question(r["question"], tuple(r.get("answers") or ()), r["doc"]) for r in rows if r["doc"] in articles]


def article_engine(articles: list[str], work: Path) -> Engine:
    corpus = work / "corpus"
    corpus.mkdir()
    for name in articles:
        shutil.copy(SQUAD / "corpus" / name, corpus / name)
    encoder = load_encoder()
    build_from_folder(corpus, work / "index", encoder=encoder)
    return Engine.open(work / "index", encoder=encoder)


def readings(engine: Engine, qs: list[Question], depth: int, words: int) -> list[tuple[list, list[ReadWindow], float]]:
    """Per question: its top `depth` hits (the engine's order, reader off), their read windows, the read time."""
    assert engine.reader is not None
    out = []
    for q in qs:
        vector = engine.question_vector(q.question)
        ranking = engine.ranker.rank(
            q.question,
            vector,
            mode=Mode.HYBRID,
            k=depth,
            settings=SearchSettings(),
            highlight=HighlightSettings(),
            answers=False,
        )
        hits = list(ranking.hits)
        rows = engine.index.chunks.get_many([h.chunk for h in hits])
        windows = [window_of(engine.index.chunks, rows[h.chunk].chunk, words) for h in hits]
        began = time.perf_counter()
        spans = engine.reader.read(q.question, [text for _, text in windows])
        seconds = time.perf_counter() - began
        out.append((hits, [ReadWindow(w, text, s) for (w, text), s in zip(windows, spans)], seconds))
    return out


def score(qs: list[Question], read: list, depth: int, weight: float) -> dict:
    em = f1s = answer1 = 0.0
    for q, (hits, windows, _) in zip(qs, read):
        _, ordered = reorder_by_reader(hits[:depth], windows[:depth], weight)
        top = ordered[0].answer_sentence(float("inf")) if ordered else None
        span = top.span.text if top and top.span else ""
        em += exact_match(span, q.answers)
        f1s += f1(span, q.answers)
        answer1 += float(bool(top) and contains_answer(top.text, q.answers))
    n = max(1, len(qs))
    return {
        "depth": depth,
        "weight": weight,
        "em": round(em / n, 3),
        "f1": round(f1s / n, 3),
        "answer@1": round(answer1 / n, 3),
    }


def flags(answered: list, missing: list, depth: int) -> dict[float, tuple[float, float]]:
    """Per margin: (share of unanswerable flagged, share of answerable flagged) when the least no-answer margin of
    the top `depth` windows exceeds it."""
    pos = [min(w.span.no_answer for w in windows[:depth]) for _, windows, _ in answered]
    neg = [min(w.span.no_answer for w in windows[:depth]) for _, windows, _ in missing]
    return {
        m: (round(sum(x > m for x in neg) / max(1, len(neg)), 3), round(sum(x > m for x in pos) / max(1, len(pos)), 3))
        for m in MARGINS
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", choices=["tuning", "heldout"], default="tuning")
    parser.add_argument("--depths", default="1,2,3,5")
    parser.add_argument("--words", default="90,130,170")
    parser.add_argument("--weights", default="0,2,5,10,20")
    args = parser.parse_args()
    articles = json.loads((ROOT / "gold" / "squad-split.json").read_text())[args.articles]
    gold = questions(SQUAD / "gold.jsonl", articles)
    unanswerable = questions(SQUAD / "unanswerable.jsonl", articles)
    depths = [int(d) for d in args.depths.split(",")]
    print(json.dumps({"articles": articles, "questions": len(gold), "unanswerable": len(unanswerable)}), flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        engine = article_engine(articles, Path(tmp))
        for words in (int(w) for w in args.words.split(",")):
            answered = readings(engine, gold, max(depths), words)
            missing = readings(engine, unanswerable, max(depths), words)
            ms = [1000 * s for _, _, s in answered]
            for depth in depths:
                for weight in (float(w) for w in args.weights.split(",")):
                    row = {"words": words, **score(gold, answered, depth, weight)}
                    print(json.dumps(row), flush=True)
                print(
                    json.dumps(
                        {
                            "words": words,
                            "depth": depth,
                            "flagged_unanswerable_vs_answerable": flags(answered, missing, depth),
                        }
                    ),
                    flush=True,
                )
            print(
                json.dumps(
                    {
                        "words": words,
                        "read_ms_p50": round(statistics.median(ms), 1),
                        "read_ms_p95": round(sorted(ms)[int(0.95 * (len(ms) - 1))], 1),
                        "depth": max(depths),
                    }
                ),
                flush=True,
            )


if __name__ == "__main__":
    main()
