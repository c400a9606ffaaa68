"""The general answer rules (qa/search/spans.py, answer kinds) and the lexical folding/stop list, on text from no corpus."""

from __future__ import annotations

import numpy as np
import pytest

from qa.ingest.tokens import fold, terms
from qa.search.highlight import answer_type, choose_answer, find_answer_span
from qa.search.spans import durations, names, persons, places, quantities, shares


def texts(sentence: str, spans: list[tuple[int, int]]) -> list[str]:
    return [sentence[a:b] for a, b in spans]


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("The prize went to José Ramírez last spring.", ["José Ramírez"]),
        ("It was won by Łukasz Żuławski and then by Zoë Ñúñez.", ["Łukasz Żuławski", "Zoë Ñúñez"]),
        ("Coach Jürgen Müller-Lüdenscheidt retired.", ["Coach Jürgen Müller-Lüdenscheidt"]),
        ("The letter reached Ǆore Đuričić in time.", ["Ǆore Đuričić"]),
        ("It was signed by N. Ó Súilleabháin and others.", ["N. Ó Súilleabháin"]),
    ],
)
def test_person_names_in_any_cased_script(sentence: str, expected: list[str]) -> None:
    assert texts(sentence, persons(sentence)) == expected


def test_a_lone_capitalized_first_word_or_a_month_is_not_a_name() -> None:
    sentence = "Yesterday the group met on 3 March with Ana Lima."
    assert texts(sentence, names(sentence)) == ["Ana Lima"]


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("The lorry carried 2 tonnes and 450 kilograms of grain to the port.", ["2 tonnes and 450 kilograms"]),
        # counts of different things stay apart, each with the noun it counts
        ("The storm left 14 fatalities and 39 injuries behind.", ["14 fatalities", "39 injuries"]),
        ("Turnout rose by 12.5 percent this year.", ["12.5 percent"]),
        ("Forty two delegates voted.", ["Forty two delegates"]),
    ],
)
def test_quantities_with_what_they_measure(sentence: str, expected: list[str]) -> None:
    assert texts(sentence, quantities(sentence)) == expected


def test_durations_are_amounts_of_time_and_a_misspelt_unit_is_not_one() -> None:
    sentence = "Service lasts 18 months, or two weeks for reservists."
    assert texts(sentence, durations(sentence)) == ["18 months", "two weeks"]
    assert durations("Courses run for 3 moths before the posting.") == []


def test_places_are_names_after_a_preposition() -> None:
    sentence = "In 2019 the team moved to São Paulo, then to the Republic of Ireland."
    assert texts(sentence, places(sentence)) == ["São Paulo", "the Republic of Ireland"]
    # a common noun between two names splits them: no phrase of one corpus ("district of") is special
    sentence = "The school moved to Westfield borough of Leeds."
    assert texts(sentence, places(sentence)) == ["Westfield", "Leeds"]


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Which commander led the raid?", "name"),  # any "which + noun": a proper name, no list of ranks
        ("Which bishop crowned the king?", "name"),
        ("Since when has the museum been open?", "date"),  # "when" alone decides
        ("What proportion of voters stayed home?", "share"),
        ("For how many hours did the strike last?", "duration"),
        ("What kind of music does the band play?", None),
    ],
)
def test_answer_kind_from_general_interrogatives(question: str, kind: str | None) -> None:
    assert answer_type(question) == kind


@pytest.mark.parametrize("name", ["José Ramírez", "Łukasz Nowak", "Jürgen Müller"])
def test_the_answer_sentence_is_the_one_naming_a_person_with_non_ascii_letters(name: str) -> None:
    # equal similarity and equal word overlap: only the name (a "who" answer) can lift the first sentence, and the
    # second one is favoured by the previous-sentence term
    passage = f"The choir was founded by {name}. It was founded long ago, and the choir sings weekly."
    first = passage.index(" It") + 1
    sentences = [(0, first - 1), (first, len(passage))]
    chosen = choose_answer("Who founded the choir?", passage, sentences, np.array([0.5, 0.5]))
    assert chosen is not None and chosen.start == 0
    assert chosen.span is not None and chosen.span.text == name


def test_who_span_is_the_whole_non_ascii_name() -> None:
    sentence = "The award went to Zoë Ñúñez of Bilbao."
    start, end = find_answer_span("Who got the award?", sentence)
    assert sentence[start:end] == "Zoë Ñúñez"


def test_folding_transliterates_any_script() -> None:
    assert fold("Łukasz") == fold("Lukasz") == "lukasz"
    assert fold("Vilayət") == "vilayet"
    assert fold("Straße") == "strasse"
    assert fold("Москва") == "moskva"
    assert terms("Müller's") == terms("Muller")


def test_name_and_called_are_content_words_in_documents() -> None:
    # "name"/"called" carry meaning ("the ship was called Endeavour"); only general function words are dropped
    assert set(terms("The ship was called Endeavour and its name was kept.")) >= {"call", "name", "endeavour"}
    assert "the" not in terms("the ship") and "many" not in terms("how many ships")


def test_a_share_question_bolds_a_percentage_or_fraction_never_an_amount() -> None:
    from qa.search.highlight import find_answer_span

    sentence = "Of the material damage of 77,668,996 manats, 80 percent was reimbursed by the state."
    found = find_answer_span("What share of the material damage was reimbursed?", sentence)
    assert found is not None and sentence[found[0] : found[1]] == "80 percent"
    assert find_answer_span("What share of the damage was reimbursed?", "The state paid 77,668,996 manats.") is None
    fractions = "About two thirds of voters, or one in five adults, stayed home."
    assert [fractions[a:b] for a, b in shares(fractions)] == ["two thirds", "one in five"]


def test_a_name_is_never_a_lone_function_word_or_a_trailing_one() -> None:
    sentence = "USER The manual says A is first, and The Hague lies in Holland."
    assert [sentence[a:b] for a, b in names(sentence)] == ["The Hague", "Holland"]
