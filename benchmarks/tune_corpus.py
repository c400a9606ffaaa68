"""The grid that chose the engine's defaults: tune on gold/dev.jsonl, and only report gold/test.jsonl.

    python benchmarks/tune_corpus.py gold/dev.jsonl [gold/test.jsonl]

Stage 1 varies passage size and the hybrid's search settings; stage 2 varies the answer-sentence weights
at the default retrieval. Each line prints hit@1, hit@5, MRR@10 and answer@1 for every gold file given.
Choose by the first file; the others are there to see how far the choice carries.
"""

from __future__ import annotations

import itertools
import shutil
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

from qa.chunk import ChunkSettings
from qa.config import BuildConfig
from qa.engine import Engine, build_from_folder, load_encoder
from qa.evaluate import evaluate_gold, load_gold
from qa.highlight import HighlightSettings
from qa.retrieve import SearchSettings

ROOT = Path(__file__).resolve().parent.parent
CHUNK_WORDS = (70, 90, 120)
SEARCHES = [SearchSettings(dense_weight=w, sentence_weight=sw, sentence_dense=sd)
            for w, sw, sd in itertools.product((0.4, 0.5, 0.6), (0.0, 0.3), (0.0, 0.3, 0.5, 0.7))]
SEARCHES += [SearchSettings(fusion="rrf", sentence_weight=sw, sentence_dense=0.0) for sw in (0.0, 0.3)]
HIGHLIGHTS = [HighlightSettings(lexical_weight=lw, neighbour_weight=nw, type_weight=tw, previous_weight=pw)
              for lw, nw, tw, pw in itertools.product((0.3, 0.5), (0.0, 0.15), (0.1, 0.2), (0.0, 0.15, 0.3))]


def cells(engine: Engine, golds: list, search: SearchSettings, highlight: HighlightSettings) -> str:
    out = []
    for gold in golds:
        m = evaluate_gold(engine, gold, mode="hybrid", settings=search, highlight=highlight).metrics
        out.append(f"h1={m['hit@1']:.3f} h5={m['hit@5']:.3f} mrr={m['mrr@10']:.3f} a1={m['answer@1']:.3f}")
    return " | ".join(out)


def main() -> None:
    golds = [load_gold(p) for p in sys.argv[1:]] or [load_gold(ROOT / "gold" / "dev.jsonl")]
    encoder = load_encoder()
    work = Path(tempfile.mkdtemp())
    try:
        for words in CHUNK_WORDS:
            index = work / f"index-{words}"
            build_from_folder(ROOT / "corpus", index, BuildConfig(chunking=replace(ChunkSettings(), target_words=words)), encoder=encoder)
            engine = Engine.open(index, encoder=encoder)
            mean = sum(c.words for c in engine.index.chunks) / len(engine.index.chunks)
            for s in SEARCHES:
                print(f"words={words:<4} mean={mean:5.1f} {s.fusion} w={s.dense_weight} sw={s.sentence_weight} sd={s.sentence_dense} | "
                      + cells(engine, golds, s, HighlightSettings()), flush=True)
        index = work / "index-default"
        build_from_folder(ROOT / "corpus", index, BuildConfig(), encoder=encoder)
        engine = Engine.open(index, encoder=encoder)
        for h in HIGHLIGHTS:
            print(f"highlight lw={h.lexical_weight} nw={h.neighbour_weight} tw={h.type_weight} pw={h.previous_weight} | "
                  + cells(engine, golds, SearchSettings(), h), flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
