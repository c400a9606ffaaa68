"""Hybrid fusion as pure functions: reciprocal rank fusion and the min-max score blend, each changing the order."""

from __future__ import annotations

import numpy as np
import pytest

from qa.search.rank import blend, rrf
from qa.search.retrieve import Hit


def test_rrf_puts_first_what_both_rankings_rank_well() -> None:
    dense = [Hit(10, 0.9), Hit(20, 0.8), Hit(30, 0.7)]
    lexical = [Hit(20, 5.0), Hit(30, 4.0), Hit(10, 1.0)]
    fused = rrf([dense, lexical], k=60)
    # 10: 1/61 + 1/63 = 0.032266; 20: 1/62 + 1/61 = 0.032522; 30: 1/63 + 1/62 = 0.032002
    assert [h.chunk for h in fused] == [20, 10, 30]  # neither input's order
    assert [h.score for h in fused] == pytest.approx([1 / 62 + 1 / 61, 1 / 61 + 1 / 63, 1 / 63 + 1 / 62])


def test_rrf_counts_a_passage_found_by_one_ranking_once() -> None:
    fused = rrf([[Hit(1, 0.5)], [Hit(2, 3.0), Hit(1, 2.0)]], k=1)
    # 1: 1/2 + 1/3 = 0.8333; 2: 1/2
    assert [(h.chunk, round(h.score, 4)) for h in fused] == [(1, 0.8333), (2, 0.5)]


@pytest.mark.parametrize(("weight", "order"), [(1.0, [0, 1, 2]), (0.0, [1, 2, 0]), (0.5, [1, 0, 2])])
def test_blend_mixes_min_max_normalized_scores(weight: float, order: list[int]) -> None:
    # normalized dense [1, 0.5, 0], bm25 [0, 1, 0.4]; at 0.5: [0.5, 0.75, 0.2]
    fused = blend([0, 1, 2], np.array([0.9, 0.5, 0.1]), np.array([0.0, 10.0, 4.0]), weight)
    assert [h.chunk for h in fused] == order
    if weight == 0.5:
        assert [h.score for h in fused] == pytest.approx([0.75, 0.5, 0.2])


def test_blend_keeps_the_chunk_ids_it_was_given() -> None:
    fused = blend([7, 3], np.array([0.1, 0.2]), np.array([1.0, 1.0]), 0.5)
    assert [h.chunk for h in fused] == [3, 7]  # equal bm25 normalizes to 1 for both; dense decides


def test_sentence_rescoring_lifts_the_passage_with_the_best_sentence_and_weight_zero_keeps_the_order() -> None:
    from qa.search.rank import rescore_by_sentence

    hits = [Hit(7, 1.0), Hit(3, 0.9), Hit(5, 0.2)]
    best_sentence = np.array([0.1, 0.9, 0.5])  # passage 3 holds the sentence closest to the question
    # base min-max: 1, 0.875, 0; sentences: 0, 1, 0.5 → with weight 0.3: 1.0, 1.175, 0.15
    rescored = rescore_by_sentence(hits, best_sentence, 0.3)
    assert [h.chunk for h in rescored] == [3, 7, 5]
    assert [round(h.score, 3) for h in rescored] == [1.175, 1.0, 0.15]
    assert [h.chunk for h in rescore_by_sentence(hits, best_sentence, 0.0)] == [7, 3, 5]
