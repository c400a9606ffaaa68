"""A table's abbreviations are indexed with the words their document spells them out with (qa/index/build.py)."""

from __future__ import annotations

FILLER = " ".join(f"Sentence {i} of the method section says little about the results of the study." for i in range(12))
PAPER = f"""# Method

We also train on distantly-supervised passages: the top passage of a lexical search that holds the answer. {FILLER}

# Results

| Setting | Top-1 | Top-5 |
| --- | --- | --- |
| Gold | 44.9 | 66.8 |
| Dist. Sup. | 43.9 | 65.3 |
"""


def test_a_table_row_is_found_by_the_words_its_abbreviations_stand_for(hash_engine) -> None:  # type: ignore[no-untyped-def]
    engine = hash_engine({"paper.md": PAPER})
    table = [i for i, chunk in enumerate(engine.index.chunks) if "Dist. Sup." in chunk.text]
    assert len(table) == 1 and "distantly" not in engine.index.chunks.get_many(table)[table[0]].chunk.text
    found = [chunk for chunk, _ in engine.index.bm25.search("supervised", 5)]
    assert table[0] in found
    # the question's words name the row's abbreviations when the answer sentence is chosen
    question = "What top-1 accuracy does the distantly supervised setting reach?"
    passages = list(engine.index.chunks.get_many(table).values())
    weights = engine.ranker.term_weights(question, [row.chunk for row in passages])
    assert weights["dist"] == weights["distant"] and weights["sup"] == weights["supervis"]
