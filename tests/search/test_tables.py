"""Table rows named by their columns for the reader, and spans mapped back to the source's own characters."""

from __future__ import annotations

from qa.search.tables import cell_in_named_row, cells, header_row_before, linearize, rows_no_answer

WINDOW = (
    "The commanders are listed below.\n"
    "| No. | Name | Picture | Term start | Term end |\n"
    "| 1 | Zakir Hasanov | | 2003 | 2013 |\n"
    "| 2 | Shahin Mammedov | | 2013 | Present |\n"
    "The list is kept by the ministry."
)


def test_rows_become_named_cells_and_the_header_row_is_left_out() -> None:
    text = linearize(WINDOW).text
    assert text.splitlines() == [
        "The commanders are listed below.",
        "",
        "No.: 1; Name: Zakir Hasanov; Term start: 2003; Term end: 2013.",
        "No.: 2; Name: Shahin Mammedov; Term start: 2013; Term end: Present.",
        "The list is kept by the ministry.",
    ]


def test_a_span_maps_back_to_the_cells_it_covers() -> None:
    read = linearize(WINDOW)
    for words in ("Zakir Hasanov", "2003", "The list is kept", "commanders"):
        start = read.text.index(words)
        mapped = read.to_source(start, start + len(words))
        assert mapped is not None and WINDOW[mapped[0] : mapped[1]] == words
    start = read.text.index("Name: Zakir")  # a span that begins on an inserted column name shrinks to the cell
    mapped = read.to_source(start, start + len("Name: Zakir Hasanov"))
    assert mapped is not None and WINDOW[mapped[0] : mapped[1]] == "Zakir Hasanov"
    start = read.text.index("Term start")
    assert read.to_source(start, start + len("Term start")) is None  # only inserted text


def test_a_span_across_cells_keeps_the_source_between_them() -> None:
    read = linearize(WINDOW)
    start, end = read.text.index("2003"), read.text.index("2013.") + 4
    mapped = read.to_source(start, end)
    assert mapped is not None and WINDOW[mapped[0] : mapped[1]] == "2003 | 2013"


def test_a_window_offset_maps_to_the_reader_text_before_the_next_copied_character() -> None:
    read = linearize(WINDOW)
    zakir = WINDOW.index("Zakir")
    end_of_name = WINDOW.index("Hasanov") + len("Hasanov")  # the cell's end: where the next copied cell starts
    assert read.from_source([zakir + 2, end_of_name, len(WINDOW)]) == [
        read.text.index("Zakir") + 2,  # inside a cell: the same character
        read.text.index("2003"),
        len(read.text),
    ]


def test_a_window_inside_a_table_takes_its_header_from_before() -> None:
    preceding = "Intro.\n| Year | Revenue |\n| 2014 | 90 |\n"
    assert header_row_before(preceding) == ("| Year | Revenue |", preceding.index("| Year"))  # where the table starts
    assert header_row_before("Intro.\nNo table here.\n") is None
    read = linearize("| 2015 | 93 |\nNext line.", header_row_before(preceding)[0])
    assert read.text.splitlines()[0] == "Year: 2015; Revenue: 93."


def test_separator_rows_and_plain_text_pipes() -> None:
    assert cells("a | b") is None and cells("| a | b |") == [(2, 3), (6, 7)]
    text = linearize("| A | B |\n|---|---|\n| x | y |").text
    assert text.splitlines() == ["", "", "A: x; B: y."]
    assert linearize("No tables | here.\nJust text.").text == "No tables | here.\nJust text."


def test_a_table_of_pairs_keeps_its_first_row_and_reads_key_value() -> None:
    """Two columns of words (an infobox, a specification sheet): every row is a pair, the first one too."""
    window = (
        "Mozilla\n"
        "| Industry | Open-source software |\n"
        "| Founded | February 28, 1998 |\n"
        "| Founder | Netscape Communications Corporation |\n"
        "| Website | mozilla.org |"
    )
    assert linearize(window).text.splitlines() == [
        "Mozilla",
        "Industry: Open-source software.",
        "Founded: February 28, 1998.",
        "Founder: Netscape Communications Corporation.",
        "Website: mozilla.org.",
    ]
    read = linearize(window)
    start = read.text.index("Netscape")
    mapped = read.to_source(start, start + len("Netscape Communications Corporation"))
    assert mapped is not None and window[mapped[0] : mapped[1]] == "Netscape Communications Corporation"


def test_a_title_row_narrower_than_the_table_is_no_header() -> None:
    window = "| Duck |\n| Scientific classification |\n| Kingdom: | Animalia |\n| Order: | Anseriformes |"
    assert linearize(window).text.splitlines() == [
        "Duck.",
        "Scientific classification.",
        "Kingdom: Animalia.",
        "Order: Anseriformes.",
    ]
    wide = "| Commanders |\n| No. | Name | Term start |\n| 1 | Zakir Hasanov | 2003 |"
    assert linearize(wide).text.splitlines() == ["Commanders.", "", "No.: 1; Name: Zakir Hasanov; Term start: 2003."]


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
    passed = rows_no_answer(CARRIERS, {"164": 5.0, "fatal": 2.0})
    starts = {CARRIERS.index("| Northwind"), CARRIERS.index("| Kestrel")}
    assert passed == header | starts  # the named row stays a candidate
    assert rows_no_answer(CARRIERS, {"fatal": 2.0}) == header  # no row named: every row stays
    pairs = "| Founder | Netscape |\n| Founded | 1998 |"
    assert rows_no_answer(pairs, {"found": 3.0}) == set()


def test_a_cell_the_question_quotes_is_no_answer_when_it_names_another_column() -> None:
    weights = {"station": 2.0, "record": 1.0, "184.1": 5.0, "quak": 1.0}  # "How many stations recorded … 184.1?"
    quakes = "| lat | long | depth | stations |\n| -20.4 | 181.6 | 562 | 41 |\n| -26.0 | 184.1 | 42 | 43 |"
    moved = cell_in_named_row(quakes, *span_of(quakes, "184.1"), weights)
    assert moved is not None and quakes[moved[0] : moved[1]] == "43"
    two = {**weights, "depth": 2.0}  # two other columns named by their headers: the reader's cell stays
    assert cell_in_named_row(quakes, *span_of(quakes, "184.1"), two) == span_of(quakes, "184.1")
    unquoted = span_of(quakes, "| 42 |")[0] + 2  # a cell the question does not hold stays where the reader put it
    assert cell_in_named_row(quakes, unquoted, unquoted + 2, weights) == (unquoted, unquoted + 2)


def test_a_table_is_known_by_where_it_starts_and_by_the_rows_a_question_names_in_a_window() -> None:
    from qa.search.tables import table_rows

    header = "| Country | Area | Density |"
    first = f"Intro.\n{header}\n| Austria | 83,858 | 99 |\n| Finland | 337,030 | 16 |"
    weights = {"finland": 3.0, "density": 1.0}
    span = (first.index("99"), first.index("99") + 2)
    shown = table_rows(first, 500, span, weights)
    assert shown.named == frozenset({507}) and shown.span_in == 507  # the table starts at 500 + len("Intro.\n")
    rest = "| Sweden | 449,964 | 20 |\n| Malta | 316 | 1,261 |"  # the same table, cut: its header is before it
    later = table_rows(rest, 900, (rest.index("20"), rest.index("20") + 2), weights, (header, 507))
    assert later.named == frozenset() and later.span_in == 507  # it names none of its rows: no Finland here
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
