"""Shared fixtures: the real bundled model, a real index of corpus/, and a deterministic fake encoder for speed."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import settings

# Hypothesis: random examples locally (new cases found over time), the same examples on every CI run (CI=true is
# set by GitHub Actions, GitLab and most others), so a CI failure reproduces and a green CI is not luck.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.register_profile("dev")
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"


class HashEncoder:
    """Deterministic bag-of-words vectors: fast, and similar texts get similar vectors."""

    name = "fake:hash"
    dimension = 64
    max_tokens = 256

    def __init__(self) -> None:
        self.calls = 0
        self.texts_encoded = 0

    def encode(self, texts: list[str], *, batch_size: int = 64, progress: bool = False) -> np.ndarray:
        self.calls += 1
        self.texts_encoded += len(texts)
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                out[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dimension] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)

    def encode_passages(
        self, texts: list[str], spans: list[list[tuple[int, int]]]
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Late chunking, as far as a bag of words has one: each span's own words."""
        return self.encode(texts), [self.encode([text[a:b] for a, b in s]) for text, s in zip(texts, spans)]


SLOW_FIXTURES = frozenset({"real_encoder", "real_reader", "corpus_index", "corpus_engine"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that uses the real model is `slow`, whichever file it is in (`-m "not slow"` leaves it out)."""
    for item in items:
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@pytest.fixture
def hash_encoder() -> HashEncoder:
    return HashEncoder()


@pytest.fixture
def hash_engine(tmp_path: Path, hash_encoder: HashEncoder):  # type: ignore[no-untyped-def]
    """Build an index of {file name: text, or bytes for a binary format} with the hash encoder and open it without
    the reader: for tests of what the build indexes, where the model's vectors do not matter."""
    from qa.engine import Engine, build_from_folder
    from qa.index.config import BuildConfig

    def build(files: dict[str, str | bytes]) -> Engine:
        corpus = tmp_path / "corpus"
        corpus.mkdir()
        for name, content in files.items():
            if isinstance(content, bytes):
                (corpus / name).write_bytes(content)
            else:
                (corpus / name).write_text(content, encoding="utf-8")
        build_from_folder(corpus, tmp_path / "index", BuildConfig(model=hash_encoder.name), encoder=hash_encoder)
        return Engine.open(tmp_path / "index", encoder=hash_encoder, reader=False)

    return build


@pytest.fixture(scope="session")
def real_encoder():
    from qa.models.encoder import load_encoder

    return load_encoder()


@pytest.fixture(scope="session")
def real_reader():
    """The reader shipped with the package (qa/models/reader-weights): the real int8 model file."""
    from qa.models.reader import Reader

    return Reader.open()


@pytest.fixture(scope="session")
def real_reranker():
    """The reranker shipped with the package (qa/models/reranker-weights): the real int8 model file."""
    from qa.models.reranker import Reranker

    return Reranker.open()


@pytest.fixture(scope="session")
def corpus_index(tmp_path_factory, real_encoder) -> Path:
    """A real index of the bundled corpus, built once per test session."""
    from qa.engine import build_from_folder

    folder = tmp_path_factory.mktemp("corpus-index")
    corpus = folder / "corpus"
    shutil.copytree(CORPUS, corpus)
    build_from_folder(corpus, folder / "index", encoder=real_encoder)
    return folder


@pytest.fixture(scope="session")
def paper_index(tmp_path_factory, real_encoder) -> Path:
    """A real index of `paper_fixtures.PAPER` (a results section: Tables 3 and 5, their captions and prose naming
    them), built once per test session; the tests only read it."""
    from paper_fixtures import PAPER

    from qa.engine import build_from_folder

    folder = tmp_path_factory.mktemp("paper-index")
    (folder / "corpus").mkdir()
    (folder / "corpus" / "paper.md").write_text(PAPER, encoding="utf-8")
    build_from_folder(folder / "corpus", folder / "index", encoder=real_encoder)
    return folder / "index"


@pytest.fixture(scope="session")
def corpus_engine(corpus_index, real_encoder):
    from qa.engine import Engine

    return Engine.open(corpus_index / "index", corpus_dir=corpus_index / "corpus", encoder=real_encoder)


@pytest.fixture
def fake_cli():  # type: ignore[no-untyped-def]
    """`run_cli(*args)` runs the `qa` command in-process with `--model fake:hash` registered (no real model)."""
    from robustness_support import install_fake_encoder, remove_fake_encoder, run_cli

    install_fake_encoder()
    yield run_cli
    remove_fake_encoder()
