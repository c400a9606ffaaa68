"""The app's background upload queue (`qa.web.jobs.UploadQueue`) on the real build: files saved through the real
admission checks are indexed one at a time in queue order, each in a build of its own; questions asked meanwhile
are answered from the index as it was; a file the build refuses does not stop the next; cancel stops the running
file at a safe point and drops the queued ones, leaving the corpus folder and the index exactly as they were.

The encoder is the tests' hash encoder (fast), with a gate that holds the build's first model call until the test
lets it go, so "while a file is being embedded" is a moment the test controls, not a race."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from conftest import HashEncoder

from qa.engine import Engine, build_from_folder
from qa.index.config import BuildConfig
from qa.index.generations import current_generation
from qa.index.open import read_manifest
from qa.web.files import save_upload
from qa.web.holder import EngineHolder
from qa.web.jobs import CANCELLED, DONE, FAILED, QUEUED, REFUSED, QueueView, UploadQueue, queue_html

WAIT = 60.0


class GatedEncoder(HashEncoder):
    """The hash encoder; once `hold()` is called, the next model call waits until `release()`."""

    def __init__(self) -> None:
        super().__init__()
        self._armed = False
        self.entered = threading.Event()
        self._released = threading.Event()

    def hold(self) -> None:
        self._armed, self._released = True, threading.Event()
        self.entered.clear()

    def release(self) -> None:
        self._released.set()

    def encode(self, texts, **kwargs):  # type: ignore[no-untyped-def]
        if self._armed:
            self._armed = False
            self.entered.set()
            assert self._released.wait(WAIT), "the test never released the encoder"
        return super().encode(texts, **kwargs)


@pytest.fixture
def app_parts(tmp_path: Path):  # type: ignore[no-untyped-def]
    """(holder, queue, encoder, uploads folder): a served index of a two-file corpus and its upload queue."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "bees.txt").write_text("Honey bees live in hives. The queen lays the eggs.\n", encoding="utf-8")
    (corpus / "rivers.txt").write_text("The Ostra river floods every spring near the mill.\n", encoding="utf-8")
    encoder = GatedEncoder()
    build_from_folder(corpus, tmp_path / "index", BuildConfig(model=encoder.name), encoder=encoder)
    holder = EngineHolder(Engine.open(tmp_path / "index", encoder=encoder, reader=False), tmp_path / "index", corpus)
    queue = UploadQueue(holder)
    outside = tmp_path / "uploads"
    outside.mkdir()
    yield holder, queue, encoder, outside
    encoder.release()
    queue.close()


def add(holder: EngineHolder, queue: UploadQueue, folder: Path, files: dict[str, bytes]) -> list[str]:
    """What the Add button does: each upload saved after every admission check, then queued; returns the names."""
    saved = []
    for name, data in files.items():
        (folder / name).write_bytes(data)
        saved.append(save_upload(holder.corpus_dir, name, folder / name, max_bytes=holder.max_file_bytes))
    return [row.name for row in queue.submit(saved)]


def rows(queue: UploadQueue) -> dict[str, object]:
    return {row.name: row for row in queue.view().files}


def text(sentence: str, paragraphs: int = 1) -> bytes:
    return "\n\n".join(f"{sentence} Paragraph {i} says so again." for i in range(paragraphs)).encode()


def passages(n: int) -> str:
    return f"{n} passage{'s' if n != 1 else ''}"


def blank_pdf() -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()  # no text: passes admission (a PDF), refused by the build (no text layer)
    return bytes(pdf.output())


def survey_pdf() -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("helvetica", size=11)
    for n in range(1, 4):
        pdf.add_page()
        pdf.multi_cell(0, 6, f"Survey of {('Arn', 'Bele', 'Corr')[n - 1]}: its {n} wells were counted in spring.")
    return bytes(pdf.output())


def test_files_are_indexed_one_build_each_in_queue_order_and_a_refused_one_does_not_stop_the_next(app_parts) -> None:  # type: ignore[no-untyped-def]
    holder, queue, _, folder = app_parts
    first = add(
        holder,
        queue,
        folder,
        {
            "kettles.txt": text("The copper kettles of Varno are polished every Sunday."),
            "blank.pdf": blank_pdf(),
            "whistles.txt": text("The tin whistles of Lumo are tuned in March."),
        },
    )
    second = add(
        holder,
        queue,
        folder,
        {"lanterns.md": text("# Lanterns\n\nThe paper lanterns of Osk float at dusk."), "survey.pdf": survey_pdf()},
    )
    assert queue.wait_idle(WAIT)
    done = rows(queue)
    assert [done[n].state for n in first + second] == [DONE, REFUSED, DONE, DONE, DONE], [
        done[n].reason for n in first + second
    ]
    assert "no text layer" in done["blank.pdf"].reason and done["blank.pdf"].describe().startswith("refused: ")
    order = [done[n] for n in first + second]
    for earlier, later in zip(order, order[1:]):  # one at a time, in the order they were added
        assert later.began >= earlier.began + earlier.seconds - 1e-3
    for name in ("kettles.txt", "whistles.txt", "lanterns.md"):
        assert done[name].passages >= 1 and done[name].seconds > 0
        assert done[name].describe() == f"done: {passages(done[name].passages)}, {done[name].seconds:.1f} s"
    assert done["survey.pdf"].pages == 3 and done["survey.pdf"].describe().startswith(
        f"done: {passages(done['survey.pdf'].passages)} from 3 pages, "
    )
    for question, doc in (
        ("When are the copper kettles of Varno polished?", "kettles.txt"),
        ("When are the tin whistles of Lumo tuned?", "whistles.txt"),
        ("When do the paper lanterns of Osk float?", "lanterns.md"),
    ):
        response, _ = holder.ask(question, k=1)
        assert response.results[0].doc == doc
    manifest = read_manifest(holder.index_dir)
    assert manifest.indexed_documents == {
        "bees.txt",
        "rivers.txt",
        "kettles.txt",
        "whistles.txt",
        "lanterns.md",
        "survey.pdf",
    }
    assert [s.path for s in manifest.skipped] == ["blank.pdf"]
    view = queue.view()
    assert not view.busy and view.left == 0 and view.finished == 5


def test_a_question_asked_while_a_file_is_indexed_is_answered_from_the_index_as_it_was(app_parts) -> None:  # type: ignore[no-untyped-def]
    holder, queue, encoder, folder = app_parts
    old_engine = holder.engine
    encoder.hold()
    (name,) = add(holder, queue, folder, {"parrots.txt": text("The Zeltmann lighthouse keeper feeds 37 parrots.", 3)})
    assert encoder.entered.wait(WAIT)  # the build is embedding the file's passages, and waits there
    row = rows(queue)[name]
    assert row.state == "embedding" and row.describe() == f"embedding passages 0 of {row.total}"
    response, served = holder.ask("Who feeds the parrots at the Zeltmann lighthouse?", k=3)
    assert served.engine is old_engine and {r.doc for r in response.results} <= {"bees.txt", "rivers.txt"}
    view = queue.view()
    assert view.busy and view.left == 1 and 'data-state="embedding"' in queue_html(view)
    encoder.release()
    assert queue.wait_idle(WAIT)
    assert rows(queue)[name].state == DONE and holder.engine is not old_engine
    response, _ = holder.ask("Who feeds the parrots at the Zeltmann lighthouse?", k=3)
    assert response.results[0].doc == "parrots.txt"


def corpus_and_index(holder: EngineHolder) -> tuple[list[str], str | None, dict]:
    files = sorted(p.name for p in holder.corpus_dir.iterdir())
    return files, current_generation(holder.index_dir), read_manifest(holder.index_dir).to_json()


def test_cancel_stops_the_running_file_drops_the_queued_ones_and_leaves_everything_as_it_was(app_parts) -> None:  # type: ignore[no-untyped-def]
    holder, queue, encoder, folder = app_parts
    before = corpus_and_index(holder)
    engine = holder.engine
    encoder.hold()
    names = add(
        holder,
        queue,
        folder,
        {
            "orchards.txt": text("The orchards of Pell grow 40 kinds of apple.", 600),  # several batches
            "mills.txt": text("The mills of Dorr grind rye.", 2),
            "looms.txt": text("The looms of Saffa weave wool.", 2),
        },
    )
    assert encoder.entered.wait(WAIT)
    states = rows(queue)
    assert states["orchards.txt"].state == "embedding" and [states[n].state for n in names[1:]] == [QUEUED] * 2
    assert queue.cancel() == 3
    queued = rows(queue)
    assert [queued[n].state for n in names[1:]] == [CANCELLED] * 2  # at once; the running one at its next safe point
    assert not (holder.corpus_dir / "mills.txt").exists() and not (holder.corpus_dir / "looms.txt").exists()
    encoder.release()
    assert queue.wait_idle(WAIT)
    assert rows(queue)["orchards.txt"].state == CANCELLED
    assert corpus_and_index(holder) == before  # the same files, the same generation, the same manifest
    assert not list(holder.index_dir.glob(".tmp-*")) and holder.engine is engine
    # the queue goes on: a later Add is indexed
    (later,) = add(holder, queue, folder, {"bells.txt": text("The bells of Ambry ring at noon.")})
    assert queue.wait_idle(WAIT) and rows(queue)[later].state == DONE


def test_a_build_that_fails_leaves_the_index_as_it_was_and_the_queue_running(app_parts) -> None:  # type: ignore[no-untyped-def]
    from qa.index.writer import lock_index

    holder, queue, _, folder = app_parts
    before = corpus_and_index(holder)[1:]
    lock = lock_index(holder.index_dir, wait_for_lock=False)  # another process's build, as the app sees it
    try:
        (name,) = add(holder, queue, folder, {"forges.txt": text("The forges of Keld burn charcoal.")})
        assert queue.wait_idle(WAIT)
    finally:
        lock.release()
    row = rows(queue)[name]
    assert row.state == FAILED and "another build is running" in row.reason
    assert row.reason.endswith("the file is saved but not indexed: press Rebuild index to try again")
    assert corpus_and_index(holder)[1:] == before and (holder.corpus_dir / name).is_file()
    (later,) = add(holder, queue, folder, {"quarries.txt": text("The quarries of Venn cut slate.")})
    assert queue.wait_idle(WAIT) and rows(queue)[later].state == DONE
    held = read_manifest(holder.index_dir).indexed_documents
    assert "quarries.txt" in held and name not in held  # each Add indexes its own files only
    holder.rebuild()  # what the message says to do
    assert name in read_manifest(holder.index_dir).indexed_documents


def test_a_refused_upload_is_listed_with_its_reason_and_names_are_escaped(app_parts) -> None:  # type: ignore[no-untyped-def]
    holder, queue, _, folder = app_parts
    (name,) = add(holder, queue, folder, {"a<b>notes.txt": b"\x00\x01binary"})
    row = rows(queue)[name]
    assert row.state == REFUSED and "binary" in row.reason
    html = queue_html(queue.view())
    assert "a&lt;b&gt;notes.txt" in html and "<b>" not in html
    assert queue_html(QueueView((), False, None, None, 0)) == ""
