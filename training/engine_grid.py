"""Score a reader through the engine on tuning sets, over a grid of depths, retrieval weights and margins.

A reader is chosen by what the engine does with it (the right passage first, the right answer sentence), not by
SQuAD exact match on single paragraphs: each set is asked through `Engine.ask` with the reader given, every
window read once (the reads are cached, so each further depth and weight costs only the ranking), and one JSON line
printed per set and setting.

    python training/engine_grid.py --reader /tmp/run6-export \
        --set tune=/tmp/idx-sqtune:/tmp/sqtune/gold.jsonl --set val=<index>:<gold> \
        --depths 3,5 --weights 5,10,20 --margins 1,2

`--reader shipped` scores the reader in `qa/models/reader-weights/`. Only tuning sets belong here: the squad-public
tuning articles, `gold/dev.jsonl`, the reader's validation articles (`squad_val_set.py`).
"""

from __future__ import annotations

import argparse
import json
import time
from itertools import product
from typing import Any

from qa.engine import Engine
from qa.evaluate.gold import evaluate_gold, load_gold
from qa.models.reader import Reader, ReadSpan
from qa.search.read import ReadingSettings

KEYS = ("hit@1", "hit@5", "answer@1", "span_em", "span_f1", "false_alarms", "flagged_unanswerable", "page@1")


class CachedReader(Reader):
    """The reader with its reads remembered by (question, window, unit breaks): a grid reads each window once."""

    def __init__(self, reader: Reader) -> None:
        self.__dict__.update(reader.__dict__)
        self.memo: dict[tuple[str, str, tuple, tuple[int, ...]], ReadSpan] = {}

    def read(self, question: str, windows: list[str], **options: Any) -> list[ReadSpan]:
        """`Reader.read` (same keyword options), each (question, window, options, unit breaks) read once."""
        breaks = [tuple(b) for b in options.pop("breaks", None) or [()] * len(windows)]
        keys = [(question, w, tuple(sorted(options.items())), cut) for w, cut in zip(windows, breaks)]
        todo = [key for key in dict.fromkeys(keys) if key not in self.memo]
        if todo:
            spans = super().read(question, [k[1] for k in todo], breaks=[k[3] for k in todo], **options)
            self.memo.update(zip(todo, spans))
        return [self.memo[key] for key in keys]


def numbers(text: str, kind: type) -> list:
    return [kind(x) for x in text.split(",") if x]


def settings_grid(args: argparse.Namespace) -> list[ReadingSettings]:
    """Every combination of the grid's depths, weights, margins and span margins (a span margin equal to the
    margin when none are given)."""
    grid = product(
        numbers(args.depths, int),
        numbers(args.weights, float),
        numbers(args.margins, float),
        numbers(args.span_margins, float) or [None],
    )
    return [
        ReadingSettings(
            depth=depth,
            retrieval_weight=weight,
            no_answer_margin=margin,
            span_margin=margin if span_margin is None else span_margin,
        )
        for depth, weight, margin, span_margin in grid
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reader", required=True, help="an exported reader folder, or `shipped`")
    parser.add_argument("--set", action="append", required=True, help="NAME=INDEX:GOLD (repeatable)")
    parser.add_argument("--depths", default="3")
    parser.add_argument("--weights", default="10")
    parser.add_argument("--margins", default="1", help="no-answer margins (`ReadingSettings.no_answer_margin`)")
    parser.add_argument(
        "--span-margins", default="", help="bold-span margins (`ReadingSettings.span_margin`; default: each margin)"
    )
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    opened = Reader.open(None if args.reader == "shipped" else args.reader, threads=args.threads)
    reader = CachedReader(opened)
    for spec in args.set:
        name, paths = spec.split("=", 1)
        index, gold_path = paths.rsplit(":", 1)
        gold = load_gold(gold_path)
        with Engine.open(index, reader=reader) as engine:
            for reading in settings_grid(args):
                started = time.perf_counter()
                report = evaluate_gold(engine, gold, reading=reading)
                scores = {k: round(v, 4) for k, v in report.metrics.items() if k in KEYS}
                line = {"reader": args.reader, "set": name, "n": report.n, "depth": reading.depth}
                line |= {"weight": reading.retrieval_weight, "margin": reading.no_answer_margin}
                line["span_margin"] = reading.span_margin
                print(json.dumps({**line, **scores, "seconds": round(time.perf_counter() - started)}), flush=True)


if __name__ == "__main__":
    main()
