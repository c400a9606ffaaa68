"""Table rows as text: cells named by their columns, and spans mapped back to the source's own characters."""

from __future__ import annotations

from qa.ingest.tabletext import cells, folds, header_names, header_row_before, linearize, row_with_names

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


def test_a_span_over_a_column_name_points_to_that_rows_cell() -> None:
    """The reader marks the name a row gives its value ("Term start" of "Term start: 2003"): that cell is meant."""
    read = linearize(WINDOW)
    start = read.text.index("Term start")
    mapped = read.value_named(start, start + len("Term start"))
    assert mapped is not None and WINDOW[mapped[0] : mapped[1]] == "2003"
    start = read.text.index("Term end: Present")
    mapped = read.value_named(start, start + len("Term end"))
    assert mapped is not None and WINDOW[mapped[0] : mapped[1]] == "Present"
    assert read.value_named(start, start + len("Term")) is None  # part of a name: no cell is meant
    start = read.text.index("Zakir")
    assert read.value_named(start, start + len("Zakir Hasanov")) is None  # copied text: to_source's


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
    # a title spanning the table's columns, written with the empty cells it covers, as Word and ODT tables write it
    spanned = (
        "|  | Example: two links |  |  |  |\n|  | Link | Server/Class | Topic/URL |  |\n"
        "|  | OLE | Excel.Sheet.8 | D:\\example.xls |  |"
    )
    assert linearize(spanned).text.splitlines() == [
        "Example: two links.",
        "",
        "Link: OLE; Server/Class: Excel.Sheet.8; Topic/URL: D:\\example.xls.",
    ]


def test_a_header_below_title_rows_names_the_columns_of_a_window_inside_the_table() -> None:
    preceding = "Intro.\n| Largest towns |\n| Rank | Name | Pop. |\n| 1 | Auckland | 1,628,900 |\n"
    assert header_row_before(preceding) == ("| Rank | Name | Pop. |", preceding.index("| Largest"))
    assert linearize("| 2 | Wellington | 418,500 |", "| Rank | Name | Pop. |").text == (
        "Rank: 2; Name: Wellington; Pop.: 418,500."
    )


def test_a_row_without_a_letter_is_no_header() -> None:
    assert header_names("| 1 | 2 | 3 |", ["| 7 | 8 | 9 |"]) is None
    assert header_names("| Rank | Name | Pop. |", ["| 7 | Nelson | 67,500 |"]) == ["Rank", "Name", "Pop."]
    assert linearize("| 1 | 2 | 3 |\n| 13 | 14 | 15 |").text.splitlines() == ["1: 2; 3.", "13: 14; 15."]  # both kept


def test_a_first_row_the_row_below_repeats_a_word_of_in_its_column_is_data() -> None:
    """A column's name is not its own value: "yields" over "yields" is a table of commands and their symbols."""
    symbols = "| \\grole | yields | >< | \\getsto | yields | ←→ |\n| \\lid | yields | <= | \\gid | yields | >= |"
    first, second = symbols.split("\n")
    assert header_names(first, [second]) is None
    assert linearize(symbols).text.splitlines()[1].startswith("\\lid: yields;")  # not "yields: yields"
    assert header_names("| Part | Number |", ["|---|---|", "| Impeller | IM-204 |"]) == ["Part", "Number"]


def test_a_header_naming_blank_corners_still_names_the_columns_between_them() -> None:
    header = "|  | Rank | Name | Pop. |  |"
    assert header_names(header, ["|  | 5 | Tauranga | 141,600 |  |"]) == ["", "Rank", "Name", "Pop.", ""]
    assert header_names("| Top-20 |  |  |  |", ["| 1 | 2 | 3 | 4 |"]) is None  # names over half the columns or fewer


def test_a_table_folded_side_by_side_reads_as_one_sentence_per_record() -> None:
    header = "|  | Rank | Name | Pop. | Rank | Name | Pop. |  |"
    assert folds(header_names(header, [])) == (1, 3)
    assert folds(["Year", "Revenue", "Profit"]) is None
    row = "|  | 5 | Tauranga | 141,600 | 15 | Whanganui | 40,900 |  |"
    assert linearize(f"{header}\n{row}").text.splitlines()[1] == (
        "Rank: 5; Name: Tauranga; Pop.: 141,600. Rank: 15; Name: Whanganui; Pop.: 40,900."
    )


def test_a_row_is_embedded_with_its_cells_named_when_a_header_above_names_them() -> None:
    preceding = "Towns.\n| Rank | Name | Pop. |\n| 1 | Auckland | 1,628,900 |\n"
    assert row_with_names("| 5 | Tauranga | 141,600 |", preceding) == "Rank: 5; Name: Tauranga; Pop.: 141,600."
    assert row_with_names("| Rank | Name | Pop. |", preceding) is None  # the header repeated
    assert row_with_names("| 5 | 6 | 7 |", "Grid.\n| 1 | 2 | 3 |\n") is None  # no header names the columns
    assert row_with_names("| 5 | Tauranga | 141,600 |", "Prose before it.\n") is None  # the table's first row


def test_a_second_row_splits_the_first_when_it_has_more_cells_each_with_a_letter() -> None:
    from qa.ingest.tabletext import splits

    assert splits("| Training | Top-20 | Top-100 |", "| NQ | TriviaQA | NQ | TriviaQA |")
    assert not splits("| Model | NQ | TREC |", "| DPR | 41.5 | 25.9 |")  # a data row
    assert not splits("| Model | NQ | TREC |", "| A | B |")  # fewer cells
    assert not splits("| Model | NQ | TREC |", "| Size | Data | Set |")  # as many: a row of words, not a split
