"""The served engine's holder reads what it needs from the typed manifest of the index it serves."""

from __future__ import annotations

from pathlib import Path

from qa.engine import Engine, build_from_folder
from qa.index.config import BuildConfig
from qa.web.holder import EngineHolder


def test_upload_limit_is_the_served_index_build_limit(tmp_path: Path, hash_encoder) -> None:  # type: ignore[no-untyped-def]
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("The river floods every spring. Farmers plant rice after the flood.\n")
    config = BuildConfig(model=hash_encoder.name, max_file_bytes=123_456)
    build_from_folder(corpus, tmp_path / "index", config, encoder=hash_encoder)
    engine = Engine.open(tmp_path / "index", encoder=hash_encoder)
    holder = EngineHolder(engine, tmp_path / "index", corpus)
    assert holder.max_file_bytes == 123_456 != BuildConfig().max_file_bytes
