"""The engine the app answers from, and its replacement after the corpus folder changes.

A rebuild builds a new index generation, opens a new `Engine` and swaps the reference under a lock, so
questions are answered from the old engine until the swap and the app is never without one.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path

from ..engine import Engine, Response, build_from_folder
from ..errors import IndexNotReady, QAError
from ..index.build import BuildReport
from ..index.config import BuildConfig
from ..index.inventory import IndexedFile, indexed_files
from ..index.manifest import Manifest
from ..index.open import corpus_changes, read_manifest
from ..index.progress import EventFn, StopFn
from ..ingest.load import unread_files

ProgressFn = Callable[[float, str], None]


def as_int(value: object, name: str) -> int:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise QAError(f"{name}={value!r} is not a number; pass a whole number") from None
    if number != int(number):
        raise QAError(f"{name}={value!r} is not a whole number")
    return int(number)


@dataclass(frozen=True)
class Served:
    """The engine one request is answered from (kept for the whole request, even if a rebuild swaps it)."""

    engine: Engine


def served_from(engine: Engine) -> Served:
    return Served(engine)


def indexed_documents(manifest: Manifest) -> set[str]:
    """The documents an index generation holds: its files, less those skipped at build time."""
    return manifest.indexed_documents


def passages_and_pages(engine: Engine, docs: set[str]) -> tuple[int, int]:
    """How many passages and distinct pages the given documents have in the engine's index."""
    passages = pages = 0
    store = engine.index.chunks
    for doc in docs:
        chunks = [chunk for _, chunk in store.doc_chunks(doc)]
        passages += len(chunks)
        document = store.document(doc)
        pages += len(document.pages if document else ()) or len({c.page for c in chunks if c.page is not None})
    return passages, pages


@dataclass(frozen=True)
class Rebuilt:
    """What a rebuild changed: documents added and removed, with their pages and passages."""

    report: BuildReport
    added: tuple[str, ...]
    removed: tuple[str, ...]
    passages_added: int
    pages_added: int
    passages_before: int
    passages_after: int

    def summary(self) -> str:
        skipped = f"; skipped {len(self.report.skipped)} file(s)" if self.report.skipped else ""
        return (
            f"Rebuilt: {self.report.documents} documents, {self.report.chunks} chunks; embedded {self.report.embedded} "
            f"new passages, reused {self.report.reused}; {self.report.seconds:.1f} s{skipped}. "
            "Questions are now answered from the new index."
        )


class EngineHolder:
    """The engine the app answers from, replaced atomically after a rebuild."""

    def __init__(self, engine: Engine, index_dir: str | Path, corpus_dir: str | Path) -> None:
        self.index_dir = Path(index_dir)
        self.corpus_dir = Path(corpus_dir)
        self._served = served_from(engine)
        self._swap_lock = threading.Lock()
        self._build_lock = threading.Lock()
        self._files: tuple[Engine, list[IndexedFile]] | None = None

    @property
    def served(self) -> Served:
        with self._swap_lock:
            return self._served

    @property
    def engine(self) -> Engine:
        return self.served.engine

    @property
    def max_file_bytes(self) -> int:
        """The per-file limit of the served index's build: an upload over it would never be indexed."""
        return self.engine.index.manifest.config.max_file_bytes

    @property
    def rebuilding(self) -> bool:
        return self._build_lock.locked()

    def ask(self, question: str, k: int = 5, mode: str = "hybrid") -> tuple[Response, Served]:
        served = self.served
        return served.engine.ask(question, k=as_int(k, "k"), mode=mode), served

    def rebuild(
        self,
        on_progress: ProgressFn | None = None,
        *,
        on_event: EventFn | None = None,
        should_stop: StopFn | None = None,
        new_files: Collection[str] | None = None,
        wait: bool = False,
    ) -> Rebuilt:
        """Build a new generation from the corpus folder, open it, swap it in; says what changed. The callbacks and
        `new_files` go to the build (`qa.engine.build_from_folder`); `wait` waits for a running rebuild to end
        instead of refusing (the background uploads do)."""
        if not self._build_lock.acquire(blocking=wait):
            raise QAError("a rebuild is already running; wait for it to finish")
        try:
            old = self.engine
            config = old.index.config
            encoder = old.encoder if old.encoder.name == config.model else None
            report = build_from_folder(
                self.corpus_dir,
                self.index_dir,
                config,
                encoder=encoder,
                on_progress=on_progress,
                on_event=on_event,
                should_stop=should_stop,
                new_files=new_files,
            )
            new = Engine.open(
                self.index_dir,
                encoder=old.encoder if encoder is not None else None,
                reader=old.reader or False,
                reranker=old.reranker or False,
            )
            served = served_from(new)
            with self._swap_lock:
                self._served = served
        finally:
            self._build_lock.release()
        before, after = indexed_documents(old.index.manifest), indexed_documents(new.index.manifest)
        added = after - before
        passages, pages = passages_and_pages(new, added)
        return Rebuilt(
            report,
            tuple(sorted(added)),
            tuple(sorted(before - after)),
            passages,
            pages,
            old.index.manifest.counts.chunks,
            new.index.manifest.counts.chunks,
        )

    def files(self) -> list[IndexedFile]:
        """What each document of the served index became; read once per served index (a generation never
        changes), not on every status refresh."""
        engine, cached = self.engine, self._files
        if cached is None or cached[0] is not engine:
            cached = (engine, indexed_files(engine.index.chunks, engine.index.manifest))
            self._files = cached
        return cached[1]

    def status(self) -> dict:
        """The served index's manifest and whether the corpus folder changed since it was built."""
        manifest = self.engine.index.manifest
        counts = manifest.counts
        if self.corpus_dir.is_dir():
            changes = corpus_changes(manifest, self.corpus_dir)
            state = "stale" if changes else "fresh"
            unread = unread_files(self.corpus_dir)
        else:
            changes, state, unread = [], "unknown (corpus folder missing)", {}
        try:
            on_disk = read_manifest(self.index_dir).built_at
        except QAError:
            on_disk = None
        return {
            "index": str(self.index_dir),
            "corpus": str(self.corpus_dir),
            "model": manifest.model.name,
            "dimension": manifest.model.dimension,
            "documents": counts.documents,
            "chunks": counts.chunks,
            "sentences": counts.sentences,
            "built_at": manifest.built_at,
            "build_seconds": manifest.build_seconds,
            "state": state,
            "fresh": state == "fresh",
            "changes": changes,
            # "file", not "path": gradio_client takes any dict with a "path" for a file to download
            "skipped": [{"file": s.path, "reason": s.reason} for s in manifest.skipped],
            "files": [file.to_json() for file in self.files()],
            "unread": unread,  # files of kinds the index does not read, by suffix
            "newer_on_disk": bool(on_disk and on_disk != manifest.built_at),
            "rebuilding": self.rebuilding,
        }


def terminal_progress(prefix: str = "building index") -> ProgressFn:
    last = {"message": None}

    def report(fraction: float, message: str) -> None:
        if message != last["message"]:
            last["message"] = message
            print(f"{prefix}: {fraction:4.0%} {message}", flush=True)

    return report


def prepare(
    corpus_dir: str | Path,
    index_dir: str | Path,
    *,
    log_fn: Callable[[str], None] = print,
    on_progress: ProgressFn | None = None,
    reader: bool = True,
    reranker: bool = False,
) -> EngineHolder:
    """Open the index, building it first when it is missing, stale or unreadable; warm the model up (and the
    reader and, with `reranker`, the reranker: see `Engine.open`).

    Loads the model and the index once for the process.
    """
    corpus_dir, index_dir = Path(corpus_dir), Path(index_dir)
    reason: str | None = None
    config = BuildConfig()
    engine: Engine | None = None
    try:
        manifest = read_manifest(index_dir)
        config = manifest.config
        changes = corpus_changes(manifest, corpus_dir) if corpus_dir.is_dir() else []
        if changes:
            shown = ", ".join(changes[:5]) + (f" and {len(changes) - 5} more" if len(changes) > 5 else "")
            reason = f"index at '{index_dir}' is stale ({shown})"
        else:
            engine = Engine.open(index_dir, reader=reader, reranker=reranker)
    except IndexNotReady as exc:
        reason = str(exc) if (index_dir / "current").exists() else f"no index at '{index_dir}' yet"
    except (KeyError, TypeError, ValueError) as exc:
        reason = f"index manifest at '{index_dir}' is unusable ({exc})"
    if engine is None:
        log_fn(f"{reason}; building it from '{corpus_dir}' ...")
        began = time.perf_counter()
        report = build_from_folder(corpus_dir, index_dir, config, on_progress=on_progress or terminal_progress())
        for skipped in report.skipped:
            log_fn(f"warning: skipped {skipped.path}: {skipped.reason}")
        log_fn(
            f"built '{index_dir}': {report.documents} documents, {report.chunks} chunks in {time.perf_counter() - began:.1f} s"
        )
        engine = Engine.open(index_dir, reader=reader, reranker=reranker)
    engine.ask("warm up the model", k=1)
    return EngineHolder(engine, index_dir, corpus_dir)
