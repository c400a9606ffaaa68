"""The Ask tab's example questions come from what the loaded index can answer."""

from __future__ import annotations

import json
from pathlib import Path

from qa.config import BuildConfig
from qa.engine import Engine, build_from_folder
from qa.web import DEFAULT_EXAMPLES, example_questions


def test_the_bundled_corpus_gets_our_examples(corpus_engine) -> None:  # type: ignore[no-untyped-def]
    assert example_questions(corpus_engine) == [q for q, _ in DEFAULT_EXAMPLES]


def test_another_corpus_gets_its_gold_questions_and_never_ours(tmp_path: Path, hash_encoder) -> None:  # type: ignore[no-untyped-def]
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "bees.txt").write_text("Honey bees live in hives of up to 60,000 workers. The queen lays the eggs.\n", encoding="utf-8")
    build_from_folder(corpus, tmp_path / "index", BuildConfig(model=hash_encoder.name), encoder=hash_encoder)
    engine = Engine.open(tmp_path / "index", encoder=hash_encoder)
    assert example_questions(engine) == []
    gold = tmp_path / "gold.jsonl"
    gold.write_text("\n".join(json.dumps(row) for row in [
        {"question": "How many workers live in a hive?", "answers": ["60,000 workers"]},
        {"question": "Who commands the hive?", "answers": ["the king"]},  # not in the corpus: not an example
        {"question": "Who lays the eggs?", "answers": ["queen"]},
    ]) + "\n", encoding="utf-8")
    assert example_questions(engine, gold) == ["How many workers live in a hive?", "Who lays the eggs?"]
    (tmp_path / "broken.jsonl").write_text("{not json\n", encoding="utf-8")
    assert example_questions(engine, tmp_path / "broken.jsonl") == []
