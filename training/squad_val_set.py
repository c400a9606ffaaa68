"""Write a tuning set from the reader's validation articles: their text as a corpus and their questions as gold.

The reader's 20 validation articles (SQuAD v1.1 *train*, held out from every training run by `prepare_squad.py`)
are text no reader saw; nine of them, up to 120 questions each, make a tuning set about five times the size of
the squad-public tuning articles, so a choice between readers or settings rests on more than a few questions.

    python training/squad_val_set.py --out ~/.cache/qa-reader/val-set      # then:
    qa build --corpus ~/.cache/qa-reader/val-set/corpus --index ~/.cache/qa-reader/val-set/index

Each article is written as its title, a blank line, then its paragraphs in order separated by blank lines (the
shape of `../shared/qa-sets/squad-public/corpus`).
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

ARTICLES = (
    "John_von_Neumann",
    "Biodiversity",
    "Lighting",
    "Humanism",
    "Immaculate_Conception",
    "Software_testing",
    "Infrared",
    "General_Electric",
    "Tajikistan",
)  # the validation articles of 79–221 questions, all topics; the largest (American_Idol, 802) would dominate


def article_text(rows: list[dict], article: str) -> str:
    paragraphs = {r["paragraph"]: r["context"] for r in rows if r["article"] == article}
    title = article.replace("_", " ")
    return "\n\n".join([title, *(paragraphs[k] for k in sorted(paragraphs))]) + "\n"


def gold_rows(rows: list[dict], article: str, per_article: int, seed: int) -> list[dict]:
    questions = [r for r in rows if r["article"] == article]
    random.Random(seed).shuffle(questions)
    return [
        {"question": r["question"], "answers": sorted({a["text"] for a in r["answers"]}), "doc": f"{article}.txt"}
        for r in questions[:per_article]
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path.home() / ".cache" / "qa-reader" / "data")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--per-article", type=int, default=120)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    rows = [json.loads(line) for line in (args.data / "val.jsonl").read_text(encoding="utf-8").splitlines() if line]
    corpus = args.out / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    gold = []
    for article in ARTICLES:
        (corpus / f"{article}.txt").write_text(article_text(rows, article), encoding="utf-8")
        gold += gold_rows(rows, article, args.per_article, args.seed)
    (args.out / "gold.jsonl").write_text("".join(json.dumps(g) + "\n" for g in gold), encoding="utf-8")
    print(f"{len(ARTICLES)} articles, {len(gold)} questions → {args.out}")


if __name__ == "__main__":
    main()
