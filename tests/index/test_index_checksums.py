"""Each index file's size and checksum in the manifest, checked when the index is opened, by `qa status [--verify]`
and by every build for what it carries over (issue 17: an 8 KB overwrite in `dense.faiss` was answered from, and
the next build said nothing changed and kept the damage).
"""

from __future__ import annotations

import json
import os
import zlib
from pathlib import Path

import pytest
from conftest import HashEncoder
from robustness_support import FAKE_MODEL, assert_one_error_line, ranked
from test_scale_index import synthetic_corpus

import qa.index.integrity
from qa.engine import Engine, build_from_folder
from qa.errors import IndexNotReady
from qa.index.config import FORMAT_VERSION, BuildConfig
from qa.index.generations import current_generation
from qa.index.open import read_manifest
from qa.ingest.chunk import ChunkSettings

CONFIG = BuildConfig(model=FAKE_MODEL, chunking=ChunkSettings(target_words=20))
QUESTION = "Which river meadow has a copper lantern?"


@pytest.fixture
def built(tmp_path: Path, hash_encoder) -> tuple[Path, Path]:  # type: ignore[no-untyped-def]
    """(corpus, index): 100 passages, so `dense.faiss` is 25 KB (64 float32 dimensions a passage)."""
    corpus = synthetic_corpus(tmp_path / "corpus", files=10, paragraphs=10)
    build_from_folder(corpus, tmp_path / "index", CONFIG, encoder=hash_encoder)
    return corpus, tmp_path / "index"


def overwrite(path: Path, at: float, size: int) -> None:
    """`size` bytes of noise written over `path` at `at` of its length, in place (same size, same inode)."""
    with path.open("r+b") as fh:
        fh.seek(int(path.stat().st_size * at))
        fh.write(os.urandom(size))


def answers(index: Path) -> list:
    with Engine.open(index, encoder=HashEncoder()) as engine:
        return ranked(engine.ask(QUESTION, k=5))


def test_the_manifest_records_every_file_with_its_size_and_crc32(built: tuple[Path, Path]) -> None:
    _, index = built
    generation = current_generation(index)
    recorded = read_manifest(index).index_files
    on_disk = {p.relative_to(generation).as_posix() for p in generation.rglob("*") if p.is_file()}
    assert set(recorded) == {n for n in on_disk if n not in ("manifest.json", ".readers") and not n.endswith(".lock")}
    assert {"dense.faiss", "store.sqlite", "lexical/meta.json"} <= set(recorded)
    for name, entry in recorded.items():
        data = (generation / name).read_bytes()
        assert entry.size == len(data) and entry.crc32 == f"{zlib.crc32(data):08x}", name


def test_an_8_kb_overwrite_in_dense_faiss_is_refused_then_repaired_by_the_next_build(fake_cli, built) -> None:  # type: ignore[no-untyped-def]
    corpus, index = built
    before = answers(index)
    dense = current_generation(index) / "dense.faiss"
    assert dense.stat().st_size > 20_000
    overwrite(dense, 0.4, 8192)
    with pytest.raises(
        IndexNotReady, match=r"is corrupt \(dense.faiss has checksum [0-9a-f]{8}, the manifest recorded"
    ):
        Engine.open(index, encoder=HashEncoder())
    for args in (("ask", QUESTION), ("status",)):
        refused = fake_cli(*args, "--index", index)
        assert refused.exit_code == 1 and refused.stdout == ""
        assert_one_error_line(refused.stderr, r"is corrupt \(dense.faiss has checksum .*\); run `qa build --index .*`")
    rebuilt = fake_cli("build", "--corpus", corpus, "--index", index, "--model", FAKE_MODEL, "--chunk-words", "20")
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "Warning: the previous index was damaged and is rebuilt, not carried over:" in rebuilt.stderr
    assert "dense.faiss has checksum" in rebuilt.stderr and "nothing changed" not in rebuilt.stdout
    assert answers(index) == before
    verified = fake_cli("status", "--verify", "--index", index)
    assert (
        verified.exit_code == 0
        and "state:     fresh" in verified.stdout
        and "every checksum verified" in verified.stdout
    )


def test_a_damaged_chunk_store_base_is_not_carried_forward(fake_cli, built, hash_encoder) -> None:  # type: ignore[no-untyped-def]
    """The base `store.sqlite` is hard-linked from generation to generation: damage to it is in every one of them
    until a build writes a new base. Here one passage's text is changed in place (SQLite itself notices nothing)."""
    corpus, index = built
    (corpus / "doc000.txt").write_text((corpus / "doc000.txt").read_text() + "\nOne more paragraph, 9999.\n")
    build_from_folder(corpus, index, CONFIG, encoder=hash_encoder)  # an update: the base is linked, not copied
    base = current_generation(index) / "store.sqlite"
    assert base.stat().st_nlink == 2
    data = base.read_bytes()
    at = data.index(b"river")
    with base.open("r+b") as fh:
        fh.seek(at)
        fh.write(b"RIVER")
    refused = fake_cli("ask", QUESTION, "--index", index)
    assert refused.exit_code == 1
    assert_one_error_line(refused.stderr, r"is corrupt \(store.sqlite has checksum .*\); run `qa build")
    rebuilt = fake_cli("build", "--corpus", corpus, "--index", index, "--model", FAKE_MODEL, "--chunk-words", "20")
    assert rebuilt.exit_code == 0 and "store.sqlite has checksum" in rebuilt.stderr
    fresh = current_generation(index) / "store.sqlite"
    assert fresh.stat().st_ino != base.stat().st_ino and b"RIVER" not in fresh.read_bytes()
    assert fake_cli("status", "--verify", "--index", index).exit_code == 0


def test_files_over_the_open_limit_are_checked_by_verify_and_by_the_build(fake_cli, built, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Opening reads the checksum of files up to CHECKED_AT_OPEN_BYTES (and of dense.faiss); a larger chunk store is
    checked by size there, in full by `qa status --verify` and by the next build (made small here)."""
    corpus, index = built
    monkeypatch.setattr(qa.index.integrity, "CHECKED_AT_OPEN_BYTES", 0)
    store = current_generation(index) / "store.sqlite"
    data = store.read_bytes()
    at = data.index(b"meadow")
    with store.open("r+b") as fh:
        fh.seek(at)
        fh.write(b"MEADOW")
    status = fake_cli("status", "--index", index)
    assert status.exit_code == 0 and "state:     fresh" in status.stdout
    verify = fake_cli("status", "--verify", "--index", index)
    assert verify.exit_code == 1 and verify.stdout == ""
    assert_one_error_line(verify.stderr, r"is corrupt \(store.sqlite has checksum [0-9a-f]{8}, the manifest recorded")
    rebuilt = fake_cli("build", "--corpus", corpus, "--index", index, "--model", FAKE_MODEL, "--chunk-words", "20")
    assert rebuilt.exit_code == 0 and "store.sqlite has checksum" in rebuilt.stderr
    assert fake_cli("status", "--verify", "--index", index).exit_code == 0


def test_an_empty_dense_faiss_is_not_fresh(fake_cli, built) -> None:  # type: ignore[no-untyped-def]
    _, index = built
    (current_generation(index) / "dense.faiss").write_bytes(b"")
    status = fake_cli("status", "--index", index)
    assert status.exit_code == 1 and "fresh" not in status.stdout
    assert_one_error_line(
        status.stderr, r"is corrupt \(dense.faiss has 0 bytes, the manifest recorded [\d,]+\); run `qa build"
    )


def test_the_recorded_sizes_and_checksums_are_part_of_the_manifest_json(built: tuple[Path, Path]) -> None:
    _, index = built
    data = json.loads((current_generation(index) / "manifest.json").read_text(encoding="utf-8"))
    entry = data["index_files"]["dense.faiss"]
    assert set(entry) == {"size", "crc32"} and len(entry["crc32"]) == 8 and data["format_version"] == FORMAT_VERSION
