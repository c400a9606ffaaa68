"""Dialogue passages borrow their neighbours' names for BM25 (qa/ingest/dialogue.py): pure rules on hand-made text."""

from __future__ import annotations

from qa.ingest.chunk import Chunk
from qa.ingest.dialogue import is_dialogue, names_in, speaker_names

SPEECH = "“The ’ole thing ’ere,” said the Hired Retainer, “is these fowls have got the roop.”\n\n“Is it bad?”"


def passage(text: str, heading: str = "Chapter X") -> Chunk:
    return Chunk(
        doc_id="novel.epub",
        start=0,
        end=len(text),
        text=text,
        title="A novel",
        headings=(heading,),
        sentences=((0, len(text)),),
    )


def test_a_passage_is_dialogue_when_most_of_its_lines_open_with_a_quotation_mark() -> None:
    assert is_dialogue(SPEECH)
    assert is_dialogue("„Guten Tag“, sagte er.\n'Well?'\nHe nodded.")  # two of three lines
    assert not is_dialogue("He nodded.\nShe left.\n“Well?”")  # one of three
    assert not is_dialogue("The committee chose a blue heron as the emblem.")
    assert not is_dialogue("")


def test_names_are_capitalised_words_that_do_not_open_a_sentence() -> None:
    text = (
        "Beale came in. “Well?” said Ukridge to Garnet. Then London called; Mrs Medley wrote. The Hired Retainer left."
    )
    # "Beale", "Then", "The" open their sentences; "Well" opens its quotation; "Mrs" kept, stop words never
    assert names_in(text) == ["Ukridge", "Garnet", "London", "Mrs", "Medley", "Hired", "Retainer"]
    assert names_in("Ukridge, Ukridge and UKRIDGE") == ["Ukridge"]  # the first opens the text; capitals are no name
    assert names_in("Later Mrs. Beale came. Dr. Derrick left.") == ["Mrs", "Beale", "Derrick"]  # "Mrs." ends none


def test_a_dialogue_passage_gets_the_names_its_neighbours_in_the_section_use() -> None:
    before = passage("Beale looked at the hens. Ukridge asked Beale what ailed them.")
    after = passage("Then Mrs. Ukridge sent Beale to the farmer.")
    elsewhere = passage("Later Professor Derrick arrived.", heading="Chapter XI")
    names = speaker_names([before, passage(SPEECH), after, elsewhere])
    assert names[1] == "Beale Mrs Ukridge"  # "Hired Retainer" is its own; the next chapter's is not a neighbour
    assert names[0] == names[2] == names[3] == ""  # not dialogue: indexed as they are
    assert speaker_names([passage(SPEECH)]) == [""]  # no neighbour, nothing to borrow
