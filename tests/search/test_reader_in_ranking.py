"""The reader in the engine's one ranking path: windows, bold spans, the answer sentence, "may not answer"."""

from __future__ import annotations

import json

import pytest

from qa.engine import DoubtReason, Engine, NoticeKind, build_from_folder
from qa.models.reader import shipped_reader_fingerprint
from qa.models.reranker import shipped_reranker_fingerprint
from qa.search.read import ReadingSettings
from qa.search.retrieve import Hit

HARBOUR = (
    "= Harbour Festival =\n\n"
    "The harbour festival began in the old fish market in 1961. Fishermen sold their catch from wooden stalls, "
    "and a brass band played on the pier every evening of the summer.\n\n"
    "After a long debate the committee chose a blue heron as the emblem of the festival, because the birds nest "
    "along the quay every spring. The emblem is painted on the gate of the market.\n\n"
    "Visitors reach the market by ferry from the island or by the coastal railway. The ferry runs every hour "
    "from dawn until midnight during the festival week.\n"
)
LIGHTHOUSE = (  # the question's words are in the first paragraph, its answer in the second
    "= Lighthouse =\n\n"
    "The keepers of the old lighthouse on the northern cape kept a logbook of every ship that passed the rocks. "
    "The logbook of the lighthouse keepers records storms, wrecks, supply boats and the names of the keepers "
    "themselves, and it was kept without a break for more than a century by the keepers of the northern cape.\n\n"
    "The longest serving of them was Elsa Marrow, who tended the lamp for forty-one years. She trained her nephew "
    "to take over the lamp when her eyes failed, and he kept the light until it was automated. Visitors can read "
    "her entries in the small museum at the foot of the tower, which opens on weekends from May to September and "
    "holds the brass lens as well.\n"
)
GARDENS = (
    "= Botanical Gardens =\n\n"
    "The gardens hold about four thousand species of plants. The glasshouse was rebuilt after a storm destroyed "
    "its roof. Guided walks start at the south gate on Sundays.\n"
)


@pytest.fixture(scope="module")
def reading_engine(tmp_path_factory, real_encoder, real_reader) -> Engine:  # type: ignore[no-untyped-def]
    root = tmp_path_factory.mktemp("reading")
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / "harbour.txt").write_text(HARBOUR, encoding="utf-8")
    (corpus / "gardens.txt").write_text(GARDENS, encoding="utf-8")
    build_from_folder(corpus, root / "index", encoder=real_encoder)
    return Engine.open(root / "index", encoder=real_encoder, reader=real_reader)


def test_the_bold_words_are_the_readers_and_the_rules_find_none(reading_engine: Engine) -> None:
    question = "What did the committee choose as the emblem of the festival?"
    top = reading_engine.ask(question, k=3).results[0]
    assert top.read and top.doc == "harbour.txt"
    assert top.answer is not None and top.answer.span is not None and "heron" in top.answer.span.text
    assert top.answer.span.text in top.answer.text and "emblem" in top.answer.text
    assert top.text[top.answer.span.start : top.answer.span.end] == top.answer.span.text
    without = reading_engine.ask(question, k=3, reader=False).results[0]
    assert not without.read and (without.answer is None or without.answer.span is None)


def test_a_result_is_a_window_of_the_source_holding_its_passage(reading_engine: Engine) -> None:
    results = reading_engine.ask("How do visitors reach the market?", k=3).results
    store = reading_engine.index.chunks
    for result in results:
        assert store.document(result.doc).text[result.start : result.end] == result.text  # offsets into the source
        assert result.start <= result.passage_start < result.passage_end <= result.end
        assert result.passage == store.document(result.doc).text[result.passage_start : result.passage_end]
    assert any(r.end - r.start > r.passage_end - r.passage_start for r in results if r.read)  # widened
    assert results[0].read and "ferry" in results[0].answer.span.text


def test_a_question_the_corpus_does_not_answer_is_flagged_by_the_reader(reading_engine: Engine) -> None:
    response = reading_engine.ask("Which telescope discovered the rings of Neptune?", k=3)
    assert not response.confident
    notice = next(n for n in response.notices if n.kind is NoticeKind.NOT_CONFIDENT)
    assert "do not seem to hold an answer" in notice.text and notice.reason is DoubtReason.NO_ANSWER_READ
    assert response.to_json()["doubt"] == "no-answer-read"
    for mode in ["dense"]:  # the dense mode reads and doubts as the hybrid does
        doubted = reading_engine.ask("Which telescope discovered the rings of Neptune?", k=3, mode=mode)
        assert [n.reason for n in doubted.notices] == [DoubtReason.NO_ANSWER_READ]
    unread = reading_engine.ask("Which telescope discovered the rings of Neptune?", k=3, reader=False)
    assert [n.reason for n in unread.notices] == [DoubtReason.WEAK_MATCH] and unread.to_json()["doubt"] == "weak-match"
    answered = reading_engine.ask("When did the harbour festival begin?", k=3)
    assert answered.confident and answered.results[0].answer.span.text == "1961"


def test_the_bold_span_and_may_not_answer_are_separate_calls(reading_engine: Engine) -> None:
    """`span_margin` decides whether the reader's span is shown, `no_answer_margin` whether the engine doubts."""
    question = "When did the harbour festival begin?"
    doubted = reading_engine.ask(question, k=3, reading=ReadingSettings(no_answer_margin=-100.0))
    assert not doubted.confident and doubted.results[0].answer.span.text == "1961"  # doubted, still shown
    unshown = reading_engine.ask(question, k=3, reading=ReadingSettings(span_margin=-100.0))
    assert unshown.confident and all(r.answer is None or r.answer.span is None for r in unshown.results)
    assert "1961" in unshown.results[0].answer.text  # the sentence scorer's answer sentence, without bold words


def test_ask_json_gives_the_window_and_the_passage_inside_it(reading_engine: Engine) -> None:
    data = reading_engine.ask("What did the committee choose as the emblem?", k=2).to_json()
    top = data["results"][0]
    assert top["read"] is True
    assert top["start"] <= top["passage_start"] < top["passage_end"] <= top["end"]
    assert json.dumps(data)  # serializable


def test_the_manifest_records_the_shipped_reader_and_reranker(reading_engine: Engine) -> None:
    assert reading_engine.index.manifest.reader == shipped_reader_fingerprint() is not None
    assert reading_engine.index.manifest.reranker == shipped_reranker_fingerprint() is not None
    assert reading_engine.reranker is None  # opt-in: not loaded unless asked for


def test_an_answer_read_in_the_next_passage_cites_that_passage(tmp_path, real_encoder, real_reader) -> None:  # type: ignore[no-untyped-def]
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "lighthouse.txt").write_text(LIGHTHOUSE, encoding="utf-8")
    build_from_folder(corpus, tmp_path / "index", encoder=real_encoder)
    with Engine.open(tmp_path / "index", encoder=real_encoder, reader=real_reader) as engine:
        first, second = engine.ask("Which keeper of the lighthouse logbook served longest?", k=2).results
    # retrieval puts the first paragraph on top; the reader finds the name in the window's next paragraph
    assert first.answer is not None and first.answer.span is not None and first.answer.span.text == "Elsa Marrow"
    assert first.passage.startswith("The longest serving of them was Elsa Marrow")  # the passage holding it
    assert first.start <= first.passage_start < first.passage_end <= first.end
    assert first.text[first.answer.span.start : first.answer.span.end] == "Elsa Marrow"
    assert second.passage.startswith("The keepers of the old lighthouse")  # the retrieved one follows, unbolded
    assert second.answer is None or second.answer.span is None


OBSERVATORY = {  # several passages repeat the question's words; one answers it with few of them
    "dome.txt": "The great telescope of the hill observatory stands under a copper dome. The telescope was built for the "
    "study of double stars, and the observatory opens the great telescope to visitors on clear nights.",
    "visits.txt": "Visitors to the observatory may look through the great telescope on Fridays. The observatory guides "
    "explain how the telescope follows the stars as the earth turns.",
    "library.txt": "The observatory library keeps the plans of the great telescope and letters about the telescope from "
    "astronomers who visited the observatory.",
    "repairs.txt": "The dome of the observatory was repaired in 1978, when storms damaged the shutters over the great "
    "telescope. The repairs kept the telescope dry.",
    "maker.txt": "The great telescope was the work of Clara Whitfield, an instrument maker from Leeds, who spent six "
    "years grinding its lens by hand in her workshop.",
    "garden.txt": "A garden of herbs surrounds the building, planted by the first director's wife.",
}


def test_the_reranker_chooses_which_passages_the_reader_reads(
    tmp_path, real_encoder, real_reader, real_reranker
) -> None:  # type: ignore[no-untyped-def]
    from qa.search.read import ReadingSettings, rerank_text

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, text in OBSERVATORY.items():
        (corpus / name).write_text(text, encoding="utf-8")
    build_from_folder(corpus, tmp_path / "index", encoder=real_encoder)
    question = "Who made the great telescope?"
    with Engine.open(tmp_path / "index", encoder=real_encoder, reader=real_reader, reranker=real_reranker) as engine:
        assert engine.reranker is real_reranker
        unranked = engine.ask(question, k=6, reading=ReadingSettings(rerank_depth=0)).results
        ranked = engine.ask(question, k=6, reading=ReadingSettings(rerank_weight=1000.0)).results
        store = engine.index.chunks
        scores = {  # one passage per file
            r.doc: real_reranker.score(question, [rerank_text(store, store.doc_chunks(r.doc)[0][1])])[0]
            for r in unranked
        }
    best_three = set(sorted(scores, key=lambda doc: -scores[doc])[:3])
    assert {r.doc for r in ranked[:3]} == best_three  # the reranker's top three are what the reader read
    assert {r.doc for r in unranked[:3]} != best_three  # without it, retrieval's top three are read
    assert all(r.read for r in ranked[:3])


def test_the_reader_reads_each_window_in_its_units(tmp_path, real_encoder, real_reader) -> None:  # type: ignore[no-untyped-def]
    """The span's score is that of a span inside one list item, not of one running on into the next item."""
    from qa.index.open import open_index
    from qa.search.read import read_windows, unit_breaks, window_of

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "lines.txt").write_text(
        "Shopping list\n\nbread and butter\n\ngreen tea from Lankaran\n\nfresh tomatoes\n", encoding="utf-8"
    )
    build_from_folder(corpus, tmp_path / "index", encoder=real_encoder)
    index = open_index(tmp_path / "index")
    window, text = window_of(index.chunks, next(iter(index.chunks)), ReadingSettings().window_words)
    question = "Where is the green tea from?"
    read = read_windows(real_reader, index.chunks, question, [(window, text)], ReadingSettings())[0]
    assert text[read.span.start : read.span.end] == "Lankaran"
    assert read.span == real_reader.read(question, [text], breaks=[unit_breaks(window, text)])[0]
    assert real_reader.read(question, [text])[0].score > read.span.score  # read as one stream it runs on


DATASETS = """# Data

We use three question answering datasets. For each we keep only the questions whose answer we can match to a
passage of our collection, and discard the rest.

| Dataset | Train | Used | Dev | Test |
| Natural Questions | 79,168 | 58,880 | 8,757 | 3,610 |
| TriviaQA | 78,785 | 60,413 | 8,837 | 11,313 |
| WebQuestions | 3,417 | 2,474 | 361 | 2,032 |

Table 1: Number of questions in each QA dataset. The column Used gives the questions actually used for training
after filtering.
"""


def test_a_how_many_question_is_answered_with_a_number(tmp_path, real_encoder, real_reader) -> None:  # type: ignore[no-untyped-def]
    """The reader alone marks words of the caption for "how many"; the span holds an amount of the window (the
    number of the caption's label "Table 1:" is none)."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "paper.md").write_text(DATASETS, encoding="utf-8")
    build_from_folder(corpus, tmp_path / "index", encoder=real_encoder)
    question = "How many TriviaQA training questions were actually used after filtering?"
    with Engine.open(tmp_path / "index", encoder=real_encoder, reader=real_reader) as engine:
        typed = engine.ask(question, k=1).results[0].answer
        untyped = engine.ask(question, k=1, reading=ReadingSettings(typed_kinds=frozenset())).results[0].answer
    assert typed is not None and typed.span is not None and typed.text.startswith("| TriviaQA |")
    assert typed.span.text in ("78,785", "60,413", "8,837", "11,313")
    assert untyped is not None and untyped.span is not None and not any(c.isdigit() for c in untyped.span.text)


NOVEL = """# Chapter 2

Ukridge had decided to keep fowls. “I have bought a shilling book called Fowls and All About Them, and this week’s
copy of C.A.C.” “C.A.C.?” “Chiefly About Chickens. It’s a paper, you know. But it’s all rather hard to understand.”
The farm was to be in Dorsetshire, near the sea, and his wife was to look after the hens.
"""


def test_what_an_acronym_stands_for_is_answered_with_all_its_words(tmp_path, real_encoder, real_reader) -> None:  # type: ignore[no-untyped-def]
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "novel.md").write_text(NOVEL, encoding="utf-8")
    build_from_folder(corpus, tmp_path / "index", encoder=real_encoder)
    question = "What does the paper C.A.C. stand for?"
    numbers_only = ReadingSettings(typed_kinds=frozenset({"number", "share"}))
    with Engine.open(tmp_path / "index", encoder=real_encoder, reader=real_reader) as engine:
        spelt = engine.ask(question, k=1).results[0].answer
        alone = engine.ask(question, k=1, reading=numbers_only).results[0].answer
    assert spelt is not None and spelt.span is not None and spelt.span.text == "Chiefly About Chickens"
    assert alone is not None and alone.span is not None and alone.span.text != "Chiefly About Chickens"


SPEC = """# Changes to the Core Spec

This document lists the editorial changes. The transformation of this technical draft into an ISO-ready standard
involves two phases:

- Phase 1 (Macro-Level Structural Realignment) fixes the document's main layout. It forces every clause into the
  order the ISO directives require and moves the annexes to the end.
- Phase 2 (Micro-Level Editorial Optimization) cleans up the small details required by the ISO house style, such as
  the casing of clause headings and the wording of notes.
"""


def test_a_span_naming_another_phase_than_the_question_is_not_the_answer(tmp_path, real_encoder, real_reader) -> None:  # type: ignore[no-untyped-def]
    """The reader marks "Phase 1 (…)" for "what is Phase 2 called?": it tells the label and misses the number. That
    span is no answer; here no other window is read, so the answer is the sentence scorer's, without bold words."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "spec.md").write_text(SPEC, encoding="utf-8")
    build_from_folder(corpus, tmp_path / "index", encoder=real_encoder)
    with Engine.open(tmp_path / "index", encoder=real_encoder, reader=real_reader) as engine:
        answer = engine.ask("What is Phase 2 of the ISO transformation called?", k=1).results[0].answer
    assert answer is not None and answer.text.startswith("- Phase 2 (Micro-Level")
    assert answer.span is None or "Phase 1" not in answer.span.text


TOWNS = "\n\n".join(  # twelve files of one passage each: the top ten of any question are twelve candidates' best
    f"= {town} =\n\nThe town of {town} lies on the river {river}. Its market is held on {day}s, and its bridge was "
    f"built of {stone} in the year {year}. The town hall keeps a clock made by a local smith."
    for town, river, day, stone, year in [
        ("Arlen", "Moss", "Monday", "granite", 1702),
        ("Brisk", "Tay", "Tuesday", "sandstone", 1711),
        ("Corve", "Lune", "Wednesday", "limestone", 1720),
        ("Dunmore", "Esk", "Thursday", "slate", 1733),
        ("Elsing", "Wye", "Friday", "brick", 1741),
        ("Farley", "Ouse", "Saturday", "flint", 1756),
        ("Glenn", "Nith", "Sunday", "basalt", 1764),
        ("Hollin", "Dee", "Monday", "chalk", 1779),
        ("Ivel", "Tees", "Tuesday", "marble", 1785),
        ("Jarrow", "Wear", "Wednesday", "oak", 1790),
        ("Kelda", "Aire", "Thursday", "iron", 1801),
        ("Lorne", "Spey", "Friday", "concrete", 1812),
    ]
).split("\n\n= ")


SMITH = " The town hall keeps a clock made by a local smith."


def towns_engine(root, encoder, reader, *, hale: bool = False, hale_only: bool = False) -> Engine:  # type: ignore[no-untyped-def]
    """The twelve towns, a file of one passage each. `hale`: the last town names its clock's maker (the others say
    "a local smith"); `hale_only`: and no other town has a clock."""
    corpus = root / "corpus"
    corpus.mkdir()
    for i, text in enumerate(TOWNS):
        if i == 11 and (hale or hale_only):
            text = text.replace(SMITH, " The town hall clock was the work of Thomas Hale.")
        elif hale_only:
            text = text.replace(SMITH, "")
        (corpus / f"town{i:02d}.txt").write_text(text if i == 0 else f"= {text}\n", encoding="utf-8")
    build_from_folder(corpus, root / "index", encoder=encoder)
    return Engine.open(root / "index", encoder=encoder, reader=reader)


def read_head_docs(engine: Engine, question: str, towns: list[int], reading: ReadingSettings) -> list[str]:
    """The documents `Ranker.read_head` puts first, given the towns in `towns` order as retrieval's hits, all
    scored alike (0.01 apart)."""
    chunk_of = {chunk.doc_id: n for n, chunk in enumerate(engine.index.chunks)}
    hits = [Hit(chunk_of[f"town{i:02d}.txt"], 1.0 - 0.01 * n) for n, i in enumerate(towns)]
    rows = engine.index.chunks.get_many([hit.chunk for hit in hits])
    head, _, _ = engine.ranker.read_head(question, hits, [], rows, reading, lambda hit: None)
    return [rows[hit.chunk].chunk.doc_id for hit in head]


def test_when_the_reader_is_unsure_of_the_first_passages_it_reads_the_next_ones(
    tmp_path, real_encoder, real_reader
) -> None:  # type: ignore[no-untyped-def]
    engine = towns_engine(tmp_path, real_encoder, real_reader)
    unsure = "Which composer wrote the town's anthem for the coronation?"  # no town says
    assert sum(r.read for r in engine.ask(unsure, k=10).results) == 10
    only_unsure = ReadingSettings(unsure_depth=0, close_margin=0)
    assert sum(r.read for r in engine.ask(unsure, k=10, reading=only_unsure).results) == 5
    sure = engine.ask("In which year was the bridge of Dunmore built?", k=10)
    assert sum(r.read for r in sure.results) == 5 and sure.results[0].answer.span.text == "1733"


def test_when_retrieval_scores_the_first_passages_alike_the_reader_reads_them_all(
    tmp_path, real_encoder, real_reader
) -> None:  # type: ignore[no-untyped-def]
    engine = towns_engine(tmp_path, real_encoder, real_reader)
    alike = "Who made the clock in the town hall?"  # every town answers it in the same words
    wide = engine.ask(alike, k=12).results
    usual = engine.ask(alike, k=12, reading=ReadingSettings(close_margin=0)).results
    assert sum(r.read for r in usual) == 5 < sum(r.read for r in wide)
    assert wide[0].doc == usual[0].doc and wide[0].answer.span.text == "local smith"  # the first place stays
    told_apart = engine.ask("In which year was the bridge of Dunmore built?", k=12).results
    assert sum(r.read for r in told_apart) == 5


def test_a_wide_reading_fills_the_places_below_the_first_and_keeps_the_first(
    tmp_path, real_encoder, real_reader
) -> None:  # type: ignore[no-untyped-def]
    engine = towns_engine(tmp_path, real_encoder, real_reader, hale=True)
    towns = [0, 1, 2, 3, 4, 5, 6, 11, 7, 8]  # the town naming the clock's maker eighth
    question = "Who made the clock in the town hall?"
    usual = read_head_docs(engine, question, towns, ReadingSettings(close_margin=0))
    wide = read_head_docs(engine, question, towns, ReadingSettings())
    assert "town11.txt" not in usual[:5]  # the eighth passage is not read
    assert wide[0] == usual[0] and wide[1] == "town11.txt"  # read, second: the first place is the usual reading's


def test_a_wide_reading_takes_the_first_place_when_the_usual_first_answers_nothing(
    tmp_path, real_encoder, real_reader
) -> None:  # type: ignore[no-untyped-def]
    engine = towns_engine(tmp_path, real_encoder, real_reader, hale_only=True)
    towns = list(range(12))  # the only clock's town twelfth
    question = "Who made the clock in the town hall?"
    usual = read_head_docs(engine, question, towns, ReadingSettings(close_margin=0))
    wide = read_head_docs(engine, question, towns, ReadingSettings())
    assert usual[0] != "town11.txt"  # ten read (unsure), none shows a span
    assert wide[0] == "town11.txt"


@pytest.mark.parametrize(
    ("question", "cell"),
    [
        ("In Table 3, what top-5 accuracy do gold negatives reach?", "60.3"),  # the reader marks another column
        ("In Table 3, what is the top-20 accuracy of random negatives?", "66.8"),  # the reader marks the cell itself
    ],
)
def test_the_cell_named_by_row_and_header_is_surer_than_any_span_read(  # type: ignore[no-untyped-def]
    paper_index, real_encoder, real_reader, question: str, cell: str
) -> None:
    """Where the reader marks it or not, the cell under the header the question names ("top-5") in the row it names
    scores the surest span read and `named_cell_margin` more, not the reader's own guess."""
    from dataclasses import replace

    from qa.search.read import read_windows, window_of

    scores = []
    with Engine.open(paper_index, encoder=real_encoder, reader=real_reader) as engine:
        store = engine.index.chunks
        passages = list(store)
        windows = [window_of(store, passage, ReadingSettings().window_words) for passage in passages]
        weights = engine.ranker.term_weights(question, passages)
        for margin in (0.0, 2.0):
            settings = replace(ReadingSettings(), named_cell_margin=margin)
            read = read_windows(real_reader, store, question, windows, settings, weights)
            held = [w for w in read if w.text[w.span.start : w.span.end] == cell]
            assert held, [w.text[w.span.start : w.span.end] for w in read]
            assert held[0].span.score == max(w.span.score for w in read)
            scores.append(held[0].span.score)
    assert scores[1] == pytest.approx(scores[0] + 2.0)


ERROR_CODES = """# Error codes

If the calculation of a formula results in an error, Excel sets a specific error code.

| Error code | Error value | Description |
| 00H | #NULL! | Intersection of two cell ranges is empty |
| 07H | #DIV/0! | Division by zero |
| 0FH | #VALUE! | Wrong type of operand |
| 17H | #REF! | Illegal or deleted cell reference |
| 1DH | #NAME? | Wrong function or range name |
| 24H | #NUM! | Value range overflow |
| 2AH | #N/A | Argument or function not available |
"""


def one_file_engine(tmp_path, name: str, text: str, encoder, reader) -> Engine:  # type: ignore[no-untyped-def]
    """An engine over an index of one Markdown file `name` holding `text`."""
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / name).write_text(text, encoding="utf-8")
    build_from_folder(tmp_path / "c", tmp_path / "i", encoder=encoder)
    return Engine.open(tmp_path / "i", encoder=encoder, reader=reader)


def test_a_span_the_reader_marks_on_a_column_name_answers_from_that_row(  # type: ignore[no-untyped-def]
    tmp_path, real_encoder, real_reader
) -> None:
    """Read as "Error code: 00H; Error value: #NULL!; …", the real reader marks the name "Error value" for "what
    does #NULL! mean?"; that name points to its row's cell, so the window answers from the #NULL! row (before,
    a span over an inserted name was no span, and the window ranked below windows that answered nothing)."""
    from qa.search.read import read_windows, window_of

    question = "What does the #NULL! error mean?"
    with one_file_engine(tmp_path, "codes.md", ERROR_CODES, real_encoder, real_reader) as engine:
        store = engine.index.chunks
        passages = list(store)
        windows = [window_of(store, passage, ReadingSettings().window_words) for passage in passages]
        weights = engine.ranker.term_weights(question, passages)
        (read,) = read_windows(real_reader, store, question, windows, ReadingSettings(), weights)
        assert read.answers
        line_start = read.text.rfind("\n", 0, read.span.start) + 1
        assert read.text[line_start:].startswith("| 00H | #NULL! | Intersection of two cell ranges is empty |")


RECORDS = """# 5.112 WRITEACCESS

This record stores the name of the user that has saved the file. The user name is always stored as an equal-sized
string. All unused characters after the name are filled with space characters.

Record WRITEACCESS, BIFF3-BIFF4:

| Offset | Size | Contents |
|---|---|---|
| 0 | 32 | User name, byte string, 8-bit string length, 31 characters |

Record WRITEACCESS, BIFF5:

| Offset | Size | Contents |
|---|---|---|
| 0 | 54 | User name, byte string, 8-bit string length, 53 characters |

Record WRITEACCESS, BIFF8:

| Offset | Size | Contents |
|---|---|---|
| 0 | var. | User name, Unicode string, 16-bit string length, 109 characters |
"""


@pytest.mark.parametrize(("version", "answer"), [("BIFF8", "109"), ("BIFF5", "53 characters")])
def test_a_table_on_another_version_than_the_one_asked_about_is_not_read_for_the_answer(  # type: ignore[no-untyped-def]
    tmp_path, real_encoder, real_reader, version: str, answer: str
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "records.md").write_text(RECORDS, encoding="utf-8")
    build_from_folder(corpus, tmp_path / "index", encoder=real_encoder)
    engine = Engine.open(tmp_path / "index", encoder=real_encoder, reader=real_reader)
    question = f"In {version}, how many characters long is the user name stored in WRITEACCESS?"
    (tables,) = [r for r in engine.ask(question, k=3).results if "Record WRITEACCESS, BIFF5:" in r.passage]
    assert tables.answer.span.text == answer  # for BIFF8 the reader alone marks the BIFF5 row's 53


def long_quake_table() -> str:
    """A sheet of 600 quakes (35 characters a row: 21,000 in all), the one reported by 123 stations deep in it
    and, in the row above, a quake 123 km deep."""
    rows = ["| lat | longitude | depth | mag | stations |", "|---|---|---|---|---|"]
    for i in range(600):
        depth, stations = 40 + (i * 37) % 600, 10 + (i * 13) % 90
        if i == 449:
            depth = 123
        if i == 450:
            stations = 123
        rows.append(
            f"| -{10 + (i * 7) % 150 / 10:.2f} | {165 + (i * 11) % 250 / 10:.2f} | {depth} | 4.{i % 10} | {stations} |"
        )
    return "# quakes\n\n" + "\n".join(rows) + "\n"


def test_a_window_deep_inside_a_long_table_is_read_under_its_header(tmp_path, real_encoder, real_reader) -> None:  # type: ignore[no-untyped-def]
    """A window starting 16,000 characters into a table is read under the table's own header row (the search for
    it goes back past the first 4,000 characters), and the row named by the value under the column the question
    names answers: before, the first row of the text searched was taken for the header."""
    from qa.search.read import read_windows, window_of
    from qa.search.tableheads import table_header_before

    table = long_quake_table()
    question = "What longitude is listed for the quake that 123 stations reported?"
    with one_file_engine(tmp_path, "quakes.md", table, real_encoder, real_reader) as engine:
        store = engine.index.chunks
        (passage,) = [p for p in store if "| 123 |\n" in p.text]
        assert passage.start > 16_000
        header = table_header_before(store, passage.doc_id, passage.start, passage.text)
        assert header == "| lat | longitude | depth | mag | stations |"
        window = window_of(store, passage, ReadingSettings().window_words)
        weights = engine.ranker.term_weights(question, [passage])
        (read,) = read_windows(real_reader, store, question, [window], ReadingSettings(), weights)
        row = next(line for line in table.split("\n") if line.endswith("| 123 |"))
        assert read.text[read.span.start : read.span.end] == row.split(" | ")[1]


@pytest.mark.parametrize("words", ["ministry of national security abolished", "collegium crime statistics"])
def test_a_keyword_query_the_reader_shows_no_span_for_keeps_its_retrieval_order(corpus_engine, words: str) -> None:  # type: ignore[no-untyped-def]
    """The reader learned from questions: for words typed into a search box its spans are not shown, and the
    scores of those spans do not reorder what retrieval found. The same words asked as a question are reordered."""
    typed = corpus_engine.ask(words, k=5).results
    assert sum(r.read for r in typed) >= 5 and not any(r.answer and r.answer.span for r in typed)
    unread = corpus_engine.ask(words, k=5, reader=False).results
    assert [r.passage for r in typed] == [r.passage for r in unread]
    asked = corpus_engine.ask(f"{words}?", k=5).results
    assert not any(r.answer and r.answer.span for r in asked)
    assert [r.passage for r in asked] != [r.passage for r in unread]
