"""BEIR evaluation: loading BEIR's layout, building with the real model, and metrics checked by hand."""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

import pytest

from qa.beir import (
    BeirFormatError,
    BeirNotFound,
    build_or_open_beir_index,
    evaluate_beir,
    load_beir,
    rank_documents,
    run_beir_eval,
    score_run,
)
from qa.chunk import ChunkSettings
from qa.config import BuildConfig
from qa.errors import QAError
from qa.evaluate import ndcg_at_k
from qa.retrieve import SearchSettings

DOCS = [
    {"_id": "d1", "title": "Aspirin and colorectal cancer",
     "text": "Daily low-dose aspirin reduces the incidence of colorectal cancer in adults over fifty. "
             "The protective effect appeared after five years of regular use."},
    {"_id": "d2", "title": "Vitamin D and bone fractures",
     "text": "Vitamin D supplementation alone does not prevent hip fractures in elderly women. "
             "Calcium intake was recorded by questionnaire."},
    {"_id": "d3", "title": "Sleep deprivation and memory",
     "text": "Students deprived of sleep for one night recalled fewer words the next morning. "
             "Memory consolidation depends on slow-wave sleep."},
    {"_id": "d4", "title": "Zebrafish heart regeneration",
     "text": "Zebrafish regenerate heart muscle after injury. Heart regeneration in zebrafish is driven by "
             "cardiomyocyte proliferation. Zebrafish heart regeneration needs no scar tissue."},
    {"_id": "d5", "title": "Fish models in cardiology",
     "text": "The zebrafish heart is a small two-chambered organ that is easy to image in larvae."},
    {"_id": "d6", "title": "Soil bacteria and nitrogen",
     "text": "Rhizobia fix atmospheric nitrogen in root nodules of legumes. "
             "Nodule formation is controlled by flavonoid signals from the plant root. "
             "Fixed nitrogen is exported to the host as ammonium. "
             "In exchange the plant supplies the bacteria with dicarboxylic acids. "
             "Mutants that cannot fix nitrogen still form nodules but the plants stay pale and small."},
]
QUERIES = [
    {"_id": "q1", "text": "Low-dose aspirin reduces colorectal cancer incidence."},
    {"_id": "q2", "text": "Vitamin D supplementation prevents hip fractures in elderly women."},
    {"_id": "q3", "text": "Zebrafish heart regeneration is driven by cardiomyocyte proliferation."},
    {"_id": "q4", "text": "A query judged only in the train split."},
]
# test split: q1 → d1; q2 → d2 and "d404" (judged, not in the corpus); q3 → d4 judged 0, d5 judged 2
TEST_QRELS = "query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td2\t1\nq2\td404\t1\nq3\td4\t0\nq3\td5\t2\n"
TRAIN_QRELS = "query-id\tcorpus-id\tscore\nq4\td6\t1\n"
# Small passages, so d6 (5 sentences, ~60 words) becomes several chunks and MaxP has something to merge.
TINY_CONFIG = BuildConfig(chunking=ChunkSettings(target_words=25))


def write_beir(folder: Path, docs=DOCS, queries=QUERIES, splits=None) -> Path:  # type: ignore[no-untyped-def]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "corpus.jsonl").write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    (folder / "queries.jsonl").write_text("".join(json.dumps(q) + "\n" for q in queries), encoding="utf-8")
    (folder / "qrels").mkdir(exist_ok=True)
    for split, text in (splits or {"test": TEST_QRELS, "train": TRAIN_QRELS}).items():
        (folder / "qrels" / f"{split}.tsv").write_text(text, encoding="utf-8")
    return folder


# ---------------------------------------------------------------- loading


def test_load_beir_reads_corpus_queries_and_every_split(tmp_path: Path) -> None:
    ds = load_beir(write_beir(tmp_path / "tiny"))
    assert ds.name == "tiny"
    assert [d.id for d in ds.corpus.documents] == ["d1", "d2", "d3", "d4", "d5", "d6"]
    first = ds.corpus.documents[0]
    assert first.title == DOCS[0]["title"] and first.text == DOCS[0]["text"]
    raw_line = json.dumps(DOCS[0]).encode()
    assert first.sha256 == hashlib.sha256(raw_line).hexdigest()
    assert ds.corpus_sha256 == hashlib.sha256((tmp_path / "tiny" / "corpus.jsonl").read_bytes()).hexdigest()
    assert ds.queries["q3"] == QUERIES[2]["text"]
    assert ds.splits == ("test", "train")
    assert ds.qrels["test"] == {"q1": {"d1": 1}, "q2": {"d2": 1, "d404": 1}, "q3": {"d4": 0, "d5": 2}}
    assert ds.qrels["train"] == {"q4": {"d6": 1}}


def test_bad_json_line_names_file_and_line(tmp_path: Path) -> None:
    folder = write_beir(tmp_path / "bad")
    lines = (folder / "corpus.jsonl").read_text().splitlines()
    lines[2] = '{"_id": "d3", "title": "broken", "text": "no closing brace"'
    (folder / "corpus.jsonl").write_text("\n".join(lines) + "\n")
    with pytest.raises(BeirFormatError, match=r"corpus\.jsonl line 3: invalid JSON") as info:
        load_beir(folder)
    assert isinstance(info.value, QAError)


def test_missing_split_lists_the_splits_there_are(tmp_path: Path) -> None:
    ds = load_beir(write_beir(tmp_path / "tiny"))
    with pytest.raises(BeirNotFound, match=r"split 'dev' has no qrels .*found: test, train"):
        ds.split("dev")
    with pytest.raises(BeirNotFound, match="split 'dev'"):
        run_beir_eval(tmp_path / "tiny", split="dev", index_dir=tmp_path / "never-built")
    assert not (tmp_path / "never-built").exists()  # failed before any build


def test_missing_folder_file_and_unknown_query(tmp_path: Path) -> None:
    with pytest.raises(BeirNotFound, match="does not exist"):
        load_beir(tmp_path / "nowhere")
    folder = write_beir(tmp_path / "noq")
    (folder / "queries.jsonl").unlink()
    with pytest.raises(BeirNotFound, match=r"queries file .*queries\.jsonl' does not exist"):
        load_beir(folder)
    folder = write_beir(tmp_path / "unknown", splits={"test": "query-id\tcorpus-id\tscore\nq9\td1\t1\n"})
    with pytest.raises(BeirFormatError, match=r"test\.tsv line 2: query-id 'q9' is not in queries\.jsonl"):
        load_beir(folder)


# ---------------------------------------------------------------- metrics by hand


def test_ndcg_at_10_graded_relevance_by_hand() -> None:
    qrels = {"a": 2, "b": 1, "c": 0, "e": 2}  # "e" is relevant but never retrieved
    ranked = ["c", "a", "b", "d"]
    # DCG  = 0/log2(2) + 2/log2(3) + 1/log2(4) + 0/log2(5) = 0 + 1.261860 + 0.5        = 1.761860
    # IDCG = gains sorted 2, 2, 1: 2/log2(2) + 2/log2(3) + 1/log2(4) = 2 + 1.261860 + 0.5 = 3.761860
    # nDCG = 1.761860 / 3.761860 = 0.468348
    assert ndcg_at_k(ranked, qrels, 10) == pytest.approx(0.468348, abs=1e-6)
    assert ndcg_at_k(ranked, qrels, 10) == pytest.approx((2 / math.log2(3) + 0.5) / (2 + 2 / math.log2(3) + 0.5))
    # a cut-off of 1 sees only "c" (gain 0)
    assert ndcg_at_k(ranked, qrels, 1) == 0.0


def test_score_run_averages_over_every_judged_query() -> None:
    qrels = {"q1": {"x": 1}, "q2": {"y": 1}}
    # q1 finds x at rank 2: nDCG = (1/log2 3)/1 = 0.630930, MRR = 0.5; q2 has no ranking at all and scores 0
    result = score_run({"q1": ["w", "x"]}, qrels)
    assert result["n"] == 2
    assert result["ndcg@10"] == pytest.approx(0.630930 / 2, abs=1e-6)
    assert result["mrr@10"] == pytest.approx(0.25)
    assert result["recall@10"] == pytest.approx(0.5)


# ---------------------------------------------------------------- real model, end to end


@pytest.fixture(scope="module")
def tiny(tmp_path_factory, real_encoder):  # type: ignore[no-untyped-def]
    root = tmp_path_factory.mktemp("beir")
    ds = load_beir(write_beir(root / "tiny"))
    engine = build_or_open_beir_index(ds, root / "index", TINY_CONFIG, encoder=real_encoder)
    return root, ds, engine


def test_build_records_the_source_and_is_reused(tiny, real_encoder) -> None:  # type: ignore[no-untyped-def]
    root, ds, engine = tiny
    manifest = engine.index.manifest
    assert manifest["source"] == {"kind": "beir", "path": str(root / "tiny" / "corpus.jsonl"), "sha256": ds.corpus_sha256}
    assert manifest["counts"]["documents"] == 6
    assert sum(c.doc_id == "d6" for c in engine.index.chunks) >= 2  # d6 is split into passages
    again = build_or_open_beir_index(ds, root / "index", TINY_CONFIG, encoder=real_encoder)
    assert again.index.path == engine.index.path  # same corpus hash and config: not rebuilt


def test_rank_documents_merges_passages_of_a_document(tiny) -> None:  # type: ignore[no-untyped-def]
    _, ds, engine = tiny
    for mode in ("hybrid", "dense"):
        ranked = rank_documents(engine, "Rhizobia fix nitrogen in root nodules of legumes", mode, SearchSettings())
        assert ranked[0] == "d6"
        assert len(ranked) == len(set(ranked)) == 6  # every document once, though d6 has several passages
    assert rank_documents(engine, "rhizobia nodules", "bm25", depth=1) == ["d6"]


@pytest.mark.parametrize("mode", ["hybrid", "dense", "bm25"])
def test_evaluate_matches_hand_computed_metrics(tiny, mode) -> None:  # type: ignore[no-untyped-def]
    _, ds, engine = tiny
    runs = {q: rank_documents(engine, ds.queries[q], mode) for q in ds.qrels["test"]}
    # The queries are built so every mode ranks: q1 → d1 first; q2 → d2 first; q3 → d4 first, d5 second.
    assert runs["q1"][0] == "d1" and runs["q2"][0] == "d2" and runs["q3"][:2] == ["d4", "d5"]
    result = evaluate_beir(engine, ds, "test", mode, SearchSettings())
    # q1: d1 (gain 1) at rank 1                    nDCG 1                                   MRR 1    R@10 1/1
    # q2: d2 at rank 1; d404 is judged but absent  nDCG (1/1) / (1/1 + 1/log2 3) = 1/1.630930 = 0.613147
    #                                              MRR 1    R@10 = R@100 = 1/2
    # q3: d4 judged 0 at rank 1, d5 (gain 2) at 2  nDCG (2/log2 3) / (2/1) = 1.261860/2 = 0.630930
    #                                              MRR 1/2  R@10 = R@100 = 1/1 (d4 scores 0: not relevant)
    # means over the 3 queries of the split:
    #   nDCG@10 = (1 + 0.613147 + 0.630930) / 3 = 0.748026
    #   MRR@10  = (1 + 1 + 0.5) / 3             = 0.833333
    #   R@10    = R@100 = (1 + 0.5 + 1) / 3     = 0.833333
    assert result["n"] == 3
    assert result["ndcg@10"] == pytest.approx(0.748026, abs=1e-6)
    assert result["mrr@10"] == pytest.approx(0.833333, abs=1e-6)
    assert result["recall@10"] == pytest.approx(0.833333, abs=1e-6)
    assert result["recall@100"] == pytest.approx(0.833333, abs=1e-6)
    assert result["seconds"] >= 0


def test_run_beir_eval_rebuilds_when_the_corpus_changes(tmp_path: Path, real_encoder) -> None:  # type: ignore[no-untyped-def]
    folder = write_beir(tmp_path / "tiny")
    first = run_beir_eval(folder, index_dir=tmp_path / "index", config=TINY_CONFIG, encoder=real_encoder, mode="bm25")
    assert first["n"] == 3 and first["index_reused"] is False and first["dataset"] == "tiny"
    assert run_beir_eval(folder, index_dir=tmp_path / "index", config=TINY_CONFIG, encoder=real_encoder,
                         mode="bm25")["index_reused"] is True
    write_beir(folder, docs=DOCS[:5] + [{**DOCS[5], "text": DOCS[5]["text"] + " Added."}])
    changed = run_beir_eval(folder, index_dir=tmp_path / "index", config=TINY_CONFIG, encoder=real_encoder, mode="bm25")
    assert changed["index_reused"] is False and changed["ndcg@10"] == first["ndcg@10"]


def test_run_beir_eval_defaults_to_the_beir_settings(tmp_path: Path, real_encoder) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import asdict

    from qa.beir import BEIR_BUILD_CONFIG, BEIR_SEARCH_SETTINGS

    folder = write_beir(tmp_path / "tiny")
    result = run_beir_eval(folder, index_dir=tmp_path / "index", encoder=real_encoder)
    assert result["mode"] == "hybrid" and result["split"] == "test" and result["n"] == 3
    assert result["settings"] == asdict(BEIR_SEARCH_SETTINGS)
    assert result["config"] == json.loads(json.dumps(BEIR_BUILD_CONFIG.to_json()))
    assert 0.0 <= result["ndcg@10"] <= 1.0 and result["recall@100"] >= result["recall@10"]


def test_cli_eval_beir_prints_the_metrics(tmp_path: Path, real_encoder) -> None:  # type: ignore[no-untyped-def]
    from click.testing import CliRunner

    from qa.cli import cli

    folder = write_beir(tmp_path / "tiny")
    runner = CliRunner()
    done = runner.invoke(cli, ["eval", "--beir", str(folder), "--index", str(tmp_path / "index"), "--mode", "bm25", "--json"])
    assert done.exit_code == 0, done.output
    result = json.loads(done.stdout)
    assert {"mode", "split", "n", "ndcg@10", "mrr@10", "recall@10", "recall@100"} <= set(result)
    assert result["mode"] == "bm25" and result["n"] == 3 and result["index_reused"] is False
    table = runner.invoke(cli, ["eval", "--beir", str(folder), "--index", str(tmp_path / "index"), "--compare"])
    assert table.exit_code == 0, table.output
    assert [line.split()[0] for line in table.stdout.splitlines()[1:]] == ["hybrid", "dense", "bm25"]
    missing = runner.invoke(cli, ["eval", "--beir", str(tmp_path / "nowhere")])
    assert missing.exit_code == 1 and "does not exist" in missing.output


def test_tuning_replay_matches_the_engine(tiny) -> None:  # type: ignore[no-untyped-def]
    """benchmarks/beir_tune.py scores grid points on precomputed matrices; they must rank as the engine does."""
    import importlib.util

    path = Path(__file__).resolve().parent.parent / "benchmarks" / "beir_tune.py"
    spec = importlib.util.spec_from_file_location("beir_tune", path)
    assert spec is not None and spec.loader is not None
    tune = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tune)
    _, ds, engine = tiny
    pre = tune.Precomputed(ds, engine, "test")
    built = (engine.index.config.bm25_k1, engine.index.config.bm25_b)
    points = [("dense", SearchSettings()), ("bm25", SearchSettings()),
              ("hybrid", SearchSettings(fusion="blend", dense_weight=0.3, sentence_weight=1.2, sentence_dense=0.0)),
              ("hybrid", SearchSettings(fusion="blend", dense_weight=0.5, sentence_weight=0.6, sentence_dense=0.5)),
              ("hybrid", SearchSettings(fusion="rrf", rrf_k=10, sentence_weight=0.0, sentence_dense=0.0)),
              ("hybrid", SearchSettings(fusion="rrf", rrf_k=10, sentence_weight=1.0, sentence_dense=0.75))]
    for mode, settings in points:
        fast = tune.fast_eval(pre, mode, settings, built, return_run=True)
        slow = evaluate_beir(engine, ds, "test", mode, settings, return_run=True)
        assert fast["run"] == slow["run"], (mode, settings)
    other = tune.fast_eval(pre, "bm25", bm25=(0.9, 0.4))  # BM25 rebuilt with other k1/b, as a build would
    engine_result = tune.check_against_engine(pre, "bm25", SearchSettings(), (0.9, 0.4))
    assert {key: engine_result[key] for key in other} == other


def test_refuses_to_replace_a_corpus_index(tmp_path: Path, hash_encoder) -> None:  # type: ignore[no-untyped-def]
    from qa.engine import build_from_folder

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "notes.txt").write_text("The user's own notes, indexed with qa build.\n", encoding="utf-8")
    build_from_folder(corpus, tmp_path / "index", BuildConfig(model=hash_encoder.name), encoder=hash_encoder)
    before = (tmp_path / "index" / "current").resolve()
    with pytest.raises(QAError, match="not of a BEIR dataset"):
        run_beir_eval(write_beir(tmp_path / "tiny"), index_dir=tmp_path / "index", mode="bm25",
                      config=BuildConfig(model=hash_encoder.name), encoder=hash_encoder)
    assert (tmp_path / "index" / "current").resolve() == before
