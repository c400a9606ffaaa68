"""The reranking step's pure parts: how the reranker's scores mix with retrieval, and answers kept with their hits."""

from __future__ import annotations

import pytest

from qa.search.highlight import AnswerSentence
from qa.search.rank import realigned, reorder_by_reranker
from qa.search.retrieve import Hit


def test_the_reranker_score_mixes_with_retrieval_after_both_are_spread_over_zero_to_one() -> None:
    head = [Hit(1, 0.9), Hit(2, 0.7), Hit(3, 0.5)]
    # retrieval spread: 1.0, 0.5, 0.0; reranker logits 1, 5, 3 spread: 0.0, 1.0, 0.5
    moved = reorder_by_reranker(head, [1.0, 5.0, 3.0], weight=2.0, floor=0.25)
    assert [h.chunk for h in moved] == [2, 1, 3]  # 2.5, 1.0, 1.0: a tie keeps the retrieval order
    assert [h.score for h in moved] == pytest.approx([0.25 + 2.5, 0.25 + 1.0, 0.25 + 1.0])


def test_with_weight_zero_the_retrieval_order_stands() -> None:
    head = [Hit(1, 0.9), Hit(2, 0.7), Hit(3, 0.5)]
    assert [h.chunk for h in reorder_by_reranker(head, [1.0, 5.0, 3.0], weight=0.0, floor=0.0)] == [1, 2, 3]


def test_reranked_scores_stay_above_the_passages_below_them() -> None:
    head = [Hit(1, 0.9), Hit(2, 0.8)]
    moved = reorder_by_reranker(head, [0.0, 0.0], weight=1.0, floor=0.7)
    assert (
        min(h.score for h in moved) >= 0.7
    )  # equal reranker scores add the same to each: retrieval decides, above floor
    assert [h.chunk for h in moved] == [1, 2]


def test_an_empty_head_stays_empty() -> None:
    assert reorder_by_reranker([], [], weight=2.0, floor=0.0) == []


def test_answers_found_for_a_prefix_follow_their_hits_after_a_reorder() -> None:
    a1, a2 = AnswerSentence(0, 4, "one.", 1.0, None), AnswerSentence(0, 4, "two.", 2.0, None)
    before = [Hit(1, 3.0), Hit(2, 2.0), Hit(3, 1.0)]
    assert realigned(before, [a1, a2], [Hit(2, 3.0), Hit(1, 2.0), Hit(3, 1.0)]) == [a2, a1]
    # hit 3 had no answer yet: the prefix ends before it, the answers after it are found later
    assert realigned(before, [a1, a2], [Hit(3, 3.0), Hit(1, 2.0)]) == []
