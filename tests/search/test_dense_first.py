"""Hybrid ranking shows the passage dense search ranks first among the first five (qa/search/rank.py held_up,
`SearchSettings.dense_slot`): a passage that says what the question asks in other words is not buried by passages
that share its words."""

from __future__ import annotations

import pytest

from qa.engine import Engine, build_from_folder
from qa.options import Mode
from qa.search.rank import held_up
from qa.search.retrieve import Hit, SearchSettings


def test_held_up_by_hand() -> None:
    hits = [Hit(1, 0.9), Hit(2, 0.8), Hit(3, 0.7), Hit(4, 0.6), Hit(5, 0.5), Hit(6, 0.4), Hit(7, 0.3)]
    # 7 goes to the third place, scored halfway between the second and third (0.75); 3 and those below move down
    held = held_up(hits, 7, 3)
    assert [h.chunk for h in held] == [1, 2, 7, 3, 4, 5, 6]
    assert [h.score for h in held] == pytest.approx([0.9, 0.8, 0.75, 0.7, 0.6, 0.5, 0.4])
    assert [h.chunk for h in held_up(hits, 9, 2)] == [1, 9, 2, 3, 4, 5, 6, 7]  # not among the hits: added
    assert held_up(hits, 9, 2)[1].score == pytest.approx(0.85)
    assert held_up(hits, 9, 1)[:2] == [Hit(9, 0.9), Hit(1, 0.9)]  # first: level with the old first
    assert held_up(hits, 2, 3) is hits  # already at or above the place
    assert held_up(hits, 3, 3) is hits
    assert held_up(hits, 7, 0) is hits and held_up(hits, None, 3) is hits  # off; nothing to hold
    assert held_up(hits[:2], 7, 3) == hits[:2]  # fewer hits than the place: nothing is shown there


# The kitchen passage answers the question without one of its words; twelve passages share them (six short ones
# in the question's own words, six long ones about a town naming a band, a barque, a levy … "Felines", with a
# hungry crowd). Dense search ranks the kitchen first; the blend with BM25 puts it sixth.
NOTES = """# Notes

## Kitchen

A cat that wants its dinner meows loudly at its owner, paws at the empty bowl and rubs against their legs \
until the bowl is filled.

## Museum

The museum sells posters of felines drawn by famous painters, and people queue to buy them on Sundays.

## Bakery

Hungry people tell the baker which bread they want before the shop opens at six.

## Bridge

Stone felines decorate the old bridge, and people tell stories about how they came to be there.

## Inn

The hungry travellers would tell people at the inn about the storm on the pass.

## Mountain

Old tales tell of giant felines guarding the mountain pass; people feared them and were often hungry on the \
way.

## Snacks

People who feel hungry in the afternoon tell themselves that a snack is healthy.

## Band

The harbour hall reopened in June after the roof was repaired with slate from the northern quarry, and the \
town council says people tell them the concerts of the Felines, a brass band of retired miners, leave nobody \
hungry for music.

## Ship

Records of the port list the cargo of each ship by weight: timber, coal, salt and iron ore, and old sailors \
tell people that the barque Felines once ran aground there with a hungry crew after a winter storm.

## Street

The tram line was extended past the station in 1931, and guides tell people on walking tours that the Felines \
market on the square fed the hungry during the strike of the dock workers.

## Tax

The treasury collects duties on tobacco, wine and imported cloth; clerks tell people filling in the forms that \
the old Felines levy was abolished because it left the poor hungry.

## Library

The reading room of the library holds maps, parish registers and newspapers from 1840 on, and librarians tell \
people that the Felines Gazette printed the names of the hungry families each winter.

## Railway

The railway reached the valley in 1887, and old drivers tell people that the Felines viaduct was built by \
hungry labourers paid in bread.
"""
QUESTION = "How do felines tell people they are hungry?"
KITCHEN = "A cat that wants its dinner meows"


@pytest.fixture(scope="module")
def notes_engine(tmp_path_factory, real_encoder, real_reader):  # type: ignore[no-untyped-def]
    root = tmp_path_factory.mktemp("dense-first")
    (root / "corpus").mkdir()
    (root / "corpus" / "notes.md").write_text(NOTES, encoding="utf-8")
    build_from_folder(root / "corpus", root / "index", encoder=real_encoder)
    with Engine.open(root / "index", encoder=real_encoder, reader=real_reader) as engine:
        yield engine


def place(texts: list[str]) -> int | None:
    return next((i for i, text in enumerate(texts, start=1) if text.startswith(KITCHEN)), None)


@pytest.mark.slow
def test_dense_search_ranks_the_kitchen_first_and_bm25_does_not_find_it(notes_engine: Engine) -> None:
    dense = notes_engine.ask(QUESTION, k=5, mode=Mode.DENSE, reader=False).results
    bm25 = notes_engine.ask(QUESTION, k=10, mode=Mode.BM25, reader=False).results
    assert place([r.text for r in dense]) == 1
    assert place([r.text for r in bm25]) is None  # it shares no word with the question


@pytest.mark.slow
@pytest.mark.parametrize("reader", [True, False])
def test_hybrid_shows_dense_search_s_first_passage_in_the_top_five(notes_engine: Engine, reader: bool) -> None:
    held = notes_engine.ask(QUESTION, k=10, reader=reader).results
    buried = notes_engine.ask(QUESTION, k=10, reader=reader, settings=SearchSettings(dense_slot=0)).results
    assert place([r.text for r in held]) == 5
    assert place([r.text for r in buried]) == 6  # the blend alone ranks it sixth
    assert [r.text for r in held][:4] == [r.text for r in buried][:4]  # the places above it do not move
    assert held[4].answer is not None  # its answer sentence is found like any shown passage's
    below = [(r.text, r.answer and r.answer.text) for r in buried[4:] if not r.text.startswith(KITCHEN)]
    assert [(r.text, r.answer and r.answer.text) for r in held[5:]] == below[:5]  # the rest, one place down
    scores = [r.score for r in held]
    assert scores == sorted(scores, reverse=True)


@pytest.mark.slow
def test_the_ranking_without_answers_holds_it_too(notes_engine: Engine) -> None:
    """`Engine.search` without the answer reorder (the path of BEIR with answer_weight 0) holds it as well."""
    plain = SearchSettings(answer_weight=0.0)
    held = notes_engine.search(QUESTION, k=10, settings=plain)
    buried = notes_engine.search(QUESTION, k=10, settings=SearchSettings(answer_weight=0.0, dense_slot=0))
    texts = notes_engine.index.chunks
    assert place([texts[h.chunk].text for h in held]) == 5
    assert place([texts[h.chunk].text for h in buried]) not in (1, 2, 3, 4, 5)


@pytest.mark.slow
def test_holding_keeps_each_answer_found_with_its_hit(notes_engine: Engine) -> None:
    """The held passage's row and answer are found when they were not yet; the answers already found (the
    reader's, for read passages) move with their hits and are not found again."""
    from qa.search.highlight import AnswerSentence

    def sentence(text: str) -> AnswerSentence:
        return AnswerSentence(0, len(text), text, 0.0, None)

    hits = [Hit(i, 1.0 - i / 10) for i in range(6)]
    found = [sentence(f"read {i}") for i in range(4)]  # the first four were read
    rows = notes_engine.index.chunks.get_many([0, 1, 2, 3, 4])
    asked: list[int] = []

    def answer(hit: Hit) -> AnswerSentence:
        asked.append(hit.chunk)
        return sentence("found now")

    moved, answers = notes_engine.ranker.hold_dense_first(hits, found, rows, 5, 2, answer, 5)
    assert [h.chunk for h in moved] == [0, 5, 1, 2, 3, 4]
    assert [a.text for a in answers if a] == ["read 0", "found now", "read 1", "read 2", "read 3"]
    assert asked == [5] and 5 in rows
    moved, answers = notes_engine.ranker.hold_dense_first(hits, found, rows, 3, 2, answer, 5)
    assert [h.chunk for h in moved] == [0, 3, 1, 2, 4, 5]
    assert [a.text for a in answers if a] == ["read 0", "read 3", "read 1", "read 2"] and asked == [5]
    shown = notes_engine.ranker.hold_dense_first(hits, found, rows, 5, 2, answer, 1)  # one shown: place 2 is not
    assert shown == (hits, found) and asked == [5]
