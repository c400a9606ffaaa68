"""Faults that must lose nothing: `qa build` killed with SIGKILL at every step, and builds that race each other.

Each build runs as its own `qa build` process (tests/robustness_support.py: the real CLI with the fake encoder and
pause points, forked from a server that imported the program once, so a dozen builds take seconds, not a minute). A test stops the build at a known step, kills it with SIGKILL and then checks that the previous
index still opens and answers exactly as before, and that the next build succeeds without manual cleanup and
removes what the killed one left behind.
"""

from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from robustness_support import (
    FAKE_MODEL,
    STAGES,
    TINY,
    ForkedQA,
    answers,
    assert_one_error_line,
    make_corpus,
    tree_digest,
    wait_for_file,
)

from qa.engine import build_from_folder
from qa.errors import IndexNotReady
from qa.index.config import BuildConfig
from qa.index.open import open_index

CONFIG = BuildConfig(model=FAKE_MODEL)
CHANGED = {
    **TINY,
    "weather.md": "# Weather\n\nBaku is windy in autumn too.\n",
    "coast.txt": "The Coast Guard has four patrol boats. It was formed in 2005.\n",
}


def encoder():  # type: ignore[no-untyped-def]
    from conftest import HashEncoder

    return HashEncoder()


def current(index: Path) -> Path:
    return index / os.readlink(index / "current")


def generations(index: Path) -> set[str]:
    return {p.name for p in index.glob("gen-*")}


def leftovers(index: Path) -> set[str]:
    return {p.name for p in index.iterdir() if p.name.startswith((".tmp-", ".current-"))}


@dataclass
class Killed:
    """One build killed at `stage`: the index before, what the killed process left, and the reference answers."""

    stage: str
    folder: Path
    old_generation: str | None = None
    old_answers: list = field(default_factory=list)
    old_digest: dict = field(default_factory=dict)
    new_answers: list = field(default_factory=list)
    returncode: int | None = None
    at_kill: set[str] = field(default_factory=set)
    current_at_kill: str | None = None

    @property
    def index(self) -> Path:
        return self.folder / "index"

    @property
    def corpus(self) -> Path:
        return self.folder / "corpus"


SCENARIOS = [*STAGES, "first-build"]


@pytest.fixture(scope="module")
def killed(tmp_path_factory) -> dict[str, Killed]:  # type: ignore[no-untyped-def]
    """Every scenario started at once (they are independent), each killed as soon as it reaches its pause point."""
    runs: dict[str, tuple[Killed, ForkedQA]] = {}
    try:
        for scenario in SCENARIOS:
            k = Killed(scenario, tmp_path_factory.mktemp(scenario))
            if scenario != "first-build":
                build_from_folder(make_corpus(k.corpus), k.index, CONFIG, encoder=encoder())
                k.old_generation = current(k.index).name
                k.old_answers = answers(k.index)
                k.old_digest = tree_digest(current(k.index))
            make_corpus(k.corpus, CHANGED)
            reference = k.folder / "reference-index"
            build_from_folder(k.corpus, reference, CONFIG, encoder=encoder())
            k.new_answers = answers(reference)
            stage = "write" if scenario == "first-build" else scenario
            proc = ForkedQA(
                "build",
                "--corpus",
                k.corpus,
                "--index",
                k.index,
                "--model",
                FAKE_MODEL,
                folder=k.folder / "logs",
                QA_TEST_PAUSE_AT=stage,
                QA_TEST_PAUSED_FILE=str(k.folder / "paused"),
            )
            runs[scenario] = (k, proc)
        for k, proc in runs.values():
            wait_for_file(k.folder / "paused", proc)
            k.at_kill = {p.name for p in k.index.iterdir()}
            k.current_at_kill = current(k.index).name if (k.index / "current").is_symlink() else None
            os.kill(proc.pid, signal.SIGKILL)
            proc.communicate(timeout=30)
            k.returncode = proc.returncode
    finally:
        for _, proc in runs.values():
            if proc.poll() is None:
                proc.kill()
                proc.communicate(timeout=30)
    return {scenario: k for scenario, (k, _) in runs.items()}


# where each pause point is, seen from the index folder at the moment of the kill
def _at_kill(k: Killed) -> None:
    tmp = [name for name in k.at_kill if name.startswith(".tmp-")]
    if k.stage == "embed":  # the new generation is being written beside the old one
        assert len(tmp) == 1 and k.current_at_kill == k.old_generation
    elif k.stage in ("write", "before-rename"):
        assert len(tmp) == 1 and k.current_at_kill == k.old_generation
        written = {p.name for p in (k.index / tmp[0]).iterdir()}
        assert {"store.sqlite", "dense.faiss", "lexical"} <= written
        assert ("manifest.json" in written) == (k.stage == "before-rename")
    elif k.stage == "before-swap":
        assert tmp == [] and k.current_at_kill == k.old_generation and len(generations(k.index)) == 2
    elif k.stage == "mid-swap":
        assert any(name.startswith(".current-") for name in k.at_kill) and k.current_at_kill == k.old_generation
    elif k.stage == "before-prune":
        assert k.current_at_kill != k.old_generation and k.current_at_kill in k.at_kill
    else:  # first-build
        assert len(tmp) == 1 and k.current_at_kill is None


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_a_killed_build_leaves_a_loadable_correct_index(killed: dict[str, Killed], scenario: str) -> None:
    k = killed[scenario]
    assert k.returncode == -signal.SIGKILL
    _at_kill(k)  # the kill really happened at that step
    if scenario == "first-build":
        with pytest.raises(IndexNotReady, match="no index at"):
            open_index(k.index)
        done = ForkedQA("ask", "How many members does the band have?", "--index", k.index, folder=k.folder / "logs")
        out, err = done.communicate()
        assert done.returncode == 1 and out == ""
        assert_one_error_line(err, r"no index at '.*'; run `qa build")
    elif scenario == "before-prune":
        # killed after the swap: the new index is complete and current
        assert answers(k.index) == k.new_answers
    else:
        assert current(k.index).name == k.old_generation
        assert answers(k.index) == k.old_answers
        assert tree_digest(current(k.index)) == k.old_digest  # not a byte of the old generation changed


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_the_next_build_recovers_and_removes_the_leftovers(killed: dict[str, Killed], scenario: str) -> None:
    k = killed[scenario]
    before = current(k.index).name if (k.index / "current").is_symlink() else None
    # no --wait: a lock still held by the dead process would refuse this build
    done = ForkedQA("build", "--corpus", k.corpus, "--index", k.index, "--model", FAKE_MODEL, folder=k.folder / "logs")
    out, err = done.communicate()
    assert done.returncode == 0, err
    assert leftovers(k.index) == set()
    assert generations(k.index) == {current(k.index).name} | ({before} if before else set())
    assert answers(k.index) == k.new_answers


# ---------------------------------------------------------------- two builds at once


def test_a_second_build_is_refused_or_waits_while_one_runs(tmp_path: Path) -> None:
    corpus = make_corpus(tmp_path / "corpus")
    index = tmp_path / "index"
    build_from_folder(corpus, tmp_path / "reference", CONFIG, encoder=encoder())
    expected = answers(tmp_path / "reference")
    release = tmp_path / "release"
    logs = tmp_path / "logs"
    first = ForkedQA(
        "build",
        "--corpus",
        corpus,
        "--index",
        index,
        "--model",
        FAKE_MODEL,
        folder=logs,
        QA_TEST_PAUSE_AT="embed",
        QA_TEST_PAUSED_FILE=str(tmp_path / "paused"),
        QA_TEST_RELEASE_FILE=str(release),
    )
    waiting = None
    try:
        wait_for_file(tmp_path / "paused", first)  # the first build holds the lock, mid-embedding
        first_leftovers = leftovers(index)  # its temporary generation
        refused = ForkedQA("build", "--corpus", corpus, "--index", index, "--model", FAKE_MODEL, folder=logs)
        out, err = refused.communicate()
        assert refused.returncode == 1 and out == ""
        assert_one_error_line(err, rf"another build is running on '{index}' \(lock {index}/.lock\); wait for it")
        waiting = ForkedQA("build", "--corpus", corpus, "--index", index, "--model", FAKE_MODEL, "--wait", folder=logs)
        deadline = time.monotonic() + 90  # until it says it is waiting (it has reached the lock)
        while "waiting for the build running on" not in (waiting.err.read_text() if waiting.err.exists() else ""):
            assert waiting.poll() is None and time.monotonic() < deadline, waiting.communicate()
            time.sleep(0.05)
        assert waiting.poll() is None  # blocked on the lock ...
        assert not (index / "current").exists() and leftovers(index) == first_leftovers  # ... having written nothing
        release.write_text("go")
        out, err = first.communicate(timeout=60)
        assert first.returncode == 0, err
        out, err = waiting.communicate(timeout=60)
        assert waiting.returncode == 0, err
    finally:
        for proc in (first, waiting):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.communicate(timeout=30)
    # the waiting build ran after the first: its generation is current, the first one's is kept as the previous
    assert current(index).name.endswith(f"-{waiting.pid}")
    assert {g.rsplit("-", 1)[1] for g in generations(index)} == {str(first.pid), str(waiting.pid)}
    assert leftovers(index) == set() and answers(index) == expected


@pytest.mark.parametrize("wait", [False, True], ids=["no-wait", "wait"])
def test_two_builds_started_at_once_never_corrupt_the_index(tmp_path: Path, wait: bool) -> None:
    corpus = make_corpus(tmp_path / "corpus", CHANGED)
    build_from_folder(corpus, tmp_path / "reference", CONFIG, encoder=encoder())
    index = tmp_path / "index"
    build_from_folder(make_corpus(tmp_path / "old-corpus"), index, CONFIG, encoder=encoder())
    args = ("build", "--corpus", corpus, "--index", index, "--model", FAKE_MODEL, *(["--wait"] if wait else []))
    procs = [ForkedQA(*args, folder=tmp_path / "logs") for _ in range(3)]
    results = [(proc.returncode, out, err) for proc in procs for out, err in [proc.communicate(timeout=120)]]
    for code, out, err in results:
        if code == 1:
            assert not wait
            assert_one_error_line(err, r"another build is running on")
        else:
            assert code == 0 and out.startswith(f"Built {index}:"), err
    assert sum(code == 0 for code, _, _ in results) >= 1
    if wait:
        assert all(code == 0 for code, _, _ in results)
    assert leftovers(index) == set() and len(generations(index)) == 2
    assert answers(index) == answers(tmp_path / "reference")
