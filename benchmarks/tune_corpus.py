"""Grid over chunk size, fusion and highlight weights on a gold set (tune on gold/dev.jsonl, report gold/test.jsonl).

    python benchmarks/tune_corpus.py gold/dev.jsonl [gold/test.jsonl]
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


def main() -> None:
    golds = [load_gold(p) for p in sys.argv[1:]]
    encoder = load_encoder()
    work = Path(tempfile.mkdtemp())
    chunk_sizes = [70, 90, 120, 150]
    searches = [SearchSettings(fusion=f, dense_weight=w, sentence_weight=sw)
                for f, w, sw in itertools.product(["blend"], [0.3, 0.4, 0.5, 0.6], [0.0, 0.3, 0.6])]
    searches += [SearchSettings(fusion="rrf", sentence_weight=sw) for sw in (0.0, 0.3, 0.6)]
    for size in chunk_sizes:
        config = BuildConfig(chunking=replace(ChunkSettings(), target_words=size))
        index = work / f"index-{size}"
        build_from_folder(ROOT / "corpus", index, config, encoder=encoder)
        engine = Engine.open(index, encoder=encoder)
        for search in searches:
            cells = []
            for gold in golds:
                r = evaluate_gold(engine, gold, mode="hybrid", settings=search)
                cells.append(f"h1={r.metrics['hit@1']:.3f} h5={r.metrics['hit@5']:.3f} mrr={r.metrics['mrr@10']:.3f} a1={r.metrics['answer@1']:.3f}")
            print(f"size={size:<4} words={r.passage_words_mean:5.1f} {search.fusion} w={search.dense_weight} sw={search.sentence_weight} | " + " | ".join(cells), flush=True)
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
