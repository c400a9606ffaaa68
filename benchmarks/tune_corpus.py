"""The grid that chose the engine's defaults, on the tuning sets only: gold/dev.jsonl over corpus/ and the
squad-public tuning articles named in gold/squad-split.json (when ../shared/qa-sets/squad-public exists).

    python benchmarks/tune_corpus.py [--squad ../shared/qa-sets/squad-public]

Stage 1 varies passage size and the hybrid's search settings; stage 2 varies the answer-sentence weights at
the default retrieval. Each line prints hit@1, hit@5, MRR@10 and answer@1 for each tuning set. Held-out sets
(gold/heldout.jsonl, the held-out squad articles) are never evaluated here: report them once, with `qa eval`,
after the choice is made (gold/README.md).
"""

from __future__ import annotations

import argparse
import itertools
import json
import shutil
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

from qa.engine import Engine, build_from_folder, load_encoder
from qa.evaluate.gold import GoldQuestion, evaluate_gold, load_gold
from qa.index.config import BuildConfig
from qa.ingest.chunk import ChunkSettings
from qa.process import configure_runtime
from qa.search.highlight import HighlightSettings
from qa.search.retrieve import SearchSettings

ROOT = Path(__file__).resolve().parent.parent
CHUNK_WORDS = (70, 90, 120)
SEARCHES = [
    SearchSettings(dense_weight=w, sentence_weight=sw, sentence_dense=sd)
    for w, sw, sd in itertools.product((0.4, 0.5, 0.6), (0.0, 0.3), (0.0, 0.3, 0.5, 0.7))
]
SEARCHES += [SearchSettings(fusion="rrf", sentence_weight=sw, sentence_dense=0.0) for sw in (0.0, 0.3)]
HIGHLIGHTS = [
    HighlightSettings(lexical_weight=lw, neighbour_weight=nw, type_weight=tw, previous_weight=pw)
    for lw, nw, tw, pw in itertools.product((0.3, 0.5), (0.0, 0.15), (0.1, 0.2), (0.0, 0.15, 0.3))
]


@dataclass(frozen=True)
class TuningSet:
    name: str
    corpus: Path
    gold: list[GoldQuestion]


def tuning_sets(squad: Path, work: Path) -> list[TuningSet]:
    """dev over corpus/, and the squad tuning articles (copied to a temporary corpus folder) with their questions."""
    sets = [TuningSet("dev", ROOT / "corpus", load_gold(ROOT / "gold" / "dev.jsonl"))]
    split = json.loads((ROOT / "gold" / "squad-split.json").read_text(encoding="utf-8"))
    if (squad / "gold.jsonl").exists():
        corpus = work / "squad-tuning"
        corpus.mkdir(parents=True)
        for name in split["tuning"]:
            shutil.copy(squad / "corpus" / name, corpus / name)
        gold = [q for q in load_gold(squad / "gold.jsonl") if q.doc in split["tuning"]]
        sets.append(TuningSet("squad-tuning", corpus, gold))
    return sets


def cells(
    engines: dict[str, Engine], sets: list[TuningSet], search: SearchSettings, highlight: HighlightSettings
) -> str:
    out = []
    for s in sets:
        m = evaluate_gold(engines[s.name], s.gold, mode="hybrid", settings=search, highlight=highlight).metrics
        out.append(f"{s.name}: h1={m['hit@1']:.3f} h5={m['hit@5']:.3f} mrr={m['mrr@10']:.3f} a1={m['answer@1']:.3f}")
    return " | ".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--squad", type=Path, default=ROOT.parent / "shared" / "qa-sets" / "squad-public")
    args = parser.parse_args()
    configure_runtime()
    encoder = load_encoder()
    work = Path(tempfile.mkdtemp())
    try:
        sets = tuning_sets(args.squad, work)

        def engines_for(config: BuildConfig, tag: str) -> dict[str, Engine]:
            out = {}
            for s in sets:
                build_from_folder(s.corpus, work / f"index-{tag}-{s.name}", config, encoder=encoder)
                out[s.name] = Engine.open(work / f"index-{tag}-{s.name}", encoder=encoder)
            return out

        for words in CHUNK_WORDS:
            engines = engines_for(BuildConfig(chunking=replace(ChunkSettings(), target_words=words)), str(words))
            for s in SEARCHES:
                print(
                    f"words={words:<4} {s.fusion} w={s.dense_weight} sw={s.sentence_weight} sd={s.sentence_dense} | "
                    + cells(engines, sets, s, HighlightSettings()),
                    flush=True,
                )
        engines = engines_for(BuildConfig(), "default")
        for h in HIGHLIGHTS:
            print(
                f"highlight lw={h.lexical_weight} nw={h.neighbour_weight} tw={h.type_weight} pw={h.previous_weight} | "
                + cells(engines, sets, SearchSettings(), h),
                flush=True,
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
