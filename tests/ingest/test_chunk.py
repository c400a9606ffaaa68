"""Chunking on small texts written here: offsets, whole sentences, headings, overlap, odd characters."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from qa.ingest.chunk import ChunkSettings, chunk_document
from qa.ingest.load import Document, derive_title
from qa.ingest.sentences import segment, sentence_spans

ROOT = Path(__file__).resolve().parents[2]

WIKI = """= Sample Force =

Infobox
- Name: Sample Force
- Formed: 1991

The Sample Force is a unit. It was formed in 1991 by decree. Its motto is “Serve well”.

==History==
In 1992 the force grew. Gen. J. Smith led it from 1993 to 2001.   It had  three  regiments.

== Structure ==

=== Hospital ===
The hospital has 12 departments: On 15 December 2005, the hospital moved. Patients’ families are treated too.

| No. | Name | Term start |
| 1 | Lieutenant General A. Aliyev | 2003 |
"""


def doc(text: str, doc_id: str = "sample.txt") -> Document:
    return Document(doc_id, text, derive_title(doc_id, text), "0")


def test_offsets_round_trip_and_sentences_are_whole() -> None:
    d = doc(WIKI)
    chunks = chunk_document(d, ChunkSettings(target_words=12, overlap_sentences=0))
    assert chunks
    for c in chunks:
        assert WIKI[c.start : c.end] == c.text
        for a, b in c.sentences:
            assert c.start <= a < b <= c.end
    # Punkt keeps "Gen. J. Smith" inside one sentence; no sentence is cut across chunks
    sentences = {WIKI[a:b] for c in chunks for a, b in c.sentences}
    assert "Gen. J. Smith led it from 1993 to 2001." in sentences
    assert "It was formed in 1991 by decree." in sentences


def test_headings_are_carried_and_never_crossed() -> None:
    d = doc(WIKI)
    assert d.title == "Sample Force"
    chunks = chunk_document(d, ChunkSettings(target_words=200))
    by_heading = {c.heading: c.text for c in chunks}
    assert "In 1992 the force grew." in by_heading["History"]
    assert by_heading["Hospital"].startswith("The hospital has 12 departments")
    hospital = next(c for c in chunks if c.heading == "Hospital")
    assert hospital.headings == ("Structure", "Hospital")
    assert "== Structure ==" not in "".join(c.text for c in chunks)  # heading lines are metadata, not passage text
    assert "Sample Force" in hospital.context_text() and "Hospital" in hospital.context_text()


def test_overlap_repeats_the_configured_number_of_sentences() -> None:
    text = " ".join(f"Sentence number {i} has exactly six words." for i in range(1, 11))
    d = doc(text)
    no_overlap = chunk_document(d, ChunkSettings(target_words=21, overlap_sentences=0))
    overlap = chunk_document(d, ChunkSettings(target_words=21, overlap_sentences=1))
    assert [len(c.sentences) for c in no_overlap] == [3, 3, 3, 1]
    # with one sentence of overlap each chunk starts with the previous chunk's last sentence
    for previous, following in zip(overlap, overlap[1:]):
        assert following.sentences[0] == previous.sentences[-1]
    covered = {s for c in overlap for s in c.sentences}
    assert len(covered) == 10


def test_bullets_and_table_rows_are_units() -> None:
    units = segment(WIKI, title="Sample Force")
    texts = [WIKI[u.start : u.end] for u in units]
    assert "- Formed: 1991" in texts
    assert "| 1 | Lieutenant General A. Aliyev | 2003 |" in texts


def test_odd_whitespace_and_curly_quotes_survive() -> None:
    text = "Title line\n\nThe  Troops\u00a0were  formed in 1991.\tThey’re “proud”.\r\nThey serve\u2009well.\n"
    d = doc(text)
    chunks = chunk_document(d)
    assert len(chunks) == 1
    c = chunks[0]
    assert text[c.start : c.end] == c.text
    assert "\u00a0" in c.text and "’" in c.text and "“proud”" in c.text and "\u2009" in c.text
    assert c.heading == "Title line"


def test_text_without_punctuation_and_long_lines_is_split_to_size() -> None:
    text = " ".join(f"word{i}" for i in range(1000))
    chunks = chunk_document(doc(text), ChunkSettings(target_words=100, max_unit_words=100))
    assert all(c.words <= 100 for c in chunks)
    assert sum(c.words for c in chunks) == 1000
    assert all(text[c.start : c.end] == c.text for c in chunks)


def test_real_corpus_passages_average_under_130_words() -> None:
    from pathlib import Path

    from qa.ingest.chunk import chunk_corpus
    from qa.ingest.load import load_corpus

    chunks = chunk_corpus(load_corpus(Path(__file__).resolve().parents[2] / "corpus").documents)
    mean = sum(c.words for c in chunks) / len(chunks)
    assert 40 <= mean <= 130


def test_a_short_section_tail_joins_the_passage_before_it() -> None:
    from qa.ingest.chunk import ChunkSettings, chunk_document
    from qa.ingest.load import Document

    body = " ".join(f"Sentence number {i} tells one more fact about the garrison." for i in range(12))
    text = f"= Garrison =\n\n{body}\nIMG_8788+ 2\n"
    chunks = chunk_document(
        Document("g.txt", text, "Garrison", "0"), ChunkSettings(target_words=40, overlap_sentences=0)
    )
    assert all(c.words >= 10 for c in chunks)  # no passage of the stray caption alone
    assert chunks[-1].text.endswith("IMG_8788+ 2")
    assert text.count("IMG_8788") == sum(c.text.count("IMG_8788") for c in chunks)
    unmerged = chunk_document(
        Document("g.txt", text, "Garrison", "0"),
        ChunkSettings(target_words=40, overlap_sentences=0, tail_fill=0.0, min_words=0),
    )
    assert unmerged[-1].text == "IMG_8788+ 2"


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        (  # abbreviations of papers and manuals
            "If you need a tilde – e.g. for a home directory – use \\homedir. Karpukhin et al. (2020) train it, "
            "i.e. they fine-tune BERT (see Fig. 3 and Eq. 2, pp. 4-5). I said no. Then he left.",
            [
                "If you need a tilde – e.g. for a home directory – use \\homedir.",
                "Karpukhin et al. (2020) train it, i.e. they fine-tune BERT (see Fig. 3 and Eq. 2, pp. 4-5).",
                "I said no.",
                "Then he left.",
            ],
        ),
        (  # "No." before a number names it ("from No. 8 up to 3/8 inch"); "no." ending a sentence still ends it
            "The wing type ranges in size from No. 6 up to 1/4 inch and the bellows type from No. 8 up to 3/8 inch. "
            "Items (Nos. 3 and 4) ship later. He said no. 5 more came.\nThe list goes on to No.\n9 is the last.",
            [
                "The wing type ranges in size from No. 6 up to 1/4 inch and the bellows type from No. 8 up to 3/8 inch.",
                "Items (Nos. 3 and 4) ship later.",
                "He said no.",
                "5 more came.",
                "The list goes on to No.",  # a number on the next line: another line, another sentence
                "9 is the last.",
            ],
        ),
        (  # a unit written onto a small number before another number is one amount; a decade ends its sentence
            "They sent goods to the value of £25 1s. 8½d. It was absurd. It weighed 3lb. 4oz. That was all. "
            "It was built in the 1990s. 25 people worked there. He paid 1s.\n8 more came.",
            [
                "They sent goods to the value of £25 1s. 8½d.",
                "It was absurd.",
                "It weighed 3lb. 4oz.",
                "That was all.",
                "It was built in the 1990s.",
                "25 people worked there.",
                "He paid 1s.",  # a number on the next line: another sentence
                "8 more came.",
            ],
        ),
        (  # a caption's bare label is the start of its caption, on its line; a sentence naming a figure is not one
            "Figure 7-26. Self-locking nuts. Table 3. Accuracy on NQ. See Figure 2. It shows the model. "
            "Fig. IV. The map.\nTable 4.\nThe totals.",
            [
                "Figure 7-26. Self-locking nuts.",
                "Table 3. Accuracy on NQ.",
                "See Figure 2.",
                "It shows the model.",
                "Fig. IV. The map.",
                "Table 4.",  # its caption on the next line: another line, another sentence
                "The totals.",
            ],
        ),
    ],
)
def test_abbreviations_do_not_end_a_sentence(text: str, sentences: list[str]) -> None:
    assert [text[a:b] for a, b in sentence_spans(text)] == sentences


def test_a_hard_wrapped_line_left_short_by_a_long_next_word_does_not_end_a_sentence() -> None:
    mail = (
        "Hi Ted,\n"
        "\n"
        "While testing the ext4 large blocksize patches I merged in\n"
        "linux-next/fs-next to pick up the mm changes needed to prevent the\n"
        "warnings when allocating larger blocks, I found some unrelated\n"
        "regressions with three tests, including generic/127.\n"
        "\n"
        "Best regards\n"
        "Ted\n"
    )
    units = [mail[u.start : u.end] for u in segment(mail, loose_headings=False)]
    assert units[0] == "Hi Ted,"
    assert units[1].startswith("While testing the ext4 large blocksize patches I merged in\nlinux-next/fs-next")
    assert units[1].endswith("including generic/127.")
    assert units[2:] == ["Best regards", "Ted"]  # short lines of a narrow block stay lines


def test_sentence_splitting_loads_punkt_without_the_rest_of_nltk_and_leaves_nltk_importable():
    code = (
        "import sys, json; from qa.ingest.sentences import sentence_spans; "
        "spans = sentence_spans('Dr. Smith came at 3 p.m. on Monday. He left.'); heavy = 'scipy' in sys.modules; "
        "import nltk; print(json.dumps([spans, heavy, callable(nltk.download), nltk.FreqDist('aab')['a']]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert out.returncode == 0, out.stderr[-2000:]
    spans, heavy, has_download, nltk_counted = json.loads(out.stdout.strip().splitlines()[-1])
    assert spans == [[0, 35], [36, 44]] and heavy is False
    assert has_download is True and nltk_counted == 2  # the whole real package, not the stand-in


def _table_document(rows: int) -> str:
    header = "| Year | Revenue | Operating income | Employees |"
    body = "\n".join(f"| {2000 + i} | {90000 + i * 17:,} | {1200 + i} | {300 + i} |" for i in range(rows))
    return f"# Results\n\nThe company reports its figures every year.\n\n{header}\n{body}\n"


def test_every_passage_cut_from_a_table_carries_its_header_row() -> None:
    from qa.ingest.chunk import ChunkSettings, chunk_document
    from qa.ingest.load import Document

    text = _table_document(40)
    chunks = chunk_document(Document("t.md", text, "Figures", "0", (), "md"), ChunkSettings(small_table_words=0))
    table = [c for c in chunks if "|" in c.text]
    assert len(table) >= 3
    assert "| Year |" in table[0].text and "The company reports" in table[0].text and table[0].lead == ""
    for chunk in table[1:]:  # the caption (here the line introducing the table) and the header row
        assert (
            chunk.lead
            == "The company reports its figures every year.\n| Year | Revenue | Operating income | Employees |"
        )
        assert "| Year | Revenue |" in chunk.context_text() and text[chunk.start : chunk.end] == chunk.text
    assert any("| 2015 |" in c.text for c in table[1:])


def test_a_table_row_is_embedded_with_its_cells_named_by_the_header_in_the_lead_or_above_it() -> None:
    from qa.ingest.chunk import sentence_embed_text

    text = _table_document(40)
    chunks = chunk_document(Document("t.md", text, "Figures", "0", (), "md"), ChunkSettings(small_table_words=0))
    later = next(c for c in chunks if c.lead and "| 2015 |" in c.text)  # its header is in the lead only
    row = next(s for s in later.sentences if text.startswith("| 2015 |", s[0]))
    embedded = sentence_embed_text(later, row)
    assert embedded.endswith("— Year: 2015; Revenue: 90,255; Operating income: 1215; Employees: 315.")
    first = chunks[0]
    header = next(s for s in first.sentences if text.startswith("| Year |", s[0]))
    assert sentence_embed_text(first, header).endswith("| Year | Revenue | Operating income | Employees |")


def test_a_small_table_stays_whole_in_one_passage() -> None:
    from qa.ingest.chunk import ChunkSettings, chunk_document
    from qa.ingest.load import Document

    text = _table_document(12)  # about 110 words of rows: over the 60-word target, under the small-table size
    doc = Document("t.md", text, "Figures", "0", (), "md")
    whole = [c for c in chunk_document(doc, ChunkSettings(target_words=60)) if "| 2005 |" in c.text]
    assert len(whole) == 1 and "| Year |" in whole[0].text and "| 2011 |" in whole[0].text
    split = chunk_document(doc, ChunkSettings(target_words=60, small_table_words=0))
    assert sum("| Year |" in c.text for c in split) == 1 and len([c for c in split if "|" in c.text]) >= 2


def test_a_passage_of_a_word_or_two_is_dropped_but_a_tiny_document_is_kept() -> None:
    from qa.ingest.chunk import chunk_document
    from qa.ingest.kinds import PassageKind
    from qa.ingest.load import Document

    body = " ".join(f"Sentence {i} of the article says one thing about the river." for i in range(6))
    text = f"# River\n\n{body}\n\n## Back cover\n\n®\n\n## Figure\n\nR2\n"
    chunks = chunk_document(Document("r.md", text, "River", "0", (), "md"))
    assert [c.heading for c in chunks] == [""] and all(c.kind == PassageKind.BODY for c in chunks)
    assert [c.text for c in chunk_document(Document("x.md", "Hello world", "x", "0", (), "md"))] == ["Hello world"]


def test_a_reference_section_is_marked_as_its_own_kind() -> None:
    from qa.ingest.chunk import chunk_document
    from qa.ingest.kinds import PassageKind
    from qa.ingest.load import Document

    text = (
        "# Ducks\n\nDucks are waterbirds. They are found in fresh water and sea water.\n\n## References\n\n"
        "- ^ Livezey 1986, pp. 737-738.\n- ^ Madsen 1988, p. 452.\n"
    )
    kinds = {c.heading: c.kind for c in chunk_document(Document("d.md", text, "Ducks", "0", (), "md"))}
    assert kinds == {"": PassageKind.BODY, "References": PassageKind.REFERENCES}


def test_a_large_table_is_cut_by_the_target_to_its_last_row() -> None:
    """A table over the small-table size is measured once, whole: its last rows are not glued into one oversized
    passage because what is left of it would count as small."""
    from qa.ingest.chunk import ChunkSettings, chunk_document
    from qa.ingest.load import Document

    settings = ChunkSettings(target_words=60, small_table_words=150)
    chunks = chunk_document(Document("t.md", _table_document(60), "Figures", "0", (), "md"), settings)
    table = [c for c in chunks if c.text.startswith("|")]
    assert len(table) >= 5
    assert all(c.words <= settings.target_words + settings.tail_fill * settings.target_words for c in table)


def test_a_long_paragraph_before_a_table_is_no_caption() -> None:
    from qa.ingest.chunk import CAPTION_WORDS, ChunkSettings, chunk_document
    from qa.ingest.load import Document

    long_intro = " ".join(["The figures below were audited twice by two firms."] * 4)  # 36 words
    assert len(long_intro.split()) > CAPTION_WORDS
    text = _table_document(40).replace("The company reports its figures every year.", long_intro)
    chunks = chunk_document(Document("t.md", text, "Figures", "0", (), "md"), ChunkSettings(small_table_words=0))
    inside = [c for c in chunks if c.text.startswith("| 20")]
    assert inside and all(c.lead == "| Year | Revenue | Operating income | Employees |" for c in inside)


def test_the_sentence_leading_into_a_table_after_a_long_paragraph_leads_the_passages_cut_from_it() -> None:
    """Of a paragraph too long to be a caption, the closing sentence that introduces the table ("… the following
    figures:") still names what its rows are."""
    from qa.ingest.chunk import ChunkSettings, chunk_document
    from qa.ingest.load import Document

    intro = "Only the following figures were audited by both firms:"
    long_intro = " ".join(["The figures below were audited twice by two firms."] * 4) + " " + intro
    text = _table_document(40).replace("The company reports its figures every year.", long_intro)
    chunks = chunk_document(Document("t.md", text, "Figures", "0", (), "md"), ChunkSettings(small_table_words=0))
    inside = [c for c in chunks if c.text.startswith("| 20")]
    assert inside and all(c.lead == f"{intro}\n| Year | Revenue | Operating income | Employees |" for c in inside)


def test_a_numbered_caption_below_a_table_is_its_caption() -> None:
    """Papers set "Table 1: …" below the table: it leads every passage cut from the table, not the short
    paragraph that happens to stand above it (a footnote, the end of a column)."""
    from qa.ingest.chunk import ChunkSettings, chunk_document
    from qa.ingest.load import Document

    caption = "Table 3: Revenue and staff of the company per year, audited in the following spring."
    text = _table_document(40) + f"\n{caption}\n\nThe next section discusses the outlook for the coming years.\n"
    chunks = chunk_document(Document("t.md", text, "Figures", "0", (), "md"), ChunkSettings(small_table_words=0))
    inside = [c for c in chunks if c.text.startswith("| 20")]
    assert inside and all(c.lead == f"{caption}\n| Year | Revenue | Operating income | Employees |" for c in inside)
    unlabelled = text.replace("Table 3: ", "")  # an ordinary paragraph below: the one above stays the caption
    chunks = chunk_document(Document("t.md", unlabelled, "Figures", "0", (), "md"), ChunkSettings(small_table_words=0))
    assert all(c.lead.startswith("The company reports") for c in chunks if c.text.startswith("| 20"))


def test_a_small_table_and_its_numbered_caption_are_one_passage() -> None:
    """A table whole inside a passage, its caption below: the caption is packed with the table, not left to open
    the next passage on its own (where "Table 2" and the caption's words would match, and none of the cells)."""
    from qa.ingest.chunk import chunk_document
    from qa.ingest.load import Document

    intro = "The plant reported its output to the regional board each quarter, and the board published it. " * 3
    rows = "| Year | Output |\n| 2019 | 410 |\n| 2020 | 395 |\n| 2021 | 430 |"
    caption = "Table 2: Output of the plant in tonnes per year, as reported to the board."
    after = "The next section turns to the staff of the plant and to the training they received. " * 4
    text = f"# Plant\n\n{intro.strip()}\n\n{rows}\n\n{caption}\n\n{after.strip()}\n"
    chunks = chunk_document(Document("p.md", text, "Plant", "0", (), "md"))
    holding = [c for c in chunks if caption in c.text]
    assert len(holding) == 1 and "| 2021 | 430 |" in holding[0].text and holding[0].lead == ""
    assert not any(c.text.startswith(caption) for c in chunks)
    above = f"# Plant\n\n{intro.strip()}\n\n{caption}\n\n{rows}\n\n{after.strip()}\n"  # a caption set above
    chunks = chunk_document(Document("p.md", above, "Plant", "0", (), "md"))
    assert [f"{caption}\n\n| Year | Output |" in c.text for c in chunks if caption in c.text] == [True]


def test_a_table_between_two_numbered_captions_takes_the_one_on_the_documents_side() -> None:
    """A paper setting captions below its tables: the second table has "Table 1: …" just above it (the first
    table's caption) and "Table 2: …" below; its passages are led by its own."""
    from qa.ingest.chunk import ChunkSettings, chunk_document
    from qa.ingest.load import Document

    first = "| Model | Score |\n" + "\n".join(f"| M{i} | {50 + i} |" for i in range(30))
    second = "| Loss | Accuracy |\n" + "\n".join(f"| L{i} | {60 + i} |" for i in range(60))
    one, two = "Table 1: Scores of the thirty models.", "Table 2: Accuracy under thirty losses."
    text = f"# Results\n\nThe results follow.\n\n{first}\n\n{one}\n\n{second}\n\n{two}\n\nThat is all.\n"
    chunks = chunk_document(Document("r.md", text, "Results", "0", (), "md"), ChunkSettings(small_table_words=0))
    inside_second = [c for c in chunks if c.text.startswith("| L") and two not in c.text]
    assert inside_second and all(c.lead == f"{two}\n| Loss | Accuracy |" for c in inside_second)
    inside_first = [c for c in chunks if c.text.startswith("| M") and one not in c.text]
    assert inside_first and all(c.lead == f"{one}\n| Model | Score |" for c in inside_first)


def test_a_passage_cut_from_a_list_carries_the_line_introducing_it() -> None:
    """A list whose items do not fit one passage with the sentence introducing it: the passages that start inside
    the list are matched with that sentence in front ("- Phase 2 (…)" with "… involves two phases:")."""
    from qa.ingest.chunk import chunk_document
    from qa.ingest.load import Document

    intro = "The transformation of the draft involves two phases:"
    one = "- Phase 1 (Structural Realignment) fixes the main layout. " + "It reorders the clauses as required. " * 5
    two = "- Phase 2 (Editorial Optimization) cleans up the details. " + "It fixes the spacing of numbers. " * 5
    text = (
        f"# Changes\n\nThe document lists the edits needed.\n\n{intro}\n\n{one.strip()}\n\n{two.strip()}\n\nThe end.\n"
    )
    chunks = chunk_document(Document("c.md", text, "Changes", "0", (), "md"))
    phase_two = [c for c in chunks if c.text.startswith("- Phase 2")]
    assert phase_two and phase_two[0].lead == intro and intro in phase_two[0].context_text()
    assert all(c.lead == "" for c in chunks if intro in c.text)
    plain = text.replace(intro, "The transformation of the draft involves two phases.")  # no colon: no list intro
    assert all(c.lead == "" for c in chunk_document(Document("c.md", plain, "Changes", "0", (), "md")))


def test_a_short_line_leading_into_a_table_is_no_passage_of_its_own() -> None:
    """A record's lead line ("Record COLINFO, BIFF3-BIFF8:") before a table that fits no passage with it beside the
    passage before: the line opens the table's passage instead of standing alone (matching the record's name,
    holding none of its facts)."""
    from qa.ingest.chunk import chunk_document
    from qa.ingest.load import Document

    before = "This record sets the width of a range of columns and their default cell format in the sheet. " * 4
    rows = "\n".join(
        f"| {2 * i} | 2 | Field {i} of the record, stored as an unsigned integer in the file |" for i in range(6)
    )
    text = f"# COLINFO\n\n{before.strip()}\n\nRecord COLINFO, BIFF3-BIFF8:\n\n| Offset | Size | Contents |\n{rows}\n"
    chunks = chunk_document(Document("r.md", text, "Records", "0", (), "md"))
    assert [c.text.split("\n")[0] for c in chunks] == [before.strip(), "Record COLINFO, BIFF3-BIFF8:"]
    assert chunks[1].text.endswith("| 10 | 2 | Field 5 of the record, stored as an unsigned integer in the file |")


def test_a_header_of_two_rows_leads_the_passages_cut_from_its_table() -> None:
    """Papers set a spanning row over the column names ("| Top-20 | Top-100 |" over the datasets): both lead every
    passage cut from the table; a second row that is data (a mark in a cell) does not."""
    from qa.ingest.chunk import ChunkSettings, chunk_document
    from qa.ingest.load import Document

    upper, lower = "| Model | Top-20 | Top-100 |", "| NQ | TREC | NQ | TREC |"
    body = "\n".join(f"| M{i} | {50 + i}.1 | {40 + i}.2 | {70 + i}.3 | {60 + i}.4 |" for i in range(40))
    text = f"# Results\n\nThe scores follow.\n\n{upper}\n{lower}\n{body}\n"
    chunks = chunk_document(Document("r.md", text, "Results", "0", (), "md"), ChunkSettings(small_table_words=0))
    inside = [c for c in chunks if c.text.startswith("| M")]
    assert inside and all(c.lead.endswith(f"{upper}\n{lower}") for c in inside)
    marked = text.replace(lower, "| 0000H | DIMENSION | ● | ● |")
    chunks = chunk_document(Document("r.md", marked, "Results", "0", (), "md"), ChunkSettings(small_table_words=0))
    assert all(c.lead.endswith(upper) for c in chunks if c.text.startswith("| M"))


def test_a_table_passage_is_embedded_with_its_rows_named_and_prose_as_it_stands() -> None:
    from qa.ingest.chunk import passage_embed_text

    text = _table_document(40)
    chunks = chunk_document(Document("t.md", text, "Figures", "0", (), "md"), ChunkSettings(small_table_words=0))
    later = next(c for c in chunks if c.lead and "| 2015 |" in c.text)  # starts inside the table: header in its lead
    embedded = passage_embed_text(later)
    assert "Year: 2015; Revenue: 90,255" in embedded and "| 2015 |" not in embedded
    assert embedded.startswith(later.context_text().split(" — | ")[0])  # title, headings and lead in front, as before
    prose = chunk_document(doc("The company reports its figures every year. It has offices in three towns."))[0]
    assert passage_embed_text(prose) == prose.context_text()
