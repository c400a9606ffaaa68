"""BEIR evaluation: loading BEIR's layout, building with the real model, and metrics checked by hand."""

from __future__ import annotations

import hashlib
import json
import math
import time
from dataclasses import asdict
from pathlib import Path

import pytest

from qa.errors import QAError
from qa.evaluate.beir import (
    BeirFormatError,
    BeirNotFound,
    build_or_open_beir_index,
    evaluate_beir,
    load_beir,
    rank_documents,
    run_beir_eval,
    score_run,
)
from qa.evaluate.beir_settings import search_settings_for, settings_path, tuning_split
from qa.evaluate.beir_tune import tune_beir, tune_search_settings
from qa.index.config import BuildConfig
from qa.ingest.chunk import ChunkSettings
from qa.search.retrieve import SearchSettings

DOCS = [
    {
        "_id": "d1",
        "title": "Aspirin and colorectal cancer",
        "text": "Daily low-dose aspirin reduces the incidence of colorectal cancer in adults over fifty. "
        "The protective effect appeared after five years of regular use.",
    },
    {
        "_id": "d2",
        "title": "Vitamin D and bone fractures",
        "text": "Vitamin D supplementation alone does not prevent hip fractures in elderly women. "
        "Calcium intake was recorded by questionnaire.",
    },
    {
        "_id": "d3",
        "title": "Sleep deprivation and memory",
        "text": "Students deprived of sleep for one night recalled fewer words the next morning. "
        "Memory consolidation depends on slow-wave sleep.",
    },
    {
        "_id": "d4",
        "title": "Zebrafish heart regeneration",
        "text": "Zebrafish regenerate heart muscle after injury. Heart regeneration in zebrafish is driven by "
        "cardiomyocyte proliferation. Zebrafish heart regeneration needs no scar tissue.",
    },
    {
        "_id": "d5",
        "title": "Fish models in cardiology",
        "text": "The zebrafish heart is a small two-chambered organ that is easy to image in larvae.",
    },
    {
        "_id": "d6",
        "title": "Soil bacteria and nitrogen",
        "text": "Rhizobia fix atmospheric nitrogen in root nodules of legumes. "
        "Nodule formation is controlled by flavonoid signals from the plant root. "
        "Fixed nitrogen is exported to the host as ammonium. "
        "In exchange the plant supplies the bacteria with dicarboxylic acids. "
        "Mutants that cannot fix nitrogen still form nodules but the plants stay pale and small.",
    },
]
QUERIES = [
    {"_id": "q1", "text": "Low-dose aspirin reduces colorectal cancer incidence."},
    {"_id": "q2", "text": "Vitamin D supplementation prevents hip fractures in elderly women."},
    {"_id": "q3", "text": "Zebrafish heart regeneration is driven by cardiomyocyte proliferation."},
    {"_id": "q4", "text": "A query judged only in the train split."},
    # its id is a document's id, as in ArguAna or Quora, where the query is itself in the corpus
    {"_id": "d3", "text": "Students deprived of sleep for one night recalled fewer words the next morning."},
]
# test split: q1 → d1; q2 → d2 and "d404" (judged, not in the corpus); q3 → d4 judged 0, d5 judged 2
TEST_QRELS = "query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td2\t1\nq2\td404\t1\nq3\td4\t0\nq3\td5\t2\n"
TRAIN_QRELS = "query-id\tcorpus-id\tscore\nq4\td6\t1\n"
# d3 is judged relevant to itself: BEIR drops a retrieved document whose id is the query's, so it scores 0
SELF_QRELS = "query-id\tcorpus-id\tscore\nd3\td3\t1\n"
# Small passages, so d6 (5 sentences, ~60 words) becomes several chunks and MaxP has something to merge.
TINY_CONFIG = BuildConfig(chunking=ChunkSettings(target_words=25))


def write_beir(folder: Path, docs=DOCS, queries=QUERIES, splits=None) -> Path:  # type: ignore[no-untyped-def]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "corpus.jsonl").write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    (folder / "queries.jsonl").write_text("".join(json.dumps(q) + "\n" for q in queries), encoding="utf-8")
    (folder / "qrels").mkdir(exist_ok=True)
    for split, text in (splits or {"test": TEST_QRELS, "train": TRAIN_QRELS, "self": SELF_QRELS}).items():
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
    assert ds.splits == ("self", "test", "train")
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
    with pytest.raises(BeirNotFound, match=r"split 'dev' has no qrels .*found: self, test, train"):
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


def ranked(*docs: str) -> dict[str, float]:
    """A run for one query: the documents in this order, scores strictly decreasing."""
    return {doc: float(len(docs) - i) for i, doc in enumerate(docs)}


def test_ndcg_at_10_graded_relevance_by_hand() -> None:
    qrels = {"q": {"a": 2, "b": 1, "c": 0, "e": 2}}  # "e" is relevant but never retrieved
    # DCG  = 0/log2(2) + 2/log2(3) + 1/log2(4) + 0/log2(5) = 0 + 1.261860 + 0.5        = 1.761860
    # IDCG = gains sorted 2, 2, 1: 2/log2(2) + 2/log2(3) + 1/log2(4) = 2 + 1.261860 + 0.5 = 3.761860
    # nDCG = 1.761860 / 3.761860 = 0.468348; MRR = 1/2 (first relevant "a" at rank 2); R@10 = 2/3 ("e" missing)
    result = score_run({"q": ranked("c", "a", "b", "d")}, qrels)
    assert result["ndcg@10"] == pytest.approx(0.468348, abs=1e-6)
    assert result["ndcg@10"] == pytest.approx((2 / math.log2(3) + 0.5) / (2 + 2 / math.log2(3) + 0.5))
    assert result["mrr@10"] == pytest.approx(0.5)
    assert result["recall@10"] == pytest.approx(2 / 3)


def test_cutoffs_by_hand() -> None:
    qrels = {"q": {"a": 1, "b": 1}}
    # relevant at ranks 2 and 4: DCG = 1/log2(3) + 1/log2(5) = 0.630930 + 0.430677 = 1.061606
    # ideal: ranks 1 and 2: IDCG = 1/log2(2) + 1/log2(3) = 1 + 0.630930 = 1.630930; nDCG = 0.650921
    assert score_run({"q": ranked("x", "a", "y", "b")}, qrels)["ndcg@10"] == pytest.approx(0.650921, abs=1e-6)
    # ranked 11th and 101st: not seen at @10, "a" is seen at @100, "b" (101st) is not
    late = ranked(*[f"n{i}" for i in range(10)], "a", *[f"m{i}" for i in range(89)], "b")
    result = score_run({"q": late}, qrels)
    assert result["ndcg@10"] == 0.0 and result["mrr@10"] == 0.0 and result["recall@10"] == 0.0
    assert result["recall@100"] == pytest.approx(0.5)


def test_score_run_averages_over_every_judged_query() -> None:
    qrels = {"q1": {"x": 1}, "q2": {"y": 1}, "q3": {"z": 1}}
    # q1 finds x at rank 2: nDCG = (1/log2 3)/1 = 0.630930, MRR = 0.5; q2 is missing from the run and q3 has
    # no results at all: both score 0, and all three count in the mean
    result = score_run({"q1": ranked("w", "x"), "q3": {}, "other": ranked("x")}, qrels)
    assert result["n"] == 3
    assert result["ndcg@10"] == pytest.approx(0.630930 / 3, abs=1e-6)
    assert result["mrr@10"] == pytest.approx(0.5 / 3)
    assert result["recall@10"] == pytest.approx(1 / 3)


def test_ties_are_broken_as_pytrec_eval_does() -> None:
    # equal scores: pytrec_eval (so BEIR) orders by document id, descending, not by the order given
    qrels = {"q": {"a": 1}}
    assert score_run({"q": {"a": 1.0, "b": 1.0}}, qrels)["mrr@10"] == 0.5  # "b" goes first
    assert score_run({"q": {"b": 1.0, "a": 1.0}}, qrels)["mrr@10"] == 0.5
    assert score_run({"q": {"b": 1.0, "a": 2.0}}, qrels)["mrr@10"] == 1.0  # scores, not dict order, decide
    # at the cut-off too: eleven equal scores put "a" 11th, outside MRR@10, though it is given first
    eleven = dict.fromkeys("abcdefghijk", 1.0)
    assert list(eleven)[0] == "a" and score_run({"q": eleven}, qrels)["mrr@10"] == 0.0
    assert score_run({"q": eleven}, qrels)["recall@100"] == 1.0


def test_a_document_with_the_query_id_is_ignored() -> None:
    qrels = {"q1": {"x": 1}}
    run = {"q1": ranked("q1", "x")}
    # "q1" at rank 1 is the query itself: dropped, "x" is first (nDCG 1, MRR 1); kept, "x" is second
    assert score_run(run, qrels) == {"ndcg@10": 1.0, "mrr@10": 1.0, "recall@10": 1.0, "recall@100": 1.0, "n": 1}
    kept = score_run(run, qrels, ignore_identical_ids=False)
    assert kept["ndcg@10"] == pytest.approx(0.630930, abs=1e-6) and kept["mrr@10"] == 0.5
    # even when judged relevant to itself (BEIR drops it before scoring)
    assert score_run({"q1": ranked("q1")}, {"q1": {"q1": 1}})["ndcg@10"] == 0.0


def test_tune_search_settings_walks_each_axis_once() -> None:
    """Coordinate ascent on a known objective: best dense_weight 0.7, then best sentence_weight 0.6."""

    def score(s: SearchSettings) -> float:
        return -abs(s.dense_weight - 0.7) - abs(s.sentence_weight - 0.6) - (s.fusion == "rrf")

    start = SearchSettings(fusion="blend", dense_weight=0.5, sentence_weight=0.3)
    axes = [
        ("fusion", ("blend", "rrf")),
        ("dense_weight", (0.3, 0.5, 0.7)),
        ("rrf_k", (20, 60)),
        ("sentence_weight", (0.0, 0.3, 0.6, 1.0)),
    ]
    best, rows = tune_search_settings(score, start, axes)
    assert (best.fusion, best.dense_weight, best.sentence_weight) == ("blend", 0.7, 0.6)
    # start + rrf + dense 0.3, 0.7 + sentence 0.0, 0.6, 1.0; rrf_k is not tried under blend (it would not matter)
    assert len(rows) == 7 and all(r["settings"]["rrf_k"] == 60 for r in rows)
    assert rows[0] == {"settings": asdict(start), "score": pytest.approx(-0.5)}
    flat, _ = tune_search_settings(lambda s: 0.0, start, axes)
    assert flat == start  # ties keep the earlier value


# ---------------------------------------------------------------- real model, end to end


@pytest.fixture(scope="module")
def tiny(tmp_path_factory, real_encoder):  # type: ignore[no-untyped-def]
    root = tmp_path_factory.mktemp("beir")
    ds = load_beir(write_beir(root / "tiny"))
    engine = build_or_open_beir_index(ds, root / "index", TINY_CONFIG, encoder=real_encoder)
    return root, ds, engine


def test_build_records_the_source_and_is_reused(tiny, real_encoder) -> None:  # type: ignore[no-untyped-def]
    root, ds, engine = tiny
    manifest = engine.index.manifest.to_json()
    assert manifest["source"] == {
        "kind": "beir",
        "path": str(root / "tiny" / "corpus.jsonl"),
        "sha256": ds.corpus_sha256,
    }
    assert manifest["counts"]["documents"] == 6
    assert sum(c.doc_id == "d6" for c in engine.index.chunks) >= 2  # d6 is split into passages
    again = build_or_open_beir_index(ds, root / "index", TINY_CONFIG, encoder=real_encoder)
    assert again.index.path == engine.index.path  # same corpus hash and config: not rebuilt


def test_rank_documents_merges_passages_of_a_document(tiny) -> None:  # type: ignore[no-untyped-def]
    _, ds, engine = tiny
    for mode in ("hybrid", "dense"):
        docs = rank_documents(engine, "Rhizobia fix nitrogen in root nodules of legumes", mode, SearchSettings())
        assert list(docs)[0] == "d6"
        assert len(docs) == 6  # every document once, though d6 has several passages
        hits = engine.search("Rhizobia fix nitrogen in root nodules of legumes", k=50, mode=mode)
        assert docs["d6"] == hits[0].score  # MaxP: the document's score is its best passage's
        scores = list(docs.values())
        assert scores == sorted(scores, reverse=True)  # pytrec_eval, sorting by score, keeps the engine's order
    assert list(rank_documents(engine, "rhizobia nodules", "bm25", depth=1)) == ["d6"]
    assert rank_documents(engine, "the and of", "hybrid") == {}  # a question `ask` refuses: no results, scores 0


@pytest.mark.parametrize("mode", ["hybrid", "dense", "bm25"])
def test_evaluate_matches_hand_computed_metrics(tiny, mode) -> None:  # type: ignore[no-untyped-def]
    _, ds, engine = tiny
    runs = {q: list(rank_documents(engine, ds.queries[q], mode)) for q in ds.qrels["test"]}
    # The queries are built so every mode ranks: q1 → d1 first; q2 → d2 first; q3 → d4 first, d5 second.
    assert runs["q1"][0] == "d1" and runs["q2"][0] == "d2" and runs["q3"][:2] == ["d4", "d5"]
    began = time.perf_counter()
    result = evaluate_beir(engine, ds, "test", mode, SearchSettings())
    wall = time.perf_counter() - began
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
    assert 0 < result["seconds"] <= wall + 1e-3  # the time the ranking took, measured


def test_query_with_a_document_id_ignores_that_document(tiny) -> None:  # type: ignore[no-untyped-def]
    """Query "d3" is d3's own first sentence: ranked first, then dropped as BEIR drops it; d3 is its only
    judged document, so the query scores 0."""
    _, ds, engine = tiny
    assert list(rank_documents(engine, ds.queries["d3"], "hybrid"))[0] == "d3"
    result = evaluate_beir(engine, ds, "self", "hybrid", SearchSettings(), return_run=True)
    assert list(result["run"]["d3"])[0] == "d3"
    assert result["n"] == 1 and result["ndcg@10"] == 0.0 and result["recall@100"] == 0.0


def test_beir_ranks_through_engine_search_as_ask_does(tiny, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """One ranking path: `ask` shows the passages `search` ranks, and BEIR ranks every query with `search`."""
    _, ds, engine = tiny
    settings = SearchSettings(answer_weight=2.0, answer_depth=4)  # the answer-sentence reordering is on
    for mode in ("hybrid", "dense", "bm25"):
        for query in ds.queries.values():
            hits = engine.search(query, k=5, mode=mode, settings=settings)
            results = engine.ask(query, k=5, mode=mode, settings=settings).results
            chunks = [engine.index.chunks[h.chunk] for h in hits]
            assert [(r.doc, r.start, r.score) for r in results] == [
                (c.doc_id, c.start, round(h.score, 4)) for c, h in zip(chunks, hits)
            ]
    calls = []
    search = engine.search
    monkeypatch.setattr(engine, "search", lambda question, **kw: calls.append((question, kw)) or search(question, **kw))
    result = evaluate_beir(engine, ds, "test", "hybrid", settings, return_run=True)
    assert [q for q, _ in calls] == [ds.queries[q] for q in ds.qrels["test"]]
    assert all(kw["settings"] == settings and kw["mode"] == "hybrid" for _, kw in calls)
    for query_id, docs in result["run"].items():
        best_first = [
            engine.index.chunks[h.chunk].doc_id for h in search(ds.queries[query_id], k=50, settings=settings)
        ]
        assert list(docs) == list(dict.fromkeys(best_first))


def test_answer_reordering_stays_in_the_top_answer_depth(tiny) -> None:  # type: ignore[no-untyped-def]
    _, ds, engine = tiny
    query = "nitrogen"  # four d6 passages retrieved close together: their answer sentences reorder them
    vector = engine.question_vector(query)
    n = len(engine.index.chunks)
    off = SearchSettings(answer_weight=0.0)
    plain = [h.chunk for h in engine.ranker.search(query, vector, mode="hybrid", k=n, settings=off)]
    assert [h.chunk for h in engine.search(query, k=n, settings=off)] == plain  # weight 0: the retrieval order
    on = [h.chunk for h in engine.search(query, k=n, settings=SearchSettings(answer_weight=5.0, answer_depth=3))]
    assert on[:3] != plain[:3] and sorted(on[:3]) == sorted(plain[:3])  # the top 3 reordered among themselves
    assert on[3:] == plain[3:]  # below answer_depth, the retrieval order stands


def test_run_beir_eval_rebuilds_when_the_corpus_changes(tmp_path: Path, real_encoder) -> None:  # type: ignore[no-untyped-def]
    folder = write_beir(tmp_path / "tiny")
    first = run_beir_eval(folder, index_dir=tmp_path / "index", config=TINY_CONFIG, encoder=real_encoder, mode="bm25")
    assert first["n"] == 3 and first["index_reused"] is False and first["dataset"] == "tiny"
    assert (
        run_beir_eval(folder, index_dir=tmp_path / "index", config=TINY_CONFIG, encoder=real_encoder, mode="bm25")[
            "index_reused"
        ]
        is True
    )
    write_beir(folder, docs=DOCS[:5] + [{**DOCS[5], "text": DOCS[5]["text"] + " Added."}])
    changed = run_beir_eval(folder, index_dir=tmp_path / "index", config=TINY_CONFIG, encoder=real_encoder, mode="bm25")
    assert changed["index_reused"] is False and changed["ndcg@10"] == first["ndcg@10"]


def test_run_beir_eval_uses_general_defaults_without_tuned_settings(tmp_path: Path, real_encoder) -> None:  # type: ignore[no-untyped-def]
    folder = write_beir(tmp_path / "tiny")
    result = run_beir_eval(folder, index_dir=tmp_path / "index", encoder=real_encoder)
    assert result["mode"] == "hybrid" and result["split"] == "test" and result["n"] == 3
    assert result["settings"] == asdict(SearchSettings()) and result["settings_from"].startswith("general defaults")
    assert result["config"] == BuildConfig().to_json()  # the engine's build, as `qa build`
    # the same three queries as test_evaluate_matches_hand_computed_metrics, ranked the same: (1 + 0.613147 + 0.630930) / 3
    assert result["ndcg@10"] == pytest.approx(0.7480, abs=1e-4) and result["mrr@10"] == pytest.approx(0.8333, abs=1e-4)


def test_settings_are_tuned_on_train_saved_beside_the_index_and_read(tmp_path: Path, real_encoder) -> None:  # type: ignore[no-untyped-def]
    folder = write_beir(tmp_path / "tiny")
    ds = load_beir(folder)
    assert tuning_split(ds) == "train"
    assert tuning_split(load_beir(write_beir(tmp_path / "only-test", splits={"test": TEST_QRELS}))) is None
    index_dir = tmp_path / "index"
    engine = build_or_open_beir_index(ds, index_dir, TINY_CONFIG, encoder=real_encoder)
    tried = []
    best, rows, path = tune_beir(
        engine,
        ds,
        "train",
        index_dir,
        TINY_CONFIG,
        axes=[("fusion", ("blend", "rrf")), ("sentence_weight", (0.0, 1.0))],
        on_point=lambda s, v: tried.append((s, v)),
    )
    assert path == settings_path(index_dir) and path.parent == index_dir
    assert len(rows) == len(tried) == 4  # the start, rrf, and the two sentence weights
    train = evaluate_beir(engine, ds, "train", "hybrid", best)
    assert max(v for _, v in tried) == train["ndcg@10"]  # each point scored on train through evaluate_beir
    saved = json.loads(path.read_text())
    assert saved["tuned_on"] == "train" and saved["queries"] == 1 and saved["settings"] == asdict(best)
    assert search_settings_for(index_dir, ds, TINY_CONFIG)[0] == best
    # `qa eval --beir` reads what is saved: a hand-written choice is used, and the metrics are those settings'
    chosen = SearchSettings(fusion="rrf", rrf_k=5, sentence_weight=0.0, answer_weight=0.0)
    path.write_text(json.dumps({**saved, "settings": asdict(chosen)}))
    result = run_beir_eval(folder, index_dir=index_dir, config=TINY_CONFIG, encoder=real_encoder)
    assert result["settings"] == asdict(chosen) and "tuned on the train split" in result["settings_from"]
    expected = evaluate_beir(engine, ds, "test", "hybrid", chosen)
    assert {key: result[key] for key in ("ndcg@10", "mrr@10")} == {
        key: round(expected[key], 4) for key in ("ndcg@10", "mrr@10")
    }
    # tuned for another build config, or another corpus.jsonl: not used
    assert search_settings_for(index_dir, ds, BuildConfig())[0] == SearchSettings()
    write_beir(folder, docs=DOCS[:5] + [{**DOCS[5], "text": DOCS[5]["text"] + " Added."}])
    changed = run_beir_eval(folder, index_dir=index_dir, config=TINY_CONFIG, encoder=real_encoder, mode="bm25")
    assert changed["settings"] == asdict(SearchSettings()) and "another corpus" in changed["settings_from"]


def test_cli_eval_beir_prints_the_metrics(tmp_path: Path, real_encoder) -> None:  # type: ignore[no-untyped-def]
    from click.testing import CliRunner

    from qa.cli import cli

    folder = write_beir(tmp_path / "tiny")
    runner = CliRunner()
    done = runner.invoke(
        cli, ["eval", "--beir", str(folder), "--index", str(tmp_path / "index"), "--mode", "bm25", "--json"]
    )
    assert done.exit_code == 0, done.output
    result = json.loads(done.stdout)
    assert {"mode", "split", "n", "ndcg@10", "mrr@10", "recall@10", "recall@100"} <= set(result)
    assert result["mode"] == "bm25" and result["n"] == 3 and result["index_reused"] is False
    table = runner.invoke(cli, ["eval", "--beir", str(folder), "--index", str(tmp_path / "index"), "--compare"])
    assert table.exit_code == 0, table.output
    assert [line.split()[0] for line in table.stdout.splitlines()[1:]] == ["hybrid", "dense", "bm25"]
    missing = runner.invoke(cli, ["eval", "--beir", str(tmp_path / "nowhere")])
    assert missing.exit_code == 1 and "does not exist" in missing.output


def test_refuses_to_replace_a_corpus_index(tmp_path: Path, hash_encoder) -> None:  # type: ignore[no-untyped-def]
    from qa.engine import build_from_folder

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "notes.txt").write_text("The user's own notes, indexed with qa build.\n", encoding="utf-8")
    build_from_folder(corpus, tmp_path / "index", BuildConfig(model=hash_encoder.name), encoder=hash_encoder)
    before = (tmp_path / "index" / "current").resolve()
    with pytest.raises(QAError, match="not of a BEIR dataset"):
        run_beir_eval(
            write_beir(tmp_path / "tiny"),
            index_dir=tmp_path / "index",
            mode="bm25",
            config=BuildConfig(model=hash_encoder.name),
            encoder=hash_encoder,
        )
    assert (tmp_path / "index" / "current").resolve() == before
