"""training/window_groups.py: groups of engine-sized windows for the reader, and the shared-normalization loss."""

from __future__ import annotations

import math
import random
import sys
from pathlib import Path

import pytest

TRAINING = Path(__file__).resolve().parents[2] / "training"


@pytest.fixture(scope="module")
def groups():  # type: ignore[no-untyped-def]
    sys.path.insert(0, str(TRAINING))
    import window_groups

    return window_groups


def sentences(prefix: str, n: int) -> str:
    return " ".join(f"{prefix} sentence number {i} has a few more plain words in it." for i in range(n))


def record(paragraph: int, context: str, question: str, answer: str, rid: str = "a/0/0") -> dict:
    return {
        "id": rid,
        "article": "Mills",
        "paragraph": paragraph,
        "context": context,
        "question": question,
        "answers": [{"text": answer, "start": context.index(answer)}],
    }


ANSWERING = sentences("Opening", 8) + " The harbour mill was built of oak in 1911. " + sentences("Closing", 8)
OTHER = sentences("Harbour mill", 10) + " The ferry ran until 1952. " + sentences("Harbour later", 10)


def test_the_answer_window_holds_the_answer_in_whole_sentences_of_about_the_size(groups) -> None:  # type: ignore[no-untyped-def]
    r = record(0, ANSWERING, "When was the harbour mill built?", "1911")
    for seed in range(10):
        window, (start, end) = groups.answer_window(r, 40, random.Random(seed))
        assert window.text[window.answer_start : window.answer_end] == "1911"
        assert window.text == ANSWERING[start:end]
        assert window.text[0].isupper() and window.text.endswith(".")  # whole sentences
        assert 20 <= len(window.text.split()) <= 70
        assert len(window.text.split()) < len(ANSWERING.split())


def test_negatives_hold_no_answer_and_the_closest_come_first(groups) -> None:  # type: ignore[no-untyped-def]
    rows = [
        record(0, ANSWERING, "When was the harbour mill built?", "1911"),
        record(1, OTHER, "Until when did the ferry run?", "1952", "a/1/0"),
        record(2, sentences("Unrelated cats", 6), "How many cats?", "cats", "a/2/0"),
        record(3, "When was the harbour mill built? Records of the harbour mill say 1911.", "q", "say", "a/3/0"),
    ]
    built = groups.build_groups(rows[:1], random.Random(3), articles=rows, words=40, negatives=2)
    assert len(built) == 1
    windows = built[0].windows
    answering = [w for w in windows if w.answer_end > w.answer_start]
    assert len(answering) == 1 and answering[0].text[answering[0].answer_start : answering[0].answer_end] == "1911"
    negatives = [w for w in windows if w.answer_end == w.answer_start]
    assert len(negatives) == 2
    assert all("1911" not in w.text for w in negatives)  # paragraph 3 shares the most words but holds the answer
    assert all("Harbour mill" in w.text or "Opening" in w.text or "Closing" in w.text for w in negatives)
    assert not any("cats" in w.text for w in negatives)  # shares no question word: ranked last, not picked


def test_an_altered_question_answers_nowhere(groups) -> None:  # type: ignore[no-untyped-def]
    rows = [record(0, ANSWERING, "When was the harbour mill built?", "1911"), record(1, OTHER, "q", "1952", "a/1/0")]
    altered = {"a/0/0": "When was the harbour mill of Brest built?"}
    built = groups.build_groups(rows[:1], random.Random(0), articles=rows, words=40, negatives=2, altered=altered)
    assert built[0].question == "When was the harbour mill of Brest built?"
    assert all(w.answer_end == w.answer_start for w in built[0].windows)


def test_shared_normalization_matches_a_hand_worked_value(groups) -> None:  # type: ignore[no-untyped-def]
    import torch

    # one group of two windows, three tokens each ([CLS] and two context tokens); the answer is token 1 of window 0
    logits = torch.tensor([[0.0, 1.0, 2.0], [0.0, 3.0, 0.0]])
    context = torch.tensor([[False, True, True], [False, True, True]])
    starts, ends = torch.tensor([1, 0]), torch.tensor([1, 0])
    loss = groups.shared_norm_loss(logits, logits, context, starts, ends, 2)
    expected = -math.log(math.e / (math.e + math.e**2 + math.e**3 + 1.0))
    assert float(loss) == pytest.approx(expected, rel=1e-5)
    # the same windows with no answer anywhere teach the shared term nothing
    nothing = groups.shared_norm_loss(logits, logits, context, torch.tensor([0, 0]), torch.tensor([0, 0]), 2)
    assert float(nothing) == 0.0


def test_negative_windows_leave_out_the_answer_s_own_window_and_any_holding_an_answer(groups) -> None:  # type: ignore[no-untyped-def]
    answering = ANSWERING + " " + sentences("Tail", 12)  # a paragraph long enough for several windows
    row = record(0, answering, "When was the harbour mill built?", "1911")
    cut = groups.cut_windows(answering, 40)
    own = (cut[1][0] + 5, answering.index("1911") + 4)  # the answer's window, as wide as the engine's: it overlaps
    elsewhere = OTHER + " It was rebuilt in 1911 too."  # another paragraph holding the answer words
    found = groups.windows_without_answers(row, own, {0: answering, 1: elsewhere}, 40)
    assert "1911" not in answering[cut[1][0] : cut[1][1]]  # the window overlapped holds no answer, yet is left out
    assert answering[cut[0][0] : cut[0][1]] in found and answering[cut[1][0] : cut[1][1]] not in found
    assert all("1911" not in window for window in found)
    assert any(window in answering for window in found)  # the answer's paragraph still gives the other windows


def table_record(rid: str, table: str, context: str, question: str, answer: str) -> dict:
    return {
        "id": rid,
        "article": f"table/{table}",
        "paragraph": 0,
        "context": context,
        "question": question,
        "answers": [{"text": answer, "start": context.index(answer)}],
    }


def test_a_table_group_meets_prose_and_other_rows_in_a_group_of_the_same_size(groups) -> None:  # type: ignore[no-untyped-def]
    asked = table_record(
        "t/0",
        "mills",
        "name: Harbour; built: 1911.\nname: Ferry; built: 1952.",
        "What is the built for name Harbour?",
        "1911",
    )
    same_sheet = table_record("t/1", "mills", "name: Quay; built: 1874.\nname: Dock; built: 1930.", "q", "1874")
    overlapping = table_record("t/2", "mills", "name: Harbour; built: 1911.\nname: Quay; built: 1874.", "q", "1874")
    elsewhere = table_record("t/3", "cats", "name: Tom; weight: 4.", "q", "4")
    prose = [sentences("Harbour mill", 3), "The harbour mill was built of oak in 1911.", sentences("Unrelated cats", 3)]
    pool = [asked, same_sheet, overlapping, elsewhere]
    built = groups.build_structured_groups([asked], pool, prose, random.Random(0), words=40, negatives=4)
    assert len(built) == 1 and len(built[0].windows) == 5  # the size of a SQuAD group with 4 negatives
    answering = [w for w in built[0].windows if w.answer_end > w.answer_start]
    assert [w.text for w in answering] == [asked["context"]]
    assert answering[0].text[answering[0].answer_start : answering[0].answer_end] == "1911"
    negatives = [w.text for w in built[0].windows if w.answer_end == w.answer_start]
    assert all("1911" not in text for text in negatives)  # neither the overlapping rows nor the prose saying it
    assert same_sheet["context"] in negatives and elsewhere["context"] in negatives  # half of them tables
    assert sentences("Harbour mill", 3) in negatives  # the other half prose, the closest to the question first
