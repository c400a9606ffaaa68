"""Numbered things a question names ("Table 5", "Phase 2"): found as written, told as caption or reference, and
kept out of the words that name a table's rows and columns."""

from __future__ import annotations

from qa.search.labels import caption_pattern, cell_naming_weights, numbered_labels, numbered_pattern


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
