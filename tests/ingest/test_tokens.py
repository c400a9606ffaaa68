"""The tokenizer behind BM25, term highlights and answer overlap: words a question writes apart that a passage
writes as one ("max clients", "MaxClients") are matched through their joined term, and a word a question writes
whole in camel case that passages write in parts ("folioNextPos", "folio_next_pos") through its parts."""

from __future__ import annotations

from qa.ingest.tokens import joined_terms, split_words, terms
from qa.search.highlight import term_highlights


def test_neighbouring_words_join_into_the_term_of_the_word_written_whole() -> None:
    assert joined_terms("max clients") == terms("MaxClients") == ["maxclient"]
    assert joined_terms("e-mail") == terms("email")
    assert joined_terms("folio next pos") == ["folionext", "folionextpo", "nextpo"]
    assert terms("folioNextPos") == ["folionextpo"]


def test_words_joined_by_an_underscore_join_too() -> None:
    assert joined_terms("max_clients") == terms("MaxClients")


def test_a_camel_case_word_splits_into_the_terms_of_its_parts() -> None:
    split = {s.term: s.parts for s in split_words("Is folioNextPos or HTTPServer or getValueOf set in PDFs or NASA?")}
    assert split == {
        "folionextpo": ("folio", "next", "pos"),
        "httpserver": ("http", "server"),
        "getvalueof": ("get", "valu"),  # the stop word "of" left out
    }  # "PDFs" and "NASA" are no camel case
    assert terms("folio_next_pos") == ["folio", "next", "pos"]  # what an index holds for the snake-case name


def test_stop_words_numbers_and_punctuation_break_a_join() -> None:
    assert joined_terms("the data") == []  # a stop word is never part of a joined word
    assert joined_terms("MP 5 rifle") == []  # a number neither
    assert joined_terms("max, clients") == joined_terms("max. Clients") == []  # nor words across punctuation
    assert joined_terms("one two three four") == ["onetwo", "onetwothre", "twothre", "twothreefour", "threefour"]


def test_a_word_written_apart_is_highlighted_where_the_passage_writes_it_whole() -> None:
    text = "Raise MaxClients for more workers."
    assert [text[h.start : h.end] for h in term_highlights("the max clients setting", text)] == ["MaxClients"]


def test_bm25_finds_an_identifier_asked_in_plain_words(hash_engine) -> None:  # type: ignore[no-untyped-def]
    engine = hash_engine(
        {
            "server.md": "# Directives\n\nThe MaxClients directive sets the limit on simultaneous requests served.\n\n"
            "# Logging\n\nThe LogLevel directive adjusts the verbosity of the messages recorded in the error logs.\n"
        }
    )
    results = engine.ask("max clients", k=2, mode="bm25").results
    assert [r.text for r in results] == [
        "The MaxClients directive sets the limit on simultaneous requests served."
    ]  # the only passage holding a term of the question
    assert [results[0].text[h.start : h.end] for h in results[0].highlights] == ["MaxClients"]
    assert "LogLevel" in engine.ask("log level", k=2, mode="bm25").results[0].text


def test_a_joined_word_weighs_in_answers_only_where_a_passage_holds_it(hash_engine) -> None:  # type: ignore[no-untyped-def]
    engine = hash_engine({"server.md": "# Directives\n\nThe MaxClients directive caps the workers.\n"})
    weights = engine.ranker.term_weights("What do max clients limit?", [])
    assert set(weights) == {"max", "client", "limit", "maxclient"}  # not "clientlimit": no passage has it
    assert weights["maxclient"] == engine.ranker.index.bm25.idf("maxclient") > 0


def test_a_joined_word_adds_nothing_where_the_passage_holds_its_words_apart_too(hash_engine) -> None:  # type: ignore[no-untyped-def]
    engine = hash_engine(
        {
            "both.md": "The max count of clients is set by MaxClients.\n",
            "whole.md": "The limit is set by MaxClients.\n",
        }
    )

    def scores(question: str) -> dict[str, float]:
        return {engine.index.chunks[i].doc_id: score for i, score in engine.index.bm25.search(question, 5)}

    joined, apart = scores("max clients"), scores("clients max")  # the second joins to no word of the corpus
    assert joined["both.md"] == apart["both.md"]
    assert joined["whole.md"] > 0 and "whole.md" not in apart


def test_bm25_finds_a_camel_case_word_where_the_text_writes_it_in_parts(hash_engine) -> None:  # type: ignore[no-untyped-def]
    engine = hash_engine(
        {
            "patch.md": "# Patch\n\nThe commit made the writeback path use folio_next_pos() for the end offset.\n\n"
            "# Tests\n\nThe next run of the suite passed on the first folio.\n",  # two of the three parts
            "server.md": "The MaxClients directive caps the workers.\n",
        }
    )
    results = engine.ask("What is folioNextPos for?", k=3, mode="bm25").results
    assert [r.text for r in results] == ["The commit made the writeback path use folio_next_pos() for the end offset."]
    assert [results[0].text[h.start : h.end] for h in results[0].highlights] == ["folio", "next", "pos"]
    weights = engine.ranker.term_weights("What is folioNextPos for?", [])
    assert weights["folio"] == engine.ranker.index.bm25.idf("folio") > 0
    # a word some passage holds whole is searched whole: its parts are not added
    assert engine.index.bm25.held_splits("Set maxClients") == []
    assert "max" not in engine.ranker.term_weights("Set maxClients", [])
