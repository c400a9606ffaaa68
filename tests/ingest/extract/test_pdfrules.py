"""A ruled PDF table whose cells wrap (qa/ingest/extract/pdfrules.py), on hand-made pieces and rules placed as a
paper's table of examples is: a question, then the passage each system found, each cell wrapped over lines."""

from __future__ import annotations

from qa.ingest.extract.pdflayout import Piece
from qa.ingest.extract.pdfrules import bands, column_edges, join_band, join_ruled_cells, rules, tables, wraps

PITCH = 11.0  # points between two lines
LEFT, MIDDLE, RIGHT = 70.0, 170.0, 350.0  # the table's sides and the rule between its two columns


def line(number: int, x0: float, x1: float, text: str, **extra: object) -> Piece:
    """A piece on line `number` (0 at the top of the table's first row)."""
    bottom = 700 - number * PITCH
    return Piece(x0, x1, bottom, bottom + 8, 8.0, False, text, **extra)  # type: ignore[arg-type]


def hrule(y: float, left: float = LEFT, right: float = RIGHT) -> tuple[float, float, float, float]:
    return (left, y - 0.5, right, y + 0.5)


def vrule(x: float, bottom: float, top: float) -> tuple[float, float, float, float]:
    return (x - 0.4, bottom, x + 0.4, top)


QUESTION = [line(0, 76, 150, "What is the body of water"), line(1, 76, 162, "between England and Ireland?")]
PASSAGE = [
    line(0, 176, 250, "Title: Irish Sea"),  # a line of its own: the cell's title, not wrapped
    line(1, 176, 344, "Annual traffic between Great Britain and Ireland amounts to over 12 mil-"),
    line(2, 176, 344, "lion passengers. The Irish Sea is connected to the North Atlantic at both"),
    line(3, 176, 260, "its northern and southern ends."),
]
# the rules over and under the row, and the one between its columns drawn in two pieces (as LaTeX draws it)
ROW_RULES = [hrule(712), hrule(665), vrule(MIDDLE, 688, 711), vrule(MIDDLE, 666, 689)]


def test_rules_are_joined_where_their_pieces_meet_and_short_strokes_are_no_rules() -> None:
    horizontal, vertical = rules([*ROW_RULES, (100, 500, 110, 500.5), (20, 300, 60, 301)])
    assert horizontal == [hrule(712), hrule(665), (20, 300, 60, 301)]  # the 10-point stroke is none
    assert vertical == [(MIDDLE - 0.4, 666, MIDDLE + 0.4, 711)]  # drawn in two pieces, one rule


def test_a_table_is_its_bands_between_rules_of_the_same_width() -> None:
    horizontal, _ = rules([hrule(760), hrule(740), hrule(700), hrule(650, 300, 500), hrule(640)])
    assert bands(horizontal) == [(LEFT, 740.5, RIGHT, 759.5), (LEFT, 700.5, RIGHT, 739.5), (LEFT, 640.5, RIGHT, 699.5)]
    assert len(tables(horizontal)) == 1  # one run of bands, each starting where the one above ends


def test_a_row_of_wrapped_cells_is_one_row_of_whole_cells() -> None:
    horizontal, vertical = rules(ROW_RULES)
    band = bands(horizontal)[0]
    assert column_edges(band, vertical) == [LEFT, MIDDLE, RIGHT]
    cells = join_band([*QUESTION, *PASSAGE], column_edges(band, vertical))
    assert cells is not None
    assert [c.text for c in cells] == [
        "What is the body of water between England and Ireland?",
        "Title: Irish Sea Annual traffic between Great Britain and Ireland amounts to over 12 million passengers. "
        "The Irish Sea is connected to the North Atlantic at both its northern and southern ends.",
    ]
    assert {(c.top, c.bottom) for c in cells} == {(708.0, 700.0)}  # both on the row's first line
    assert [(c.x0, c.x1) for c in cells] == [(76, 162), (176, 344)]


def test_the_next_word_that_would_have_fitted_is_a_new_line_not_a_wrap() -> None:
    assert wraps(QUESTION[0], QUESTION[1], 164)  # "between" would have run past the text edge
    assert not wraps(line(0, 76, 100, "DPR"), line(1, 76, 130, "BM25 + DPR"), 164)
    assert not wraps(
        line(0, 76, 160, "Retrieval Accuracy"), line(1, 80, 162, "Top-1 Top-5", gaps=((6, 100, 112),)), 164
    )
    assert not wraps(line(0, 90, 160, "a centred name"), line(1, 76, 162, "under it"), 164)  # another left edge


def test_rows_of_one_line_each_in_one_band_are_left_as_they_are() -> None:
    names = [line(0, 76, 100, "Alice"), line(1, 76, 96, "Bob"), line(2, 76, 102, "Carol")]
    ages = [line(0, 176, 186, "30"), line(1, 176, 186, "41"), line(2, 176, 186, "25")]
    assert join_band([*names, *ages], [LEFT, MIDDLE, RIGHT]) is None


def test_rows_whose_cells_wrap_in_one_band_stay_rows() -> None:
    """No rule between two rows: each row starts where its first column starts a line that continues nothing."""
    names = [line(0, 76, 100, "Alice"), line(2, 76, 96, "Bob")]
    notes = [
        line(0, 176, 344, "Joined the team in the spring and leads the work on the new"),
        line(1, 176, 230, "pump housing."),
        line(2, 176, 250, "Keeps the logbook."),
    ]
    cells = join_band([*names, *notes], [LEFT, MIDDLE, RIGHT])
    assert cells is not None
    assert [c.text for c in cells] == [
        "Alice",
        "Joined the team in the spring and leads the work on the new pump housing.",
        "Bob",
        "Keeps the logbook.",
    ]
    assert cells[0].top == cells[1].top and cells[2].top == cells[3].top != cells[0].top


def test_a_band_with_two_pieces_side_by_side_in_a_column_is_left_alone() -> None:
    """Columns set apart by gaps under one rule (a group name beside its rows, numbers under "Top-20")."""
    pieces = [*QUESTION, line(0, 176, 200, "78.4"), line(0, 260, 290, "79.4"), *PASSAGE[1:]]
    assert join_band(pieces, [LEFT, MIDDLE, RIGHT]) is None


def test_the_page_keeps_its_other_pieces_and_marks_the_tables_cells() -> None:
    prose = line(-5, 70, 340, "A paragraph above the table, outside its rules.")
    header = [line(-2, 76, 110, "Question"), line(-2, 176, 230, "Passage")]
    boxes = [hrule(735), hrule(712), *ROW_RULES, vrule(MIDDLE, 713, 734)]
    out = join_ruled_cells([prose, *header, *QUESTION, *PASSAGE], boxes)
    assert out[0] == prose and not prose.ruled
    assert sorted(p.text for p in out if p.ruled)[:3] == [
        "Passage",
        "Question",
        "Title: Irish Sea Annual traffic "
        "between Great Britain and Ireland amounts to over 12 million passengers. The Irish Sea is connected to the "
        "North Atlantic at both its northern and southern ends.",
    ]
    assert len(out) == 5 and {p.ruled for p in out[1:]} == {1}  # the header band is the same table's
    assert join_ruled_cells([prose, *QUESTION, *PASSAGE], [hrule(712), hrule(665)]) == [prose, *QUESTION, *PASSAGE]
