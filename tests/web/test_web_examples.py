"""The Ask tab's example questions come from a data file in the corpus folder (`.examples.jsonl`), then the
gold file, and only those the loaded index can answer are shown."""

from __future__ import annotations

import json
from pathlib import Path

from qa.engine import Engine, build_from_folder
from qa.evaluate.gold import load_gold, normalize_for_match
from qa.index.config import BuildConfig
from qa.web import EXAMPLES_FILE, example_questions

ROOT = Path(__file__).resolve().parents[2]


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("\n".join(json.dumps(row) for row in rows) + "\n", encoding="utf-8")
    return path


def test_the_bundled_examples_are_answered_by_the_bundled_corpus(corpus_engine, corpus_index) -> None:  # type: ignore[no-untyped-def]
    examples = example_questions(corpus_engine, corpus_index / "corpus")
    gold = {q.question: q for q in load_gold(ROOT / "corpus" / EXAMPLES_FILE)}
    # of the 5 in the file, those the engine doubts are left out (with the reader, the table question is one)
    assert 3 <= len(examples) <= 5 and set(examples) <= set(gold)
    for question in examples:  # each example shown is one the engine answers: the answer is in the top answer sentence
        response = corpus_engine.ask(question, k=5)
        assert response.confident, question  # and no "the corpus may not answer" on an example the app offers
        top = response.results[0]
        assert top.answer is not None
        assert any(normalize_for_match(a) in normalize_for_match(top.answer.text) for a in gold[question].answers), (
            question
        )


def test_the_library_holds_no_example_text() -> None:
    code = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "qa").rglob("*.py"))
    for question in load_gold(ROOT / "corpus" / EXAMPLES_FILE):
        assert question.question not in code


def test_another_corpus_gets_its_own_examples_then_gold_and_never_ours(tmp_path: Path, hash_encoder) -> None:  # type: ignore[no-untyped-def]
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "bees.txt").write_text(
        "Honey bees live in hives of up to 60,000 workers. The queen lays the eggs.\n", encoding="utf-8"
    )
    build_from_folder(corpus, tmp_path / "index", BuildConfig(model=hash_encoder.name), encoder=hash_encoder)
    engine = Engine.open(tmp_path / "index", encoder=hash_encoder)
    assert example_questions(engine, corpus) == []  # no examples file, no gold: no examples (never the bundled ones)
    write_jsonl(
        corpus / EXAMPLES_FILE,
        [
            {"question": "Who lays the eggs?", "answers": ["queen"]},
            {"question": "Who commands the hive?", "answers": ["the king"]},  # not in the corpus: not shown
        ],
    )
    gold = write_jsonl(
        tmp_path / "gold.jsonl",
        [
            {"question": "How many workers live in a hive?", "answers": ["60,000 workers"]},
            {"question": "Who lays the eggs?", "answers": ["queen"]},  # shown once
        ],
    )
    assert example_questions(engine, corpus) == ["Who lays the eggs?"]
    assert example_questions(engine, corpus, gold) == ["Who lays the eggs?", "How many workers live in a hive?"]
    assert example_questions(engine, corpus, gold, limit=1) == ["Who lays the eggs?"]
    (corpus / EXAMPLES_FILE).write_text("{not json\n", encoding="utf-8")  # a broken file adds nothing, breaks nothing
    assert example_questions(engine, corpus, gold) == ["How many workers live in a hive?", "Who lays the eggs?"]
    # the examples file is data beside the documents, never indexed as one
    build_from_folder(corpus, tmp_path / "index", BuildConfig(model=hash_encoder.name), encoder=hash_encoder)
    assert {c.doc_id for c in Engine.open(tmp_path / "index", encoder=hash_encoder).index.chunks} == {"bees.txt"}


def test_an_example_the_engine_doubts_is_not_offered(tmp_path: Path, real_encoder) -> None:  # type: ignore[no-untyped-def]
    """Its answer's words are in the corpus, but the engine says the corpus may not answer it: never an example."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "harbour.txt").write_text(
        "The harbour festival began in the old fish market in 1961. After a long debate the committee chose a blue "
        "heron as the emblem of the festival, because the birds nest along the quay every spring.\n",
        encoding="utf-8",
    )
    doubted = "Which telescope discovered the rings of Neptune?"
    write_jsonl(
        corpus / EXAMPLES_FILE,
        [
            {"question": doubted, "answers": ["the birds"]},  # the words occur, but they do not answer it
            {"question": "When did the harbour festival begin?", "answers": ["1961"]},
        ],
    )
    build_from_folder(corpus, tmp_path / "index", encoder=real_encoder)
    engine = Engine.open(tmp_path / "index", encoder=real_encoder)
    assert not engine.ask(doubted, k=1).confident
    assert example_questions(engine, corpus) == ["When did the harbour festival begin?"]
