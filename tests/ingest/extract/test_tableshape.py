"""Tables set side by side (qa/ingest/extract/tableshape.py), on rows worked out by hand."""

from __future__ import annotations

from qa.ingest.extract.tableshape import (
    names_over_names,
    repeated_header,
    side_by_side,
    spread_names,
    table_lines,
    with_inner_rows,
    without_blank_tail,
)


def test_a_header_written_twice_or_more_is_found_with_its_offset_width_and_copies() -> None:
    assert repeated_header(["Index", "Style", "Index", "Style"]) == (0, 2, 2)
    assert repeated_header(["", "Rank", "Name", "Pop.", "Rank", "Name", "Pop.", ""]) == (1, 3, 2)
    assert repeated_header(["ID", "Country"] * 6) == (0, 2, 6)
    assert repeated_header(["Year", "Sales", "Year", "Cost"]) is None  # not the same names
    assert repeated_header(["Name", "Name"]) is None  # one column twice is a header, not two copies
    assert repeated_header(["A", "A", "A", "A"]) is None  # nor a copy of one name
    assert repeated_header(["Index", "", "Index", ""]) is None  # an unnamed column could be anything
    assert repeated_header(["Index", "Style", "Index"]) is None


def test_the_copies_follow_one_another_under_one_header() -> None:
    rows = [
        ["Line styles"],  # a title above the header stays first
        ["Index", "Style", "Index", "Style"],
        ["00H", "No line", "", "BIFF8 only:"],
        ["01H", "Thin", "08H", "Medium dashed"],
        ["02H", "Medium", "", ""],  # the right copy has run out: no empty row for it
    ]
    assert side_by_side(rows) == [
        ["Line styles"],
        ["Index", "Style"],
        ["00H", "No line"],
        ["01H", "Thin"],
        ["02H", "Medium"],
        ["", "BIFF8 only:"],
        ["08H", "Medium dashed"],
    ]


def test_columns_beside_the_copies_stay_with_the_first() -> None:
    rows = [
        ["", "Rank", "Name", "Rank", "Name", ""],
        ["Auckland (photo)", "1", "Auckland", "11", "Whangarei", "Christchurch (photo)"],
        ["", "2", "Wellington", "12", "New Plymouth"],  # a short row: the missing cells are empty
    ]
    assert side_by_side(rows) == [
        ["", "Rank", "Name", ""],
        ["Auckland (photo)", "1", "Auckland", "Christchurch (photo)"],
        ["", "2", "Wellington", ""],
        ["", "11", "Whangarei", ""],
        ["", "12", "New Plymouth", ""],
    ]


def test_a_table_without_a_repeated_header_is_left_as_it_is() -> None:
    rows = [["Year", "Sales", "Year", "Cost"], ["2015", "93", "2016", "12"]]
    assert side_by_side(rows) == rows
    assert side_by_side([]) == []
    deep = [["Key", "Value", "Key", "Note"]] + [[str(i), "x", str(i), "y"] for i in range(3)] + [["a", "b", "a", "b"]]
    assert side_by_side(deep) == deep  # a header is looked for in a table's first rows only


def test_tables_inside_cells_give_one_line_per_inner_row_in_the_columns_their_cells_span() -> None:
    inner = {
        0: (2, [["01H", "Thin"], ["02H", "Medium"], ["03H", "Dashed"]]),  # spans columns 0–1
        3: (2, [["08H", "Medium dashed", "(BIFF8)"], ["09H", "Thin dash-dotted"]]),  # one cell more than it spans
    }
    assert with_inner_rows(["01H Thin 02H Medium", "", "all", "08H …", ""], inner) == [
        ["01H", "Thin", "all", "08H", "Medium dashed (BIFF8)"],
        ["02H", "Medium", "", "09H", "Thin dash-dotted"],
        ["03H", "Dashed", "", "", ""],
    ]
    assert with_inner_rows(["a", "b"], {}) == [["a", "b"]]


def test_a_name_over_the_names_it_spans_names_each_column_by_both() -> None:
    inner = {1: (3, [["Occurs in"], ["2", "5", "8"]])}
    assert names_over_names(inner)
    lines = with_inner_rows(["Record", "Occurs in 2 5 8", "", ""], inner)
    assert spread_names(lines, inner) == ["Record", "Occurs in 2", "Occurs in 5", "Occurs in 8"]
    assert not names_over_names({1: (2, [["01H", "Thin"], ["02H", "Medium"]])})  # rows of data
    assert not names_over_names({})


def test_columns_no_row_writes_in_are_cut_from_the_end() -> None:
    rows = [
        ["Record ID", "Record name", "BIFF5", "BIFF8"],
        ["00E5H", "MERGEDCELLS", "", "●", "", " "],  # blank cells the header does not name
        ["00BEH", "MULBLANK", "●", "●", ""],
    ]
    assert without_blank_tail(rows) == [rows[0], ["00E5H", "MERGEDCELLS", "", "●"], ["00BEH", "MULBLANK", "●", "●"]]
    last_written = [["Name", "Note", ""], ["Ada", "", "left early"]]  # a column one row writes in stays
    assert without_blank_tail(last_written) == last_written
    assert without_blank_tail([["", ""], [""]]) == [[], []]
    copies = [["Index", "Style", "Index", "Style", ""], ["01H", "Thin", "08H", "Medium dashed", ""]]
    assert table_lines(copies) == [["Index", "Style"], ["01H", "Thin"], ["08H", "Medium dashed"]]
