"""A question after a column's largest or smallest value finds the row that holds it, read from the whole table."""

from __future__ import annotations

import random

import pytest

from qa.ingest.tabletext import cell_texts, cells
from qa.ingest.tokens import terms
from qa.search.extremes import (
    TABLE_READ,
    Extreme,
    ExtremePassage,
    asked_column,
    asked_extreme,
    cell_number,
    extreme_answer,
    extreme_row,
    table_rows,
    table_start,
)
from qa.search.highlight import AnswerSentence, Span
from qa.search.retrieve import SearchSettings


def test_a_superlative_word_asks_for_the_most_or_the_least() -> None:
    assert asked_extreme("Which quake was recorded by the most stations?") == Extreme.MOST
    assert asked_extreme("highest depth quake") == Extreme.MOST
    assert asked_extreme("Which airline had the fewest fatal accidents?") == Extreme.LEAST
    assert asked_extreme("Which city is the driest?") is None  # no superlative of size or count
    assert asked_extreme("Which of the largest cities gets the least rain?") is None  # both: no one column
    assert asked_extreme("Which quakes had at least 100 stations?") is None  # a bound, no superlative
    assert asked_extreme("Which quake had at most 10 stations, and the largest depth?") == Extreme.MOST


def test_a_cell_is_a_number_only_when_it_is_one_number() -> None:
    assert cell_number("1,234") == 1234.0
    assert cell_number("-3.5") == -3.5
    assert cell_number("−12") == -12.0
    assert cell_number("12%") == 12.0
    assert cell_number(" 132 ") == 132.0
    assert cell_number("1,5") is None  # no thousands grouping: not read as 15
    assert cell_number("12 m") is None
    assert cell_number("4.2.1") is None
    assert cell_number("") is None


QUAKES = [
    "| lat | long | depth | mag | stations |",
    "|---|---|---|---|---|",
    "| -20.42 | 181.62 | 562 | 4.8 | 41 |",
    "| -12.23 | 167.02 | 242 | 6 | 132 |",
    "| -26 | 184.1 | 42 | 5.4 | 43 |",
    "| -17.97 | 181.66 | 626 | 4.1 | 19 |",
]


def row_and_value(lines: list[str], asked: list[str], extreme: Extreme) -> tuple[int, str] | None:
    found = extreme_row(lines, asked, extreme)
    return (found.row, found.value) if found is not None else None


def test_the_row_holding_the_extreme_value_of_the_column_the_question_names() -> None:
    asked = terms("quake most stations")
    assert row_and_value(QUAKES, asked, Extreme.MOST) == (3, "132")
    assert row_and_value(QUAKES, asked, Extreme.LEAST) == (5, "19")
    assert row_and_value(QUAKES, terms("the deepest quake's depth"), Extreme.MOST) == (5, "626")
    assert row_and_value(QUAKES, terms("smallest mag"), Extreme.LEAST) == (5, "4.1")


def test_no_row_without_one_numeric_column_named_or_with_a_tie() -> None:
    assert extreme_row(QUAKES, terms("the largest quake"), Extreme.MOST) is None  # no column named
    assert extreme_row(QUAKES, terms("most depth and stations"), Extreme.MOST) is None  # two named
    tied = [*QUAKES, "| -11 | 166 | 80 | 4 | 132 |"]
    assert extreme_row(tied, terms("most stations"), Extreme.MOST) is None
    no_header = QUAKES[2:]  # a row of numbers names no column
    assert extreme_row(no_header, terms("most stations"), Extreme.MOST) is None
    words = ["| name | city |", "| Ann | Graz |", "| Bob | Linz |", "| Cid | Wels |"]
    assert extreme_row(words, terms("largest city"), Extreme.MOST) is None  # a column of words has no largest value


def test_a_row_is_split_into_the_cells_tabletext_reads() -> None:
    for row in [*QUAKES, "| a |  | c |\t", "|x|y|", "| 1 | two words | 3 |  "]:
        assert cell_texts(row) == [row[a:b] for a, b in cells(row) or []]


def test_a_column_of_numbers_is_named_only_when_most_of_its_cells_are_numbers() -> None:
    names = ["year", "note"]
    rows = [
        cell_texts(row)
        for row in ["| 2001 | 5 |", "| 2002 | n/a |", "| 2003 | n/a |", "| 2004 | n/a |", "| 2005 | 7 |"]
    ]
    assert asked_column(names, rows, terms("year note")) == 0  # "note" holds two numbers of five
    assert asked_column(names, rows, terms("note")) is None


def test_the_extreme_row_answers_bold_in_a_column_the_question_names_else_the_value() -> None:
    text = "Quakes\n| depth | mag | stations |\n| 242 | 6 | 132 |\n| 40 | 4 | 11 |\n"
    origin = 1000  # the text starts here in its document
    row = text.index("| 242")
    cells = [
        (origin + text.index(cell, row), origin + text.index(cell, row) + len(cell)) for cell in ("242", "6", "132")
    ]
    found = ExtremePassage(
        7,
        0,
        "132",
        (origin + row, origin + row + len("| 242 | 6 | 132 |")),
        tuple(cells),
        2,
        ("depth", "mag", "stations"),
    )

    def read(cell: str, line: str) -> AnswerSentence:
        start = text.index(line)
        at = text.index(cell, start)
        return AnswerSentence(start, start + len(line), line, 2.5, Span(at, at + len(cell), cell))

    on_depth = read("242", "| 242 | 6 | 132 |")
    moved = extreme_answer(on_depth, text, origin, found, terms("quake most stations"))
    assert moved is not None and moved.text == "| 242 | 6 | 132 |" and moved.span == Span(row + 12, row + 15, "132")
    assert moved.score == 2.5
    kept = extreme_answer(on_depth, text, origin, found, terms("depth of the quake with the most stations"))
    assert kept == on_depth  # the question names the column the reader marked
    other_row = read("40", "| 40 | 4 | 11 |")
    assert extreme_answer(other_row, text, origin, found, terms("the most stations")).span.text == "132"
    assert extreme_answer(None, text, origin, found, terms("the most stations")).text == "| 242 | 6 | 132 |"
    assert extreme_answer(on_depth, text, origin + 500, found, terms("most stations")) == on_depth  # not in the text


def long_sheet(rows: int, peak: int, low: int) -> str:
    """A table of gauges, its largest rainfall (9,876) at row `peak` and its least (3) at row `low`; the other
    values repeat (100 to 599), so only those two are the one extreme."""
    lines = ["# Gauges", "", "| gauge | district | rainfall |", "|---|---|---|"]
    lines += [f"| G{i:04d} | D{i % 17} | {100 + (i * 37) % 500} |" for i in range(rows)]
    lines[4 + peak] = f"| G{peak:04d} | D{peak % 17} | 9,876 |"
    lines[4 + low] = f"| G{low:04d} | D{low % 17} | 3 |"
    return "\n".join(lines) + "\n\nThe gauges are read daily.\n"


def test_a_passage_deep_in_a_long_table_reads_the_whole_table_from_its_header(hash_engine) -> None:  # type: ignore[no-untyped-def]
    text = long_sheet(4000, peak=2718, low=40)
    assert len(text) > TABLE_READ  # the table is read in more than one slice
    store = hash_engine({"sheet.md": text}).index.chunks
    deep = next(chunk for chunk in store if "| G1500 |" in chunk.text)
    start, rows = table_rows(store, "sheet.md", *table_start(store, deep))
    assert rows[0] == "| gauge | district | rainfall |"
    assert text[start:].startswith(rows[0])
    assert len(rows) == 4002 and rows[-1].startswith("| G3999 |")
    assert row_and_value(rows, terms("Which gauge had the most rainfall?"), Extreme.MOST) == (2 + 2718, "9,876")
    assert row_and_value(rows, terms("least rainfall"), Extreme.LEAST) == (2 + 40, "3")


@pytest.fixture(scope="module")
def gauges_engine(tmp_path_factory, real_encoder, real_reader):  # type: ignore[no-untyped-def]
    """A real index of a sheet of 600 gauges, built with the real model, read by the real reader."""
    from qa.engine import Engine, build_from_folder

    folder = tmp_path_factory.mktemp("gauges")
    (folder / "corpus").mkdir()
    (folder / "corpus" / "gauges.md").write_text(long_sheet(600, peak=517, low=233), encoding="utf-8")
    build_from_folder(folder / "corpus", folder / "index", encoder=real_encoder)
    return Engine.open(folder / "index", encoder=real_encoder, reader=real_reader)


def test_the_passage_holding_the_extreme_row_comes_first(gauges_engine) -> None:  # type: ignore[no-untyped-def]
    most = gauges_engine.ask("Which gauge had the most rainfall?", k=5, reader=False).results[0]
    assert "| G0517 | D7 | 9,876 |" in most.passage
    least = gauges_engine.ask("gauge with the lowest rainfall", k=5, reader=False).results[0]
    assert "| G0233 | D12 | 3 |" in least.passage


@pytest.mark.parametrize(
    ("question", "bold"),
    [
        ("Which gauge had the most rainfall?", "G0517"),
        ("Which district had the highest rainfall?", "D7"),
        ("What was the highest rainfall?", "9,876"),
        ("highest rainfall", "9,876"),
        ("gauge with the lowest rainfall", "G0233"),
    ],
)
def test_the_extreme_row_is_the_answer_and_the_column_asked_for_its_bold_words(gauges_engine, question, bold) -> None:  # type: ignore[no-untyped-def]
    answer = gauges_engine.ask(question, k=5).results[0].answer
    assert answer is not None and answer.span is not None
    assert answer.text.startswith(f"| G0{'517' if bold != 'G0233' else '233'} |")
    assert answer.span.text == bold


def test_without_the_lift_the_row_is_not_found(gauges_engine) -> None:  # type: ignore[no-untyped-def]
    off = gauges_engine.ask(
        "Which gauge had the most rainfall?", k=5, reader=False, settings=SearchSettings(extreme_weight=0)
    )
    assert all("9,876" not in result.passage for result in off.results)
    other = gauges_engine.ask("Which district is gauge G0517 in?", k=5, reader=False).results[0]  # no superlative
    assert "| G0517 |" in other.passage


def quakes_sheet() -> str:
    """300 seeded rows of quake readings with eight rows of R's `quakes` data set among them, one of which (132
    stations) was recorded by the most stations."""
    rng = random.Random(7)
    lines = ["# quakes", "", "| lat | long | depth | mag | stations |", "|---|---|---|---|---|"]
    lines += [
        f"| -{rng.randint(10, 38)}.{rng.randint(10, 99)} | {rng.randint(165, 188)}.{rng.randint(10, 99)} | "
        f"{rng.randint(40, 680)} | {rng.randint(40, 64) / 10} | {rng.randint(10, 120)} |"
        for _ in range(300)
    ]
    lines[204:204] = [
        "| -17.08 | 185.96 | 180 | 4.2 | 29 |",
        "| -21.14 | 174.21 | 40 | 5.7 | 78 |",
        "| -12.23 | 167.02 | 242 | 6 | 132 |",
        "| -20.91 | 181.57 | 530 | 4.2 | 20 |",
        "| -11.38 | 167.05 | 133 | 4.5 | 32 |",
        "| -11.02 | 167.01 | 62 | 4.9 | 36 |",
        "| -22.09 | 180.58 | 580 | 4.4 | 22 |",
        "| -17.8 | 181.2 | 530 | 4 | 15 |",
    ]
    return "\n".join(lines) + "\n"


def test_the_value_is_bold_when_the_reader_marks_a_column_the_question_does_not_name(
    tmp_path, real_encoder, real_reader
) -> None:  # type: ignore[no-untyped-def]
    from qa.engine import Engine, build_from_folder

    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "quakes.md").write_text(quakes_sheet(), encoding="utf-8")
    build_from_folder(tmp_path / "corpus", tmp_path / "index", encoder=real_encoder)
    engine = Engine.open(tmp_path / "index", encoder=real_encoder, reader=real_reader)
    answer = engine.ask("quake most stations", k=3).results[0].answer
    assert answer is not None and answer.text == "| -12.23 | 167.02 | 242 | 6 | 132 |"
    assert answer.span is not None and answer.span.text == "132"  # the reader alone marks the magnitude, 6
