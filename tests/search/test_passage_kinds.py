"""Tables of contents, reference lists and listings of files rank below body text, in every mode
(qa/search/rank.py demote_kinds)."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.engine import Engine, build_from_folder
from qa.ingest.kinds import PassageKind
from qa.options import Mode
from qa.search.rank import demote_kinds
from qa.search.read import ReadingSettings
from qa.search.retrieve import Hit, SearchSettings


def test_demote_kinds_by_hand() -> None:
    hits = [Hit(1, 0.9), Hit(2, 0.8), Hit(3, 0.5)]
    # share 0.5: chunk 1 drops to 0.45, below chunks 2 and 3; share 0.25: to 0.675, between them
    assert [(h.chunk, round(h.score, 6)) for h in demote_kinds(hits, {1}, 0.5)] == [(2, 0.8), (3, 0.5), (1, 0.45)]
    assert [h.chunk for h in demote_kinds(hits, {1}, 0.25)] == [2, 1, 3]
    assert demote_kinds(hits, {7}, 0.5) == hits and demote_kinds(hits, set(), 0.5) == hits
    assert [(h.chunk, round(h.score, 6)) for h in demote_kinds([Hit(4, -0.2), Hit(5, -0.25)], {4}, 0.5)] == [
        (5, -0.25),
        (4, -0.3),
    ]


ARTICLE = """# Harbour lights

The tower on the northern reef was finished in 1871.
Its lamp burned whale oil until an electric lamp replaced it in 1902.
Keepers lived on the reef in pairs and kept a log of passing ships.

## The village

The fishing village on the shore had a school, two churches and a market held on Fridays.
Most families lived from herring, which was salted and sold to merchants from the south.

## Storms

The great storm of 1913 broke the harbour wall and sank eleven boats at their moorings.
A new wall of granite blocks was finished four years later with money from the state.

## Today

The tower is now a museum, open from May to September, and the keepers' house is a guest house.

## References

- ^ Lindqvist, Marta (1871). "The Kessel lighthouse on the northern reef". Harbour Journal. 4 (2): 11-19. Retrieved 2012-08-18.
- ^ Berg, A. (1903). "An electric lamp in place of whale oil for the Kessel lighthouse". In Proceedings of the Harbour Board, pp. 3-9.
- ^ "Kessel lighthouse, northern reef: engineer Marta Lindqvist". Lighthouse Digest. Retrieved 2015-05-22.
"""


@pytest.mark.slow
@pytest.mark.parametrize("mode", [Mode.HYBRID, Mode.DENSE, Mode.BM25])
def test_the_reference_list_ranks_below_the_body_it_cites(tmp_path: Path, real_encoder, mode: Mode) -> None:  # type: ignore[no-untyped-def]
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "harbour.md").write_text(ARTICLE, encoding="utf-8")
    build_from_folder(corpus, tmp_path / "index", encoder=real_encoder)
    engine = Engine.open(tmp_path / "index", encoder=real_encoder, reader=False)
    kinds = {c.kind for c in engine.index.chunks}
    assert kinds == {PassageKind.BODY, PassageKind.REFERENCES}
    question = "When did the Kessel lighthouse replace its whale oil lamp with an electric lamp?"
    top = engine.ask(question, k=2, mode=mode).results
    assert "replaced it in 1902" in top[0].text and top[0].section == ""
    undemoted = engine.ask(question, k=2, mode=mode, settings=SearchSettings(demote_share=0.0)).results
    assert undemoted[0].section == "References"  # the citation repeats every word of the question


@pytest.mark.slow
def test_a_question_naming_the_reference_section_is_answered_from_it(tmp_path: Path, real_encoder) -> None:  # type: ignore[no-untyped-def]
    """ "… listed in the references" asks for the list itself: its passage is not demoted below the body text."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "harbour.md").write_text(ARTICLE, encoding="utf-8")
    build_from_folder(corpus, tmp_path / "index", encoder=real_encoder)
    engine = Engine.open(tmp_path / "index", encoder=real_encoder, reader=False)
    question = "When did the Kessel lighthouse replace its whale oil lamp with an electric lamp?"
    assert engine.ask(question, k=2).results[0].section == ""  # body text first, as above
    asked = engine.ask("In the references, w" + question[1:], k=2).results
    assert asked[0].section == "References" and "An electric lamp in place of whale oil" in asked[0].text


LISTED = {
    "harbour.txt": "= Harbour Festival =\n\nThe harbour festival began in the old fish market in 1961. After a long "
    "debate the committee chose a blue heron as the emblem of the festival, because the birds nest along the quay "
    "every spring. The emblem is painted on the gate of the market, beside the timetable of the ferry.\n",
    "gardens.txt": "= Botanical Gardens =\n\nThe gardens hold about four thousand species of plants. The glasshouse "
    "was rebuilt after a storm destroyed its roof. Guided walks start at the south gate on Sundays.\n",
    "README.md": "# The folder\n\nWhat each file holds.\n\n| file | note |\n|---|---|\n"
    "| harbour.txt | The harbour festival: the emblem of the festival the committee chose, a blue heron |\n"
    "| gardens.txt | The botanical gardens: four thousand species of plants, the glasshouse |\n",
}


@pytest.mark.slow
def test_a_listing_of_files_ranks_below_the_files_it_describes(tmp_path: Path, real_encoder, real_reader) -> None:  # type: ignore[no-untyped-def]
    """A folder's README describes each file in the question's words; the file's own text answers it. With the
    reader, the listing is not read ahead of them either."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, text in LISTED.items():
        (corpus / name).write_text(text, encoding="utf-8")
    build_from_folder(corpus, tmp_path / "index", encoder=real_encoder)
    engine = Engine.open(tmp_path / "index", encoder=real_encoder, reader=real_reader)
    assert {c.kind for c in engine.index.chunks if c.doc_id == "README.md"} == {PassageKind.LISTING}
    question = "What did the committee choose as the emblem of the festival?"
    for reader in (True, False):
        results = engine.ask(question, k=3, reader=reader).results
        assert results[0].doc == "harbour.txt" and "README.md" in [r.doc for r in results]  # still found
        undemoted = engine.ask(question, k=3, reader=reader, settings=SearchSettings(demote_share=0.0)).results
        assert undemoted[0].doc == "README.md"  # the row repeats every word of the question
    one = ReadingSettings(depth=1, unsure_depth=0, close_margin=0.0)  # the reader reads the first passage only
    read = [r.doc for r in engine.ask(question, k=3, reading=one).results if r.read]
    assert read == ["harbour.txt"]  # the listing went below the files before the reading, not only after it
