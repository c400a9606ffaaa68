"""SQuAD span metrics against values worked out by hand (the official script's normalization)."""

from __future__ import annotations

import pytest

from qa.evaluate.span_metrics import exact_match, f1, normalize_answer


def test_normalization_drops_case_punctuation_articles_and_spacing() -> None:
    assert normalize_answer("The  Norman   Conquest!") == "norman conquest"
    assert normalize_answer("an apple, a pear") == "apple pear"
    assert normalize_answer("theatre") == "theatre"  # an article only as a whole word


def test_exact_match_takes_the_best_gold_answer() -> None:
    assert exact_match("the 10th century", ["10th century", "in the 10th century"]) == 1.0
    assert exact_match("10th", ["10th century"]) == 0.0
    assert exact_match("anything", []) == 0.0


def test_f1_by_hand() -> None:
    # prediction "in the 10th and 11th centuries" → {in, 10th, and, 11th, centuries}; gold "10th and 11th centuries"
    # → 4 tokens; 4 shared: precision 4/5, recall 4/4, F1 = 2·0.8·1/(1.8) = 0.888…
    assert f1("in the 10th and 11th centuries", ["10th and 11th centuries"]) == pytest.approx(8 / 9)
    # "Rollo the Walker" → {rollo, walker} against "Rollo": P 1/2, R 1 → F1 2/3; the best of two answers counts
    assert f1("Rollo the Walker", ["Rollo", "Gange Rolf"]) == pytest.approx(2 / 3)
    assert f1("Denmark", ["Norway"]) == 0.0
    assert f1("the", ["a"]) == 1.0  # both normalize to nothing: equal, as the official v2 script counts it
