"""The typed manifest: what a build writes reads back equal, field by field, and a bad field is named once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from robustness_support import make_corpus

from qa.engine import build_from_folder
from qa.index.config import FORMAT_VERSION, BuildConfig
from qa.index.manifest import FileEntry, Manifest, ManifestError, ManifestVersionError
from qa.index.open import read_manifest
from qa.ingest.extract import AttachedPart
from qa.options import IndexType, Runtime, SentenceMethod

CONFIG = BuildConfig(model="fake:hash")


def test_a_built_manifest_reads_back_as_written(tmp_path: Path, hash_encoder) -> None:  # type: ignore[no-untyped-def]
    corpus = make_corpus(tmp_path / "corpus")
    (corpus / "empty.txt").write_text("", encoding="utf-8")
    build_from_folder(corpus, tmp_path / "index", CONFIG, encoder=hash_encoder)
    written = json.loads((tmp_path / "index" / "current" / "manifest.json").read_text(encoding="utf-8"))
    manifest = read_manifest(tmp_path / "index")
    assert manifest.to_json() == written
    assert Manifest.from_json(manifest.to_json()) == manifest
    assert manifest.config == CONFIG and manifest.source is not None and manifest.source.kind == "folder"
    assert manifest.files["empty.txt"].indexed is False and "empty.txt" not in manifest.indexed_documents
    assert manifest.counts.documents == 3 and manifest.model.name == "fake:hash"


def test_from_json_names_the_first_bad_field() -> None:
    good = {
        "format_version": FORMAT_VERSION,
        "config": CONFIG.to_json(),
        "model": {"name": "m", "dimension": 4, "max_tokens": 8},
        "counts": {"documents": 1, "chunks": 1, "sentences": 1},
    }
    assert Manifest.from_json(good).model.runtime == ""
    with pytest.raises(ManifestVersionError) as info:
        Manifest.from_json({**good, "format_version": 1})
    assert info.value.found == 1
    with pytest.raises(ManifestError, match='"counts" must hold'):
        Manifest.from_json({**good, "counts": {"documents": -1, "chunks": 1, "sentences": 1}})
    with pytest.raises(ManifestError, match='"files" must map'):
        Manifest.from_json({**good, "files": {"a.txt": {"size": 3}}})


def test_file_entries_write_indexed_only_when_false() -> None:
    assert FileEntry("ab", 3, 7).to_json() == {"sha256": "ab", "size": 3, "mtime_ns": 7}
    assert FileEntry("ab", None, None, indexed=False).to_json()["indexed"] is False


def test_attachments_round_trip_without_their_pages_and_bad_entries_are_left_out() -> None:
    parts = (AttachedPart("manual.pdf", "pdf", 2, 40, 900, (60, 500)), AttachedPart("pump.log", "txt", 1, 10, 40))
    data = FileEntry("ab", 3, 7, attachments=parts).to_json()
    assert data["attachments"][0] == {"name": "manual.pdf", "kind": "pdf", "number": 2, "start": 40, "end": 900}
    read = FileEntry.from_json(data)
    assert read.attachments == (
        AttachedPart("manual.pdf", "pdf", 2, 40, 900),
        AttachedPart("pump.log", "txt", 1, 10, 40),
    )
    assert read.attachment_at(40).name == "manual.pdf" and read.attachment_at(39).name == "pump.log"
    assert read.attachment_at(900) is None and read.attachment_at(5) is None
    bad = [{"name": "a", "kind": "pdf", "number": -1, "start": 0, "end": 5}, {"name": 3}, "x"]
    bad += [{"name": "b", "kind": "txt", "number": 1, "start": 9, "end": 9}]
    assert FileEntry.from_json({**data, "attachments": bad}).attachments == ()
    assert "attachments" not in FileEntry("ab", 3, 7).to_json()


def test_config_enums_equal_their_strings_and_serialize_as_them() -> None:
    config = BuildConfig(runtime="torch", index_type="hnsw", sentence_vectors="late")
    assert config.runtime is Runtime.TORCH and config.runtime == "torch" and f"{config.index_type}" == "hnsw"
    assert config.to_json()["sentence_vectors"] == "late" and type(config.to_json()["runtime"]) is str
    assert BuildConfig.from_json(config.to_json()) == config
    assert BuildConfig(sentence_vectors=False).sentence_vectors is SentenceMethod.NONE
    with pytest.raises(ValueError, match="index_type 'tree' is not one of auto, flat, ivf, hnsw"):
        BuildConfig(index_type="tree")
    assert IndexType.values() == ("auto", "flat", "ivf", "hnsw")
