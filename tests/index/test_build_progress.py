"""The build's per-file progress (`on_event`), its cancellation at a safe point (`should_stop`) and `new_files`, on
real folders (a multi-page PDF made with fpdf2, HTML, text) with the fast hash encoder."""

from __future__ import annotations

from pathlib import Path

import pytest
from document_fixtures import pdf_of

from qa.engine import Engine, build_from_folder
from qa.errors import BuildCancelled
from qa.index.build import EMBED_BATCH
from qa.index.config import BuildConfig
from qa.index.generations import current_generation
from qa.index.open import read_manifest
from qa.index.progress import BuildProgress
from qa.ingest.chunk import ChunkSettings

PAGES = 4


def river_page(number: int) -> str:
    return " ".join(
        f"River {number} flows past mill {number}-{i} and feeds the canal of the valley." for i in range(12)
    )


def corpus_of(folder: Path) -> Path:
    folder.mkdir()
    pdf_of(folder / "rivers.pdf", [river_page(n) for n in range(1, PAGES + 1)])
    (folder / "garden.html").write_text(
        "<html><body><h1>Garden</h1><p>The garden gnome wears a red hat and guards the pond.</p></body></html>",
        encoding="utf-8",
    )
    (folder / "bees.txt").write_text("Honey bees live in hives. The queen lays the eggs.\n", encoding="utf-8")
    pdf_of(folder / "blank.pdf", [""])  # a PDF without a text layer: read, then skipped
    return folder


def config(encoder) -> BuildConfig:  # type: ignore[no-untyped-def]
    return BuildConfig(model=encoder.name)


def test_each_file_reports_pages_read_passages_embedded_then_indexed(tmp_path: Path, hash_encoder) -> None:  # type: ignore[no-untyped-def]
    corpus = corpus_of(tmp_path / "corpus")
    events: list[BuildProgress] = []
    report = build_from_folder(
        corpus, tmp_path / "index", config(hash_encoder), encoder=hash_encoder, on_event=events.append
    )
    of = {
        name: [e for e in events if e.file == name] for name in ("rivers.pdf", "garden.html", "bees.txt", "blank.pdf")
    }
    # the PDF: page after page of the pages its extractor knows, then its passages embedded, then indexed
    reading = [(e.done, e.total) for e in of["rivers.pdf"] if e.stage == "reading"]
    assert reading == [(0, 0)] + [(n, PAGES) for n in range(1, PAGES + 1)]
    store = Engine.open(tmp_path / "index", encoder=hash_encoder, reader=False).index.chunks
    for name in ("rivers.pdf", "garden.html", "bees.txt"):
        passages = len(list(store.doc_chunks(name)))
        stages = [e.stage for e in of[name]]
        assert stages[0] == "reading" and stages[-1] == "indexed", name
        assert of[name][-1].done == of[name][-1].total == passages > 0, name
        embedding = [e for e in of[name] if e.stage == "embedding"]
        assert embedding[0].done == 0 and embedding[-1].done == passages, name  # 0 once read, all once embedded
    assert [(e.done, e.total) for e in of["garden.html"] if e.stage == "reading"] == [(0, 0)]  # HTML: no pages
    # the blank PDF is read (its one page) and skipped with the reason the report gives
    assert [e.stage for e in of["blank.pdf"]] == ["reading", "reading", "skipped"]
    (skipped,) = report.skipped
    assert of["blank.pdf"][-1].reason == skipped.reason and "no text layer" in skipped.reason
    assert events[-1] == BuildProgress("", "writing")  # the whole build's last step


def test_a_large_file_reports_each_batch_of_passages(tmp_path: Path, hash_encoder) -> None:  # type: ignore[no-untyped-def]
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "long.txt").write_text(
        "\n\n".join(f"Paragraph {i} tells of orchard {i} and its {i} apple trees." for i in range(1500)),
        encoding="utf-8",
    )
    events: list[BuildProgress] = []
    cfg = BuildConfig(model=hash_encoder.name, chunking=ChunkSettings(target_words=20))
    build_from_folder(corpus, tmp_path / "index", cfg, encoder=hash_encoder, on_event=events.append)
    embedding = [e.done for e in events if e.stage == "embedding"]
    total = next(e.total for e in events if e.stage == "indexed")
    assert total > 3 * EMBED_BATCH
    assert embedding == [0, *range(EMBED_BATCH, total, EMBED_BATCH), total]  # one event per model call


def stop_at(safe_point: int):  # type: ignore[no-untyped-def]
    """A `should_stop` that says stop at its `safe_point`-th call, counting them."""
    calls = [0]

    def should_stop() -> bool:
        calls[0] += 1
        return calls[0] >= safe_point

    should_stop.calls = calls  # type: ignore[attr-defined]
    return should_stop


@pytest.mark.parametrize("safe_point", [1, 2, 5])  # before the first file, before the second, before writing
def test_a_cancelled_build_leaves_the_index_exactly_as_it_was(tmp_path: Path, hash_encoder, safe_point: int) -> None:  # type: ignore[no-untyped-def]
    corpus = corpus_of(tmp_path / "corpus")
    index = tmp_path / "index"
    build_from_folder(corpus, index, config(hash_encoder), encoder=hash_encoder)
    before = current_generation(index)
    manifest = read_manifest(index).to_json()
    files_before = sorted(p.relative_to(index).as_posix() for p in index.rglob("*") if "embeddings" not in p.parts)
    (corpus / "new.txt").write_text("The lighthouse keeper feeds thirty-seven parrots.\n", encoding="utf-8")
    (corpus / "bees.txt").write_text("Bumble bees nest in the ground.\n", encoding="utf-8")
    pdf_of(corpus / "more.pdf", [river_page(9), river_page(10)])
    should_stop = stop_at(safe_point)
    with pytest.raises(BuildCancelled, match="cancelled before it wrote anything; the index is as it was"):
        build_from_folder(corpus, index, config(hash_encoder), encoder=hash_encoder, should_stop=should_stop)
    assert should_stop.calls[0] == safe_point  # type: ignore[attr-defined]
    assert current_generation(index) == before and read_manifest(index).to_json() == manifest
    files_after = sorted(p.relative_to(index).as_posix() for p in index.rglob("*") if "embeddings" not in p.parts)
    assert files_after == files_before  # no temporary folder left, no generation added
    engine = Engine.open(index, encoder=hash_encoder, reader=False)
    assert engine.index.chunks.document("new.txt") is None
    assert "queen" in engine.index.chunks.document("bees.txt").text
    finished = build_from_folder(corpus, index, config(hash_encoder), encoder=hash_encoder)  # and a later build works
    assert finished.read == 3 and current_generation(index) != before


def test_new_files_limits_which_new_files_a_build_adds(tmp_path: Path, hash_encoder) -> None:  # type: ignore[no-untyped-def]
    corpus = corpus_of(tmp_path / "corpus")
    index = tmp_path / "index"
    build_from_folder(corpus, index, config(hash_encoder), encoder=hash_encoder)
    (corpus / "first.txt").write_text("The first upload is about copper kettles.\n", encoding="utf-8")
    (corpus / "second.txt").write_text("The second upload is about tin whistles.\n", encoding="utf-8")
    (corpus / "bees.txt").write_text("Bumble bees nest in the ground.\n", encoding="utf-8")  # a changed file
    (corpus / "garden.html").unlink()  # a deleted file
    events: list[BuildProgress] = []
    report = build_from_folder(
        corpus, index, config(hash_encoder), encoder=hash_encoder, new_files={"first.txt"}, on_event=events.append
    )
    held = read_manifest(index).indexed_documents
    assert "first.txt" in held and "second.txt" not in held and "garden.html" not in held
    assert report.read == 2 and {e.file for e in events if e.stage == "indexed"} == {"first.txt", "bees.txt"}
    build_from_folder(corpus, index, config(hash_encoder), encoder=hash_encoder)  # without it: every new file
    assert "second.txt" in read_manifest(index).indexed_documents
