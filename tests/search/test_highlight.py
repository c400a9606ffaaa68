"""The answer-sentence and answer-span rules as pure functions (similarities given, no model)."""

from __future__ import annotations

import numpy as np
import pytest

from qa.search.highlight import (
    answer_type,
    choose_answer,
    find_answer_span,
    term_highlights,
    through_introduced,
    through_sub_items,
)


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("When was the band founded?", "date"),
        ("In what year was the law adopted?", "date"),
        ("How many members does the band have?", "number"),
        ("What percentage of crimes were solved?", "share"),
        ("How long do cadets study?", "duration"),
        ("Who composed the anthem?", "person"),
        ("Where is the headquarters?", "place"),
        ("What does the band play?", None),
        ("In Table 2, what top-100 accuracy does the retriever reach?", "number"),  # a measure, a numbered modifier
        ("Which F1 score did the reader get?", "number"),
        ("What population does the table give for Tauranga?", "number"),
        ("What determines the cost of a repair?", "name"),  # a verb between: no measure asked for (what + noun)
        ("In Table 4, what exact match score does ORQA get?", "number"),  # any modifier, then the question's verb
    ],
)
def test_answer_type_from_the_wh_word(question: str, kind: str | None) -> None:
    assert answer_type(question) == kind


@pytest.mark.parametrize(
    ("question", "sentence", "span"),
    [
        (
            "How many members does the band have?",
            "Founded in 1994, the band now has 115 members and a choir.",
            "115 members",
        ),
        (
            "When did the hospital move?",
            "On 15 December 2005, the hospital has changed its location.",
            "15 December 2005",
        ),
        ("When was the decree signed?", "The decree was signed on March 9, 1995 by the President.", "March 9, 1995"),
        ("How long do cadets study?", "Educational duration is four years and courses follow ECTS.", "four years"),
        (
            "Who is the artistic director?",
            "The current artistic director is Lieutenant Colonel Ilgar Novruzov.",
            "Lieutenant Colonel Ilgar Novruzov",
        ),
        ("What share of the losses was paid back?", "Damages of 80 percent were compensated.", "80 percent"),
    ],
)
def test_answer_span_rules(question: str, sentence: str, span: str) -> None:
    found = find_answer_span(question, sentence)
    assert found is not None and sentence[found[0] : found[1]] == span


def test_no_span_when_the_sentence_holds_nothing_of_the_kind() -> None:
    assert find_answer_span("When was the band founded?", "The band plays at parades.") is None
    assert find_answer_span("What does the band play?", "The band plays 12 marches.") is None


def test_the_question_s_own_number_is_not_its_answer() -> None:
    sentence = "Between 1957 and 1961 the school trained 300 specialists for Georgia."
    found = find_answer_span("How many specialists did the school train between 1957 and 1961?", sentence)
    assert found is not None and sentence[found[0] : found[1]] == "300 specialists"


def _passage(*sentences: str) -> tuple[str, list[tuple[int, int]]]:
    text, spans = "", []
    for s in sentences:
        start = len(text)
        text += s + " "
        spans.append((start, start + len(s)))
    return text, spans


def test_choose_answer_prefers_the_sentence_with_what_is_asked() -> None:
    # Similarities nearly tie (as the small model often makes them); the number of members decides.
    text, spans = _passage(
        "The Band of the Internal Troops is the official military band.",
        "Currently, the band has 115 members and includes a dance ensemble.",
        "He is also the composer of the anthem.",
    )
    answer = choose_answer("How many members does the band have?", text, spans, np.array([0.675, 0.663, 0.59]))
    assert answer is not None and "115 members" in answer.text
    assert answer.span is not None and text[answer.span.start : answer.span.end] == "115 members"
    assert text[answer.start : answer.end] == answer.text


def test_rare_question_words_outweigh_common_ones() -> None:
    text, spans = _passage(
        "The Internal Troops of Azerbaijan serve the state.", "The motto translated: be proud of your service."
    )
    weights = {"motto": 4.0, "internal": 0.3, "troop": 0.3, "azerbaijan": 0.3}
    answer = choose_answer(
        "What is the motto of the Internal Troops of Azerbaijan?",
        text,
        spans,
        np.array([0.6, 0.6]),
        term_weights=weights,
    )
    assert answer is not None and "motto" in answer.text
    uniform = choose_answer(
        "What is the motto of the Internal Troops of Azerbaijan?", text, spans, np.array([0.6, 0.6])
    )
    assert uniform is not None and "Internal Troops" in uniform.text  # without IDF, the common words win


def test_the_row_a_question_names_on_both_axes_answers_over_a_more_similar_caption() -> None:
    """A question naming a row by its cells and a column by its header ("Top-100 TREC") is answered by that row,
    as the reading step answers it, though the table's caption is more like the question."""
    text = (
        "| Training | Retriever | Top-20 TREC | Top-100 TREC |\n"
        "| Single | DPR | 79.8 | 89.1 |\n"
        "| Multi | DPR | 89.1 | 93.9 |\n"
        "| Multi | BM25 + DPR | 88.5 | 94.1 |\n\n"
        "Table 2: Top-20 and Top-100 retrieval accuracy on TREC of retrievers trained on one or many data sets."
    )
    spans = [span for span in line_spans(text) if span[1] > span[0]]
    question = "In Table 2, what top-100 accuracy does the multi-dataset DPR retriever reach on TREC?"
    weights = {"tabl": 1.0, "2": 1.0, "top": 1.0, "100": 2.0, "accuraci": 1.0, "multi": 3.0, "dpr": 3.0, "trec": 3.0}
    similarities = np.array([0.5, 0.4, 0.4, 0.4, 0.8])  # the caption is the most similar line
    answer = choose_answer(question, text, spans, similarities, term_weights=weights)
    assert answer is not None and answer.text == "| Multi | DPR | 89.1 | 93.9 |"
    no_column = {k: v for k, v in weights.items() if k != "100"}  # "top" and "trec" name two columns: no one cell
    answer = choose_answer(question.replace("top-100 ", ""), text, spans, similarities, term_weights=no_column)
    assert answer is not None and answer.text.startswith("Table 2:")


def test_a_slides_title_opening_its_passage_answers_only_alone() -> None:
    """The title a slide's passage opens with names the topic the question names, so it outscores the line that
    answers; while lines follow it, it is no answer (the reader may still mark its span there). Alone, it is."""
    text = "Monitoring Solaris: SE Toolkit\n\n- Lightweight\n\nhttp://www.sunfreeware.com/setoolkit.html"
    spans = [span for span in line_spans(text) if span[1] > span[0]]
    question, similarities = "SE Toolkit download URL Solaris monitoring", np.array([0.8, 0.3, 0.5])
    answer = choose_answer(question, text, spans, similarities, heading="Monitoring Solaris: SE Toolkit")
    assert answer is not None and answer.text == "http://www.sunfreeware.com/setoolkit.html"
    answer = choose_answer(question, text, spans, similarities, heading="Other monitoring tools")  # not its title
    assert answer is not None and answer.text == "Monitoring Solaris: SE Toolkit"
    title = text.split("\n", 1)[0]
    answer = choose_answer(question, title, spans[:1], similarities[:1], heading=title)
    assert answer is not None and answer.text == title and answer.score > 0  # scored, not passed over


def test_choose_answer_of_an_empty_passage_is_none() -> None:
    assert choose_answer("When?", "", [], np.zeros(0)) is None


def test_term_highlights_match_stems_and_folded_letters() -> None:
    text = "Vilayət Eyvazov's troops were established; the troop marched."
    marks = [
        text[h.start : h.end] for h in term_highlights("When was the troop of Vilayet Eyvazov establishing?", text)
    ]
    assert marks == ["Vilayət", "Eyvazov", "troops", "established", "troop"]


def line_spans(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for line in text.split("\n"):
        spans.append((start, start + len(line)))
        start += len(line) + 1
    return spans


def test_a_table_header_row_is_no_answer_while_its_rows_follow() -> None:
    table = "Chick weights by feed\n| weight | feed |\n| 179 | horsebean |\n| 108 | linseed |\n| 160 | soybean |"
    question = "Which feed did the chick weighing 108 receive?"
    similarities = np.array([0.2, 0.6, 0.3, 0.3, 0.3])  # the header row is the most similar, as in real tables
    answer = choose_answer(question, table, line_spans(table), similarities)
    assert answer is not None and answer.text == "| 108 | linseed |"


def test_a_passage_starting_inside_a_table_may_answer_with_its_first_row() -> None:
    body = "| 108 | linseed |\n| 179 | horsebean |\n| 160 | soybean |"
    question = "Which feed did the chick weighing 108 receive?"
    similarities = np.array([0.3, 0.3, 0.3])
    inside = choose_answer(question, body, line_spans(body), similarities, table_header="| weight | feed |")
    assert inside is not None and inside.text == "| 108 | linseed |"
    named = "| weight | feed |\n" + body  # at a table's start, a first row naming the columns is its header
    header_first = choose_answer(question, named, line_spans(named), np.array([0.9, 0.3, 0.3, 0.3]))
    assert header_first is not None and header_first.text == "| 108 | linseed |"


def test_the_first_pair_of_a_key_value_table_can_be_the_answer() -> None:
    pairs = "| Founded | 1998 |\n| Founder | Netscape |\n| Headquarters | Mountain View |"
    similarities = np.array([0.5, 0.5, 0.2])  # a table of pairs has no header row: its first pair answers too
    answer = choose_answer("When was the foundation founded?", pairs, line_spans(pairs), similarities)
    assert answer is not None and answer.text == "| Founded | 1998 |"


def test_a_lead_in_line_gives_way_to_what_it_introduces() -> None:
    table = "Here is a random table for parsing tests:\n| 1 | 2 | 3 |\n| 13 | 14 | 9e16-b7d2 | 15 |\n| 18 | 19 | 20 |"
    question = "In the parsing test table, which value sits between 14 and 15?"
    similarities = np.array([0.45, 0.25, 0.3, 0.25])  # the lead-in names the table, as the question does
    answer = choose_answer(question, table, line_spans(table), similarities)
    assert answer is not None and answer.text == "| 13 | 14 | 9e16-b7d2 | 15 |"
    cut = "The tests ran nightly.\nHere is a random table for parsing tests:"  # its table in the next passage
    last = choose_answer(question, cut, line_spans(cut), np.array([0.3, 0.45]))
    assert last is not None and last.text.endswith("tests:")  # nothing here for it to give way to


def test_a_lead_in_chosen_all_the_same_answers_with_what_it_introduces() -> None:
    """The question names what the lead-in names; the answer is in the sentence it introduces."""
    notes = "Thread unsafety example:\nConsider a global variable. With processes it is safe.\nThen comes locking."
    spans = [(0, 24), (25, 52), (53, 79), (80, 99)]
    assert [notes[a:b] for a, b in spans][1] == "Consider a global variable."
    question = "What example does the talk give of thread unsafety?"
    answer = choose_answer(question, notes, spans, np.array([0.8, 0.3, 0.2, 0.1]))
    assert answer is not None and answer.text == "Thread unsafety example:\nConsider a global variable."
    assert through_introduced(notes, spans, 1) == 1  # not a lead-in: itself
    assert through_introduced(notes, spans[:1], 0) == 0  # the passage's last sentence: nothing to reach
    table = "Fatalities by airline:\n| Aeroflot | 88 |"  # a table row introduced: the table rules choose rows
    assert through_introduced(table, line_spans(table), 0) == 0


SLIDE = (
    "- HostnameLookups\n"
    "- Access Control\n"
    "  - Bad: Deny from example.com\n"
    "  - Good: Deny from 172.160.234.5\n"
    "- Directive: XBitHack on|off|full"
)


def test_a_list_item_answers_with_its_sub_items() -> None:
    spans = [(a + len(SLIDE[a:b]) - len(SLIDE[a:b].lstrip()), b) for a, b in line_spans(SLIDE)]  # units are trimmed
    question = "Which access control avoids DNS lookups?"
    similarities = np.array([0.2, 0.7, 0.3, 0.3, 0.1])  # the item naming the topic is the most similar
    answer = choose_answer(question, SLIDE, spans, similarities)
    assert answer is not None
    assert answer.text == "- Access Control\n  - Bad: Deny from example.com\n  - Good: Deny from 172.160.234.5"
    assert through_sub_items(SLIDE, spans, 0) == 0  # no sub-items: the item alone
    assert through_sub_items(SLIDE, spans, 2) == 2  # a sub-item has none below it either
    assert through_sub_items(SLIDE, spans, 1, max_words=6) == 1  # too long with them: the item alone


def test_prose_after_a_list_item_is_not_its_sub_item() -> None:
    text = "- Access Control\nThe server denies hosts by address."
    spans = line_spans(text)
    assert through_sub_items(text, spans, 0) == 0


def test_the_number_of_a_caption_label_opening_a_line_is_no_amount() -> None:
    from qa.search.highlight import typed_spans

    text = "Table 1: Number of questions.\nThe staff numbered 300. Then came 45 people."
    assert [text[a:b] for a, b in typed_spans("number", text)] == ["300", "45 people"]
    assert typed_spans(None, text) == []


def test_a_presentations_title_on_its_first_slide_is_no_answer_while_lines_follow(hash_engine) -> None:  # type: ignore[no-untyped-def]
    """The first slide's title is the presentation's title, not a heading of the passage: it names the topic the
    question names all the same, and gives way to the line under it (a real index, slides built with python-pptx)."""
    from document_fixtures import slides_bytes

    with hash_engine({"deck.pptx": slides_bytes()}) as engine:
        first = engine.ask("What are Harbour Pumps?", k=1, mode="bm25").results[0]
        assert first.text.startswith("Harbour Pumps\n\nAnnual review 2024")
        assert first.answer is not None and first.answer.text == "Annual review 2024"
