"""Numbered things a question names ("Table 5", "Phase 2"): found as written, told as caption or reference, and
kept out of the words that name a table's rows and columns."""

from __future__ import annotations

from qa.search.labels import (
    caption_pattern,
    cell_naming_weights,
    numbered_labels,
    numbered_pattern,
    other_version_tables,
)


def test_the_numbered_things_a_text_names_are_content_words_with_a_number() -> None:
    assert numbered_labels("What is Phase 2 of the transformation called?") == {("phase", "2")}
    assert numbered_labels("In Table 4 and Fig. 7-26, Part IV") == {("table", "4"), ("fig", "7-26"), ("part", "iv")}
    assert numbered_labels("with 127 gold negatives in 2015") == set()  # no label before the number
    assert numbered_labels("after June 2010, the Mayor 5 and Sept. 4") == {("mayor", "5")}  # dates are no labels


def test_a_passage_names_an_asked_numbered_thing_as_written_there_not_a_longer_number() -> None:
    pattern = numbered_pattern({("table", "5"), ("phase", "2")})
    for text in ("see Table 5: the results", "table 5.", "Phase 2 (Micro-Level …)", "TABLE 5 and 6"):
        assert pattern.search(text), text
    for text in ("Table 50", "Table 5.1 shows", "Phase 12", "Subtable 5", "Table 3"):
        assert not pattern.search(text), text


def test_a_caption_opens_a_line_with_the_label_and_a_colon_or_full_stop() -> None:
    pattern = caption_pattern({("table", "5"), ("fig", "7-27")})
    for text in ("Table 5: Retrieval accuracy", "| 43.9 |\n\nTABLE 5. Results", "Fig. 7-27. Self-locking nut"):
        assert pattern.search(text), text
    for text in ("Table 5 shows the accuracy.", "as in Table 5: see", "Table 5.1: Results", "Table 50: x"):
        assert not pattern.search(text), text


def test_a_label_s_number_names_no_cell_of_the_table_it_captions() -> None:
    weights = {"tabl": 2.0, "5": 1.0, "top": 3.0, "1": 1.5, "accuraci": 4.0}
    table = "| | Top-1 | Top-5 |\n| Dist. Sup. | 43.9 | 65.3 |\n\nTable 5: Retrieval accuracy."
    question = "In Table 5, what top-1 accuracy does the distantly supervised model reach?"
    assert cell_naming_weights(question, weights, table) == {"tabl": 2.0, "top": 3.0, "1": 1.5, "accuraci": 4.0}
    # written outside the label too, the number stays; so it does where the text holds no caption of the label
    assert cell_naming_weights("What top-5 accuracy does Table 5 give?", weights, table) == weights
    assert cell_naming_weights(question, weights, "Table 5 shows the accuracy.\n| Top-5 | 65.3 |") == weights
    excel = {"biff": 3.0, "version": 1.0, "excel": 2.0, "5.0": 2.5}
    rows = "| Excel 5.0 | BIFF5 |\n| Excel 97 | BIFF8 |"
    assert cell_naming_weights("Which BIFF version does Excel 5.0 write?", excel, rows) == excel


def test_a_capitalised_name_with_its_number_written_on_is_a_numbered_thing() -> None:
    assert numbered_labels("In BIFF8, what does the HTML5 spec say?") == {("biff", "8"), ("html", "5")}
    assert numbered_labels("Biff8, A4 and mp3") == set()  # two capitals at least, the number written on
    pattern = numbered_pattern({("biff", "8")})
    assert pattern.search("Record BOF, BIFF8:") and pattern.search("in BIFF 8") and not pattern.search("BIFF80")


def test_a_table_introduced_as_another_version_than_the_asked_one_is_barred() -> None:
    text = (
        "The user name.\n\nRecord WRITEACCESS, BIFF5:\n\n| Offset | Size |\n| 0 | 54 |\n\n"
        "Record WRITEACCESS, BIFF8:\n\n| 0 | var. |\n\nRecord FILESHARING, BIFF2-BIFF8:\n\n| 0 | 2 |\n"
        "A note on BIFF5 records\n| 4 | 1 |"
    )

    def tables(question: str) -> list[str]:
        return [text[a:b] for a, b in other_version_tables(text, numbered_labels(question))]

    assert tables("How long is the user name in BIFF8?") == ["| Offset | Size |\n| 0 | 54 |\n"]
    assert tables("How long is the user name in BIFF4?") == ["| Offset | Size |\n| 0 | 54 |\n", "| 0 | var. |\n"]
    assert tables("How long is the user name in BIFF5?") == ["| 0 | var. |\n"]  # a range covers what it spans
    assert tables("How long is the user name?") == []  # no version asked: nothing barred
