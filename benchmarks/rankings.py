"""Snapshot every ranking the engine gives on the public question sets, and compare two snapshots.

A refactor that should not change behaviour is checked with it: every gold set (`gold/*.jsonl` over the
bundled corpus, `gold/docs.jsonl` over ../shared/docs, the squad-public tuning and held-out articles) and
BEIR SciFact's test queries are asked in every mode; each question's top 10 passages (document, start, end)
with their scores rounded to 9 decimals and `ask`'s answer sentence and span for the top passage (for SciFact:
the ranked documents and their scores, with the general default settings) are written.

    [QA_SHARED=/path/to/shared] python benchmarks/rankings.py snapshot before.json [--skip-beir | --only-beir]
    python benchmarks/rankings.py compare before.json after.json
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("QA_SHARED", ROOT.parent / "shared"))  # a worktree elsewhere points it at ../shared
sys.path.insert(0, str(ROOT))

from qa.engine import Engine, build_from_folder, load_encoder  # noqa: E402
from qa.evaluate.gold import load_gold  # noqa: E402
from qa.process import configure_runtime  # noqa: E402

MODES = ("hybrid", "dense", "bm25")


def copy_corpus(source: Path, target: Path, names: list[str] | None = None) -> Path:
    target.mkdir(parents=True)
    for path in sorted(source.rglob("*")):
        if path.is_file() and (names is None or path.name in names):
            relative = path.relative_to(source)
            (target / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, target / relative)
    return target


def question_sets(work: Path) -> list[tuple[str, Path, list]]:
    """(name, corpus folder, questions) of every public set that is present."""
    sets = []
    corpus = copy_corpus(ROOT / "corpus", work / "bundled")
    for name in ("heldout", "dev", "seen"):
        sets.append((name, corpus, load_gold(ROOT / "gold" / f"{name}.jsonl")))
    if (SHARED / "docs").is_dir():
        sets.append(("docs", copy_corpus(SHARED / "docs", work / "docs"), load_gold(ROOT / "gold" / "docs.jsonl")))
    squad = SHARED / "qa-sets" / "squad-public"
    if squad.is_dir():
        split = json.loads((ROOT / "gold" / "squad-split.json").read_text(encoding="utf-8"))
        gold = load_gold(squad / "gold.jsonl")
        for part in ("tuning", "heldout"):
            folder = copy_corpus(squad / "corpus", work / f"squad-{part}", split[part])
            sets.append((f"squad-{part}", folder, [q for q in gold if q.doc in split[part]]))
    return sets


def hits_of(engine: Engine, question: str, mode: str) -> list:
    hits = engine.search(question, k=10, mode=mode)
    rows = engine.index.chunks.get_many([h.chunk for h in hits])
    return [
        [rows[h.chunk].chunk.doc_id, rows[h.chunk].chunk.start, rows[h.chunk].chunk.end, round(h.score, 9)]
        for h in hits
    ]


def answer_of(engine: Engine, question: str, mode: str) -> list | None:
    response = engine.ask(question, k=1, mode=mode, reader=False)  # the ranking before the reader (new behaviour)
    if not response.results or response.results[0].answer is None:
        return None
    answer = response.results[0].answer
    span = [answer.span.start, answer.span.end] if answer.span else None
    return [answer.start, answer.end, span, response.confident]


def snapshot(out: Path, skip_beir: bool, only_beir: bool = False) -> None:
    encoder = load_encoder()
    result: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        indexes: dict[Path, Engine] = {}
        for name, corpus, gold in [] if only_beir else question_sets(work):
            if corpus not in indexes:
                build_from_folder(corpus, corpus.parent / f"{corpus.name}-index", encoder=encoder)
                indexes[corpus] = Engine.open(corpus.parent / f"{corpus.name}-index", encoder=encoder)
            engine = indexes[corpus]
            result[name] = {
                mode: {
                    q.question: {
                        "hits": hits_of(engine, q.question, mode),
                        "answer": answer_of(engine, q.question, mode),
                    }
                    for q in gold
                }
                for mode in MODES
            }
            print(f"{name}: {len(gold)} questions", flush=True)
        if not skip_beir and (SHARED / "beir" / "scifact").is_dir():
            from qa.evaluate.beir import build_or_open_beir_index, load_beir, rank_documents

            dataset = load_beir(SHARED / "beir" / "scifact")
            engine = build_or_open_beir_index(dataset, work / "beir-scifact", encoder=encoder)
            queries = sorted(dataset.split("test"))
            result["scifact"] = {
                mode: {
                    q: [[d, round(s, 9)] for d, s in rank_documents(engine, dataset.queries[q], mode).items()]
                    for q in queries
                }
                for mode in MODES
            }
            print(f"scifact: {len(queries)} queries", flush=True)
    out.write_text(json.dumps(result, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def compare(before: Path, after: Path) -> int:
    a, b = (json.loads(p.read_text(encoding="utf-8")) for p in (before, after))
    differences = 0
    for name in sorted(set(a) | set(b)):
        for mode in MODES:
            left, right = a.get(name, {}).get(mode, {}), b.get(name, {}).get(mode, {})
            changed = [q for q in set(left) | set(right) if left.get(q) != right.get(q)]
            differences += len(changed)
            print(f"{name:14} {mode:7} {len(left):5} questions, {len(changed)} differ")
            for q in sorted(changed)[:3]:
                print(f"    {q[:70]!r}: {left.get(q)} -> {right.get(q)}")
    print("identical" if differences == 0 else f"{differences} questions differ")
    return 1 if differences else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    snap = sub.add_parser("snapshot")
    snap.add_argument("out", type=Path)
    snap.add_argument("--skip-beir", action="store_true")
    snap.add_argument("--only-beir", action="store_true", help="SciFact alone (the slow part, run on its own)")
    comp = sub.add_parser("compare")
    comp.add_argument("before", type=Path)
    comp.add_argument("after", type=Path)
    args = parser.parse_args()
    configure_runtime()  # BLAS on the calling thread, as every entry point
    if args.command == "snapshot":
        snapshot(args.out, args.skip_beir, args.only_beir)
        return 0
    return compare(args.before, args.after)


if __name__ == "__main__":
    sys.exit(main())
