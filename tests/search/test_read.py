"""The reading step's pure parts: which sentence holds the reader's span, when it is bold, how scores mix."""

from __future__ import annotations

import math

from qa.ingest.chunk import Chunk
from qa.models.reader import ReadSpan
from qa.search.highlight import AnswerSentence, Span
from qa.search.rank import close_to_first, first_kept, reorder_by_reader, shifted
from qa.search.read import (
    ReadWindow,
    combined_scores,
    holding_passage,
    keyword_query,
    one_unit,
    page_at,
    span_floor,
    span_outside,
    unit_breaks,
)
from qa.search.retrieve import Hit
from qa.search.windows import Window

SOURCE = "Intro line. The band was founded in 1994. It has 115 members today. Its leader is Anna Berg."


def window(start: int = 12, end: int = len(SOURCE)) -> Window:
    sentences = ((12, 41), (42, 67), (68, len(SOURCE)))
    return Window("band.txt", start, end, tuple(s for s in sentences if s[0] >= start), (42, 67))


def read_window(span_text: str, no_answer: float = -3.0) -> ReadWindow:
    w = window()
    text = SOURCE[w.start : w.end]
    start = text.index(span_text)
    return ReadWindow(w, text, ReadSpan(start, start + len(span_text), 9.5, no_answer))


def test_the_answer_sentence_is_the_window_sentence_holding_the_span() -> None:
    answer = read_window("115 members").answer_sentence(0.0)
    assert answer is not None and answer.span is not None
    assert answer.text == "It has 115 members today."
    assert answer.span.text == "115 members"
    assert answer.text[answer.span.start - answer.start : answer.span.end - answer.start] == "115 members"
    # offsets are relative to the window text, which is the source from the window's start
    assert SOURCE[12 + answer.start : 12 + answer.end] == answer.text


def test_a_span_outside_the_retrieved_passage_is_answered_from_its_own_sentence() -> None:
    answer = read_window("Anna Berg").answer_sentence(0.0)
    assert answer is not None and answer.text == "Its leader is Anna Berg."


def test_the_span_is_bold_only_when_the_reader_thinks_the_window_answers() -> None:
    assert read_window("1994", no_answer=-0.5).answer_sentence(0.0).span is not None
    doubtful = read_window("1994", no_answer=0.5).answer_sentence(0.0)
    assert doubtful is not None and doubtful.span is None and doubtful.text == "The band was founded in 1994."


def test_a_span_across_two_sentences_takes_both() -> None:
    w = window()
    text = SOURCE[w.start : w.end]
    a, b = text.index("1994"), text.index("115") + 3
    answer = ReadWindow(w, text, ReadSpan(a, b, 1.0, -1.0)).answer_sentence(0.0)
    assert answer is not None and answer.span is not None and answer.span.text == "1994. It has 115"
    assert answer.text.startswith("The band was founded") and answer.text.endswith("115 members today.")


def test_an_empty_window_has_no_answer_sentence() -> None:
    w = window()
    assert ReadWindow(w, "", ReadSpan(0, 0, -math.inf, 0.0)).answer_sentence(0.0) is None


def test_scores_mix_reader_and_retrieval_and_an_empty_read_goes_last() -> None:
    spans = [ReadSpan(0, 4, 2.0, -1.0), ReadSpan(0, 4, 5.0, -1.0), ReadSpan(0, 0, -math.inf, 1.0)]
    assert combined_scores(spans, [1.0, 0.2, 3.0], 2.0) == [4.0, 5.4, 2.0 + 6.0]  # no span: the lowest span read
    head = [Hit(10, 1.0), Hit(11, 0.2), Hit(12, 3.0)]
    windows = [ReadWindow(window(), "x", s) for s in spans]
    hits, ordered = reorder_by_reader(head, windows, 2.0)
    assert [h.chunk for h in hits] == [12, 11, 10]
    assert [w.span for w in ordered] == [spans[2], spans[1], spans[0]]
    hits, _ = reorder_by_reader(head, windows, 0.5)
    assert [h.chunk for h in hits] == [11, 12, 10]
    hits, _ = reorder_by_reader(head, windows, 10.0)  # with a heavy retrieval weight, retrieval order wins
    assert [h.chunk for h in hits] == [12, 10, 11]


def test_a_window_without_a_span_scores_below_the_lowest_span_by_the_penalty() -> None:
    spans = [ReadSpan(0, 4, 2.0, -1.0), ReadSpan(0, 4, 5.0, -1.0), ReadSpan(0, 0, 3.0, 1.0)]
    assert combined_scores(spans, [1.0, 0.2, 1.1], 10.0, penalty=3.0) == [12.0, 7.0, 2.0 - 3.0 + 11.0]
    head = [Hit(10, 1.0), Hit(11, 0.2), Hit(12, 1.1)]
    windows = [ReadWindow(window(), "x", s) for s in spans]
    # a table's rules took the span of passage 12 away (its row is named better elsewhere): it does not answer, and
    # a retrieval lead of 0.1 no longer puts it above the passage read at the lowest span score
    assert [h.chunk for h in reorder_by_reader(head, windows, 10.0)[0]] == [12, 10, 11]
    assert [h.chunk for h in reorder_by_reader(head, windows, 10.0, penalty=3.0)[0]] == [10, 12, 11]
    assert span_floor(spans, 3.0) == -1.0 and span_floor([spans[2]], 3.0) == -3.0


def test_spans_that_do_not_count_leave_the_retrieval_order() -> None:
    spans = [ReadSpan(0, 4, 2.0, 4.0), ReadSpan(0, 4, 9.0, 4.0), ReadSpan(0, 0, -math.inf, 9.0)]
    # every window scores as one without a span: the lowest span read (2.0) less the penalty, + weight × retrieval
    assert combined_scores(spans, [1.0, 0.2, 0.5], 10.0, penalty=3.0, spans_count=False) == [9.0, 1.0, 4.0]
    head = [Hit(10, 1.0), Hit(11, 0.5), Hit(12, 0.2)]
    windows = [ReadWindow(window(), "x", s) for s in spans]
    assert [h.chunk for h in reorder_by_reader(head, windows, 10.0, 3.0)[0]] == [11, 10, 12]
    assert [h.chunk for h in reorder_by_reader(head, windows, 10.0, 3.0, spans_count=False)[0]] == [10, 11, 12]


def test_a_keyword_query_has_no_question_mark_and_no_question_word() -> None:
    assert keyword_query("mozilla foundation founding year")
    assert keyword_query("arXiv identifier of the paper")
    assert not keyword_query("mozilla foundation founding year?")
    assert not keyword_query("When was the Mozilla Foundation founded")  # a question without its mark
    assert not keyword_query("The DPR paper, which encoder does it use")
    assert not keyword_query("Name the encoder the paper uses?")
    assert keyword_query("somewhat however showcase")  # question words are whole words
    assert not keyword_query("Wann wurde die Stiftung gegründet?") and not keyword_query("基金会何时成立？")


def test_the_passages_retrieval_cannot_tell_apart_are_those_near_the_first() -> None:
    hits = [Hit(1, 2.0), Hit(2, 1.9), Hit(3, 1.6), Hit(4, 1.58), Hit(5, 0.5)]
    assert close_to_first(hits, 0.42) == 4 and close_to_first(hits, 0.1) == 2
    assert close_to_first(hits, 0.0) == 1 and close_to_first([], 0.42) == 0


def test_a_wide_reading_keeps_the_first_place_of_the_usual_one() -> None:
    first, others = read_window("1994"), [read_window("115"), read_window("Anna Berg")]
    head = [Hit(7, 12.0), Hit(3, 9.0), Hit(5, 8.5)]
    hits, windows = first_kept(Hit(3, 10.5), first, head, [others[0], first, others[1]])
    assert [(h.chunk, h.score) for h in hits] == [(3, 12.0), (7, 12.0), (5, 8.5)]  # as high as the best, not above
    assert windows == [first, others[0], others[1]]
    hits, _ = first_kept(Hit(3, 13.0), first, [Hit(7, 12.0)], [others[0]])  # a first not read wide leads the rest
    assert [(h.chunk, h.score) for h in hits] == [(3, 13.0), (7, 12.0)]


def test_page_at_counts_pages_from_their_start_offsets() -> None:
    assert page_at((0, 100, 250), 0) == 1
    assert page_at((0, 100, 250), 99) == 1
    assert page_at((0, 100, 250), 100) == 2
    assert page_at((0, 100, 250), 1000) == 3
    assert page_at((), 5) is None


def test_a_passage_answer_moves_into_its_window() -> None:
    text = SOURCE[12:]
    passage_answer = AnswerSentence(0, 25, "It has 115 members today.", 1.0, Span(7, 18, "115 members"))
    moved = shifted(passage_answer, 42 - 12, text)
    assert moved is not None and moved.text == "It has 115 members today."
    assert moved.span is not None and text[moved.span.start : moved.span.end] == "115 members"


def passage(start: int, end: int) -> Chunk:
    return Chunk("band.txt", start, end, SOURCE[start:end], "Band", (), ((start, end),))


def test_only_a_span_the_reader_answers_outside_the_passage_is_found_outside() -> None:
    retrieved = passage(42, 67)  # "It has 115 members today."
    assert span_outside(read_window("115 members"), retrieved, 0.0) is None  # inside its passage
    assert span_outside(read_window("Anna Berg"), retrieved, 0.0) == (SOURCE.index("Anna Berg"), len(SOURCE) - 1)
    assert span_outside(read_window("Anna Berg", no_answer=2.0), retrieved, 0.0) is None  # "does not answer"


def test_the_passage_holding_a_span_is_the_one_holding_all_of_it_nearest_its_middle() -> None:
    around = [(1, passage(12, 67)), (2, passage(42, len(SOURCE))), (3, passage(68, len(SOURCE)))]
    start = SOURCE.index("Anna Berg")
    assert holding_passage(around, start, start + 9)[0] == 3  # 2 holds it too, at its edge
    assert holding_passage(around, 50, 60)[0] == 2  # 1 and 2 hold it; 2's middle is nearer
    assert holding_passage(around, 20, 80) is None  # across passages: none holds all of it


def unit(text: str, sentences: list[tuple[int, int]], span: str, origin: int = 100) -> str:
    """The span `span` of `text` (a window starting at `origin`) after `one_unit`."""
    window = Window("d.txt", origin, origin + len(text), tuple((a + origin, b + origin) for a, b in sentences), (0, 0))
    start = text.index(span)
    a, b = one_unit(unit_breaks(window, text), text, start, start + len(span))
    return text[a:b]


def test_a_span_stops_at_the_line_break_before_the_next_item_or_paragraph() -> None:
    text = "green tea from Lankaran\n\nfresh tomatoes"
    assert unit(text, [(0, 23), (25, 39)], "Lankaran\n\nfresh tomatoes") == "Lankaran"
    items = "- tea from Lankaran\n- tomatoes"
    assert unit(items, [(0, 19), (20, 30)], "Lankaran\n- tomatoes") == "Lankaran"
    assert unit(items, [(0, 19), (20, 30)], "tea from Lankaran") == "tea from Lankaran"  # nothing to cut


def test_a_hard_wrapped_sentence_keeps_its_own_line_breaks() -> None:
    text = "The parcel came from\nLankaran in May. Then it rained."
    assert unit(text, [(0, 36), (37, 52)], "from\nLankaran in May") == "from\nLankaran in May"


def test_a_span_stops_at_the_end_of_the_table_cell_it_starts_in() -> None:
    text = "| model | mpg |\n|---|---|\n| Halcyon S | 19.2 |"
    assert unit(text, [(0, len(text))], "Halcyon S | 19.2") == "Halcyon S"
    assert unit(text, [(0, len(text))], "19.2") == "19.2"


def test_the_units_of_a_window_end_at_item_breaks_and_cell_ends_only() -> None:
    items = "- tea from\nLankaran\n- tomatoes"  # the first item hard-wrapped
    window = Window("d.txt", 0, len(items), ((0, 19), (20, 30)), (0, 0))
    assert unit_breaks(window, items) == [19]
    row = "| Halcyon S | 19.2 |"
    assert unit_breaks(Window("d.txt", 0, len(row), ((0, len(row)),), (0, 0)), row) == [11, 18]


def test_a_span_overlapping_a_run_an_acronym_stands_for_is_widened_over_it() -> None:
    from qa.models.reader import ReadSpan
    from qa.search.read import whole_runs

    text = "“C.A.C.?” “Chiefly About Chickens. It’s a paper.”"
    run = (text.index("Chiefly"), text.index(". It"))
    span = ReadSpan(text.index("About"), run[1], 9.0, -2.0)
    assert whole_runs(span, [run]) == ReadSpan(run[0], run[1], 9.0, -2.0)
    elsewhere = ReadSpan(text.index("paper"), text.index("paper") + 5, 9.0, -2.0)
    assert whole_runs(elsewhere, [run]) == elsewhere


def test_a_span_never_cuts_a_number() -> None:
    from qa.search.read import whole_numbers

    text = "Pop.: 141,600; mean 3.25 m, in 1998."
    for part, whole in (("600", "141,600"), ("141", "141,600"), ("25", "3.25"), ("3", "3.25"), ("1998", "1998")):
        start = text.index(part, text.index(whole))
        assert text.__getitem__(slice(*whole_numbers(text, start, start + len(part)))) == whole
    assert whole_numbers(text, 0, 4) == (0, 4)  # words stay as they are


def test_a_span_naming_another_numbered_thing_than_the_question_is_no_answer() -> None:
    from qa.search.read import other_numbered

    text = "- Phase 1 (Macro-Level Realignment) fixes the layout.\n- Phase 2 (Micro-Level Optimization) cleans up."

    def read(words: str) -> ReadWindow:
        at = text.index(words)
        return ReadWindow(Window("d.docx", 0, len(text), (), (0, 0)), text, ReadSpan(at, at + len(words), 9.0, -2.0))

    asked = {("phase", "2")}
    assert not other_numbered(read("Phase 1 (Macro-Level Realignment)"), asked).answers
    kept = read("Phase 2 (Micro-Level Optimization)")
    assert other_numbered(kept, asked) == kept
    plain = read("fixes the layout")
    assert other_numbered(plain, asked) == plain  # a span naming no numbered thing stays
    both = read("Phase 1 (Macro-Level Realignment) fixes the layout.\n- Phase 2")
    assert other_numbered(both, asked) == both  # nor one naming the asked one too


def test_a_window_reads_a_table_row_of_long_cells_whole(tmp_path, real_encoder) -> None:  # type: ignore[no-untyped-def]
    """A row whose cells are paragraphs is cut into passages at a sentence; each passage's window holds the whole
    row, so its cells and columns can be read (half a row is prose to the reader and the table rules)."""
    from qa.engine import build_from_folder
    from qa.index.open import open_index
    from qa.search.read import ReadingSettings, window_of

    bm25 = " ".join(f"The first passage gives fact number {i} on cycling in Britain." for i in range(12))
    dpr = " ".join(f"The second passage gives fact number {i} on the Irish Sea." for i in range(12))
    row = f"| What is the body of water between England and Ireland? | {bm25} | {dpr} |"
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "paper.md").write_text(
        f"# Examples\n\nTable 7 shows what each retriever returned.\n\n| Question | By BM25 | By DPR |\n{row}\n\n"
        "After the table, the prose goes on.\n",
        encoding="utf-8",
    )
    build_from_folder(corpus, tmp_path / "index", encoder=real_encoder)
    store = open_index(tmp_path / "index").chunks
    passages = [p for p in store if "fact number" in p.text]
    assert len(passages) > 1 and not any(row in p.text for p in passages)  # the row is cut into passages
    for passage in passages:
        window, text = window_of(store, passage, ReadingSettings().window_words)
        assert row in text
        assert any(text[a - window.start : b - window.start].endswith("Irish Sea. |") for a, b in window.sentences)


def test_a_span_the_reader_marks_in_a_lead_in_answers_through_what_it_introduces() -> None:
    source = (
        "The commit broke one test, causing generic/127 to fail for xfs:\n./check -g generic/127\nIt passed before."
    )
    lead_end = source.index(":") + 1
    command = (lead_end + 1, source.index("\nIt"))
    sentences = ((0, lead_end), command, (command[1] + 1, len(source)))
    w = Window("report.eml", 0, len(source), sentences, (0, len(source)))
    start = source.index("generic/127")
    answer = ReadWindow(w, source, ReadSpan(start, start + 11, 8.0, -2.0)).answer_sentence(0.0)
    assert answer is not None and answer.text == source[: command[1]]  # the lead-in and the command it introduces
    assert answer.span is not None and answer.span.text == "generic/127"
    plain = "The commit broke one test, generic/127 on xfs.\n./check -g generic/127\nIt passed before."
    ends = (plain.index("\n"), plain.index("\nIt"))
    w = Window("report.eml", 0, len(plain), ((0, ends[0]), (ends[0] + 1, ends[1]), (ends[1] + 1, len(plain))), (0, 9))
    start = plain.index("generic/127")
    answer = ReadWindow(w, plain, ReadSpan(start, start + 11, 8.0, -2.0)).answer_sentence(0.0)
    assert answer is not None and answer.text == plain[: ends[0]]  # no lead-in: the sentence alone


def test_the_reranker_reads_a_slides_title_once(hash_engine) -> None:  # type: ignore[no-untyped-def]
    """The reranker reads a passage under its heading; a slide's passage opens with its title, so the title is
    not put in front of it again (a passage of the slide's notes still gets its "Notes" heading)."""
    from document_fixtures import slides_bytes

    from qa.search.read import rerank_text

    with hash_engine({"deck.pptx": slides_bytes()}) as engine:
        store = engine.index.chunks
        chunks = [chunk for _, chunk in store.doc_chunks("deck.pptx")]
        slide = next(c for c in chunks if "Inspect the impeller" in c.text)
        notes = next(c for c in chunks if "Tampere" in c.text)
        assert rerank_text(store, slide).startswith("Maintenance\n\n- Inspect the impeller")
        assert rerank_text(store, notes) == "Notes\nMention the spring inspection in Tampere."
