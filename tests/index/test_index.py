"""Build → load → search on a tiny corpus; the manifest catches every kind of mismatch; builds are atomic."""

from __future__ import annotations

import json
import os
from pathlib import Path

import faiss
import pytest

from qa.engine import Engine, build_from_folder
from qa.errors import IndexLocked, IndexNotReady, QAError
from qa.index.config import FORMAT_VERSION, BuildConfig
from qa.index.generations import MANIFEST, current_generation
from qa.index.open import CODE_CHANGED, check_fresh, corpus_changes, open_index, read_manifest
from qa.ingest.version import ingest_fingerprint

TINY = {
    "troops.txt": "= Troops =\n\nThe Internal Troops were established in 1991 by decree.\n\n==Band==\nThe band has 115 members.\n",
    "police.txt": "Police\n\nThe police academy was created in 1921 in Baku. It trains officers for two years.\n",
    "weather.md": "# Weather\n\nBaku is windy in winter. Summers are hot and dry.\n",
}


def make_corpus(folder: Path, files: dict[str, str] = TINY) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_build_load_search_with_the_real_model(tmp_path: Path, real_encoder) -> None:
    corpus = make_corpus(tmp_path / "corpus")
    report = build_from_folder(corpus, tmp_path / "index", encoder=real_encoder)
    # a new index embeds each passage once (with its sentences), reusing nothing
    assert (report.documents, report.chunks, report.embedded, report.reused, report.read) == (3, 4, 4, 0, 3)
    engine = Engine.open(tmp_path / "index", corpus_dir=corpus, encoder=real_encoder)
    response = engine.ask("How many members does the band have?", k=2, mode="dense")
    top = response.results[0]
    assert (top.doc, top.heading) == ("troops.txt", "Band")
    assert (corpus / top.doc).read_text(encoding="utf-8")[top.start : top.end] == top.text
    manifest = read_manifest(tmp_path / "index").to_json()
    assert manifest["model"] == {
        "name": "bundled:all-MiniLM-L6-v2",
        "dimension": 384,
        "max_tokens": 256,
        "runtime": real_encoder.runtime if hasattr(real_encoder, "runtime") else "torch",
    }
    assert manifest["config"]["chunking"]["target_words"] == BuildConfig().chunking.target_words
    assert set(manifest["files"]) == set(TINY) and manifest["counts"]["chunks"] == report.chunks


def test_rebuild_of_unchanged_corpus_embeds_nothing(tmp_path: Path, hash_encoder) -> None:
    corpus = make_corpus(tmp_path / "corpus")
    config = BuildConfig(model=hash_encoder.name)
    first = build_from_folder(corpus, tmp_path / "index", config, encoder=hash_encoder)
    assert first.embedded > 0
    texts_before = hash_encoder.texts_encoded
    second = build_from_folder(corpus, tmp_path / "index", config, encoder=hash_encoder)
    assert second.embedded == 0 and second.reused == first.embedded
    assert hash_encoder.texts_encoded == texts_before
    assert second.read == 0  # size and modification time unchanged: no file was even read
    # one changed file is read, its old passage removed and its new one embedded; the others are carried over
    (corpus / "weather.md").write_text("# Weather\n\nBaku is windy in autumn.\n", encoding="utf-8")
    third = build_from_folder(corpus, tmp_path / "index", config, encoder=hash_encoder)
    assert (third.read, third.removed, third.embedded, third.chunks) == (1, 1, 1, 4)
    engine = Engine.open(tmp_path / "index", corpus_dir=corpus, encoder=hash_encoder)
    assert "autumn" in engine.ask("When is Baku windy?", k=1, mode="bm25").results[0].text


def test_manifest_detects_changed_added_deleted_files(tmp_path: Path, hash_encoder) -> None:
    corpus = make_corpus(tmp_path / "corpus")
    build_from_folder(corpus, tmp_path / "index", BuildConfig(model=hash_encoder.name), encoder=hash_encoder)
    manifest = read_manifest(tmp_path / "index")
    assert corpus_changes(manifest, corpus) == []
    (corpus / "troops.txt").write_text("changed", encoding="utf-8")
    (corpus / "police.txt").unlink()
    (corpus / "new.txt").write_text("new", encoding="utf-8")
    assert corpus_changes(manifest, corpus) == ["deleted: police.txt", "added: new.txt", "changed: troops.txt"]
    with pytest.raises(
        IndexNotReady,
        match=r"is stale: corpus .* changed since the build \(deleted: police.txt, added: new.txt, changed: troops.txt\); run `qa build",
    ):
        check_fresh(manifest, corpus, tmp_path / "index")


def test_an_index_read_by_other_ingestion_code_is_stale_and_read_again(tmp_path: Path, hash_encoder) -> None:
    corpus = make_corpus(tmp_path / "corpus")
    config = BuildConfig(model=hash_encoder.name)
    build_from_folder(corpus, tmp_path / "index", config, encoder=hash_encoder)
    assert read_manifest(tmp_path / "index").ingest == ingest_fingerprint()
    path = current_generation(tmp_path / "index") / MANIFEST
    data = json.loads(path.read_text(encoding="utf-8"))
    data["ingest"] = "0" * 24  # as an older version of the extractors would have recorded
    path.write_text(json.dumps(data), encoding="utf-8")
    assert corpus_changes(read_manifest(tmp_path / "index"), corpus) == [CODE_CHANGED]
    with pytest.raises(IndexNotReady, match=r"is stale: .*ingestion code changed"):
        check_fresh(read_manifest(tmp_path / "index"), corpus, tmp_path / "index")
    report = build_from_folder(corpus, tmp_path / "index", config, encoder=hash_encoder)
    assert report.read == len(TINY)  # no passage cut by the other code is carried over
    assert corpus_changes(read_manifest(tmp_path / "index"), corpus) == []


def test_different_model_and_missing_index_are_reported(tmp_path: Path, hash_encoder) -> None:
    with pytest.raises(IndexNotReady, match=r"no index at '.*'; run `qa build --index"):
        open_index(tmp_path / "index")
    corpus = make_corpus(tmp_path / "corpus")
    build_from_folder(corpus, tmp_path / "index", BuildConfig(model=hash_encoder.name), encoder=hash_encoder)
    with pytest.raises(IndexNotReady, match=r"built with model 'fake:hash', not 'bundled:all-MiniLM-L6-v2'"):
        open_index(tmp_path / "index", model="bundled:all-MiniLM-L6-v2")


def test_interrupted_build_leaves_the_old_index_readable(tmp_path: Path, hash_encoder, monkeypatch) -> None:
    corpus = make_corpus(tmp_path / "corpus")
    config = BuildConfig(model=hash_encoder.name)
    build_from_folder(corpus, tmp_path / "index", config, encoder=hash_encoder)
    before = open_index(tmp_path / "index")
    (corpus / "extra.txt").write_text("An extra document about the Coast Guard.", encoding="utf-8")

    class Exploding(type(hash_encoder)):
        def encode(self, texts, **kwargs):  # fails mid-build, after chunking
            raise RuntimeError("power cut")

    with pytest.raises(RuntimeError, match="power cut"):
        build_from_folder(corpus, tmp_path / "index", config, encoder=Exploding())
    import qa.index.build

    def disk_failure(folder: Path) -> None:  # everything is written; the sync before the swap fails
        raise OSError(5, "Input/output error")

    with monkeypatch.context() as patch:
        patch.setattr(qa.index.build, "fsync_tree", disk_failure)
        with pytest.raises(OSError, match="Input/output error"):
            build_from_folder(corpus, tmp_path / "index", config, encoder=hash_encoder)
    after = open_index(tmp_path / "index")
    assert after.path == before.path and len(after.chunks) == len(before.chunks)
    # the next build recovers without manual cleanup and removes the leftovers
    report = build_from_folder(corpus, tmp_path / "index", config, encoder=hash_encoder)
    assert report.documents == 4
    assert not list((tmp_path / "index").glob(".tmp-*"))


def test_a_second_concurrent_build_is_refused(tmp_path: Path, hash_encoder) -> None:
    from filelock import FileLock

    corpus = make_corpus(tmp_path / "corpus")
    (tmp_path / "index").mkdir()
    with FileLock(str(tmp_path / "index" / ".lock")), pytest.raises(IndexLocked, match="another build is running"):
        build_from_folder(corpus, tmp_path / "index", BuildConfig(model=hash_encoder.name), encoder=hash_encoder)


def _built(tmp_path: Path, hash_encoder) -> Path:
    corpus = make_corpus(tmp_path / "corpus")
    build_from_folder(corpus, tmp_path / "index", BuildConfig(model=hash_encoder.name), encoder=hash_encoder)
    return read_manifest_path(tmp_path / "index")


def read_manifest_path(index_dir: Path) -> Path:
    return index_dir / os.readlink(index_dir / "current")


def test_truncated_faiss_file_is_reported_as_corrupt(tmp_path: Path, hash_encoder) -> None:
    generation = _built(tmp_path, hash_encoder)
    data = (generation / "dense.faiss").read_bytes()
    (generation / "dense.faiss").write_bytes(data[: len(data) // 2])
    with pytest.raises(IndexNotReady, match=r"is corrupt \(.*\); run `qa build"):
        open_index(tmp_path / "index")


def test_wrong_format_version_is_reported(tmp_path: Path, hash_encoder) -> None:
    generation = _built(tmp_path, hash_encoder)
    manifest = json.loads((generation / "manifest.json").read_text())
    manifest["format_version"] = 99
    (generation / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(IndexNotReady, match=rf"format version 99, this program reads version {FORMAT_VERSION}"):
        open_index(tmp_path / "index")


def test_manifest_not_matching_the_vectors_is_reported(tmp_path: Path, hash_encoder) -> None:
    generation = _built(tmp_path, hash_encoder)
    manifest = json.loads((generation / "manifest.json").read_text())
    manifest["counts"]["chunks"] += 1
    manifest["model"]["dimension"] = 384
    (generation / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(
        IndexNotReady,
        match=r"does not match its manifest \(.*chunks stored, manifest says.*vector dimension 64, manifest says 384",
    ):
        open_index(tmp_path / "index")
    faiss.write_index(faiss.IndexFlatIP(64), str(generation / "dense.faiss"))
    with pytest.raises(IndexNotReady, match=r"is corrupt \(dense.faiss has \d+ bytes, the manifest recorded"):
        open_index(tmp_path / "index")  # its size is not the one recorded: refused before it is read
    del manifest["index_files"]  # an index built before sizes and checksums were recorded
    (generation / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(IndexNotReady, match=r"0 vectors for"):
        open_index(tmp_path / "index")


def test_unwritable_index_folder_is_a_clear_error(tmp_path: Path, hash_encoder) -> None:
    if os.geteuid() == 0:
        target = Path("/proc/qa-index")  # root can write anywhere else; /proc refuses everyone
    else:
        target = tmp_path / "ro" / "index"
        (tmp_path / "ro").mkdir()
        os.chmod(tmp_path / "ro", 0o500)
    corpus = make_corpus(tmp_path / "corpus")
    with pytest.raises(QAError, match=r"index folder '.*' is not writable"):
        build_from_folder(corpus, target, BuildConfig(model=hash_encoder.name), encoder=hash_encoder)


def test_engine_refuses_an_encoder_the_index_was_not_built_with(tmp_path: Path, hash_encoder) -> None:
    corpus = make_corpus(tmp_path / "corpus")
    build_from_folder(corpus, tmp_path / "index", BuildConfig(model=hash_encoder.name), encoder=hash_encoder)

    class OtherModel(type(hash_encoder)):  # type: ignore[misc]
        name = "fake:other"

    class NarrowerVectors(type(hash_encoder)):  # type: ignore[misc]
        dimension = 32

    with pytest.raises(IndexNotReady, match=r"built with model 'fake:hash', not 'fake:other'"):
        Engine.open(tmp_path / "index", encoder=OtherModel())
    with pytest.raises(
        IndexNotReady, match=r"gives 32-dimensional vectors but the index .* holds 64; rebuild it with `qa build`"
    ):
        Engine.open(tmp_path / "index", encoder=NarrowerVectors())
    assert Engine.open(tmp_path / "index", encoder=hash_encoder).ask("How many members has the band?", k=1).results
