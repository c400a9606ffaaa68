"""`qa build --ray`: a real local Ray runtime (2 CPUs, shared by the session) embeds the corpus into the index's
embedding store; the index then equals a local build, a killed build resumes, a killed worker loses nothing."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import CORPUS, HashEncoder
from ray_support import LoggedHashEncoder, encoded
from robustness_support import ROOT, TESTS, assert_one_error_line, offline_env, ranked

from qa.engine import build_from_folder
from qa.errors import QAError
from qa.index.build import build_folder
from qa.index.config import BuildConfig
from qa.index.embedcache import EmbeddingCache, cache_path

pytestmark = pytest.mark.ray
CONFIG = BuildConfig(model="fake:hash")
BATCH = 8  # passages per Ray batch: the bundled corpus makes about a dozen batches
SLEEP = 0.15  # seconds per model call on a worker: time to kill something mid-build


@pytest.fixture(scope="session")
def ray_cluster(tmp_path_factory):  # type: ignore[no-untyped-def]
    """One Ray runtime for the module; workers import qa and the test encoders, and log their model calls."""
    import ray

    logs = tmp_path_factory.mktemp("ray-logs")
    env = {
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(TESTS)]),
        "QA_TEST_ENCODE_LOG": str(logs / "encode.log"),
        "QA_TEST_PID_FILE": str(logs / "pids.log"),
        "QA_TEST_ENCODE_SLEEP": str(SLEEP),
    }
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)  # inherited by the raylet, hence by every worker of every job on this runtime
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield {
        "address": ray.get_runtime_context().gcs_address,
        "log": env["QA_TEST_ENCODE_LOG"],
        "pids": env["QA_TEST_PID_FILE"],
    }
    ray.shutdown()
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    target = tmp_path / "corpus"
    shutil.copytree(CORPUS, target)
    return target


@pytest.fixture(scope="session")
def local_index(tmp_path_factory) -> Path:
    """The reference: a local build of the bundled corpus (no Ray)."""
    folder = tmp_path_factory.mktemp("local")
    shutil.copytree(CORPUS, folder / "corpus")
    build_folder(folder / "corpus", folder / "index", HashEncoder(), CONFIG)
    return folder / "index"


def ray_build(corpus: Path, index: Path, **options):  # type: ignore[no-untyped-def]
    return build_from_folder(
        corpus,
        index,
        CONFIG,
        encoder=HashEncoder(),
        ray_address="auto",
        encoder_factory=LoggedHashEncoder,
        ray_batch=BATCH,
        **options,
    )


def contents(index: Path) -> list[tuple]:
    """Every passage of the index: id, document, offsets, text, sentences and its vectors."""
    from qa.index.open import open_index

    store = open_index(index).chunks
    rows = store.get_many(store.ids())
    return [
        (i, r.chunk.doc_id, r.chunk.start, r.chunk.end, r.chunk.text, r.chunk.sentences, r.vectors)
        for i, r in sorted(rows.items())
    ]


def assert_same_index(index: Path, reference: Path) -> None:
    ours, theirs = contents(index), contents(reference)
    assert [row[:-1] for row in ours] == [row[:-1] for row in theirs]
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a[-1], b[-1], atol=1e-3)
    from qa.engine import Engine

    questions = [row[4].split(".")[0] for row in theirs[::10]]  # the opening words of every tenth passage
    ask = lambda path: [ranked(Engine.open(path, encoder=HashEncoder()).ask(q, k=3)) for q in questions]  # noqa: E731
    assert ask(index) == ask(reference)


def stored(index: Path) -> int:
    cache = EmbeddingCache(
        cache_path(index, CONFIG.model, CONFIG.runtime, CONFIG.sentence_vectors), HashEncoder.dimension
    )
    try:
        return cache.count()
    finally:
        cache.close()


def test_ray_build_equals_local_build(ray_cluster, corpus, local_index, tmp_path) -> None:
    report = ray_build(Path(os.path.relpath(corpus)), tmp_path / "index")  # a relative path, as typed on the CLI
    total = len(contents(local_index))
    assert report.chunks == total and report.ray_embedded == total and report.embedded == total
    manifest = json.loads((tmp_path / "index" / "current" / "manifest.json").read_text())
    assert manifest["embedded"] == 0  # the local build found every passage in the store
    assert manifest["built_with"]["ray"] == "auto" and manifest["built_with"]["embedded_on_ray"] == total
    assert_same_index(tmp_path / "index", local_index)
    again = ray_build(corpus, tmp_path / "index")  # nothing changed: no file is sent, nothing embedded
    assert (
        again.ray_embedded,
        again.embedded,
        json.loads((tmp_path / "index" / "current" / "manifest.json").read_text())["built_with"]["files_sent"],
    ) == (0, 0, 0)
    for path in corpus.iterdir():  # touched, same content: every file is sent, every passage is found in the store
        os.utime(path, ns=(path.stat().st_mtime_ns + 10**9,) * 2)
    touched = ray_build(corpus, tmp_path / "index")
    built_with = json.loads((tmp_path / "index" / "current" / "manifest.json").read_text())["built_with"]
    documents = [p for p in corpus.iterdir() if not p.name.startswith(".")]  # the hidden examples file is no document
    assert (touched.ray_embedded, touched.embedded, built_with["files_sent"]) == (0, 0, len(documents))
    assert touched.chunks == total


def test_killed_ray_build_resumes_and_embeds_only_the_rest(ray_cluster, corpus, local_index, tmp_path) -> None:
    index, progress = tmp_path / "index", tmp_path / "progress"
    script = textwrap.dedent(f"""
        import sys
        sys.path[:0] = [{str(ROOT)!r}, {str(TESTS)!r}]
        from pathlib import Path
        from conftest import HashEncoder
        from ray_support import LoggedHashEncoder
        from qa.engine import build_from_folder
        from qa.index.config import BuildConfig
        def on_progress(fraction, message):
            Path({str(progress)!r}).write_text(message)
        build_from_folder({str(corpus)!r}, {str(index)!r}, BuildConfig(model="fake:hash"), encoder=HashEncoder(),
                     ray_address={ray_cluster["address"]!r}, encoder_factory=LoggedHashEncoder, ray_batch={BATCH},
                     on_progress=on_progress)
    """)
    driver = subprocess.Popen(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=offline_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while not (progress.exists() and "Ray: " in progress.read_text() and stored(index) >= 2 * BATCH):
        assert driver.poll() is None, driver.communicate()
        assert time.monotonic() < deadline, "the Ray build stored nothing within 120 s"
        time.sleep(0.05)
    driver.send_signal(signal.SIGKILL)
    driver.communicate()
    kept = stored(index)
    total = len(contents(local_index))
    assert 2 * BATCH <= kept < total and not (index / "current").exists()
    report = ray_build(corpus, index)
    assert report.ray_embedded == total - kept  # only the rest
    assert json.loads((index / "current" / "manifest.json").read_text())["embedded"] == 0
    assert_same_index(index, local_index)


def test_worker_killed_mid_build_loses_no_finished_work(ray_cluster, corpus, local_index, tmp_path) -> None:
    Path(ray_cluster["log"]).write_text("")
    Path(ray_cluster["pids"]).write_text("")
    killed: list[tuple[int, int]] = []

    def kill_a_worker(fraction: float, message: str) -> None:
        if not killed and "Ray: " in message:  # one batch is committed; the worker is busy with the next ones
            pid = int(Path(ray_cluster["pids"]).read_text().split()[-1])
            killed.append((pid, stored(tmp_path / "index")))
            os.kill(pid, signal.SIGKILL)

    report = ray_build(corpus, tmp_path / "index", ray_workers=1, on_progress=kill_a_worker)
    pid, kept = killed[0]
    calls = encoded(ray_cluster["log"])
    assert kept >= 1 and pid in {p for p, _ in calls} and {p for p, _ in calls} - {pid}  # a new worker took over
    total = len(contents(local_index))
    from qa.index.open import open_index
    from qa.ingest.chunk import passage_embed_text, sentence_embed_text

    every = [
        t
        for c in open_index(local_index).chunks
        for t in [passage_embed_text(c), *(sentence_embed_text(c, s) for s in c.sentences)]
    ]
    biggest = max(n for _, n in calls)
    # a batch embeds each distinct text of its own once: every text at least once, and only the batches in flight
    # at the kill twice
    assert len(set(every)) <= sum(n for _, n in calls) <= len(every) + 4 * biggest
    assert report.ray_embedded <= total + 4 * BATCH and stored(tmp_path / "index") == total
    assert json.loads((tmp_path / "index" / "current" / "manifest.json").read_text())["embedded"] == 0
    assert_same_index(tmp_path / "index", local_index)


def test_a_node_without_the_model_is_one_line_and_keeps_nothing_half_done(ray_cluster, corpus, tmp_path) -> None:
    from qa.index.raybuild import ModelFactory

    with pytest.raises(QAError) as error:
        build_from_folder(
            corpus,
            tmp_path / "index",
            CONFIG,
            encoder=HashEncoder(),
            ray_address="auto",
            ray_batch=BATCH,
            encoder_factory=ModelFactory(str(tmp_path / "no-such-model"), "torch"),
        )
    message = str(error.value)
    assert "\n" not in message and "cannot load the embedding model on this node" in message
    assert "install the model" in message and "run the same command again to resume" in message
    assert not (tmp_path / "index" / "current").exists()


def _cli(args: list[str], prelude: str = "") -> subprocess.CompletedProcess:
    """`qa ARGS` in a fresh interpreter (fake model available), after running `prelude`."""
    script = textwrap.dedent(f"""
        import sys
        sys.path[:0] = [{str(ROOT)!r}, {str(TESTS)!r}]
        {prelude}
        from robustness_support import install_fake_encoder
        install_fake_encoder()
        from qa.cli import cli
        try:
            cli.main(args={args!r}, prog_name="qa")
        finally:
            print("ray imported:", any(m == "ray" or m.startswith("ray.") for m in sys.modules))
    """)
    env = offline_env()
    env.pop("RAY_ADDRESS", None)
    return subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180
    )


def test_a_local_build_never_imports_ray(corpus, tmp_path) -> None:
    done = _cli(["build", "--corpus", str(corpus), "--index", str(tmp_path / "index"), "--model", "fake:hash"])
    assert done.returncode == 0, done.stderr
    assert "Built" in done.stdout and "ray imported: False" in done.stdout


def test_ray_missing_or_unreachable_is_one_line(corpus, tmp_path) -> None:
    block = (
        "import importlib.abc\n"
        "class NoRay(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path, target=None):\n"
        "        if name == 'ray' or name.startswith('ray.'):\n"
        "            raise ModuleNotFoundError(\"No module named 'ray'\")\n"
        "sys.meta_path.insert(0, NoRay())"
    )
    args = ["build", "--corpus", str(corpus), "--index", str(tmp_path / "index"), "--model", "fake:hash", "--ray"]
    done = _cli(args, textwrap.indent(block, " " * 8).lstrip())
    assert done.returncode == 1
    assert_one_error_line(done.stderr, r"--ray needs Ray, which is not installed; pip install 'qa-retrieval\[ray\]'")
    done = _cli(args[:-1] + ["--ray", "127.0.0.1:1"])
    assert done.returncode == 1, done.stderr
    assert_one_error_line(done.stderr, r"cannot reach the Ray cluster at '127\.0\.0\.1:1'.*ray start --head")
    assert not (tmp_path / "index" / "current").exists()
