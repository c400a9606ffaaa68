"""Passage kinds by shape: tables of contents, reference lists and listings of files, never by the words of one
document."""

from __future__ import annotations

from qa.ingest.kinds import PassageKind, is_citation, is_contents_entry, names_a_file, passage_kind

CONTENTS = """1 Introduction .......... 1
2 Installing the class ........ 3
2.1 Options . . . . . . . 4
Appendix\t17"""
WIKI_NOTES = """- ^ "Duckling". The American Heritage Dictionary. Houghton Mifflin Company. 2006. Retrieved 2015-05-22.
- ^ Livezey 1986, pp. 737-738.
- ^ a b Carboneras 1992, p. 537."""
BIBLIOGRAPHY = """[1] Karpukhin, V., et al. (2020). Dense passage retrieval. In Proceedings of EMNLP.
[2] Robertson, S. (2009). The probabilistic relevance framework. Foundations and Trends 3(4):333-389.
Lee, K., Chang, M. (2019). Latent retrieval for weakly supervised open domain QA. ACL, pp. 6086-6096."""
PROSE = """The company was founded in 1975 (1975) by Aino Vantor, et al. said the paper.
Its first product was a rain gauge, sold in 1976 to farmers in the north.
Revenue grew every year until the crisis of 1990."""


def test_a_table_of_contents_is_recognised_by_its_dot_leaders() -> None:
    assert passage_kind(CONTENTS) == PassageKind.CONTENTS
    assert is_contents_entry("2.1 Options . . . . . . . 4")
    assert not is_contents_entry("The road is 14 km long... and then 3")


def test_citation_notes_and_bibliographies_are_references() -> None:
    assert passage_kind(WIKI_NOTES) == PassageKind.REFERENCES
    assert passage_kind(BIBLIOGRAPHY) == PassageKind.REFERENCES
    assert is_citation("- American Ornithologists' Union (1998). Checklist. ISBN 978-1-891276-00-2.")


def test_body_text_with_a_year_or_a_single_cue_stays_body() -> None:
    assert passage_kind(PROSE) == PassageKind.BODY
    assert passage_kind(WIKI_NOTES.splitlines()[0]) == PassageKind.BODY  # one line is not a list yet
    assert passage_kind("| Founded | 1975 |\n| Revenue (2015) | 93,580 |") == PassageKind.BODY


def test_a_section_named_as_a_reference_part_is_references_whatever_its_lines() -> None:
    assert passage_kind("Official website of the project.", ("History", "External links")) == PassageKind.REFERENCES
    assert passage_kind("A plain line.", ("Table of Contents",)) == PassageKind.CONTENTS
    assert passage_kind("A plain line.", ("References to other work",)) == PassageKind.BODY


FOLDER_README = """| file | bytes | note |
|---|---|---|
| pdf/annual_report_2024.pdf | 383508 | The annual report: revenue, staff and the new plant |
| csv/airline_safety.csv | 2265 | 56 airlines, incidents and fatalities 1985-99 |
| [notes.md](notes.md) | 912 | Meeting notes |"""


def test_a_folder_listing_is_rows_or_items_each_about_a_file() -> None:
    assert passage_kind(FOLDER_README) == PassageKind.LISTING
    assert passage_kind("- guide.pdf: how to install\n- Changes.docx – what changed in 2.0") == PassageKind.LISTING
    # one row cut from a listing whose header row is the passage's lead
    row = "| eml/regression_report.eml | 19272 | The bisected commit: mm: Use folio_next_pos() |"
    assert passage_kind(row, (), "Paths are relative.\n| file | bytes | note |") == PassageKind.LISTING
    assert passage_kind(row) == PassageKind.BODY  # without the table around it, one row is not yet a listing
    assert names_a_file("| pdf/annual_report_2024.pdf | 383508 |") and names_a_file("|  | a.xlsx |")


def test_a_file_named_inside_text_or_a_cell_does_not_make_a_listing() -> None:
    spec = """|  | Examples (own document is saved as “C:\\path\\own.xls”): |  |
|  | EXTERNSHEET 5 | Name = “<01H>another_example.xls” |
|  | EXTERNALBOOK 0 | Document = “example.xls” |"""
    assert passage_kind(spec) == PassageKind.BODY
    assert not names_a_file("| 3 | a.pdf |") and not names_a_file("- Use the manual.pdf first")
    prose = "The report is in annual_report.pdf.\nThe figures are in airline_safety.csv, sheet two."
    assert passage_kind(prose) == PassageKind.BODY
    mixed = "We kept three files.\nThe first two hold the raw data, the third the figures.\nAll are public.\n- a.csv"
    assert passage_kind(mixed) == PassageKind.BODY  # one item among prose lines
