"""Table columns from where words line up (qa/ingest/extract/pdfcolumns.py), on hand-made pieces and rows."""

from __future__ import annotations

from qa.ingest.extract.pdfcolumns import align_columns, gutters, meets, segments, split_piece, spread_piece
from qa.ingest.extract.pdflayout import Piece, Row


def piece(x0: float, x1: float, text: str, gaps: tuple = ()) -> Piece:
    return Piece(x0, x1, 0.0, 10.0, 10.0, False, text, gaps=gaps)


def row(*pieces: Piece) -> Row:
    return Row(list(pieces)).finish()


# "79,168 58,880": the first number ends at x 130, the second starts at 142 (a gap of 1.2 font sizes)
NUMBERS = piece(100, 172, "79,168 58,880", gaps=((7, 130.0, 142.0),))


def test_segments_cut_a_piece_at_its_gaps() -> None:
    assert segments(NUMBERS) == [(100, 130.0), (142.0, 172)]
    assert segments(piece(0, 50, "Dataset")) == [(0, 50)]


def test_gutters_are_the_bands_no_word_covers() -> None:
    rows = [row(piece(0, 60, "Natural Questions"), NUMBERS), row(piece(0, 40, "TriviaQA"), piece(100, 128, "78,785"))]
    # words cover 0-60, 100-130 and 142-172: the gutters lie between
    assert gutters(rows) == [(60, 100), (130.0, 142.0)]


def test_a_gap_meets_a_gutter_it_overlaps() -> None:
    assert meets(130.0, 142.0, [(130.0, 142.0)])
    assert meets(133.0, 139.0, [(130.0, 142.0)])  # a narrower gap inside the gutter (a header word above numbers)
    assert not meets(60.0, 99.0, [(100.0, 130.0)])


def test_a_piece_is_split_only_at_gaps_on_a_gutter() -> None:
    left, right = split_piece(NUMBERS, [(131.0, 140.0)])
    assert (left.text, left.x0, left.x1) == ("79,168", 100, 130.0)
    assert (right.text, right.x0, right.x1) == ("58,880", 142.0, 172)
    assert split_piece(NUMBERS, [(60.0, 99.0)]) == [NUMBERS]


def test_header_rows_above_a_table_are_split_and_a_sentence_is_not() -> None:
    header = row(piece(100, 172, "Train Dev", gaps=((6, 125.0, 142.0),)))
    sentence = row(piece(0, 172, "The sizes are below in two columns:", gaps=((10, 125.0, 135.0),)))
    data = [
        row(piece(0, 60, "Natural Questions"), NUMBERS),
        row(piece(0, 40, "TriviaQA"), piece(100, 128, "78,785"), piece(143, 170, "60,413")),
    ]
    rows = [sentence, header, *data]
    split = align_columns(rows, [False, False, True, True])
    assert split == {1, 2}  # the header row and the row whose numbers were one piece
    assert [p.text for p in rows[1].pieces] == ["Train", "Dev"]
    assert [p.text for p in rows[2].pieces] == ["Natural Questions", "79,168", "58,880"]
    assert [p.text for p in rows[0].pieces] == ["The sizes are below in two columns:"]


def test_a_name_over_two_columns_is_spread_over_both_and_keeps_their_gutter_open() -> None:
    """DPR's Table 1: "Train" is set over two columns of counts, its word across the gutter between them. The
    gutter comes from the rows below the first, so it stays open, and the name is given to each column it spans
    (the reader then reads "Train: 79,168; Train: 58,880; Dev: 8,757"); before, both counts made one cell."""
    header = row(piece(0, 40, "Dataset"), piece(120, 150, "Train"), piece(175, 195, "Dev"))
    data = [
        row(piece(0, 60, "Natural Questions"), NUMBERS, piece(180, 200, "8,757")),
        row(
            piece(0, 40, "TriviaQA"),
            piece(100, 172, "78,785 60,413", gaps=((7, 128.0, 143.0),)),
            piece(180, 200, "8,837"),
        ),
        row(
            piece(0, 40, "SQuAD"), piece(100, 172, "78,713 70,096", gaps=((7, 129.0, 142.0),)), piece(180, 200, "8,886")
        ),
    ]
    rows = [header, *data]
    align_columns(rows, [True] * 4)
    assert [p.text for p in rows[0].pieces] == ["Dataset", "Train", "Train", "Dev"]
    assert [p.text for p in rows[1].pieces] == ["Natural Questions", "79,168", "58,880", "8,757"]
    assert [p.text for p in rows[3].pieces] == ["SQuAD", "78,713", "70,096", "8,886"]


def test_only_a_one_word_name_is_spread() -> None:
    """Two words over a gutter may be two names set closer than a column gap ("Top-20 Top-100"): left whole."""
    band = [(130.0, 142.0)]
    left, right = spread_piece(piece(120, 150, "Train"), band)
    assert (left.text, left.x0, left.x1, right.text, right.x0, right.x1) == ("Train", 120, 130.0, "Train", 142.0, 150)
    assert spread_piece(piece(120, 160, "Top-20 Top-100"), band) == [piece(120, 160, "Top-20 Top-100")]
    assert spread_piece(piece(131, 141, "x"), band) == [piece(131, 141, "x")]  # not across the gutter
