"""Abbreviations of table cells spelled out by their own document (qa/ingest/abbreviations.py)."""

from __future__ import annotations

from qa.ingest.abbreviations import DocumentWords, abbreviation_runs, asked_abbreviations, spelled_out

PAPER = """We train on distantly-supervised passages: the top BM25 passage holding the answer.

| Setting | Top-1 | Top-5 |
| Gold | 44.9 | 66.8 |
| Dist. Sup. | 43.9 | 65.3 |
| Avg. | 44.4 | 66.0 |

The average of both settings is given last. Accuracy falls with distance from the gold passage and with the
distribution of answers. The table lists each format.
"""


def test_a_run_of_abbreviations_in_a_cell_is_read_as_one() -> None:
    assert abbreviation_runs(PAPER) == [("dist", "sup"), ("avg",)]
    assert abbreviation_runs("We use Dist. Sup. in prose.") == []  # only table cells
    assert abbreviation_runs("| No. | e.g. | A.B. | Fig. 3 |") == [("fig",)]  # not two letters, nor dotted letters


def test_a_run_is_spelled_out_by_the_documents_own_consecutive_words() -> None:
    words = DocumentWords.of(PAPER)
    assert spelled_out(["| Dist. Sup. | 43.9 | 65.3 |"], words) == "distantly supervised"
    assert spelled_out(["| Acc. | 44.4 |"], words) == "accuracy"
    assert spelled_out(["| Avg. | 44.4 | 66.0 |"], words) == ""  # a contraction, not the start of "average"
    # "Dist." alone is begun by "distantly", "distance" and "distribution": left as it is
    assert spelled_out(["| Dist. | 43.9 |"], words) == ""
    # a word the document also writes whole ends a sentence in its cell; it is no abbreviation
    assert spelled_out(["| Text | The table lists each format. |"], words) == ""


def test_a_question_spelling_an_abbreviation_out_names_it() -> None:
    question = "What top-1 accuracy does the distantly supervised model reach?"
    assert asked_abbreviations(question, [PAPER]) == {"dist": "distantly", "sup": "supervised"}
    assert asked_abbreviations("What is the top-1 accuracy of the gold setting?", [PAPER]) == {}
