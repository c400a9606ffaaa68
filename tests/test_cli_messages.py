"""What `qa build` and `qa eval` say about what happened (issue 17): a resumed build that read files does not say
"nothing changed", a linked folder leading out of the corpus is named as skipped, and a gold question the engine
would refuse is reported with its line."""

from __future__ import annotations

import os
import signal
from pathlib import Path

from robustness_support import FAKE_MODEL, TINY, ForkedQA, assert_one_error_line, make_corpus, wait_for_file

from qa.index.generations import current_generation


def test_a_resumed_build_says_what_it_read_not_that_nothing_changed(fake_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The first build is killed once every passage is embedded and stored, before its generation exists; the next
    one reads every file, finds every vector stored and embeds nothing: it read files, so something changed."""
    corpus, index = make_corpus(tmp_path / "corpus"), tmp_path / "index"
    proc = ForkedQA(
        "build",
        "--corpus",
        corpus,
        "--index",
        index,
        "--model",
        FAKE_MODEL,
        folder=tmp_path / "logs",
        QA_TEST_PAUSE_AT="write",
        QA_TEST_PAUSED_FILE=str(tmp_path / "paused"),
    )
    wait_for_file(tmp_path / "paused", proc)
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)
    assert current_generation(index) is None and list((index / "embeddings").glob("*.sqlite"))
    resumed = fake_cli("build", "--corpus", corpus, "--index", index, "--model", FAKE_MODEL)
    assert resumed.exit_code == 0, resumed.output
    assert "embedded 0 new passages" in resumed.stdout and "nothing changed" not in resumed.stdout
    assert (
        f"read {len(TINY)} new or changed files (the vectors of their 4 passages were already stored" in resumed.stdout
    )
    again = fake_cli("build", "--corpus", corpus, "--index", index, "--model", FAKE_MODEL)
    assert "read 0 new or changed files (nothing changed: nothing re-embedded)" in again.stdout


def test_a_build_that_only_removed_a_file_says_so(fake_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    corpus, index = make_corpus(tmp_path / "corpus"), tmp_path / "index"
    assert fake_cli("build", "--corpus", corpus, "--index", index, "--model", FAKE_MODEL).exit_code == 0
    (corpus / "police.txt").unlink()
    after = fake_cli("build", "--corpus", corpus, "--index", index, "--model", FAKE_MODEL)
    assert "read 0 new or changed files, removed 1 passages of changed or deleted files;" in after.stdout
    assert "nothing changed" not in after.stdout


def test_a_linked_folder_leading_out_of_the_corpus_is_named_as_skipped(fake_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    corpus, index = make_corpus(tmp_path / "corpus"), tmp_path / "index"
    private = make_corpus(tmp_path / "private", {"notes.txt": "The private notes hold the safe code 7781.\n"})
    os.symlink(private, corpus / "notes-link")
    os.symlink(corpus, corpus / "self-link")  # a link back inside: its files are indexed where they are, no warning
    built = fake_cli("build", "--corpus", corpus, "--index", index, "--model", FAKE_MODEL)
    assert built.exit_code == 0, built.output
    warnings = [line for line in built.stderr.splitlines() if line.startswith("Warning:")]
    assert warnings == [
        "Warning: skipped notes-link: symlinked folder pointing outside the corpus folder, not followed: "
        "none of its files are indexed"
    ]
    assert f"{len(TINY)} documents" in built.stdout
    status = fake_cli("status", "--index", index)
    assert "state:     fresh" in status.stdout  # the link is recorded as skipped, not seen as a new file
    again = fake_cli("build", "--corpus", corpus, "--index", index, "--model", FAKE_MODEL)
    assert "nothing changed" in again.stdout and "notes-link" in again.stderr


def test_qa_eval_names_the_line_of_an_oversized_question(fake_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    corpus, index = make_corpus(tmp_path / "corpus"), tmp_path / "index"
    assert fake_cli("build", "--corpus", corpus, "--index", index, "--model", FAKE_MODEL).exit_code == 0
    gold = tmp_path / "gold.jsonl"
    huge = "How many members " + "very " * 25_000 + "?"
    gold.write_text(
        '{"question": "How many members does the band have?", "answers": ["115"]}\n\n'
        f'{{"question": "{huge}", "answers": ["115"]}}\n',
        encoding="utf-8",
    )
    result = fake_cli("eval", gold, "--index", index)
    assert result.exit_code == 1 and result.stdout == ""
    assert_one_error_line(result.stderr, rf"{gold} line 3: the question has 125,018 characters, over the 100,000 limit")
