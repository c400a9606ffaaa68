"""A PDF table laid out as a grid (qa/ingest/extract/pdfgrid.py), on hand-made rows placed as a paper's results
table is: each cell in its column, two header rows merged, group names set between rows written into them."""

from __future__ import annotations

from qa.ingest.extract.pdfgrid import names_over, table_grid
from qa.ingest.extract.pdflayout import Piece, Row

PITCH = 12.0  # points between the baselines of two rows


def row(line: float, *cells: tuple[float, float, str]) -> Row:
    """A row on line `line` (0 at the top; half lines for a name set between two rows) of pieces (x0, x1, text)."""
    bottom = 700 - line * PITCH
    return Row([Piece(x0, x1, bottom, bottom + 9, 9.0, False, text) for x0, x1, text in cells]).finish()


COLUMNS = [(85, 107), (128, 178), (188, 203), (223, 238), (258, 273), (287, 303), (323, 338)]


def data(line: float, *texts: str) -> Row:
    """A body row: its texts in the columns from the right (an empty first cell when one short)."""
    columns = COLUMNS[len(COLUMNS) - len(texts) :]
    return row(line, *((x0, x1, text) for (x0, x1), text in zip(columns, texts)))


def results_table() -> list[Row]:
    """Two header rows ("Top-20" centred over three data sets, "Top-100" over two), a first row with its group
    name, and two groups whose names stand alone between their two rows."""
    return [
        row(0, (85, 118, "Training"), (128, 164, "Retriever"), (217, 244, "Top-20"), (299, 327, "Top-100")),
        row(1, (188, 203, "NQ"), (223, 238, "TQA"), (258, 273, "WQ"), (287, 303, "NQ"), (323, 338, "TQA")),
        data(2, "None", "BM25", "59.1", "66.9", "55.0", "73.7", "76.7"),
        data(3, "DPR", "78.4", "79.4", "73.2", "85.4", "85.0"),
        row(3.5, (85, 107, "Single")),
        data(4, "Both", "76.6", "79.8", "71.0", "83.8", "84.5"),
        data(5, "DPR", "79.4", "78.8", "75.0", "86.0", "84.7"),
        row(5.5, (85, 105, "Multi")),
        data(6, "Both", "78.0", "79.9", "74.7", "83.9", "84.4"),
    ]


def test_header_rows_merge_and_group_names_fill_their_rows() -> None:
    assert table_grid(results_table()) == [
        ["Training", "Retriever", "Top-20 NQ", "Top-20 TQA", "Top-20 WQ", "Top-100 NQ", "Top-100 TQA"],
        ["None", "BM25", "59.1", "66.9", "55.0", "73.7", "76.7"],
        ["Single", "DPR", "78.4", "79.4", "73.2", "85.4", "85.0"],
        ["Single", "Both", "76.6", "79.8", "71.0", "83.8", "84.5"],
        ["Multi", "DPR", "79.4", "78.8", "75.0", "86.0", "84.7"],
        ["Multi", "Both", "78.0", "79.9", "74.7", "83.9", "84.4"],
    ]


def test_a_group_name_on_a_line_of_its_own_names_the_rows_below_it() -> None:
    """Set a full line above its rows (not centred between two), the name goes to the rows under it, up to the
    next row with a first cell; a name over rows that have a first cell of their own stays a row of its own."""
    rows = [
        data(0, "Split", "Model", "NQ", "TQA", "WQ", "TREC", "SQuAD"),
        data(1, "None", "BM25", "59.1", "66.9", "55.0", "73.7", "80.0"),
        row(2, (85, 107, "Dev")),
        data(3, "DPR", "78.4", "79.4", "73.2", "85.4", "77.2"),
        data(4, "Both", "76.6", "79.8", "71.0", "83.8", "81.3"),
        data(5, "Test", "DPR", "79.4", "78.8", "75.0", "86.0", "67.6"),
        row(6, (85, 107, "Note")),
        data(7, "Old", "DPR", "79.4", "78.8", "75.0", "86.0", "67.6"),
    ]
    grid = table_grid(rows)
    assert grid is not None
    assert grid[2:5] == [
        ["Dev", "DPR", "78.4", "79.4", "73.2", "85.4", "77.2"],
        ["Dev", "Both", "76.6", "79.8", "71.0", "83.8", "81.3"],
        ["Test", "DPR", "79.4", "78.8", "75.0", "86.0", "67.6"],
    ]
    assert grid[5] == ["Note"]


def test_a_group_name_on_the_line_of_the_middle_of_its_rows_names_all_three() -> None:
    """A name centred beside three rows stands on the middle one's line (a little off it: a row of its own); a
    table cut in groups starts with a row of data, not a header."""
    rows = [
        data(0, "I", "39053", "0", "12142", "3322", "15464"),
        row(0.7, (85, 95, "1")),
        data(1, "UI", "7429", "0", "2088", "1560", "3648"),
        data(2, "T", "46484", "0", "14230", "4882", "19112"),
    ]
    assert table_grid(rows) == [
        ["1", "I", "39053", "0", "12142", "3322", "15464"],
        ["1", "UI", "7429", "0", "2088", "1560", "3648"],
        ["1", "T", "46484", "0", "14230", "4882", "19112"],
    ]


def placed(line: float, columns: list[tuple[float, float]], *texts: str) -> Row:
    """A row on line `line` of `texts` in `columns`, left to right."""
    return row(line, *((x0, x1, text) for (x0, x1), text in zip(columns, texts)))


def test_a_name_over_columns_a_lower_row_names_is_one_name_and_names_side_by_side_are_cut() -> None:
    """ "Black adults" over "Male | Female" names both; "Age Sex", two names set close over two columns no lower
    name covers, is cut into its words."""
    columns = [(85, 107), (128, 150), (223, 238), (258, 273), (287, 303), (323, 338)]
    rows = [
        row(0, (85, 150, "Age Sex"), (223, 273, "Black adults"), (287, 338, "All adults")),
        placed(1, columns[2:], "Male", "Female", "Male", "Female"),
        placed(2, columns, "18-29", "F", "12.1", "13.4", "9.8", "10.2"),
        placed(3, columns, "30-39", "M", "14.0", "15.2", "11.1", "12.5"),
    ]
    grid = table_grid(rows)
    assert grid is not None
    assert grid[0] == ["Age", "Sex", "Black adults Male", "Black adults Female", "All adults Male", "All adults Female"]


def test_names_spread_over_narrow_columns_do_not_share_one() -> None:
    """ "Other", centred over the last two narrow columns, could also be centred over three: the column its left
    neighbour took stays that one's."""
    columns = [(140, 170), (200, 210), (215, 225), (230, 240), (245, 255)]
    rows = [
        row(0, (140, 170, "Age"), (190, 235, "Mexican American"), (235, 250, "Other")),
        placed(1, columns[1:], "M", "F", "M", "F"),
        placed(2, columns, "18-29", "1.2", "1.4", "0.9", "1.1"),
        placed(3, columns, "30-39", "1.3", "1.5", "1.0", "1.2"),
    ]
    grid = table_grid(rows)
    assert grid is not None
    assert grid[0] == ["Age", "Mexican American M", "Mexican American F", "Other M", "Other F"]


def test_an_empty_cell_keeps_its_column() -> None:
    """A header with a blank corner and a row missing a value: every other cell stays under its own column."""
    rows = [
        row(0, (128, 150, "Top-1"), (188, 203, "Top-5"), (223, 238, "Top-20")),
        row(1, (85, 107, "Gold"), (128, 150, "44.9"), (188, 203, "66.8"), (223, 238, "78.1")),
        row(2, (85, 107, "Dist."), (128, 150, "43.9"), (223, 238, "77.1")),
        row(3, (85, 107, "BM25"), (128, 150, "42.0"), (188, 203, "60.2"), (223, 238, "75.5")),
    ]
    assert table_grid(rows) == [
        ["", "Top-1", "Top-5", "Top-20"],
        ["Gold", "44.9", "66.8", "78.1"],
        ["Dist.", "43.9", "", "77.1"],
        ["BM25", "42.0", "60.2", "75.5"],
    ]


def test_rows_that_are_no_grid_are_left_as_they_are() -> None:
    """Bars of a chart with their values at the bars' ends, and a row with two pieces over one column."""
    chart = [
        row(0, (85, 160, "NEVER"), (180, 195, "3%")),
        row(1, (85, 160, "SOMETIMES"), (240, 255, "25%")),
        row(2, (85, 160, "DAILY"), (300, 315, "60%")),
        row(3, (85, 160, "WEEKLY"), (210, 225, "7%")),
    ]
    assert table_grid(chart) is None
    crowded = [
        data(0, "Split", "Model", "NQ", "TQA", "WQ", "TREC", "SQuAD"),
        data(1, "None", "BM25", "59.1", "66.9", "55.0", "73.7", "80.0"),
        data(2, "Dev", "DPR", "78.4", "79.4", "73.2", "85.4", "77.2"),
        row(3, (85, 107, "Old"), (128, 140, "A"), (150, 178, "B"), (188, 203, "1")),
    ]
    assert table_grid(crowded) is None


def test_names_set_closer_than_a_cell_gap_are_cut_per_column() -> None:
    columns = [(100.0, 130.0), (150.0, 180.0)]
    top = Piece(98, 182, 0, 9, 9.0, False, "Top-20 Top-100")
    assert [(p.text, round(p.x0), round(p.x1)) for p in names_over(top, columns)] == [
        ("Top-20", 98, 134),
        ("Top-100", 140, 182),
    ]
    spanning = Piece(98, 182, 0, 9, 9.0, False, "Retrieval accuracy at k")  # more words than columns: a name
    assert names_over(spanning, columns) == [spanning]
