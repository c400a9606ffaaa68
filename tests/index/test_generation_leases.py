"""A generation any process has open is never removed (issue 17).

Before: an app (or any `Engine`) served generation A; two external `qa build` runs made B, then C, and the second
removed A. Threads that had not asked a question before opened their SQLite connection by path on a folder that
was gone: "unable to open database file". Now every open index holds a shared lock on its generation's `.readers`
file and a build removes only the old generations it can lock exclusively.
"""

from __future__ import annotations

import gc
import os
import threading
from pathlib import Path

from conftest import HashEncoder
from robustness_support import FAKE_MODEL, QUESTIONS, make_corpus, ranked, run_qa

from qa.engine import Engine, build_from_folder
from qa.index.config import BuildConfig
from qa.index.generations import READERS, current_generation, generations

CONFIG = BuildConfig(model=FAKE_MODEL)


def ask_from_new_threads(engine: Engine, questions: tuple[str, ...]) -> list:
    """Each question asked from a thread of its own, started now (so each opens its own connections)."""
    results: list = [None] * len(questions)

    def ask(i: int) -> None:
        try:
            results[i] = ranked(engine.ask(questions[i], k=3))
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below, with its type
            results[i] = exc

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(len(questions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def edit(corpus: Path, n: int) -> None:
    (corpus / "weather.md").write_text(f"# Weather\n\nBaku is windy in winter. Summers are hot (edit {n}).\n")


def test_an_engine_opened_before_two_external_builds_answers_from_new_threads(tmp_path: Path, hash_encoder) -> None:  # type: ignore[no-untyped-def]
    corpus, index = make_corpus(tmp_path / "corpus"), tmp_path / "index"
    build_from_folder(corpus, index, CONFIG, encoder=hash_encoder)
    engine = Engine.open(index, encoder=HashEncoder())
    served = engine.index.path
    expected = [ranked(engine.ask(q, k=3)) for q in QUESTIONS]  # asked from this thread only
    for n in range(2):  # the issue's `qa build --wait`, twice, as real processes
        edit(corpus, n)
        done = run_qa("build", "--corpus", corpus, "--index", index, "--model", FAKE_MODEL, "--wait")
        assert done.returncode == 0, done.stderr
    assert current_generation(index) != served and served.is_dir()
    assert ask_from_new_threads(engine, QUESTIONS * 3) == expected * 3
    engine.close()
    edit(corpus, 3)
    build_from_folder(corpus, index, CONFIG, encoder=hash_encoder)
    assert not served.exists()  # released: the next build removes it
    assert len(generations(index)) == 2  # the current one and the one it replaced


def test_a_collected_engine_releases_its_generation(tmp_path: Path, hash_encoder) -> None:  # type: ignore[no-untyped-def]
    corpus, index = make_corpus(tmp_path / "corpus"), tmp_path / "index"
    build_from_folder(corpus, index, CONFIG, encoder=hash_encoder)
    engine = Engine.open(index, encoder=HashEncoder())
    served = engine.index.path
    engine.ask(QUESTIONS[0], k=3)
    for n in range(3):
        edit(corpus, n)
        build_from_folder(corpus, index, CONFIG, encoder=hash_encoder)
    assert served.is_dir()  # held: kept past the one generation a build keeps anyway
    del engine
    gc.collect()
    edit(corpus, 4)
    build_from_folder(corpus, index, CONFIG, encoder=hash_encoder)
    assert not served.exists()


def test_every_generation_has_a_readers_file_that_reading_leaves_alone(tmp_path: Path, hash_encoder) -> None:  # type: ignore[no-untyped-def]
    corpus, index = make_corpus(tmp_path / "corpus"), tmp_path / "index"
    build_from_folder(corpus, index, CONFIG, encoder=hash_encoder)
    readers = current_generation(index) / READERS
    assert readers.is_file() and readers.stat().st_size == 0
    stat = os.stat(readers)
    with Engine.open(index, encoder=HashEncoder()) as engine:
        engine.ask(QUESTIONS[0], k=3)
    assert os.stat(readers).st_mtime_ns == stat.st_mtime_ns and readers.stat().st_size == 0
