"""What an acronym stands for (qa/search/acronyms.py), on sentences written here."""

from __future__ import annotations

import pytest

from qa.search.acronyms import asked_acronym, expansions


@pytest.mark.parametrize(
    ("question", "letters"),
    [
        ("What does the paper C.A.C. stand for?", "cac"),
        ("What does the acronym LEDs stand for?", "led"),  # a plural
        ("what does vBNS stand for", "vbns"),
        ("What does RoHS stand for?", "rohs"),
        ("What did Ukridge stand for?", None),  # a name, not an acronym: one capital
        ("What does the committee choose?", None),
    ],
)
def test_the_acronym_a_question_asks_about(question: str, letters: str | None) -> None:
    assert asked_acronym(question) == letters


@pytest.mark.parametrize(
    ("letters", "text", "runs"),
    [
        ("cac", "“C.A.C.?” “Chiefly About Chickens. It’s a paper.”", ["Chiefly About Chickens"]),
        ("led", "Light-emitting diodes (LEDs) are small.", ["Light-emitting diodes"]),  # a hyphenated word's parts
        ("pcb", "Oils such as polychlorinated biphenyls (PCBs) last.", ["polychlorinated biphenyls"]),  # inner letters
        ("ir", "Infrared (IR) radiation is invisible.", ["Infrared"]),
        ("rohs", "the Restriction of Hazardous Substances Directive (RoHS)", ["Restriction of Hazardous Substances"]),
        ("cri", "The colour rendering index (CRI) of a lamp.", ["colour rendering index"]),
        ("cri", "Nothing here spells it, not even CRI itself.", []),  # the acronym written out is no run
    ],
)
def test_the_runs_of_words_that_spell_it(letters: str, text: str, runs: list[str]) -> None:
    assert [text[a:b] for a, b in expansions(letters, text)] == runs


def test_initials_alone_win_over_letters_inside_words() -> None:
    """ "Restriction of Hazardous" spells r-o-h-s with letters inside its words; by initials it takes one more word."""
    text = "the Restriction of Hazardous Substances Directive"
    assert [text[a:b] for a, b in expansions("rohs", text)] == ["Restriction of Hazardous Substances"]
