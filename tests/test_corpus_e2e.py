"""End to end on corpus/ with the real model: answers in the top 5, the `qa ask --json` contract, titles and
headings as signal, answer spans for number and date questions."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from qa.engine import Engine, build_from_folder
from qa.evaluate.gold import contains_answer

ROOT = Path(__file__).resolve().parent.parent

# Ten questions written for this test (not in gold/), with the answer text the right passage must hold.
TOP5 = [
    ("When were the Internal Troops established?", "established in 1991", "internal-troops-main-department.txt"),
    ("How many members does the band of the Internal Troops have?", "115 members", "internal-troops-of-azerbaijan.txt"),
    ("Who is the artistic director of the band?", "Ilgar Novruzov", "internal-troops-of-azerbaijan.txt"),
    (
        "Where is the headquarters of the Ministry of Internal Affairs?",
        "7 Azerbaijan Ave",
        "ministry-of-internal-affairs.txt",
    ),
    ("How many departments does the military hospital have?", "12 departments", "internal-troops-of-azerbaijan.txt"),
    (
        "Which Soviet agency became the Ministry of National Security?",
        "State Security Committee",
        "ministry-of-national-security.txt",
    ),
    ("Where was the militia school moved in 1936?", "Mardaken", "ministry-of-internal-affairs.txt"),
    ("How long do cadets study at the higher military school?", "four years", "internal-troops-of-azerbaijan.txt"),
    ("Which countries do the Internal Troops cooperate with?", "China", "internal-troops-of-azerbaijan.txt"),
    (
        "Over which period did the collegium of the interior ministry sum up its work?",
        "first quarter of the current year",
        "mia-collegium-meeting-2024.txt",
    ),
]


@pytest.mark.parametrize(("question", "answer", "doc"), TOP5, ids=[q for q, _, _ in TOP5])
def test_answer_passage_is_in_the_top_5(corpus_engine, question: str, answer: str, doc: str) -> None:  # type: ignore[no-untyped-def]
    response = corpus_engine.ask(question, k=5)
    assert any(r.doc == doc and contains_answer(r.text, [answer]) for r in response.results), [
        r.text[:80] for r in response.results
    ]


def _ask_json(index: Path, question: str, *extra: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "qa.cli", "ask", question, "--index", str(index), "--json", *extra],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1, "exactly one JSON object on stdout"
    return json.loads(lines[0])


@pytest.mark.parametrize("mode", ["hybrid", "dense", "bm25"])
def test_ask_json_contract_offsets_hold_on_real_output(corpus_index: Path, mode: str) -> None:
    data = _ask_json(
        corpus_index / "index", "When was the Internal Troops hospital established?", "--mode", mode, "--k", "4"
    )
    assert data["question"] == "When was the Internal Troops hospital established?"
    assert data["mode"] == mode
    assert [r["rank"] for r in data["results"]] == [1, 2, 3, 4]
    scores = [r["score"] for r in data["results"]]
    assert scores == sorted(scores, reverse=True)
    for r in data["results"]:
        assert set(r) >= {"rank", "score", "doc", "heading", "start", "end", "text", "answer", "highlights"}
        source = (corpus_index / "corpus" / r["doc"]).read_text(encoding="utf-8")
        assert source[r["start"] : r["end"]] == r["text"]
        answer = r["answer"]
        assert r["text"][answer["start"] : answer["end"]] == answer["text"]
        if answer["span"] is not None:
            span = answer["span"]
            assert answer["start"] <= span["start"] < span["end"] <= answer["end"]
            assert r["text"][span["start"] : span["end"]] == span["text"]
        for h in r["highlights"]:
            assert h["kind"] == "term"
            assert 0 <= h["start"] < h["end"] <= len(r["text"])
    top = data["results"][0]
    assert "1993" in top["answer"]["text"]
    assert any(top["text"][h["start"] : h["end"]].lower() == "hospital" for h in top["highlights"])


def test_ask_without_json_prints_a_readable_view(corpus_index: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "qa.cli",
            "ask",
            "How many members does the band have?",
            "--index",
            str(corpus_index / "index"),
            "--k",
            "2",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "internal-troops-of-azerbaijan.txt" in done.stdout
    assert "115 members" in done.stdout
    assert not done.stdout.lstrip().startswith("{")


@pytest.mark.parametrize(
    ("question", "span"),
    [
        ("How many members does the band of the Internal Troops have?", "115 members"),
        ("When was the Military Hospital of the Internal Troops established?", "1993"),
        ("How many departments does the military hospital have?", "12 departments"),
        ("How long is the educational duration at the Higher Military School of the Internal Troops?", "four years"),
    ],
)
def test_number_and_date_questions_get_their_answer_span(corpus_engine, question: str, span: str) -> None:  # type: ignore[no-untyped-def]
    """The rule spans (the path without the reader) and the reader both mark the number or date asked for; the
    reader answers as SQuAD does ("115" for "how many members"), the rules with the unit."""
    for reader in (False, True):
        top = corpus_engine.ask(question, k=1, reader=reader).results[0]
        assert top.answer is not None and top.answer.span is not None, reader
        assert top.text[top.answer.span.start : top.answer.span.end] == top.answer.span.text
        if reader:
            assert top.read and span.startswith(top.answer.span.text), top.answer.span.text
        else:
            assert not top.read and top.answer.span.text == span


def test_title_and_heading_are_matched_signal(tmp_path: Path, real_encoder) -> None:  # type: ignore[no-untyped-def]
    """The passages never say "hospital" or "orchestra": only their headings do, and that is enough."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "garrison.txt").write_text(
        "= Northern Garrison =\n\n"
        "== Hospital ==\n"
        "It has 12 departments and 200 beds. The staff includes surgeons and nurses on rotation.\n\n"
        "== Orchestra ==\n"
        "It has 40 musicians who perform at parades. Rehearsals take place every morning.\n\n"
        "== Training ==\n"
        "Recruits study for six months. They learn drill, first aid and map reading.\n",
        encoding="utf-8",
    )
    (corpus / "harbour.txt").write_text(
        "= Harbour Authority =\n\nIt has 3 departments and a fleet of tugs. Ships dock at the eastern pier.\n",
        encoding="utf-8",
    )
    build_from_folder(corpus, tmp_path / "index", encoder=real_encoder)
    engine = Engine.open(tmp_path / "index", encoder=real_encoder)
    for mode in ("hybrid", "dense", "bm25"):
        top = engine.ask("How many departments does the hospital have?", k=1, mode=mode).results[0]
        assert top.heading == "Hospital", mode
        assert "12 departments" in top.text
        assert "hospital" not in top.text.lower()
    top = engine.ask("How many musicians are in the orchestra?", k=1, reader=False).results[0]
    assert top.heading == "Orchestra" and top.answer.span.text == "40 musicians"
    top = engine.ask("How many departments does the harbour authority have?", k=1).results[0]
    assert top.doc == "harbour.txt"  # the title alone tells the two "It has N departments" passages apart
