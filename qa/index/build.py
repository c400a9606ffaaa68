"""Build stage: stream documents into a new index generation, in place of the old one, atomically.

Files are read, chunked and embedded one batch at a time (memory stays bounded as the corpus grows);
vectors go to the content-addressed embedding store first (committed per batch, so a killed build resumes
where it stopped), then into the generation's chunk store and lexical index. A file whose size and
modification time (or hash) match the previous generation is not read again: the new generation starts from
the previous one (its chunk store's base and Tantivy's segments hard-linked, the FAISS index read), loses the
passages of changed and deleted files and gains those of new ones, so one changed file costs work in
proportion to that file (plus rewriting the FAISS file). The dense index is updated in place (ids = chunk ids)
unless its type must change with the corpus size.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import shutil
import time
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import BuildCancelled, CorpusError, IndexLocked, IndexNotReady, QAError
from ..ingest.chunk import Chunk, chunk_document, sentence_embed_text
from ..ingest.extract import pages_reported_to
from ..ingest.load import (
    Document,
    LoadedCorpus,
    SkippedFile,
    UnreadableFile,
    check_corpus_folder,
    content_hash,
    duplicate_reason,
    iter_corpus_files,
    no_readable_file,
    read_document,
    unexpected_reason,
)
from ..models.encoder import Encoder
from ..models.reader import shipped_reader_fingerprint
from ..models.reranker import shipped_reranker_fingerprint
from . import dense as dense_index
from .config import BuildConfig
from .embedcache import EmbeddingCache, cache_path
from .generations import (
    DENSE,
    LEXICAL,
    MANIFEST,
    current_generation,
    fsync_tree,
    prune_generations,
    remove_leftovers,
    swap_current,
    write_readers_file,
)
from .integrity import describe
from .manifest import Calibration, CorpusSource, Counts, FileEntry, FolderSource, Manifest, ModelInfo
from .open import file_signature, open_index
from .progress import (
    EMBEDDING,
    INDEXED,
    READING,
    SKIPPED,
    WRITING,
    BuildProgress,
    EventFn,
    StopFn,
    never_stop,
    no_event,
)

if TYPE_CHECKING:
    from filelock import FileLock

    from .store import StoreWriter

log = logging.getLogger(__name__)
ProgressFn = Callable[[float, str], None]
BATCH_PASSAGES = 256  # passages read before they are embedded and written together (one progress report)
# Passages per model call, within that: one embedding-store commit, one `embedding` event, one chance to cancel.
# The default ONNX runtime runs each text on its own, so the size costs nothing; small keeps progress live.
EMBED_BATCH = 64
CALIBRATION_SENTENCES = 400
NO_TEXT = "no text to index outside its headings"


@dataclass(frozen=True)
class BuildReport:
    path: Path
    documents: int
    chunks: int
    sentences: int
    embedded: int
    reused: int
    skipped: tuple[SkippedFile, ...]
    seconds: float
    read: int = 0  # files read this build (the rest were unchanged since the previous generation)
    removed: int = 0  # passages dropped with changed or deleted files
    ray_embedded: int = 0  # of `embedded`, passages embedded on a Ray cluster (`qa build --ray`)
    repaired: str = ""  # why the previous generation was not carried over but rebuilt (its damage), if it was
    added: int = 0  # passages of the files read this build (embedded now, or found in the embedding store)


@dataclass(frozen=True)
class Source:
    """A file to index: `read()` returns its Document or raises UnreadableFile. `size`/`mtime_ns`/`sha256` are
    what is known before reading (a folder knows size and mtime; an in-memory corpus knows the hash)."""

    id: str
    read: Callable[[], Document]
    size: int | None = None
    mtime_ns: int | None = None
    sha256: str | None = None
    cost: int = 1  # bytes, for progress


def folder_sources(root: Path, max_file_bytes: int) -> list[Source]:
    """Every listed file of a corpus folder, read lazily."""
    check_corpus_folder(root)
    root_real = root.resolve()
    out = []
    for doc_id, path in iter_corpus_files(root):
        try:
            size, mtime = file_signature(path) if path.is_file() else (None, None)
        except OSError:
            size, mtime = None, None
        out.append(
            Source(
                doc_id,
                lambda d=doc_id, p=path: read_document(root, d, p, max_file_bytes=max_file_bytes, root_real=root_real),
                size,
                mtime,
                None,
                size or 1,
            )
        )
    return out


def corpus_sources(corpus: LoadedCorpus) -> list[Source]:
    return [Source(doc.id, lambda d=doc: d, None, None, doc.sha256, len(doc.text) or 1) for doc in corpus.documents]


def embed_key(chunk: Chunk, method: str) -> str:
    """Hash of exactly what is embedded for a passage (and how): equal keys reuse a stored embedding."""
    spans = [(a - chunk.start, b - chunk.start) for a, b in chunk.sentences] if method != "none" else []
    label = chunk.heading or chunk.title
    return content_hash(json.dumps([method, chunk.context_text(), label, spans], ensure_ascii=False).encode("utf-8"))


def embed_chunks(encoder: Encoder, chunks: list[Chunk], method: str) -> list[np.ndarray]:
    """(1 + sentences) × dimension unit vectors per passage: the passage, then each sentence (none for 'none')."""
    texts = [c.context_text() for c in chunks]
    if method == "late":
        spans = []
        for c, text in zip(chunks, texts):
            offset = len(text) - len(c.text)  # the passage text ends the context text
            spans.append([(offset + a - c.start, offset + b - c.start) for a, b in c.sentences])
        passages, sentences = encoder.encode_passages(texts, spans)  # type: ignore[attr-defined]
        return [np.vstack([p[None, :], s]) for p, s in zip(passages, sentences)]
    if method == "none":
        return list(encoder.encode(texts)[:, None, :])
    sentence_texts = [sentence_embed_text(c, s) for c in chunks for s in c.sentences]
    # a sentence repeated by the next passage's overlap (or a one-sentence passage) is embedded once
    wanted = texts + sentence_texts
    unique = list(dict.fromkeys(wanted))
    row_of = {text: i for i, text in enumerate(unique)}
    vectors = encoder.encode(unique)[[row_of[text] for text in wanted]]
    out, row = [], len(texts)
    for i, c in enumerate(chunks):
        out.append(np.vstack([vectors[i][None, :], vectors[row : row + len(c.sentences)]]))
        row += len(c.sentences)
    return out


# ---------------------------------------------------------------- the generation a build writes


def lock_index(index_dir: Path, wait_for_lock: bool) -> FileLock:
    """The index's build lock, held (IndexLocked when another build holds it and `wait_for_lock` is off)."""
    from filelock import FileLock, Timeout

    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(index_dir / ".lock"), timeout=0)
        try:
            lock.acquire()
        except Timeout:
            if not wait_for_lock:
                raise
            log.warning("waiting for the build running on '%s' to finish", index_dir)
            lock.acquire(timeout=-1)
    except Timeout:
        raise IndexLocked(
            f"another build is running on '{index_dir}' (lock {index_dir / '.lock'}); wait for it to finish"
        ) from None
    except OSError as exc:
        raise QAError(
            f"index folder '{index_dir}' is not writable ({exc.strerror}); pass --index with a writable folder"
        ) from None
    return lock


class Generation:
    """The temporary folder a build writes, its writers, and the previous generation it starts from."""

    def __init__(self, index_dir: Path, config: BuildConfig, encoder: Encoder, wait_for_lock: bool) -> None:
        from .bm25 import LexicalWriter
        from .store import STORE, StoreWriter

        self.index_dir = index_dir
        self.lock = lock_index(index_dir, wait_for_lock)
        try:
            remove_leftovers(index_dir)
            self.previous = current_generation(index_dir)
            self.previous_manifest, self.damage = _whole(index_dir, compatible_manifest(self.previous, config, encoder))
            # not tempfile.mkdtemp: its 0700 folder became the generation, unreadable to other users
            self.tmp = index_dir / f".tmp-{os.getpid()}-{secrets.token_hex(6)}"
            self.tmp.mkdir()
            self.dense = None
            if self.previous_manifest is not None:
                import faiss

                _link_tree(self.previous / LEXICAL, self.tmp / LEXICAL)  # Tantivy segments are immutable
                self.dense = faiss.read_index(str(self.previous / DENSE))
            self.store = StoreWriter(
                self.tmp / STORE,
                encoder.dimension,  # links the previous base, writes a delta
                previous=self.previous if self.previous_manifest is not None else None,
            )
            self.lexical = LexicalWriter(self.tmp / LEXICAL)
        except BaseException:
            self.lock.release()
            raise

    @property
    def previous_files(self) -> dict[str, FileEntry]:
        return dict(self.previous_manifest.files) if self.previous_manifest else {}

    def release(self) -> None:
        self.lock.release()

    def discard(self) -> None:
        """Delete the folder being written (a cancelled build): the previous generation never changed (its files
        are only linked here, and nothing is committed before `swap`)."""
        self.lexical.abandon()  # its indexing threads must not write into the folder while it is deleted
        shutil.rmtree(self.tmp, ignore_errors=True)


def _whole(index_dir: Path, manifest: Manifest | None) -> tuple[Manifest | None, str]:
    """The previous generation's manifest when the generation is whole: every file's size and checksum as recorded
    (the hard-linked store and Tantivy segments, the FAISS index the build updates) and its parts consistent.
    A damaged one is not carried forward but rebuilt: (None, what is wrong with it)."""
    if manifest is None:
        return None, ""
    try:
        open_index(index_dir, verify_all=True).close()
    except IndexNotReady as exc:
        log.info("the previous index is not carried over: %s", exc)
        return None, str(exc).split("; run `qa build", 1)[0]
    return manifest, ""


def _link_tree(source: Path, target: Path) -> None:
    target.mkdir(parents=True)
    for path in source.iterdir():
        if path.is_file() and not path.name.endswith(".lock"):
            os.link(path, target / path.name)


def compatible_manifest(generation: Path | None, config: BuildConfig, encoder: Encoder) -> Manifest | None:
    """The previous generation's manifest when its contents can be carried over, else None."""
    if generation is None:
        return None
    try:
        manifest = Manifest.from_json(json.loads((generation / MANIFEST).read_text(encoding="utf-8")))
    except (OSError, ValueError, AttributeError, KeyError, TypeError):
        return None
    same = manifest.config == config and manifest.model.dimension == encoder.dimension
    return manifest if same and all((generation / name).exists() for name in (DENSE, LEXICAL, "store.sqlite")) else None


def unchanged(source: Source, entry: FileEntry | None) -> bool:
    """Whether a file is the one the previous generation indexed (by hash when known, else by size and mtime)."""
    if not entry or not entry.sha256:
        return False
    if source.sha256 is not None:
        return source.sha256 == entry.sha256
    return source.size is not None and [source.size, source.mtime_ns] == [entry.size, entry.mtime_ns]


# ---------------------------------------------------------------- the build's state and steps


@dataclass
class BuildState:
    """Everything a build carries from step to step (one build, one thread)."""

    index_dir: Path
    encoder: Encoder
    config: BuildConfig
    wait_for_lock: bool
    progress: ProgressFn
    skipped: list[SkippedFile]
    on_event: EventFn = no_event
    should_stop: StopFn = never_stop
    new_files: frozenset[str] | None = None  # the files not in the previous generation to add (None: all of them)
    began: float = field(default_factory=time.perf_counter)
    gen: Generation | None = None
    cache: EmbeddingCache | None = None
    files: dict[str, FileEntry] = field(default_factory=dict)  # the manifest's file list, as it will be written
    to_read: list[Source] = field(default_factory=list)
    removed: list[int] = field(default_factory=list)  # chunk ids of changed and deleted files
    carried: set[str] = field(default_factory=set)  # documents taken over from the previous generation
    seen_hashes: dict[str, str] = field(default_factory=dict)  # hash → the document indexed with it
    pending: list[tuple[Document, list[Chunk]]] = field(default_factory=list)  # read, chunked, not yet embedded
    embedded: int = 0
    reused: int = 0
    passages: int = 0
    read: int = 0
    readable: int = 0
    seconds: float = 0.0  # the build's wall time, up to its manifest

    def generation(self) -> Generation:
        """The generation being written, started (and the index locked) on first need."""
        if self.gen is None:
            self.gen = Generation(self.index_dir, self.config, self.encoder, self.wait_for_lock)
        return self.gen

    def close(self) -> None:
        if self.cache is not None:
            self.cache.close()
        if self.gen is not None:
            self.gen.release()

    def event(self, file: str, stage: str, done: int = 0, total: int = 0, reason: str = "") -> None:
        self.on_event(BuildProgress(file, stage, done, total, reason))  # type: ignore[arg-type]

    def check_stop(self) -> None:
        """A safe point: raise BuildCancelled when the caller asked the build to stop (nothing is committed yet)."""
        if self.should_stop():
            raise BuildCancelled("the build was cancelled before it wrote anything; the index is as it was")

    def embedding_cache(self) -> EmbeddingCache:
        if self.cache is None:
            config = self.config
            self.cache = EmbeddingCache(
                cache_path(self.index_dir, config.model, config.runtime, config.sentence_vectors),
                self.encoder.dimension,
            )
        return self.cache


def plan(state: BuildState, sources: list[Source]) -> None:
    """Step 1: which files to read. Unchanged files keep their previous entry (their passages are carried
    over); deleted and changed files lose their passages."""
    gen = state.gen
    previous = gen.previous_files if gen is not None else {}
    state.files = {s.path: FileEntry(s.sha256, None, None, indexed=False) for s in state.skipped}
    _carry_over(state, sources, previous)
    if gen is not None:
        for doc_id in sorted(set(previous) - set(state.files)):
            state.removed += gen.store.delete_document(doc_id)
            gen.lexical.delete_document(doc_id)
    state.carried = {d for d, e in state.files.items() if e.sha256 and d in previous and previous[d].indexed}
    state.seen_hashes = {e.sha256: d for d, e in state.files.items() if e.sha256 and e.indexed}


def _carry_over(state: BuildState, sources: list[Source], previous: dict[str, FileEntry]) -> None:
    """Unchanged files keep their entry (and a skipped one its reason); the others are to be read."""
    manifest = state.gen.previous_manifest if state.gen is not None else None
    previous_reasons = {s.path: s.reason for s in manifest.skipped} if manifest else {}
    for s in sources:
        if state.new_files is not None and s.id not in previous and s.id not in state.new_files:
            continue  # a new file left for a later build (the app adds uploads one at a time)
        if not unchanged(s, previous.get(s.id)):
            state.to_read.append(s)
            continue
        entry = previous[s.id]
        state.files[s.id] = replace(entry, size=s.size, mtime_ns=s.mtime_ns) if s.size is not None else entry
        if not entry.indexed and s.id in previous_reasons:
            state.skipped.append(SkippedFile(s.id, previous_reasons[s.id], entry.sha256))


def read_and_chunk(state: BuildState, source: Source) -> tuple[Document, list[Chunk]] | None:
    """Step 2: one file read and chunked, or None when it is skipped (unreadable, a duplicate, headings only, or
    an error reading or splitting it: whatever goes wrong with ONE file skips that file, never the build)."""
    doc = _read_source(source)
    if isinstance(doc, SkippedFile):
        state.skipped.append(doc)
        state.files[source.id] = FileEntry(doc.sha256, source.size, source.mtime_ns, indexed=False)
        return None
    state.readable += 1
    state.read += 1
    entry = FileEntry(doc.sha256, source.size, source.mtime_ns, ocr_pages=doc.ocr_pages, ocr_spans=doc.ocr_spans)
    chunks = _passages(doc, state.seen_hashes, state.config)
    if isinstance(chunks, str):
        state.skipped.append(SkippedFile(source.id, chunks, doc.sha256))
        state.files[source.id] = replace(entry, indexed=False)
        return None
    state.seen_hashes[doc.sha256] = source.id
    state.files[source.id] = entry
    return doc, chunks


def _read_source(source: Source) -> Document | SkippedFile:
    """The source's Document, or why it is skipped (a folder's reader catches its own errors; other sources may not)."""
    try:
        return source.read()
    except UnreadableFile as exc:
        return SkippedFile(source.id, exc.reason, exc.sha256)
    except Exception as exc:  # noqa: BLE001 - one document must not stop the build
        log.info("reading %s failed", source.id, exc_info=True)
        return SkippedFile(source.id, unexpected_reason("reading the file", exc), source.sha256 or "")


def _passages(doc: Document, seen_hashes: dict[str, str], config: BuildConfig) -> list[Chunk] | str:
    """A read document's passages, or why it is not indexed: a duplicate, headings only, or the chunker failed."""
    if doc.sha256 in seen_hashes:
        return duplicate_reason(seen_hashes[doc.sha256])
    try:
        chunks = chunk_document(doc, config.chunking)
    except Exception as exc:  # noqa: BLE001 - one document's text must not stop the build
        log.info("splitting %s failed", doc.id, exc_info=True)
        return unexpected_reason("splitting the text into passages", exc)
    return chunks or NO_TEXT


def embed_into_store(state: BuildState) -> None:
    """Step 3: the pending passages embedded one batch at a time (stored embeddings reused, new ones committed to the
    embedding store per batch), then written to the generation's chunk store and lexical index."""
    if not state.pending:
        return
    g = state.generation()
    chunks = [c for _, cs in state.pending for c in cs]
    keys = [embed_key(c, state.config.sentence_vectors) for c in chunks]
    found = state.embedding_cache().get_many(list(dict.fromkeys(keys)))
    embedded = 0
    for start in range(0, len(chunks), EMBED_BATCH):
        state.check_stop()
        end = min(start + EMBED_BATCH, len(chunks))
        embedded += embed_batch(state, chunks[start:end], keys[start:end], found)
        report_embedding(state, start, end)
    state.embedded += embedded
    state.reused += len(chunks) - embedded
    for doc, _ in state.pending:
        g.store.add_document(doc)
    ids = g.store.add_chunks(chunks, keys, [found[k] for k in keys])
    for chunk_id, chunk in zip(ids, chunks):
        g.lexical.add(chunk_id, chunk.doc_id, chunk.context_text())
    state.passages += len(chunks)
    for doc, cs in state.pending:
        state.event(doc.id, INDEXED, len(cs), len(cs))
    state.pending.clear()


def embed_batch(state: BuildState, chunks: list[Chunk], keys: list[str], found: dict[str, np.ndarray]) -> int:
    """Embed the batch's passages whose key is not stored (each key once), store them and add them to `found`;
    returns how many were embedded."""
    missing = list({k: i for i, k in reversed(list(enumerate(keys))) if k not in found}.values())  # first of each key
    if not missing:
        return 0
    vectors = embed_chunks(state.encoder, [chunks[i] for i in missing], state.config.sentence_vectors)
    fresh = {keys[i]: v for i, v in zip(missing, vectors)}
    state.embedding_cache().put_many(fresh)
    found.update(fresh)
    return len(missing)


def report_embedding(state: BuildState, start: int, end: int) -> None:
    """An `embedding` event for each pending file with passages in the batch `start:end` of the pending passages."""
    first = 0
    for doc, cs in state.pending:
        last = first + len(cs)
        if first < end and last > start:
            state.event(doc.id, EMBEDDING, min(end, last) - first, len(cs))
        first = last


def read_changed_files(state: BuildState) -> None:
    """Steps 2 and 3 over every file to read, one batch of passages at a time (memory stays bounded)."""
    total_cost = sum(s.cost for s in state.to_read) or 1
    done_cost = 0
    rate_began = time.perf_counter()
    for number, source in enumerate(state.to_read, start=1):
        state.check_stop()
        read = read_reporting_pages(state, source)
        done_cost += source.cost
        if read is None:
            state.event(source.id, SKIPPED, reason=state.skipped[-1].reason)
            continue
        state.pending.append(read)
        state.event(source.id, EMBEDDING, 0, len(read[1]))  # read: its passages wait for their batch
        if sum(len(cs) for _, cs in state.pending) >= BATCH_PASSAGES:
            embed_into_store(state)
            elapsed = max(time.perf_counter() - rate_began, 1e-6)
            fraction = done_cost / total_cost
            eta = elapsed * (1 - fraction) / max(fraction, 1e-6)
            state.progress(
                0.02 + 0.88 * fraction,
                f"{number}/{len(state.to_read)} files, {state.passages} passages, "
                f"{state.passages / elapsed:.0f} passages/s, ETA {eta:.0f} s",
            )
    embed_into_store(state)


def read_reporting_pages(state: BuildState, source: Source) -> tuple[Document, list[Chunk]] | None:
    """`read_and_chunk`, with a `reading` event before the file and after each page its extractor reads."""
    state.event(source.id, READING)
    with pages_reported_to(lambda done, total: state.event(source.id, READING, done, total)):
        return read_and_chunk(state, source)


def check_something_indexed(state: BuildState, root: Path | None) -> Generation:
    """The generation to commit, or CorpusError when the corpus gave nothing to index (no folder left behind)."""
    if state.gen is not None and (state.carried or state.passages):
        return state.gen
    if state.gen is not None:
        shutil.rmtree(state.gen.tmp, ignore_errors=True)
    if not state.readable and not state.carried:
        raise (
            no_readable_file(root or Path("."), state.skipped)
            if root is not None
            else CorpusError("the corpus has no readable document; add UTF-8 text files to it")
        )
    names = [s.path for s in state.skipped if s.reason == NO_TEXT]
    shown = ", ".join(names[:3]) + (" ..." if len(names) > 3 else "")
    raise CorpusError(
        f"the corpus has no text to index: its {len(names)} readable file(s) ({shown}) hold only "
        "headings; add sentences or paragraphs under them"
    )


def update_dense(g: Generation, config: BuildConfig, dimension: int, removed: list[int], added: int) -> dict[str, Any]:
    """Step 4a: the FAISS index brought up to date in place, or rebuilt when its type must change; returns what
    the manifest records about it."""
    documents, chunks, sentences = g.store.counts()
    kind = dense_index.resolve_type(config.index_type, chunks, config.ann_threshold)
    current = dense_index.describe(g.dense) if g.dense is not None else None
    rebuild = (
        current is None
        or current["type"] != kind
        or (kind == "ivf" and chunks > 4 * int(current.get("trained_on", chunks)))
        or (removed and not dense_index.supports_removal(g.dense))
    )
    if rebuild:
        g.dense = dense_index.build_dense(kind, dimension, chunks, g.store.sample_vectors, g.store.passage_vectors())
    else:
        dense_index.remove_ids(g.dense, removed)
        for ids, vectors in g.store.passage_vectors(ids=range(g.store.next_id - added, g.store.next_id)):
            dense_index.add(g.dense, ids, vectors)
    described = dense_index.describe(g.dense)
    if not rebuild and current is not None and "trained_on" in current:
        described["trained_on"] = current["trained_on"]
    return described


def commit_generation(
    state: BuildState, g: Generation, source: CorpusSource | None, built_with: dict[str, Any] | None
) -> Manifest:
    """Step 4: dense index updated, calibrated (step 5), every file written and synced, manifest last."""
    described = update_dense(g, state.config, state.encoder.dimension, state.removed, state.passages)
    calibration = calibrate(g.store, state.config)
    documents, chunks, sentences = g.store.counts()
    write_files(g)
    state.seconds = time.perf_counter() - state.began
    manifest = Manifest(
        config=state.config,
        model=ModelInfo(
            state.encoder.name, state.encoder.dimension, state.encoder.max_tokens, getattr(state.encoder, "runtime", "")
        ),  # a test's fake encoder may name no runtime
        counts=Counts(documents, chunks, sentences),
        source=source,
        files=state.files,
        skipped=tuple(state.skipped),
        store_files=tuple(sorted(path.name for path in g.tmp.glob("store*.sqlite"))),
        dense=described,
        calibration=calibration,
        embedded=state.embedded,
        built_with=built_with or {"ray": None},
        built_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        build_seconds=round(state.seconds, 3),
        index_files=describe(g.tmp, g.previous_manifest.index_files if g.previous_manifest else None, g.previous),
        reader=shipped_reader_fingerprint(),
        reranker=shipped_reranker_fingerprint(),
    )
    (g.tmp / MANIFEST).write_text(json.dumps(manifest.to_json(), indent=2, ensure_ascii=False), encoding="utf-8")
    fsync_tree(g.tmp)
    return manifest


def swap(index_dir: Path, g: Generation) -> Path:
    """Step 6: the written folder renamed into a generation and made current; older generations pruned."""
    generation = index_dir / f"gen-{datetime.now(timezone.utc):%Y%m%dT%H%M%S%f}-{os.getpid()}"
    previous = current_generation(index_dir)
    os.rename(g.tmp, generation)
    swap_current(index_dir, generation.name)
    prune_generations(index_dir, previous)
    return generation


def write_files(g: Generation) -> None:
    """Close the chunk store, write the dense index and commit the lexical one (no manifest yet)."""
    import faiss

    g.store.close()
    faiss.write_index(g.dense, str(g.tmp / DENSE))
    g.lexical.commit()
    write_readers_file(g.tmp)
    umask = os.umask(0)
    os.umask(umask)
    for path in (g.tmp / LEXICAL).iterdir():  # Tantivy writes some files 0600: readers of other users need them,
        if path.is_file():  # and a reader takes its lock file for writing (empty, so harmless)
            os.chmod(path, 0o666 if path.name.endswith(".lock") else 0o666 & ~umask)


def calibrate(store: StoreWriter, config: BuildConfig) -> Calibration:
    """How similar unrelated sentences of this corpus look to this model: the 95th percentile of the cosine
    between sentences of different passages. The engine calls a passage a likely answer only above it."""
    rows = store.sample_vectors_with_sentences(CALIBRATION_SENTENCES) if config.sentence_vectors != "none" else []
    if len(rows) < 2:
        return Calibration()
    rng = np.random.default_rng(0)
    sims = []
    for i, vectors in enumerate(rows):
        others = rows[(i + 1 + rng.integers(0, len(rows) - 1)) % len(rows)]
        a = vectors[1:] if len(vectors) > 1 else vectors
        b = others[1:] if len(others) > 1 else others
        sims.extend((a @ b.T).ravel().tolist())
    return Calibration(round(float(np.percentile(sims, 95)), 4), len(sims))


def build(
    sources: list[Source],
    index_dir: str | os.PathLike[str],
    encoder: Encoder,
    config: BuildConfig = BuildConfig(),
    *,
    skipped: Iterable[SkippedFile] = (),
    source: CorpusSource | None = None,
    on_progress: ProgressFn | None = None,
    wait_for_lock: bool = False,
    root: Path | None = None,
    built_with: dict[str, Any] | None = None,
    on_event: EventFn | None = None,
    should_stop: StopFn | None = None,
    new_files: Collection[str] | None = None,
) -> BuildReport:
    """Index `sources` into a new generation of `index_dir` and swap it in (see the module docstring): plan,
    read and chunk, embed into the store, commit the generation (calibrated), swap. `on_event` hears each file's
    progress (`qa.index.progress`); `should_stop` is asked at each safe point and a True stops the build with
    `BuildCancelled`, the index untouched; `new_files`, when given, names the only sources not in the previous
    generation that this build adds (the others wait for a later build; changed and deleted files are handled)."""
    index_dir = _check_target(index_dir, encoder, config)
    state = BuildState(
        index_dir,
        encoder,
        config,
        wait_for_lock,
        on_progress or (lambda fraction, message: None),
        list(skipped),
        on_event or no_event,
        should_stop or never_stop,
        frozenset(new_files) if new_files is not None else None,
    )
    # An existing index is locked at once (its previous generation decides what to read); a new one is created
    # only when the first passage is ready, so a corpus with nothing to index leaves no folder behind.
    if index_dir.exists():
        state.generation()
    try:
        plan(state, sources)
        read_changed_files(state)
        g = check_something_indexed(state, root)
        state.check_stop()  # the last safe point: from here the generation is written and swapped in
        state.progress(0.92, "writing index")
        state.event("", WRITING)
        manifest = commit_generation(state, g, source, built_with)
        generation = swap(index_dir, g)
        state.progress(1.0, "done")
    except PermissionError as exc:
        raise QAError(
            f"index folder '{index_dir}' is not writable ({exc.strerror}); pass --index with a writable folder"
        ) from None
    except BuildCancelled:
        if state.gen is not None:
            state.gen.discard()
        raise
    finally:
        state.close()
    counts = manifest.counts
    carried = counts.chunks - state.passages  # passages of unchanged files, taken over from the previous generation
    return BuildReport(
        generation,
        counts.documents,
        counts.chunks,
        counts.sentences,
        state.embedded,
        state.reused + carried,
        tuple(state.skipped),
        state.seconds,
        state.read,
        len(state.removed),
        repaired=g.damage,
        added=state.passages,
    )


def _check_target(index_dir: str | os.PathLike[str], encoder: Encoder, config: BuildConfig) -> Path:
    if encoder.name != config.model:
        raise QAError(f"encoder '{encoder.name}' differs from the configured model '{config.model}'")
    runtime = getattr(encoder, "runtime", config.runtime)  # a test's fake encoder may name no runtime
    if runtime != config.runtime:
        raise QAError(f"encoder runtime '{runtime}' differs from the configured runtime '{config.runtime}'")
    index_dir = Path(index_dir)
    if index_dir.exists() and not index_dir.is_dir():
        raise QAError(f"index path '{index_dir}' is a file, not a folder; pass --index with a folder (new or an index)")
    return index_dir


def build_folder(
    corpus_dir: str | os.PathLike[str],
    index_dir: str | os.PathLike[str],
    encoder: Encoder,
    config: BuildConfig = BuildConfig(),
    *,
    on_progress: ProgressFn | None = None,
    wait_for_lock: bool = False,
    on_event: EventFn | None = None,
    should_stop: StopFn | None = None,
    new_files: Collection[str] | None = None,
) -> BuildReport:
    """Build from a folder on this machine (`qa.engine.build_from_folder` can embed on Ray first); the callbacks
    and `new_files` as in `build`."""
    root = Path(corpus_dir)
    sources = folder_sources(root, config.max_file_bytes)
    if not sources:
        raise no_readable_file(root, [])
    return build(
        sources,
        index_dir,
        encoder,
        config,
        source=FolderSource(str(root)),
        root=root,
        on_progress=on_progress,
        wait_for_lock=wait_for_lock,
        on_event=on_event,
        should_stop=should_stop,
        new_files=new_files,
    )


def build_index(
    corpus: LoadedCorpus,
    index_dir: str | os.PathLike[str],
    encoder: Encoder,
    config: BuildConfig = BuildConfig(),
    *,
    source: CorpusSource | None = None,
    on_progress: ProgressFn | None = None,
    wait_for_lock: bool = False,
) -> BuildReport:
    """Index an in-memory corpus (already read); same build as a folder's."""
    return build(
        corpus_sources(corpus),
        index_dir,
        encoder,
        config,
        skipped=corpus.skipped,
        source=source,
        on_progress=on_progress,
        wait_for_lock=wait_for_lock,
    )
