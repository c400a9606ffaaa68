"""training/train_reranker.py's groups: passages that repeat the question without answering it (`with_echoes`)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "training" / "train_reranker.py"


@pytest.fixture(scope="module")
def trainer():  # type: ignore[no-untyped-def]
    sys.path.insert(0, str(SCRIPT.parent))  # the script imports train_reader beside it
    spec = importlib.util.spec_from_file_location("train_reranker", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_an_echo_keeps_the_question_words_and_drops_the_asking(trainer) -> None:  # type: ignore[no-untyped-def]
    assert trainer.echo_sentence("Which of the lighthouse keepers served the longest?") == (
        "Of the lighthouse keepers served the longest."
    )
    assert trainer.echo_sentence("When did the ferry stop running?") == "The ferry stop running."
    assert trainer.echo_sentence("What is DECnet") == "DECnet."


def test_an_echo_goes_between_sentences_below_the_title(trainer) -> None:  # type: ignore[no-untyped-def]
    import random

    passage = "Harbour\nThe mill opened in 1911. Its wheel was oak. It closed in 1952."
    for seed in range(12):
        out = trainer.spliced(passage, "Echo words here.", random.Random(seed))
        title, body = out.split("\n")
        assert title == "Harbour"
        assert sorted(trainer.SENTENCE_END.split(body)) == sorted(
            ["The mill opened in 1911.", "Its wheel was oak.", "It closed in 1952.", "Echo words here."]
        )


def test_echoes_are_no_sign_of_the_answer_either_way(trainer) -> None:  # type: ignore[no-untyped-def]
    passages = ["Wheel answer. Oak.", "N1 a. N1 b.", "N2 a. N2 b.", "N3 a. N3 b."]
    groups = [(f"What was wheel {i} made of?", passages) for i in range(600)]
    assert trainer.with_echoes(groups, 0.0, 1) == groups
    echoed = trainer.with_echoes(groups, 1.0, 1)
    marked = [[("made of." in p) for p in passages] for _, passages in echoed]
    assert all(sum(row[1:]) == 1 for row in marked)  # one negative in every group repeats the question
    positive_share = sum(row[0] for row in marked) / len(marked)
    negative_share = sum(sum(row[1:]) for row in marked) / (3 * len(marked))
    assert abs(positive_share - negative_share) < 0.06  # as often in the answer as in any one negative
