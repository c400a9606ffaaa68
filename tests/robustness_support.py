"""Support for the robustness suite: the `qa` CLI with the fake encoder, in-process (CliRunner) or as a real process.

Run as a script, this file *is* the `qa` command with two test hooks installed, so a subprocess can be killed
at a known moment of a build:

* the model name `fake:hash` selects the conftest `HashEncoder` (no torch import, builds in milliseconds);
* `QA_TEST_PAUSE_AT=<stage>` makes the build stop at that stage, write the stage name to `QA_TEST_PAUSED_FILE`
  and wait until `QA_TEST_RELEASE_FILE` exists (or forever), so the test can SIGKILL it there or let it go on.

The rest of the program is the real one: the same CLI, loader, chunker, index writer, lock and swap.
"""

from __future__ import annotations

import hashlib
import os
import random
import re
import subprocess
import sys
import time
from pathlib import Path

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
FAKE_MODEL = "fake:hash"
STAGES = ("embed", "write", "before-rename", "before-swap", "mid-swap", "before-prune")

TINY = {
    "troops.txt": "= Troops =\n\nThe Internal Troops were established in 1991 by decree.\n\n==Band==\nThe band has 115 members.\n",
    "police.txt": "Police\n\nThe police academy was created in 1921 in Baku. It trains officers for two years.\n",
    "weather.md": "# Weather\n\nBaku is windy in winter. Summers are hot and dry.\n",
}
QUESTIONS = ("How many members does the band have?", "When was the police academy created?", "Is Baku windy?")


def offline_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        HF_HUB_OFFLINE="1",
        HF_HUB_DISABLE_TELEMETRY="1",
        GRADIO_ANALYTICS_ENABLED="False",
        TRANSFORMERS_OFFLINE="1",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def make_corpus(folder: Path, files: dict[str, str] = TINY) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def tree_digest(folder: Path) -> dict[str, str]:
    """Every entry under `folder` (links by target, files by content hash): equal digests = nothing changed."""
    out = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.is_symlink():
            out[rel] = "link:" + os.readlink(path)
        elif path.is_file():
            out[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
        else:
            out[rel] = "dir"
    return out


def ranked(response) -> list[tuple]:  # type: ignore[no-untyped-def]
    """What a reader sees of a response: passages, scores and answer sentences, in order."""
    return [(r.doc, r.start, r.end, r.score, r.answer.text if r.answer else None) for r in response.results]


def answers(index_dir: Path) -> list[list[tuple]]:
    """The ranked answers to QUESTIONS from the index at `index_dir`, with the fake encoder."""
    from conftest import HashEncoder

    from qa.engine import Engine

    engine = Engine.open(index_dir, encoder=HashEncoder())
    return [ranked(engine.ask(q, k=3)) for q in QUESTIONS]


def assert_one_error_line(stderr: str, pattern: str) -> str:
    """stderr is exactly one line, `Error: ...`, matching `pattern` (a regex searched in the line)."""
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got {lines!r}"
    assert lines[0].startswith("Error: "), lines[0]
    assert re.search(pattern, lines[0]), f"{pattern!r} not in {lines[0]!r}"
    return lines[0]


# ---------------------------------------------------------------- in-process CLI


def install_fake_encoder() -> None:
    """`load_encoder('fake:hash')` returns a new conftest HashEncoder (the model registry); other names load real models."""
    from conftest import HashEncoder

    from qa.models.encoder import register_model

    register_model(FAKE_MODEL, HashEncoder)


def remove_fake_encoder() -> None:
    from qa.models.encoder import unregister_model

    unregister_model(FAKE_MODEL)


def run_cli(*args: str):  # type: ignore[no-untyped-def]
    """`qa ARGS` in this process via click's CliRunner (stdout and stderr kept apart); `fake:hash` needs install_fake_encoder."""
    from click.testing import CliRunner

    from qa.cli import cli

    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


# ---------------------------------------------------------------- subprocess CLI


def qa_command(*args: str) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), *map(str, args)]


def run_qa(*args: str, timeout: float = 120, **env: str) -> subprocess.CompletedProcess:
    """`qa ARGS` as a real process (fake encoder selectable with --model fake:hash)."""
    return subprocess.run(
        qa_command(*args),
        cwd=ROOT,
        env=offline_env(**env),
        capture_output=True,
        text=True,
        timeout=timeout,
        errors="backslashreplace",
    )


def start_qa(*args: str, **env: str) -> subprocess.Popen:
    return subprocess.Popen(
        qa_command(*args),
        cwd=ROOT,
        env=offline_env(**env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        errors="backslashreplace",
    )


def wait_for_file(path: Path, proc, timeout: float = 90) -> str:  # type: ignore[no-untyped-def]
    """Wait until `path` exists (the process paused), failing if the process ends first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists():
            return path.read_text()
        if proc.poll() is not None:
            out, err = proc.communicate()
            raise AssertionError(f"process ended (rc {proc.returncode}) before pausing: {out} {err}")
        time.sleep(0.05)
    proc.kill()
    raise AssertionError(f"process did not pause within {timeout} s")


# ---------------------------------------------------------------- forked CLI (for the many builds of test_faults)

_PRELOAD = [
    "nltk.tokenize.punkt",
    "punkt",
    "faiss",
    "bm25s",
    "click",
    "qa.cli",
    "qa.engine",
    "qa.index.open",
    "qa.render",
    "robustness_support",
]


def _forkserver():  # type: ignore[no-untyped-def]
    """A multiprocessing fork server with the program's modules imported once (nltk alone costs seconds)."""
    import multiprocessing

    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(_PRELOAD)
    return context


def _forked_main(args: list[str], env: dict[str, str], out: str, err: str) -> None:
    """The body of a forked `qa` process: its own environment and output files, the hooks, then the CLI."""
    os.environ.update(env)
    for fd, path in ((1, out), (2, err)):
        target = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(target, fd)
        os.close(target)
    sys.path.insert(0, str(TESTS))
    install_fake_encoder()
    install_pause_hooks()
    from qa.cli import main

    sys.argv = ["qa", *args]
    main()  # ends in SystemExit(code): the process's exit code


class ForkedQA:
    """`qa ARGS` in a process forked from the preloaded server: a real process (own pid, killable), started fast."""

    def __init__(self, *args: str, folder: Path, **env: str) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        stem = f"qa-{time.monotonic_ns()}"
        self.out, self.err = folder / f"{stem}.out", folder / f"{stem}.err"
        self.process = _forkserver().Process(
            target=_forked_main, args=([str(a) for a in args], env, str(self.out), str(self.err))
        )
        self.process.start()

    @property
    def pid(self) -> int:
        return self.process.pid  # type: ignore[return-value]

    def poll(self) -> int | None:
        return self.process.exitcode

    def kill(self) -> None:
        os.kill(self.pid, 9)

    def communicate(self, timeout: float = 120) -> tuple[str, str]:
        self.process.join(timeout)
        if self.process.exitcode is None:
            self.process.kill()
            self.process.join()
            raise AssertionError(f"qa process {self.pid} did not end within {timeout} s")
        read = lambda path: path.read_text(encoding="utf-8", errors="backslashreplace") if path.exists() else ""  # noqa: E731
        return read(self.out), read(self.err)

    @property
    def returncode(self) -> int | None:
        return self.process.exitcode


def _pause(stage: str) -> None:
    if os.environ.get("QA_TEST_PAUSE_AT") != stage:
        return
    paused = Path(os.environ["QA_TEST_PAUSED_FILE"])
    tmp = paused.with_suffix(".part")
    tmp.write_text(stage)
    os.replace(tmp, paused)
    release = os.environ.get("QA_TEST_RELEASE_FILE")
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if release and Path(release).exists():
            return
        time.sleep(0.05)
    os._exit(3)  # nobody came: never leave a stray process behind


def install_pause_hooks() -> None:
    """Wrap the build's steps so `_pause(stage)` runs at each of STAGES."""
    from conftest import HashEncoder

    import qa.index.build as index
    import qa.index.writer as writer

    encode = HashEncoder.encode

    calls = [0]

    def paused_encode(self, texts, **kwargs):  # type: ignore[no-untyped-def]
        calls[0] += 1  # QA_TEST_PAUSE_AFTER_ENCODES=N: pause at the (N+1)-th model call, after N batches are stored
        if calls[0] > int(os.environ.get("QA_TEST_PAUSE_AFTER_ENCODES", "0")):
            _pause("embed")
        return encode(self, texts, **kwargs)

    HashEncoder.encode = paused_encode  # type: ignore[method-assign]

    def after(name: str, stage: str, module: object = index) -> None:
        original = getattr(module, name)

        def wrapped(*a, **kw):  # type: ignore[no-untyped-def]
            result = original(*a, **kw)
            _pause(stage)
            return result

        setattr(module, name, wrapped)

    def before(name: str, stage: str, module: object = index) -> None:
        original = getattr(module, name)

        def wrapped(*a, **kw):  # type: ignore[no-untyped-def]
            _pause(stage)
            return original(*a, **kw)

        setattr(module, name, wrapped)

    after("write_files", "write")  # chunk store, FAISS and Tantivy files written; no manifest yet
    after("fsync_tree", "before-rename")  # the temporary folder is complete
    before("swap_current", "before-swap", writer)  # the new generation is renamed into place, not yet current
    before("prune_generations", "before-prune", writer)  # swapped: the new generation is current
    symlink = os.symlink

    def paused_symlink(src, dst, *a, **kw):  # type: ignore[no-untyped-def]
        symlink(src, dst, *a, **kw)
        _pause("mid-swap")  # the new `current` link exists under a temporary name

    os.symlink = paused_symlink  # type: ignore[assignment]


if __name__ == "__main__":
    sys.path.insert(0, str(TESTS))
    install_fake_encoder()
    install_pause_hooks()
    from qa.cli import main

    sys.argv[0] = "qa"
    main()


def damaged_outcomes(kind: str, data: bytes, seed: int, rounds: int = 300) -> dict[str, int]:
    """Extract `data` damaged `rounds` ways (1–8 bytes changed past the first 512, a compound file's header): how
    many were read and how many refused; each refusal must be one line, and any other error fails the caller."""
    from qa.ingest.extract import extract

    chooser = random.Random(seed)
    outcomes = {"read": 0, "refused": 0}
    for _ in range(rounds):
        damaged = bytearray(data)
        for _ in range(chooser.randint(1, 8)):
            damaged[chooser.randrange(512, len(damaged))] = chooser.randrange(256)
        try:
            extract(kind, bytes(damaged), f"damaged.{kind}")
            outcomes["read"] += 1
        except ValueError as exc:
            assert "\n" not in str(exc), exc
            outcomes["refused"] += 1
    return outcomes
