"""Gold questions the engine would refuse are reported with their line, before anything is asked (issue 17: an
oversized question failed mid-run, without saying which line)."""

from __future__ import annotations

import pytest
from conftest import HashEncoder
from robustness_support import FAKE_MODEL, make_corpus

from qa.engine import Engine, build_from_folder
from qa.errors import GoldFileError
from qa.evaluate.gold import GoldQuestion, evaluate_gold, parse_gold
from qa.index.config import BuildConfig

GOOD = '{"question": "How many members does the band have?", "answers": ["115"]}'


@pytest.mark.parametrize(
    ("question", "message"),
    [
        ("Why " * 25_001, r"gold.jsonl line 2: the question has 100,004 characters, over the 100,000 limit"),
        ("?!? ...", r"gold.jsonl line 2: the question has no words"),
        ("what is the", r"gold.jsonl line 2: the question 'what is the' has only common words"),
    ],
)
def test_a_question_the_engine_refuses_is_a_gold_file_error_naming_its_line(question: str, message: str) -> None:
    with pytest.raises(GoldFileError, match=message):
        parse_gold([GOOD, f'{{"question": "{question}", "answers": ["x"]}}'], name="gold.jsonl")


def test_questions_made_in_code_are_named_by_line_when_asked(tmp_path) -> None:  # type: ignore[no-untyped-def]
    build_from_folder(
        make_corpus(tmp_path / "corpus"), tmp_path / "index", BuildConfig(model=FAKE_MODEL), encoder=HashEncoder()
    )
    gold = [
        GoldQuestion("How many members does the band have?", ("115",), line=1),
        GoldQuestion("Why " * 25_001, ("x",), line=7),
    ]
    engine = Engine.open(tmp_path / "index", encoder=HashEncoder())
    with engine, pytest.raises(GoldFileError, match=r"gold question on line 7: the question has 100,004 characters"):
        evaluate_gold(engine, gold)
