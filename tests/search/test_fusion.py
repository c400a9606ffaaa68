"""Hybrid fusion as pure functions: reciprocal rank fusion and the min-max score blend, each changing the order."""

from __future__ import annotations

import numpy as np
import pytest

from qa.options import Mode
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


def test_lift_adds_its_weight_to_the_lifted_passages_and_resorts() -> None:
    from qa.search.rank import lift

    hits = [Hit(1, 1.0), Hit(2, 0.9), Hit(3, 0.5)]
    assert lift(hits, {3}, 0.25) == [Hit(1, 1.0), Hit(2, 0.9), Hit(3, 0.75)]
    assert lift(hits, {3}, 0.6) == [Hit(3, 1.1), Hit(1, 1.0), Hit(2, 0.9)]
    assert lift(hits, set(), 0.6) is hits


def test_passages_naming_the_numbered_thing_a_question_names_are_lifted(paper_index, real_encoder) -> None:  # type: ignore[no-untyped-def]
    from qa.engine import Engine
    from qa.search.labels import numbered_pattern
    from qa.search.rank import naming as named_in
    from qa.search.retrieve import SearchSettings

    question = "What does Table 3 compare?"
    with Engine.open(paper_index, encoder=real_encoder) as engine:
        hits = engine.ranker.search(question, engine.question_vector(question), mode=Mode.HYBRID, k=5)
        rows = engine.index.chunks.get_many([h.chunk for h in hits])
        passages = engine.index.chunks.chunks_many([h.chunk for h in hits])
        naming = named_in(passages, numbered_pattern({("table", "3")}))
        lifted = engine.ask(question, k=3, reader=False, settings=SearchSettings(label_weight=2.0)).results
        plain = engine.ask(question, k=3, reader=False, settings=SearchSettings(label_weight=0.0)).results
    assert {rows[i].chunk.text.split("\n")[0][:12] for i in naming} == {"We compare t", "| Scheme | T"}
    assert [r.text[:10] for r in lifted[:2]] == ["We compare", "| Scheme |"]  # the two naming Table 3 first
    assert [r.text[:10] for r in plain[:2]] != ["We compare", "| Scheme |"]


def test_the_passage_captioning_the_numbered_thing_a_question_names_is_lifted_above_those_naming_it(  # type: ignore[no-untyped-def]
    paper_index, real_encoder
) -> None:
    """Both the prose ("… and Table 5 the effect of the supervision") and the table name Table 5; the table's
    passage holds its caption, and that is where its numbers are."""
    from qa.engine import Engine
    from qa.search.retrieve import SearchSettings

    question = "What does Table 5 report about distant supervision?"
    with Engine.open(paper_index, encoder=real_encoder) as engine:
        lifted = engine.ask(question, k=3, reader=False, settings=SearchSettings(caption_weight=1.0)).results
        plain = engine.ask(question, k=3, reader=False, settings=SearchSettings(caption_weight=0.0)).results
    assert lifted[0].text.startswith("| Supervision |")
    assert not plain[0].text.startswith("| Supervision |")


def test_a_table_s_own_number_names_none_of_its_columns(paper_index, real_encoder, real_reader) -> None:  # type: ignore[no-untyped-def]
    """In "In Table 5, what top-1 …" the 5 is the table's: the answer is under Top-1, not Top-5."""
    from qa.engine import Engine

    question = "In Table 5, what top-1 retrieval accuracy does the distantly supervised model reach?"
    with Engine.open(paper_index, encoder=real_encoder, reader=real_reader) as engine:
        first = engine.ask(question, k=3).results[0]
    assert first.answer is not None and first.answer.span is not None
    assert first.answer.span.text == "43.9"
