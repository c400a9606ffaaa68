"""Which table row a question names, and where a reader's span in a table goes: that row's cell, or nowhere."""

from __future__ import annotations

from qa.search.tables import asked_cell, cell_in_named_row, sentence_rules

CARRIERS = (
    "| carrier | seat_km | fatalities |\n"
    "| Northwind Air | 2437446730 | 486 |\n"
    "| Kestrel Lines | 1106443827 | 0 |\n"
    "| Tern Express | 8754989331 | 164 |"
)


def span_of(text: str, words: str) -> tuple[int, int]:
    start = text.index(words)
    return start, start + len(words)


def test_a_span_in_a_row_the_question_does_not_name_moves_to_the_same_column_of_the_row_it_names() -> None:
    weights = {"carrier": 1.0, "164": 5.0, "fatal": 2.0}  # "Which carrier had 164 fatalities?" (IDF weights)
    moved = cell_in_named_row(CARRIERS, *span_of(CARRIERS, "Kestrel Lines"), weights)
    assert moved is not None and CARRIERS[moved[0] : moved[1]] == "Tern Express"
    there = span_of(CARRIERS, "Tern")  # already in the named row: the reader's own span stays
    assert cell_in_named_row(CARRIERS, *there, weights) == there
    inside = CARRIERS.split("\n", 1)[1]  # a window starting below the header, which comes from before it
    moved = cell_in_named_row(inside, *span_of(inside, "Kestrel Lines"), weights, CARRIERS.split("\n")[0])
    assert moved is not None and inside[moved[0] : moved[1]] == "Tern Express"


def test_no_move_without_one_row_named_or_outside_a_table_with_a_header() -> None:
    asks_none = {"carrier": 1.0, "fatal": 2.0}  # no row's cells hold a question word: the reader's row stands
    assert cell_in_named_row(CARRIERS, *span_of(CARRIERS, "Kestrel Lines"), asks_none) is None
    tie = CARRIERS + "\n| Quayside Air | 3000000000 | 164 |"  # two rows hold "164"
    assert cell_in_named_row(tie, *span_of(tie, "Kestrel Lines"), {"164": 5.0}) is None
    pairs = "| Founder | Netscape |\n| Founded | 1998 |"  # key-value pairs: "founded" also names the wrong key
    assert cell_in_named_row(pairs, *span_of(pairs, "Netscape"), {"found": 3.0}) is None
    prose = "Tern Express had 164 fatalities."
    assert cell_in_named_row(prose, *span_of(prose, "Tern Express"), {"164": 5.0}) is None


def test_the_rows_a_question_passes_over_are_the_other_rows_of_the_table_it_names_a_row_of() -> None:
    header = {0}  # the header row with rows after it is never an answer, whatever the question names
    passed = sentence_rules(CARRIERS, {"164": 5.0, "fatal": 2.0})[0]
    starts = {CARRIERS.index("| Northwind"), CARRIERS.index("| Kestrel")}
    assert passed == header | starts  # the named row stays a candidate
    assert sentence_rules(CARRIERS, {"fatal": 2.0})[0] == header  # no row named: every row stays
    pairs = "| Founder | Netscape |\n| Founded | 1998 |"
    assert sentence_rules(pairs, {"found": 3.0})[0] == set()


def test_a_cell_the_question_quotes_is_no_answer_when_it_names_another_column() -> None:
    weights = {"station": 2.0, "record": 1.0, "184.1": 5.0, "quak": 1.0}  # "How many stations recorded … 184.1?"
    quakes = "| lat | long | depth | stations |\n| -20.4 | 181.6 | 562 | 41 |\n| -26.0 | 184.1 | 42 | 43 |"
    moved = cell_in_named_row(quakes, *span_of(quakes, "184.1"), weights)
    assert moved is not None and quakes[moved[0] : moved[1]] == "43"
    two = {**weights, "depth": 2.0}  # two other columns named by their headers: the reader's cell stays
    assert cell_in_named_row(quakes, *span_of(quakes, "184.1"), two) == span_of(quakes, "184.1")
    unquoted = span_of(quakes, "| 42 |")[0] + 2  # a cell the question does not hold stays where the reader put it
    row_only = {"184.1": 5.0, "quak": 1.0}  # … unless the question names another column by its header (below)
    assert cell_in_named_row(quakes, unquoted, unquoted + 2, row_only) == (unquoted, unquoted + 2)
    moved = cell_in_named_row(quakes, unquoted, unquoted + 2, weights)
    assert moved is not None and quakes[moved[0] : moved[1]] == "43"


def test_a_table_is_known_by_where_it_starts_and_by_the_rows_a_question_names_in_a_window() -> None:
    from qa.search.tables import table_rows

    header = "| Country | Area | Density |"
    first = f"Intro.\n{header}\n| Austria | 83,858 | 99 |\n| Finland | 337,030 | 16 |"
    weights = {"finland": 3.0, "density": 1.0}
    span = (first.index("99"), first.index("99") + 2)
    shown = table_rows(first, 500, span, weights)
    assert shown.named == {507: 3.0} and shown.span_in == 507  # the table starts at 500 + len("Intro.\n")
    rest = "| Sweden | 449,964 | 20 |\n| Malta | 316 | 1,261 |"  # the same table, cut: its header is before it
    later = table_rows(rest, 900, (rest.index("20"), rest.index("20") + 2), weights, (header, 507))
    assert later.named == {} and later.span_in == 507  # it names none of its rows: no Finland here
    assert table_rows("Prose only.", 0, (0, 5), weights).span_in is None


def test_a_span_in_a_table_whose_row_another_window_names_is_no_answer() -> None:
    from qa.models.reader import ReadSpan
    from qa.search.read import ReadWindow, rows_named_elsewhere
    from qa.search.windows import Window

    header = "| Country | Area | Density |"
    head_text = f"{header}\n| Austria | 83,858 | 99 |\n| Finland | 337,030 | 16 |"
    tail_text = "| Sweden | 449,964 | 20 |\n| Malta | 316 | 1,261 |"

    def read(doc: str, start: int, text: str, answer: str) -> ReadWindow:
        at = text.index(answer)
        return ReadWindow(
            Window(doc, start, start + len(text), (), (start, start)), text, ReadSpan(at, at + 2, 8.0, -1.0)
        )

    weights = {"finland": 3.0, "density": 1.0}
    windows = [
        read("a.ods", 100, tail_text, "20"),
        read("a.ods", 0, head_text, "16"),
        read("b.ods", 100, tail_text, "20"),
    ]
    before = [(header, 0), None, (header, 0)]  # b.ods: another document's table, named in no window of its own
    kept = rows_named_elsewhere(windows, before, weights)
    assert [(w.span.start, w.span.end) for w in kept] == [
        (0, 0),
        (windows[1].span.start, windows[1].span.end),
        (windows[2].span.start, windows[2].span.end),
    ]
    assert kept[0].span.score == 8.0 and not kept[0].answers  # the score stays; the span is gone


def test_a_span_in_a_folded_table_moves_to_the_record_the_question_names() -> None:
    window = (
        "|  | Rank | Name | Pop. | Rank | Name | Pop. |  |\n"
        "|  | 4 | Hamilton | 241,200 | 14 | Kapiti | 42,700 |  |\n"
        "|  | 5 | Tauranga | 141,600 | 15 | Whanganui | 40,900 |  |"
    )
    weights = {"population": 2.0, "tauranga": 6.0}
    moved = cell_in_named_row(window, *span_of(window, "42,700"), weights)  # the right-hand record's population
    assert moved is not None and window[moved[0] : moved[1]] == "141,600"  # Tauranga's, on the left


def test_a_span_in_a_row_named_less_than_another_window_names_one_is_no_answer() -> None:
    from qa.models.reader import ReadSpan
    from qa.search.read import ReadWindow, rows_named_elsewhere
    from qa.search.windows import Window

    header = "| Training | Model | NQ | TriviaQA |"
    top = f"{header}\n| Single | ORQA | 33.3 | 45.0 |\n| Single | BM25 | 26.5 | 47.1 |"
    rest = "| Single | DPR | 41.5 | 56.8 |\n| Multi | BM25 | 39.0 | 57.0 |"
    weights = {"dpr": 4.0, "orqa": 5.7, "triviaqa": 5.3}  # "In DPR's Table 4, what … does ORQA get on TriviaQA?"

    def read(start: int, text: str, answer: str) -> ReadWindow:
        at = text.index(answer)
        return ReadWindow(
            Window("p.pdf", start, start + len(text), (), (start, start)), text, ReadSpan(at, at + 4, 9.0, 0.0)
        )

    windows = [read(200, rest, "56.8"), read(0, top, "45.0")]  # "DPR" names a row of the cut-off rest, weakly
    kept = rows_named_elsewhere(windows, [(header, 0), None], weights)
    assert not kept[0].answers and kept[1].span == windows[1].span


SCHEMES = (  # a paper's table: abbreviated headers, rows told apart by two cells (made up numbers)
    "| Type | #N | IB | Top-5 | Top-20 |\n"
    "| Random | 7 | no | 47.0 | 64.3 |\n"
    "| Gold | 7 | yes | 51.1 | 69.1 |\n"
    "| Gold | 127 | yes | 55.8 | 73.0 |\n"
    "| Mixed | 127+128 | yes | 65.8 | 78.0 |"
)


def asked_text(table: str, weights: dict[str, float], header: str | None = None) -> str | None:
    """The text of the cell `asked_cell` finds in `table`, or None."""
    found = asked_cell(table, weights, header)
    return table[found[0] : found[1]] if found is not None else None


def test_the_cell_a_question_names_by_its_row_and_its_column_header() -> None:
    # "What top-5 accuracy does training with 127 gold negatives reach?" (IDF weights)
    weights = {"top": 1.0, "5": 2.0, "accuraci": 1.0, "train": 1.0, "127": 4.0, "gold": 3.0, "negat": 2.0}
    assert asked_text(SCHEMES, weights) == "55.8"
    inside = SCHEMES.split("\n", 2)[2]  # a window starting below the header, which comes from before it
    assert asked_text(inside, weights, SCHEMES.split("\n")[0]) == "55.8"
    twenty = {**weights, "20": 2.0}  # "top-5 or top-20": two columns named, no one cell
    del twenty["5"]
    assert asked_text(SCHEMES, twenty) == "73.0"
    assert asked_cell(SCHEMES, {**weights, "20": 2.0}) is None


RESULTS = (
    "| Training | Retriever | Top-20 TREC | Top-100 TREC |\n"
    "| Single | DPR | 79.8 | 89.1 |\n"
    "| Multi | DPR | 89.1 | 93.9 |\n"
    "| Multi | BM25 + DPR | 88.5 | 94.1 |"
)


def test_of_rows_naming_as_much_of_the_question_the_one_naming_nothing_else_is_named() -> None:
    # "What top-100 accuracy does the multi-dataset DPR retriever reach on TREC?": both Multi rows hold "multi" and
    # "dpr"; the BM25 + DPR row names a retriever the question does not
    weights = {"top": 1.0, "100": 2.0, "accuraci": 1.0, "multi": 3.0, "dataset": 2.0, "dpr": 3.0, "trec": 3.0}
    assert asked_text(RESULTS, weights) == "93.9"
    assert asked_text(RESULTS, {**weights, "bm25": 3.0}) == "94.1"  # naming both retrievers: that row holds more
    twins = RESULTS.replace("BM25 + DPR", "DPR")  # two rows alike: no one row named
    assert asked_cell(twins, weights) is None


def test_no_cell_without_one_row_and_one_column_named() -> None:
    no_column = {"127": 4.0, "gold": 3.0, "accuraci": 1.0}  # no header's every term is the question's
    assert asked_cell(SCHEMES, no_column) is None
    no_row = {"top": 1.0, "5": 2.0}  # "5" is in no cell: no row named
    assert asked_cell(SCHEMES, no_row) is None
    quoted = {"type": 1.0, "127": 4.0, "gold": 3.0}  # the "Type" cell of the row is the question's own "gold"
    assert asked_cell(SCHEMES, quoted) is None
    grouped = SCHEMES.replace("| Gold | 127 |", "| Single model |\n| Gold | 127 |", 1)  # a group's label row
    assert asked_cell(grouped, {"type": 1.0, "singl": 3.0, "top": 1.0, "5": 2.0}) is None
    prose = "Gold negatives with 127 in-batch reach a top-5 accuracy of 55.8."
    assert asked_cell(prose, {"top": 1.0, "5": 2.0, "127": 4.0, "gold": 3.0}) is None


def test_a_span_in_the_named_row_moves_to_the_one_column_the_question_names_by_its_header() -> None:
    fleet = "| Vessel | Length | Draft | Active |\n| Aurora | 3 | 2.62 | TRUE |\n| Borealis | 41 | 1.5 | FALSE |"
    weights = {"draft": 2.0, "boreali": 5.0}  # "What draft does the Borealis have?": the reader marks "FALSE"
    moved = cell_in_named_row(fleet, *span_of(fleet, "FALSE"), weights)
    assert moved is not None and fleet[moved[0] : moved[1]] == "1.5"
    moved = cell_in_named_row(fleet, *span_of(fleet, "TRUE"), weights)  # the row above: moved to both
    assert moved is not None and fleet[moved[0] : moved[1]] == "1.5"
    two = {**weights, "activ": 1.0}  # "draft" and "active" both named: the reader's column stands
    assert cell_in_named_row(fleet, *span_of(fleet, "FALSE"), two) == span_of(fleet, "FALSE")


def test_a_value_the_question_quotes_names_the_row_that_holds_it_under_the_column_it_names() -> None:
    """ "What longitude for the event that 123 stations reported?": two rows hold 123, one as its depth; the one
    holding it under "stations", the column the question names, is the row named."""
    quakes = "| lat | long | depth | stations |\n| -21.13 | 185.32 | 123 | 36 |\n| -15.33 | 186.75 | 48 | 123 |"
    weights = {"123": 5.8, "station": 2.8, "event": 5.3, "report": 4.6}
    moved = cell_in_named_row(quakes, *span_of(quakes, "185.32"), weights)
    assert moved is not None and quakes[moved[0] : moved[1]] == "186.75"
    unnamed = {"123": 5.8, "event": 5.3}  # no column named: the two rows tie and the reader's span is not moved
    assert cell_in_named_row(quakes, *span_of(quakes, "185.32"), unnamed) is None


def test_a_span_in_the_first_row_of_a_table_without_a_header_stays_there() -> None:
    """The first row of a table of commands and their symbols is data ("yields" over "yields", tabletext's
    `header_names`): the question's "yield" names no row, and the reader's span in the first row is not moved to
    the second, the only row a header would leave ("What symbol does \\getsto yield?")."""
    symbols = "| \\grole | yields | >< | \\getsto | yields | ←→ |\n| \\lid | yields | <= | \\gid | yields | >= |"
    weights = {"symbol": 2.0, "getsto": 6.0, "yield": 1.0}
    assert cell_in_named_row(symbols, *span_of(symbols, "←→"), weights) is None
    assert sentence_rules(symbols, weights)[0] == set()
