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


def test_status_lists_what_each_document_became_and_follows_a_rebuild(tmp_path: Path, hash_encoder) -> None:  # type: ignore[no-untyped-def]
    from qa.web.views import files_html, status_html

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("The river floods every spring. Farmers plant rice after the flood.\n")
    config = BuildConfig(model=hash_encoder.name)
    build_from_folder(corpus, tmp_path / "index", config, encoder=hash_encoder)
    holder = EngineHolder(Engine.open(tmp_path / "index", encoder=hash_encoder), tmp_path / "index", corpus)
    assert [(f["file"], f["kind"], f["passages"]) for f in holder.status()["files"]] == [("a.txt", "txt", 1)]
    (corpus / "<b>.md").write_text("# Dams\n\nThe dam holds the flood back.\n")
    holder.rebuild()
    listed = holder.status()["files"]
    assert [f["file"] for f in listed] == ["<b>.md", "a.txt"]  # the swapped-in index's documents, not a cached list
    shown = files_html(listed)
    assert "What each of the 2 documents became" in shown and '<td class="qa-file">&lt;b&gt;.md</td>' in shown
    assert "Not read" not in status_html(holder.status())
    (corpus / "flyer.pub").write_bytes(b"PK")  # copied in beside the documents: not read, and said so
    assert holder.status()["unread"] == {".pub": 1}
    shown = status_html(holder.status())
    assert "<th>Not read</th>" in shown and ">1 file of kinds the index does not read (.pub: 1); it reads PDF" in shown


def test_a_long_document_list_is_cut_and_says_where_the_rest_is() -> None:
    from qa.web.views import FILES_SHOWN, files_html

    files = [
        {"file": f"f{i:04}.txt", "kind": "txt", "pages": None, "passages": 1, "notes": ""}
        for i in range(FILES_SHOWN + 3)
    ]
    shown = files_html(files)
    assert shown.count('<td class="qa-file">') == FILES_SHOWN and "… and 3 more" in shown
    assert "qa status --documents" in shown
    hostile = files_html([{"file": "m.eml", "kind": "eml", "pages": None, "passages": 2, "notes": "attached: <img>"}])
    assert "attached: &lt;img&gt;" in hostile and "<img>" not in hostile
