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
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from ..ingest.chunk import Chunk, chunk_document
from .config import FORMAT_VERSION, BuildConfig
from ..models.encoder import Encoder
from ..errors import CorpusError, IndexLocked, IndexNotReady, QAError
from .open import (DENSE, open_index, LEXICAL, MANIFEST, current_generation, file_signature, fsync_tree, prune_generations,
                    remove_leftovers, sentence_embed_text, swap_current)
from ..ingest.load import Document, LoadedCorpus, SkippedFile, UnreadableFile, check_corpus_folder, content_hash, \
    duplicate_reason, iter_corpus_files, no_readable_file, read_document

log = logging.getLogger(__name__)
ProgressFn = Callable[[float, str], None]
BATCH_PASSAGES = 256  # passages embedded and written together (one cache commit, one progress report)
CALIBRATION_SENTENCES = 400


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
        out.append(Source(doc_id, lambda d=doc_id, p=path: read_document(root, d, p, max_file_bytes=max_file_bytes,
                                                                        root_real=root_real),
                          size, mtime, None, size or 1))
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


class _Generation:
    """The temporary folder a build writes, its writers, and what it started from."""

    def __init__(self, index_dir: Path, config: BuildConfig, encoder: Encoder, wait_for_lock: bool) -> None:
        from filelock import FileLock, Timeout

        from .bm25 import LexicalWriter
        from .store import STORE, StoreWriter

        self.index_dir = index_dir
        try:
            index_dir.mkdir(parents=True, exist_ok=True)
            self.lock = FileLock(str(index_dir / ".lock"), timeout=0)
            try:
                self.lock.acquire()
            except Timeout:
                if not wait_for_lock:
                    raise
                log.warning("waiting for the build running on '%s' to finish", index_dir)
                self.lock.acquire(timeout=-1)
        except Timeout:
            raise IndexLocked(f"another build is running on '{index_dir}' (lock {index_dir / '.lock'}); wait for it to finish") from None
        except OSError as exc:
            raise QAError(f"index folder '{index_dir}' is not writable ({exc.strerror}); pass --index with a writable folder") from None
        try:
            remove_leftovers(index_dir)
            self.previous = current_generation(index_dir)
            self.previous_manifest = _compatible_manifest(self.previous, config, encoder)
            if self.previous_manifest is not None:
                try:
                    open_index(index_dir)  # only a whole previous generation is carried over; a damaged one is rebuilt
                except IndexNotReady:
                    self.previous_manifest = None
            # not tempfile.mkdtemp: its 0700 folder became the generation, unreadable to other users
            self.tmp = index_dir / f".tmp-{os.getpid()}-{secrets.token_hex(6)}"
            self.tmp.mkdir()
            self.dense = None
            if self.previous_manifest is not None:
                import faiss

                _link_tree(self.previous / LEXICAL, self.tmp / LEXICAL)  # Tantivy segments are immutable
                self.dense = faiss.read_index(str(self.previous / DENSE))
            self.store = StoreWriter(self.tmp / STORE, encoder.dimension,  # links the previous base, writes a delta
                                     previous=self.previous if self.previous_manifest is not None else None)
            self.lexical = LexicalWriter(self.tmp / LEXICAL)
        except BaseException:
            self.lock.release()
            raise

    @property
    def previous_files(self) -> dict[str, dict]:
        return dict(self.previous_manifest["files"]) if self.previous_manifest else {}

    def release(self) -> None:
        self.lock.release()


def _link_tree(source: Path, target: Path) -> None:
    target.mkdir(parents=True)
    for path in source.iterdir():
        if path.is_file() and not path.name.endswith(".lock"):
            os.link(path, target / path.name)


def _compatible_manifest(generation: Path | None, config: BuildConfig, encoder: Encoder) -> dict | None:
    """The previous generation's manifest when its contents can be carried over, else None."""
    if generation is None:
        return None
    try:
        manifest = json.loads((generation / MANIFEST).read_text(encoding="utf-8"))
        same = (manifest.get("format_version") == FORMAT_VERSION and manifest.get("config") == config.to_json()
                and manifest.get("model", {}).get("dimension") == encoder.dimension)
        return manifest if same and all((generation / name).exists() for name in (DENSE, LEXICAL, "store.sqlite")) else None
    except (OSError, ValueError, AttributeError):
        return None


def _unchanged(source: Source, entry: dict | None) -> bool:
    if not entry or not entry.get("sha256"):
        return False
    if source.sha256 is not None:
        return source.sha256 == entry["sha256"]
    return source.size is not None and [source.size, source.mtime_ns] == [entry.get("size"), entry.get("mtime_ns")]


def build(sources: list[Source], index_dir: str | os.PathLike[str], encoder: Encoder, config: BuildConfig = BuildConfig(), *,
          skipped: Iterable[SkippedFile] = (), source: dict[str, object] | None = None, on_progress: ProgressFn | None = None,
          wait_for_lock: bool = False, root: Path | None = None, built_with: dict[str, object] | None = None) -> BuildReport:
    """Index `sources` into a new generation of `index_dir` and swap it in (see the module docstring)."""
    if encoder.name != config.model:
        raise QAError(f"encoder '{encoder.name}' differs from the configured model '{config.model}'")
    if getattr(encoder, "runtime", config.runtime) != config.runtime:
        raise QAError(f"encoder runtime '{getattr(encoder, 'runtime')}' differs from the configured runtime '{config.runtime}'")
    index_dir = Path(index_dir)
    if index_dir.exists() and not index_dir.is_dir():
        raise QAError(f"index path '{index_dir}' is a file, not a folder; pass --index with a folder (new or an index)")
    began = time.perf_counter()
    progress = on_progress or (lambda fraction, message: None)
    skipped_files = list(skipped)
    # An existing index is locked at once (its previous generation decides what to read); a new one is created
    # only when the first passage is ready, so a corpus with nothing to index leaves no folder behind.
    gen = _Generation(index_dir, config, encoder, wait_for_lock) if index_dir.exists() else None
    return _run(gen, sources, index_dir, encoder, config, skipped_files, source, progress, wait_for_lock, began, root,
                built_with)


def _run(gen: _Generation | None, sources: list[Source], index_dir: Path, encoder: Encoder, config: BuildConfig,
         skipped: list[SkippedFile], source: dict[str, object] | None, progress: ProgressFn, wait_for_lock: bool,
         began: float, root: Path | None, built_with: dict[str, object] | None = None) -> BuildReport:
    from .embedcache import EmbeddingCache, cache_path

    holder = {"gen": gen}

    def generation() -> _Generation:
        if holder["gen"] is None:
            holder["gen"] = _Generation(index_dir, config, encoder, wait_for_lock)
        return holder["gen"]

    try:
        previous = generation().previous_files if gen is not None else {}
        previous_reasons = {row["path"]: row["reason"] for row in gen.previous_manifest.get("skipped", [])} \
            if gen is not None and gen.previous_manifest else {}
        files: dict[str, dict] = {s.path: {"sha256": s.sha256, "size": None, "mtime_ns": None, "indexed": False} for s in skipped}
        to_read: list[Source] = []
        for s in sources:
            if _unchanged(s, previous.get(s.id)):
                files[s.id] = {**previous[s.id], **({"size": s.size, "mtime_ns": s.mtime_ns} if s.size is not None else {})}
                if not files[s.id].get("indexed", True) and s.id in previous_reasons:
                    skipped.append(SkippedFile(s.id, previous_reasons[s.id], files[s.id]["sha256"]))
            else:
                to_read.append(s)
        removed: list[int] = []
        if gen is not None:
            for doc_id in sorted(set(previous) - set(files)):
                removed += gen.store.delete_document(doc_id)
                gen.lexical.delete_document(doc_id)
        carried = {d for d, e in files.items() if e["sha256"] and d in previous and previous[d].get("indexed", True)}
        seen_hashes = {e["sha256"]: d for d, e in files.items() if e["sha256"] and e.get("indexed", True)}
        cache: list[EmbeddingCache] = []
        pending: list[tuple[Document, list[Chunk]]] = []
        stats = {"embedded": 0, "reused": 0, "passages": 0, "read": 0}
        total_cost = sum(s.cost for s in to_read) or 1
        done_cost = 0
        readable = 0

        def flush() -> None:
            if not pending:
                return
            g = generation()
            if not cache:
                cache.append(EmbeddingCache(cache_path(index_dir, config.model, config.runtime, config.sentence_vectors),
                                            encoder.dimension))
            chunks = [c for _, cs in pending for c in cs]
            keys = [embed_key(c, config.sentence_vectors) for c in chunks]
            found = cache[0].get_many(list(dict.fromkeys(keys)))
            missing = list({k: i for i, k in reversed(list(enumerate(keys))) if k not in found}.values())  # first of each key
            if missing:
                vectors = embed_chunks(encoder, [chunks[i] for i in missing], config.sentence_vectors)
                fresh = {keys[i]: v for i, v in zip(missing, vectors)}
                cache[0].put_many(fresh)
                found.update(fresh)
            stats["embedded"] += len(missing)
            stats["reused"] += len(chunks) - len(missing)
            for doc, _ in pending:
                g.store.add_document(doc)
            ids = g.store.add_chunks(chunks, keys, [found[k] for k in keys])
            for chunk_id, chunk in zip(ids, chunks):
                g.lexical.add(chunk_id, chunk.doc_id, chunk.context_text())
            stats["passages"] += len(chunks)
            pending.clear()

        rate_began = time.perf_counter()
        for number, s in enumerate(to_read, start=1):
            try:
                doc = s.read()
            except UnreadableFile as exc:
                skipped.append(SkippedFile(s.id, exc.reason, exc.sha256))
                files[s.id] = {"sha256": exc.sha256, "size": s.size, "mtime_ns": s.mtime_ns, "indexed": False}
                continue
            finally:
                done_cost += s.cost
            readable += 1
            stats["read"] += 1
            entry = {"sha256": doc.sha256, "size": s.size, "mtime_ns": s.mtime_ns}
            if doc.sha256 in seen_hashes:
                skipped.append(SkippedFile(s.id, duplicate_reason(seen_hashes[doc.sha256]), doc.sha256))
                files[s.id] = {**entry, "indexed": False}
                continue
            chunks = chunk_document(doc, config.chunking)
            if not chunks:
                skipped.append(SkippedFile(s.id, "no text to index outside its headings", doc.sha256))
                files[s.id] = {**entry, "indexed": False}
                continue
            seen_hashes[doc.sha256] = s.id
            files[s.id] = entry
            pending.append((doc, chunks))
            if sum(len(cs) for _, cs in pending) >= BATCH_PASSAGES:
                flush()
                elapsed = max(time.perf_counter() - rate_began, 1e-6)
                fraction = done_cost / total_cost
                eta = elapsed * (1 - fraction) / max(fraction, 1e-6)
                progress(0.02 + 0.88 * fraction, f"{number}/{len(to_read)} files, {stats['passages']} passages, "
                                                 f"{stats['passages'] / elapsed:.0f} passages/s, ETA {eta:.0f} s")
        flush()
        if holder["gen"] is None or (not carried and stats["passages"] == 0):
            if holder["gen"] is not None:
                shutil.rmtree(holder["gen"].tmp, ignore_errors=True)
            if not readable and not carried:
                raise no_readable_file(root or Path("."), skipped) if root is not None else \
                    CorpusError("the corpus has no readable document; add UTF-8 text files to it")
            names = [s.path for s in skipped if s.reason == "no text to index outside its headings"]
            shown = ", ".join(names[:3]) + (" ..." if len(names) > 3 else "")
            raise CorpusError(f"the corpus has no text to index: its {len(names)} readable file(s) ({shown}) hold only "
                              "headings; add sentences or paragraphs under them")
        g = holder["gen"]
        progress(0.92, "writing index")
        report = _finish(g, index_dir, encoder, config, files, skipped, removed, source, stats, began, built_with)
        progress(1.0, "done")
        return report
    except PermissionError as exc:
        raise QAError(f"index folder '{index_dir}' is not writable ({exc.strerror}); pass --index with a writable folder") from None
    finally:
        if cache:
            cache[0].close()
        if holder["gen"] is not None:
            holder["gen"].release()


def _finish(g: _Generation, index_dir: Path, encoder: Encoder, config: BuildConfig, files: dict[str, dict],
            skipped: list[SkippedFile], removed: list[int], source: dict[str, object] | None, stats: dict[str, int],
            began: float, built_with: dict[str, object] | None = None) -> BuildReport:
    from . import dense as dense_index

    documents, chunks, sentences = g.store.counts()
    kind = dense_index.resolve_type(config.index_type, chunks, config.ann_threshold)
    current = dense_index.describe(g.dense) if g.dense is not None else None
    rebuild = (current is None or current["type"] != kind
               or (kind == "ivf" and chunks > 4 * int(current.get("trained_on", chunks)))
               or (removed and not dense_index.supports_removal(g.dense)))
    if rebuild:
        g.dense = dense_index.build_dense(kind, encoder.dimension, chunks, g.store.sample_vectors, g.store.passage_vectors())
    else:
        dense_index.remove_ids(g.dense, removed)
        new_ids = range(g.store.next_id - stats["passages"], g.store.next_id)
        for ids, vectors in g.store.passage_vectors(ids=new_ids):
            dense_index.add(g.dense, ids, vectors)
    calibration = _calibrate(g.store, config)
    _write_files(g)
    seconds = time.perf_counter() - began
    described = dense_index.describe(g.dense)
    if not rebuild and current is not None and "trained_on" in current:
        described["trained_on"] = current["trained_on"]
    manifest = {
        "format_version": FORMAT_VERSION,
        "config": config.to_json(),
        "model": {"name": encoder.name, "dimension": encoder.dimension, "max_tokens": encoder.max_tokens,
                  "runtime": getattr(encoder, "runtime", "")},
        "source": source or {},
        "files": files,
        "skipped": [{"path": s.path, "reason": s.reason} for s in skipped],
        "counts": {"documents": documents, "chunks": chunks, "sentences": sentences},
        "store_files": sorted(path.name for path in g.tmp.glob("store*.sqlite")),
        "dense": described,
        "calibration": calibration,
        "embedded": stats["embedded"],
        "built_with": built_with or {"ray": None},
        "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "build_seconds": round(seconds, 3),
    }
    (g.tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
    fsync_tree(g.tmp)
    generation = index_dir / f"gen-{datetime.now(timezone.utc):%Y%m%dT%H%M%S%f}-{os.getpid()}"
    previous = current_generation(index_dir)
    os.rename(g.tmp, generation)
    swap_current(index_dir, generation.name)
    prune_generations(index_dir, previous)
    carried = chunks - stats["passages"]  # passages of unchanged files, taken over from the previous generation
    return BuildReport(generation, documents, chunks, sentences, stats["embedded"], stats["reused"] + carried, tuple(skipped),
                       seconds, stats["read"], len(removed))


def _write_files(g: _Generation) -> None:
    """Close the chunk store, write the dense index and commit the lexical one (no manifest yet)."""
    import faiss

    g.store.close()
    faiss.write_index(g.dense, str(g.tmp / DENSE))
    g.lexical.commit()
    umask = os.umask(0)
    os.umask(umask)
    for path in (g.tmp / LEXICAL).iterdir():  # Tantivy writes some files 0600: readers of other users need them,
        if path.is_file():                    # and a reader takes its lock file for writing (empty, so harmless)
            os.chmod(path, 0o666 if path.name.endswith(".lock") else 0o666 & ~umask)


def _calibrate(store, config: BuildConfig) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """How similar unrelated sentences of this corpus look to this model: the 95th percentile of the cosine
    between sentences of different passages. The engine calls a passage a likely answer only above it."""
    rows = store.sample_vectors_with_sentences(CALIBRATION_SENTENCES) if config.sentence_vectors != "none" else []
    if len(rows) < 2:
        return {}
    rng = np.random.default_rng(0)
    sims = []
    for i, vectors in enumerate(rows):
        others = rows[(i + 1 + rng.integers(0, len(rows) - 1)) % len(rows)]
        a = vectors[1:] if len(vectors) > 1 else vectors
        b = others[1:] if len(others) > 1 else others
        sims.extend((a @ b.T).ravel().tolist())
    return {"unrelated_sentence_similarity_p95": round(float(np.percentile(sims, 95)), 4), "pairs": len(sims)}


def build_folder(corpus_dir: str | os.PathLike[str], index_dir: str | os.PathLike[str], encoder: Encoder,
                 config: BuildConfig = BuildConfig(), *, ray_address: str | None = None, ray_workers: int | None = None,
                 encoder_factory: Callable[[], Encoder] | None = None, ray_batch: int = BATCH_PASSAGES,
                 **options) -> BuildReport:  # type: ignore[no-untyped-def]
    """Build from a folder. With `ray_address` ('auto', 'host:port', 'local'), the passages are first embedded on a
    Ray cluster into the index's embedding store (qa/raybuild.py); `encoder_factory` makes the encoder on a worker
    (default: load `config.model` there). The local build that follows then embeds nothing."""
    root = Path(corpus_dir)
    sources = folder_sources(root, config.max_file_bytes)
    if not sources:
        raise no_readable_file(root, [])
    if ray_address is None:
        return build(sources, index_dir, encoder, config, source={"kind": "folder", "path": str(root)}, root=root, **options)
    from .raybuild import embed_on_ray

    progress = options.pop("on_progress", None) or (lambda fraction, message: None)
    ray = embed_on_ray(sources, root, Path(index_dir), encoder, config, address=ray_address, workers=ray_workers,
                       factory=encoder_factory, batch_size=ray_batch, wait_for_lock=options.get("wait_for_lock", False),
                       on_progress=lambda f, m: progress(0.8 * f, m))
    built_with = {"ray": ray_address, "workers": ray.workers, "gpus": ray.gpus, "files_sent": ray.files,
                  "embedded_on_ray": ray.embedded, "ray_seconds": round(ray.seconds, 3)}
    report = build(sources, index_dir, encoder, config, source={"kind": "folder", "path": str(root)}, root=root,
                   built_with=built_with, on_progress=lambda f, m: progress(0.8 + 0.2 * f, m), **options)
    return replace(report, embedded=report.embedded + ray.embedded, reused=max(0, report.reused - ray.embedded),
                   ray_embedded=ray.embedded, seconds=report.seconds + ray.seconds)


def build_index(corpus: LoadedCorpus, index_dir: str | os.PathLike[str], encoder: Encoder, config: BuildConfig = BuildConfig(),
                *, source: dict[str, object] | None = None, on_progress: ProgressFn | None = None,
                wait_for_lock: bool = False) -> BuildReport:
    """Index an in-memory corpus (already read); same build as a folder's."""
    return build(corpus_sources(corpus), index_dir, encoder, config, skipped=corpus.skipped, source=source,
                 on_progress=on_progress, wait_for_lock=wait_for_lock)
