"""Build stage: stream documents into a new index generation, in place of the old one, atomically.

Files are read, chunked and embedded one batch at a time (memory stays bounded as the corpus grows);
vectors go to the content-addressed embedding store first (committed per batch, so a killed build resumes
where it stopped), then into the generation's chunk store and lexical index. A file whose size and
modification time (or hash) match the previous generation is not read again: the new generation starts from
the previous one (its chunk store's base and Tantivy's segments hard-linked, the FAISS index read), loses the
passages of changed and deleted files and gains those of new ones, so one changed file costs work in
proportion to that file (plus rewriting the FAISS file). The dense index is updated in place (ids = chunk ids)
unless its type must change with the corpus size.

This module holds the build's state and its named steps; what is read is `sources.py`, what is embedded
`embedding.py`, and the generation written and swapped in `writer.py`.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import BuildCancelled, CorpusError, QAError
from ..ingest.abbreviations import DocumentWords, spelled_out
from ..ingest.chunk import Chunk
from ..ingest.dialogue import speaker_names
from ..ingest.extract import pages_reported_to
from ..ingest.load import (
    Document,
    LoadedCorpus,
    SkippedFile,
    no_readable_file,
)
from ..ingest.version import ingest_fingerprint
from ..models.encoder import Encoder
from ..models.reader import shipped_reader_fingerprint
from ..models.reranker import shipped_reranker_fingerprint
from .config import BuildConfig
from .embedcache import EmbeddingCache, cache_path
from .embedding import embed_chunks, embed_key
from .generations import (
    MANIFEST,
    fsync_tree,
)
from .integrity import describe
from .manifest import CorpusSource, Counts, FileEntry, FolderSource, Manifest, ModelInfo
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
from .sources import NO_TEXT, Source, corpus_sources, document_passages, folder_sources, read_source, unchanged
from .writer import Generation, calibrate, swap, update_dense, write_files

log = logging.getLogger(__name__)
ProgressFn = Callable[[float, str], None]
BATCH_PASSAGES = 256  # passages read before they are embedded and written together (one progress report)
# Passages per model call, within that: one embedding-store commit, one `embedding` event, one chance to cancel.
# The default ONNX runtime runs each text on its own, so the size costs nothing; small keeps progress live.
EMBED_BATCH = 64


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
    doc = read_source(source)
    if isinstance(doc, SkippedFile):
        state.skipped.append(doc)
        state.files[source.id] = FileEntry(doc.sha256, source.size, source.mtime_ns, indexed=False)
        return None
    state.readable += 1
    state.read += 1
    entry = FileEntry(
        doc.sha256,
        source.size,
        source.mtime_ns,
        ocr_pages=doc.ocr_pages,
        ocr_spans=doc.ocr_spans,
        attachments=doc.parts,
    )
    chunks = document_passages(doc, state.seen_hashes, state.config)
    if isinstance(chunks, str):
        state.skipped.append(SkippedFile(source.id, chunks, doc.sha256))
        state.files[source.id] = replace(entry, indexed=False)
        return None
    state.seen_hashes[doc.sha256] = source.id
    state.files[source.id] = entry
    return doc, chunks


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
    for chunk_id, (chunk, text) in zip(ids, lexical_texts(state.pending)):
        g.lexical.add(chunk_id, chunk.doc_id, text)
    state.passages += len(chunks)
    for doc, cs in state.pending:
        state.event(doc.id, INDEXED, len(cs), len(cs))
    state.pending.clear()


def lexical_texts(pending: list[tuple[Document, list[Chunk]]]) -> Iterator[tuple[Chunk, str]]:
    """Each pending passage with what BM25 indexes for it: its `context_text`, then the words its document spells
    its table cells' abbreviations out with ("Dist. Sup.": "distantly supervised"; `abbreviations.spelled_out`),
    then, for dialogue, the names its neighbours use (`dialogue.speaker_names`)."""
    for doc, chunks in pending:
        words = DocumentWords.of(doc.text) if any("|" in c.text or "|" in c.lead for c in chunks) else None
        for chunk, names in zip(chunks, speaker_names(chunks)):
            spelled = spelled_out((chunk.lead, chunk.text), words) if words is not None else ""
            yield chunk, " ".join(part for part in (chunk.context_text(), spelled, names) if part)


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
        ingest=ingest_fingerprint(),
    )
    (g.tmp / MANIFEST).write_text(json.dumps(manifest.to_json(), indent=2, ensure_ascii=False), encoding="utf-8")
    fsync_tree(g.tmp)
    return manifest


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
