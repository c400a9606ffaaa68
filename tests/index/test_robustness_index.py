"""A missing, damaged or foreign index through the commands: exit code 1, one `Error:` line, nothing changed.

tests/test_index.py checks `open_index` itself on a truncated FAISS file, a wrong format version, a manifest that
does not match the vectors and another model; here every such fault (and more: a damaged chunk store, missing
files, hand-edited manifests) goes through `qa ask`, `qa status` and `qa eval`, and `qa build` meets an index
folder it may not write.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import faiss
import numpy as np
import pytest
from robustness_support import (
    FAKE_MODEL,
    QUESTIONS,
    answers,
    assert_one_error_line,
    make_corpus,
    run_qa,
    tree_digest,
)

from qa.engine import Engine, build_from_folder
from qa.errors import IndexNotReady, QAError
from qa.index.config import BuildConfig
from qa.index.open import open_index, read_manifest
from qa.ingest.chunk import passage_embed_text, sentence_embed_text

CONFIG = BuildConfig(model=FAKE_MODEL)


@pytest.fixture
def index(tmp_path: Path, hash_encoder) -> Path:  # type: ignore[no-untyped-def]
    build_from_folder(make_corpus(tmp_path / "corpus"), tmp_path / "index", CONFIG, encoder=hash_encoder)
    return tmp_path / "index"


def generation(index: Path) -> Path:
    return index / os.readlink(index / "current")


def edit_manifest(change: Callable[[dict], object]) -> Callable[[Path], None]:
    def apply(index: Path) -> None:
        path = generation(index) / "manifest.json"
        manifest = json.loads(path.read_text(encoding="utf-8"))
        change(manifest)
        path.write_text(json.dumps(manifest), encoding="utf-8")

    return apply


def truncate(name: str, keep: float = 0.5) -> Callable[[Path], None]:
    def apply(index: Path) -> None:
        path = generation(index) / name
        data = path.read_bytes()
        path.write_bytes(data[: int(len(data) * keep)])

    return apply


def replace_file(name: str, content: bytes) -> Callable[[Path], None]:
    return lambda index: (generation(index) / name).write_bytes(content)


def remove(name: str) -> Callable[[Path], None]:
    def apply(index: Path) -> None:
        path = generation(index) / name
        shutil.rmtree(path) if path.is_dir() else path.unlink()

    return apply


def fewer_vectors(index: Path) -> None:
    dense = faiss.IndexFlatIP(64)
    dense.add(np.eye(64, dtype=np.float32)[:2])
    faiss.write_index(dense, str(generation(index) / "dense.faiss"))


def fewer_lexical_passages(index: Path) -> None:
    from qa.index.bm25 import LexicalWriter

    first_doc = (
        sqlite3.connect(generation(index) / "store.sqlite").execute("SELECT doc FROM chunks LIMIT 1").fetchone()[0]
    )
    writer = LexicalWriter(generation(index) / "lexical")
    writer.delete_document(first_doc)
    writer.commit()


def first_chunk_vectors_cut(index: Path) -> None:
    with sqlite3.connect(generation(index) / "store.sqlite") as db:
        db.execute("UPDATE chunks SET vectors = substr(vectors, 1, 10) WHERE id = (SELECT MIN(id) FROM chunks)")


def first_chunk_row_without_text(index: Path) -> None:
    with sqlite3.connect(generation(index) / "store.sqlite") as db:
        db.execute("ALTER TABLE chunks DROP COLUMN text")


def dangling_current(index: Path) -> None:
    shutil.rmtree(generation(index))


def set_path(*keys: str, value: object) -> Callable[[dict], None]:
    def change(manifest: dict) -> None:
        target = manifest
        for key in keys[:-1]:
            target = target[key]
        if value is KeyError:
            del target[keys[-1]]
        else:
            target[keys[-1]] = value

    return change


CORRUPT = "is corrupt \\(.*\\); run `qa build --index .*` to build it"
DAMAGED = "is corrupt \\({}.*\\); run `qa build --index .*` to build it"  # a file's size or checksum, named
INVALID = "index manifest at '.*manifest.json' is invalid \\({}\\); run `qa build"
# (fault, the message `qa ask` must print, whether `qa status` must refuse too: it checks the manifest and every file's
# size and the checksums opening checks, not the parts against each other)
FAULTS = [
    pytest.param(dangling_current, r"no index at '.*'; run `qa build --index", True, id="current-points-nowhere"),
    pytest.param(truncate("dense.faiss"), DAMAGED.format("dense.faiss has"), True, id="truncated-faiss"),
    pytest.param(replace_file("dense.faiss", b""), DAMAGED.format("dense.faiss has 0 bytes"), True, id="empty-faiss"),
    pytest.param(replace_file("dense.faiss", b"\x00" * 4096), DAMAGED.format("dense.faiss"), True, id="zeroed-faiss"),
    pytest.param(remove("dense.faiss"), DAMAGED.format("dense.faiss is missing"), True, id="missing-faiss"),
    pytest.param(truncate("store.sqlite", 0.5), DAMAGED.format("store.sqlite has"), True, id="truncated-chunk-store"),
    pytest.param(
        replace_file("store.sqlite", b"\x00" * 8192), DAMAGED.format("store.sqlite"), True, id="zeroed-chunk-store"
    ),
    pytest.param(remove("store.sqlite"), DAMAGED.format("store.sqlite is missing"), True, id="missing-chunk-store"),
    pytest.param(first_chunk_row_without_text, DAMAGED.format("store.sqlite"), True, id="chunk-store-missing-a-column"),
    pytest.param(remove("lexical"), DAMAGED.format("lexical/.* is missing"), True, id="missing-lexical-index"),
    pytest.param(
        replace_file("lexical/meta.json", b"{not json"),
        DAMAGED.format("lexical/meta.json has"),
        True,
        id="damaged-lexical-meta",
    ),
    pytest.param(
        truncate("manifest.json"),
        r"index manifest at '.*' is unreadable \(.*\); run `qa build",
        True,
        id="truncated-manifest",
    ),
    pytest.param(replace_file("manifest.json", b"\xff\xfe not json"), r"is unreadable", True, id="binary-manifest"),
    pytest.param(
        replace_file("manifest.json", b"[1, 2]"),
        r"has format version null, this program reads version 3",
        True,
        id="manifest-not-an-object",
    ),
    pytest.param(
        edit_manifest(set_path("format_version", value=99)),
        r"has format version 99, this program reads version 3;",
        True,
        id="format-version-99",
    ),
    pytest.param(
        edit_manifest(set_path("format_version", value="2")),
        r'has format version "2", this program reads version 3',
        True,
        id="format-version-a-string",
    ),
    pytest.param(
        edit_manifest(set_path("format_version", value=KeyError)),
        r"has format version null",
        True,
        id="format-version-missing",
    ),
    pytest.param(
        edit_manifest(set_path("counts", value=KeyError)),
        INVALID.format('"counts" must hold .*'),
        True,
        id="manifest-without-counts",
    ),
    pytest.param(
        edit_manifest(set_path("model", value="fake:hash")),
        INVALID.format('"model" must hold .*'),
        True,
        id="model-not-an-object",
    ),
    pytest.param(
        edit_manifest(set_path("model", "dimension", value="64")),
        INVALID.format('"model" must hold .*'),
        True,
        id="dimension-a-string",
    ),
    pytest.param(
        edit_manifest(set_path("config", "index_type", value="annoy")),
        INVALID.format('"config" is not a build .*'),
        True,
        id="unknown-index-type",
    ),
    pytest.param(
        edit_manifest(set_path("config", "colour", value="red")),
        INVALID.format('"config" is not a build .*'),
        True,
        id="unknown-config-field",
    ),
    pytest.param(
        edit_manifest(set_path("source", "path", value=KeyError)),
        INVALID.format('"source" must be .*'),
        True,
        id="folder-source-without-path",
    ),
    pytest.param(
        edit_manifest(set_path("counts", "chunks", value=999)),
        r"does not match its manifest \(\d+ chunks stored, manifest says 999\)",
        False,
        id="chunk-count-mismatch",
    ),
    pytest.param(
        edit_manifest(set_path("model", "dimension", value=384)),
        r"does not match its manifest \(vector dimension 64, manifest says 384\)",
        False,
        id="dimension-mismatch",
    ),
    pytest.param(fewer_vectors, DAMAGED.format("dense.faiss has"), True, id="vector-count-mismatch"),
    pytest.param(fewer_lexical_passages, DAMAGED.format("lexical/"), True, id="lexical-count-mismatch"),
    pytest.param(
        first_chunk_vectors_cut, DAMAGED.format("store.sqlite has checksum"), True, id="vectors-of-the-wrong-size"
    ),
]
# An index built before sizes and checksums were recorded: its parts are still checked against each other.
UNRECORDED = [
    pytest.param(truncate("dense.faiss"), CORRUPT, id="truncated-faiss"),
    pytest.param(remove("store.sqlite"), CORRUPT, id="missing-chunk-store"),
    pytest.param(
        fewer_vectors, r"does not match its manifest \(2 vectors for \d+ chunks\)", id="vector-count-mismatch"
    ),
    pytest.param(
        fewer_lexical_passages,
        r"does not match its manifest \(\d+ passages in the lexical index for \d+ chunks\)",
        id="lexical-count-mismatch",
    ),
    pytest.param(
        first_chunk_vectors_cut,
        r"does not match its manifest \(chunk \d+ has vectors of the wrong size\)",
        id="vectors-of-the-wrong-size",
    ),
]


@pytest.mark.parametrize(("fault", "message", "status_refuses"), FAULTS)
def test_a_damaged_index_is_refused_with_one_line_and_left_as_it_is(
    fake_cli,
    index: Path,
    fault,
    message: str,  # type: ignore[no-untyped-def]
    status_refuses: bool,
) -> None:
    fault(index)
    before = tree_digest(index)
    result = fake_cli("ask", QUESTIONS[0], "--index", index)
    assert result.exit_code == 1 and result.stdout == ""
    assert_one_error_line(result.stderr, message)
    status = fake_cli("status", "--index", index)
    if status_refuses:
        assert status.exit_code == 1 and status.stdout == ""
        assert_one_error_line(status.stderr, message)
    else:
        assert status.exit_code == 0 and "state:     fresh" in status.stdout
    gold = index.parent / "gold.jsonl"
    gold.write_text('{"question": "How many members does the band have?", "answers": ["115"]}\n', encoding="utf-8")
    evaluation = fake_cli("eval", gold, "--index", index)
    assert evaluation.exit_code == 1
    assert_one_error_line(evaluation.stderr, message)
    assert tree_digest(index) == before  # reading a damaged index repairs nothing and breaks nothing more


@pytest.mark.parametrize(("fault", "message"), UNRECORDED)
def test_an_index_without_recorded_checksums_still_has_its_parts_checked(
    fake_cli, index: Path, fault, message: str
) -> None:  # type: ignore[no-untyped-def]
    edit_manifest(set_path("index_files", value=KeyError))(index)
    fault(index)
    result = fake_cli("ask", QUESTIONS[0], "--index", index)
    assert result.exit_code == 1 and result.stdout == ""
    assert_one_error_line(result.stderr, message)
    status = fake_cli("status", "--index", index)
    assert (
        status.exit_code == 0
        and "state:     fresh" in status.stdout
        and "no sizes or checksums recorded" in status.stdout
    )
    verify = fake_cli("status", "--verify", "--index", index)
    assert verify.exit_code == 1
    assert_one_error_line(
        verify.stderr, r"records no sizes and checksums to verify .*; run `qa build --index .*` to record them"
    )


@pytest.mark.parametrize(
    ("fault", "message", "status_refuses"),
    [
        p
        for p in FAULTS
        if p.id
        in (
            "truncated-faiss",
            "manifest-without-counts",
            "current-points-nowhere",
            "dimension-mismatch",
            "truncated-chunk-store",
        )
    ],
)
def test_the_next_build_replaces_a_damaged_index(
    fake_cli, index: Path, fault, message: str, status_refuses: bool
) -> None:  # type: ignore[no-untyped-def]
    fault(index)
    result = fake_cli("build", "--corpus", index.parent / "corpus", "--index", index, "--model", FAKE_MODEL)
    assert result.exit_code == 0, result.output
    assert fake_cli("ask", QUESTIONS[0], "--index", index).exit_code == 0


def test_a_missing_index_is_one_line_for_every_command(fake_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "a-file").write_text("not an index", encoding="utf-8")
    gold = tmp_path / "gold.jsonl"
    gold.write_text('{"question": "How many members?", "answers": ["115"]}\n', encoding="utf-8")
    for index in (tmp_path / "nope", tmp_path / "a-file", tmp_path / "a-file" / "below"):
        for args in (("ask", QUESTIONS[0]), ("status",), ("eval", gold)):
            result = fake_cli(*args, "--index", index)
            assert result.exit_code == 1 and result.stdout == "", args
            assert_one_error_line(result.stderr, rf"no index at '{index}'; run `qa build --index {index}` to build it")
    assert not (tmp_path / "nope").exists()


def test_a_damaged_index_as_a_real_process(tmp_path: Path, hash_encoder) -> None:  # type: ignore[no-untyped-def]
    """The real `qa ask` on a truncated FAISS file: exit 1, one line, no traceback."""
    build_from_folder(make_corpus(tmp_path / "corpus"), tmp_path / "index", CONFIG, encoder=hash_encoder)
    truncate("dense.faiss")(tmp_path / "index")
    done = run_qa("ask", QUESTIONS[0], "--index", tmp_path / "index", timeout=120)
    assert done.returncode == 1 and done.stdout == ""
    assert_one_error_line(done.stderr, CORRUPT)


# ---------------------------------------------------------------- another model


class OtherEncoder:
    """Another fake model: different name and dimension, so a vector of the old model cannot fit."""

    name = "fake:other"
    dimension = 32
    max_tokens = 128

    def __init__(self) -> None:
        from conftest import HashEncoder

        self._hash = HashEncoder()
        self.texts_encoded = 0

    def encode(self, texts: list[str], **kwargs) -> np.ndarray:  # type: ignore[no-untyped-def]
        self.texts_encoded += len(texts)
        vectors = self._hash.encode(texts)[:, : self.dimension]
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.where(norms == 0, 1, norms)


def test_an_index_of_another_model_is_refused_not_mixed(index: Path, hash_encoder) -> None:  # type: ignore[no-untyped-def]
    answers_before = answers(index)
    with pytest.raises(IndexNotReady, match=r"built with model 'fake:hash', not 'fake:other'; run `qa build"):
        Engine.open(index, model="fake:other", encoder=OtherEncoder())
    # rebuilding with the other model re-embeds everything: no vector of the old model is reused
    other = OtherEncoder()
    report = build_from_folder(index.parent / "corpus", index, BuildConfig(model=other.name), encoder=other)
    loaded = open_index(index, model="fake:other")
    distinct = {
        t for c in loaded.chunks for t in [passage_embed_text(c), *(sentence_embed_text(c, s) for s in c.sentences)]
    }
    assert report.reused == 0 and report.embedded == report.chunks and other.texts_encoded == len(distinct)
    assert loaded.dense.d == 32 and loaded.manifest.to_json()["model"] == {
        "name": "fake:other",
        "dimension": 32,
        "max_tokens": 128,
        "runtime": "",
    }
    with pytest.raises(IndexNotReady, match=r"built with model 'fake:other', not 'fake:hash'"):
        open_index(index, model="fake:hash")
    # and back: the embedding store is kept per model, so the fake:hash vectors of two builds ago are lent again
    # (and only they: the index answers exactly as the first fake:hash build did)
    expected = answers_before
    report = build_from_folder(index.parent / "corpus", index, CONFIG, encoder=hash_encoder)
    assert report.embedded == 0 and report.reused == report.chunks and answers(index) == expected


def test_an_encoder_that_differs_from_the_configured_model_is_refused(index: Path) -> None:
    with pytest.raises(QAError, match=r"encoder 'fake:other' differs from the configured model 'fake:hash'"):
        build_from_folder(index.parent / "corpus", index, CONFIG, encoder=OtherEncoder())


@pytest.mark.parametrize("damage", ["garbage-file", "short-rows"])
def test_a_damaged_embedding_cache_is_not_reused(index: Path, hash_encoder, damage: str) -> None:  # type: ignore[no-untyped-def]
    """The embedding store lends vectors to the next build: damaged entries must be embedded again, not lent out."""
    expected = answers(index)
    (cache,) = (index / "embeddings").glob("*.sqlite")
    if damage == "garbage-file":
        for extra in cache.parent.glob(cache.name + "-*"):
            extra.unlink()
        cache.write_bytes(b"this is not a database" * 100)
    else:
        with sqlite3.connect(cache) as db:
            db.execute("UPDATE vectors SET data = substr(data, 1, 16)")
    (index / "current").unlink()  # nothing to carry over: every passage comes from the store or the model
    report = build_from_folder(index.parent / "corpus", index, CONFIG, encoder=hash_encoder)
    assert report.reused == 0 and report.embedded == report.chunks and answers(index) == expected


# ---------------------------------------------------------------- an index folder that may not be written


@contextmanager
def unprivileged() -> Iterator[None]:
    """Act as an ordinary user: as root, the effective uid/gid become nobody's (root ignores file modes)."""
    if os.geteuid() != 0:
        yield
        return
    os.setegid(65534)
    os.seteuid(65534)
    try:
        yield
    finally:
        os.seteuid(0)
        os.setegid(0)


def test_an_index_folder_that_may_not_be_written(fake_cli, hash_encoder) -> None:  # type: ignore[no-untyped-def]
    base = Path(tempfile.mkdtemp(prefix="qa-readonly-"))  # not under pytest's 0700 tmp: nobody must reach it
    try:
        os.chmod(base, 0o755)
        corpus = make_corpus(base / "corpus")
        build_from_folder(corpus, base / "index", CONFIG, encoder=hash_encoder)
        (corpus / "troops.txt").write_text("The band has 120 members now.", encoding="utf-8")  # work for a rebuild
        os.chmod(base / "index", 0o555)
        before = tree_digest(base / "index")
        with unprivileged():
            assert not os.access(base / "index", os.W_OK, effective_ids=True)  # the fault is real for this user
            result = fake_cli("build", "--corpus", corpus, "--index", base / "index", "--model", FAKE_MODEL)
            asked = fake_cli("ask", QUESTIONS[0], "--index", base / "index", "--json")
        assert result.exit_code == 1 and result.stdout == ""
        assert_one_error_line(
            result.stderr,
            rf"index folder '{base / 'index'}' is not writable \(Permission denied\); "
            "pass --index with a writable folder",
        )
        assert tree_digest(base / "index") == before
        # reading needs no write access: the old index still opens, and says the corpus changed since
        assert asked.exit_code == 1
        assert_one_error_line(asked.stderr, r"is stale: corpus .* changed since the build \(changed: troops.txt\)")
        make_corpus(corpus)  # the corpus as it was built
        with unprivileged():  # --no-reader: the package itself may sit in a folder only its owner reads (a 0700 clone)
            asked = fake_cli("ask", QUESTIONS[0], "--index", base / "index", "--json", "--no-reader")
        assert asked.exit_code == 0, asked.output  # generations used to be 0700 (mkdtemp): unreadable to other users
        assert json.loads(asked.stdout)["results"][0]["text"] == "The band has 115 members."
        # an index this user may not read at all: one line, not a PermissionError traceback
        os.chmod(generation(base / "index"), 0o000)
        with unprivileged():
            asked = fake_cli("ask", QUESTIONS[0], "--index", base / "index")
            status = fake_cli("status", "--index", base / "index")
        for refused in (asked, status):
            assert refused.exit_code == 1
            assert_one_error_line(
                refused.stderr, r"index at '.*' cannot be read by this user \(Permission denied .*manifest.json\)"
            )
    finally:
        for folder in (base / "index", *(base / "index").glob("gen-*")):
            os.chmod(folder, 0o755)
        shutil.rmtree(base)


def test_an_index_path_that_is_a_file_or_below_a_file(fake_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    corpus = make_corpus(tmp_path / "corpus")
    (tmp_path / "a-file").write_text("keep me", encoding="utf-8")
    result = fake_cli("build", "--corpus", corpus, "--index", tmp_path / "a-file", "--model", FAKE_MODEL)
    assert result.exit_code == 1
    assert_one_error_line(result.stderr, r"index path '.*a-file' is a file, not a folder; pass --index with a folder")
    result = fake_cli("build", "--corpus", corpus, "--index", tmp_path / "a-file" / "index", "--model", FAKE_MODEL)
    assert result.exit_code == 1
    assert_one_error_line(result.stderr, r"index folder '.*a-file/index' is not writable \(Not a directory\)")
    assert (tmp_path / "a-file").read_text(encoding="utf-8") == "keep me"


def test_manifest_validation_accepts_what_build_writes(index: Path) -> None:
    manifest = read_manifest(index).to_json()
    assert manifest["counts"]["documents"] == 3 and manifest["source"]["kind"] == "folder"
