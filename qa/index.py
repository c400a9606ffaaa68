"""Index stage: build the on-disk index atomically and load it back with its manifest checked.

Layout of an index folder (`index/` by default):

    current -> gen-<stamp>/        symlink, replaced atomically when a build finishes
    gen-<stamp>/manifest.json      format version, build config, model, per-file hashes, counts
    gen-<stamp>/chunks.jsonl       the chunk store (text, offsets, headings, sentence spans, content key)
    gen-<stamp>/dense.faiss        FAISS index over the chunk vectors
    gen-<stamp>/vectors.npy        the same vectors, row = chunk (the embedding cache for rebuilds)
    gen-<stamp>/sentences.npy      one vector per sentence, rows in chunk order (answer highlighting)
    gen-<stamp>/bm25/              bm25s files
    .lock                          held by a running build

A build writes a hidden temporary folder, renames it to a new generation and then swaps `current`, so a
build that fails or is killed leaves the previous generation in place; its leftovers are removed by the
next build. The generation before the current one is kept so a reader mid-load never loses its files.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from .chunk import Chunk, chunk_corpus
from .config import FORMAT_VERSION, BuildConfig
from .embed import Encoder
from .errors import CorpusError, IndexLocked, IndexNotReady, QAError
from .lexical import BM25Index
from .load import LoadedCorpus, SkippedFile, content_hash, iter_corpus_files, unreadable_reason

CURRENT = "current"
MANIFEST = "manifest.json"
ProgressFn = Callable[[float, str], None]
_ENCODE_SLICE = 128  # texts per encode call, one progress update each (a few seconds on 2 busy cores)


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


@dataclass
class LoadedIndex:
    """An index read into memory. `sentence_rows[i]` is the first row of chunk i's sentences in `sentence_vectors`."""

    path: Path
    manifest: dict
    config: BuildConfig
    chunks: list[Chunk]
    dense: object  # faiss.Index
    bm25: BM25Index
    sentence_vectors: np.ndarray | None
    sentence_rows: list[int]


def rebuild_hint(index_dir: Path) -> str:
    return f"run `qa build --index {index_dir}` to build it"


def sentence_embed_text(chunk: Chunk, span: tuple[int, int]) -> str:
    """A sentence with its heading (or title) in front, so 'It has 12 departments' knows what 'it' is."""
    label = chunk.heading or chunk.title
    sentence = chunk.text[span[0] - chunk.start : span[1] - chunk.start]
    return f"{label} — {sentence}" if label else sentence


def _sentence_key(chunk: Chunk, span: tuple[int, int]) -> str:
    return content_hash(sentence_embed_text(chunk, span).encode("utf-8"))


# ---------------------------------------------------------------- build


def build_index(
    corpus: LoadedCorpus,
    index_dir: str | os.PathLike[str],
    encoder: Encoder,
    config: BuildConfig = BuildConfig(),
    *,
    source: dict[str, object] | None = None,
    on_progress: ProgressFn | None = None,
    wait_for_lock: bool = False,
    _fail_after_write: bool = False,
) -> BuildReport:
    """Chunk, embed and index `corpus` into a new generation of `index_dir`, then swap it in."""
    import faiss
    from filelock import FileLock, Timeout

    if encoder.name != config.model:
        raise QAError(f"encoder '{encoder.name}' differs from the configured model '{config.model}'")
    index_dir = Path(index_dir)
    began = time.perf_counter()
    progress = on_progress or (lambda fraction, message: None)
    # chunk before touching the index folder: a corpus with nothing to index changes nothing on disk
    chunks = chunk_corpus(corpus.documents, config.chunking)
    chunked = {c.doc_id for c in chunks}
    skipped = corpus.skipped + tuple(
        SkippedFile(doc.id, "no text to index outside its headings", doc.sha256) for doc in corpus.documents if doc.id not in chunked
    )
    if not chunks:
        names = ", ".join(doc.id for doc in corpus.documents[:3]) + (" ..." if len(corpus.documents) > 3 else "")
        raise CorpusError(f"the corpus has no text to index: its {len(corpus.documents)} readable file(s) ({names}) hold only "
                          "headings; add sentences or paragraphs under them")
    indexed_documents = len(chunked)
    if index_dir.exists() and not index_dir.is_dir():
        raise QAError(f"index path '{index_dir}' is a file, not a folder; pass --index with a folder (new or an index)")
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(index_dir / ".lock"), timeout=-1 if wait_for_lock else 0)
        lock.acquire()
    except Timeout:
        raise IndexLocked(f"another build is running on '{index_dir}' (lock {index_dir / '.lock'}); wait for it to finish") from None
    except OSError as exc:
        raise QAError(f"index folder '{index_dir}' is not writable ({exc.strerror}); pass --index with a writable folder") from None
    try:
        _remove_leftovers(index_dir)
        progress(0.02, f"chunked into {len(chunks)} passages")
        cache = _read_cache(index_dir, config)
        chunk_texts = {c.content_key(): c.context_text() for c in chunks}
        sentence_order = [_sentence_key(c, s) for c in chunks for s in c.sentences] if config.sentence_vectors else []
        sentence_texts = {_sentence_key(c, s): sentence_embed_text(c, s) for c in chunks for s in c.sentences} if config.sentence_vectors else {}
        wanted = {**chunk_texts, **sentence_texts}
        missing = [key for key in wanted if key not in cache]
        progress(0.05, f"embedding {len(missing)} new texts ({len(wanted) - len(missing)} cached)")
        cache.update(_encode(encoder, [wanted[k] for k in missing], missing, progress))
        chunk_vectors = np.stack([cache[c.content_key()] for c in chunks]).astype(np.float32)
        progress(0.92, "writing index")
        # not tempfile.mkdtemp: its 0700 folder became the generation, unreadable to every other user (a web app
        # serving an index built by someone else got PermissionError); a plain mkdir follows the umask
        tmp = index_dir / f".tmp-{os.getpid()}-{secrets.token_hex(6)}"
        tmp.mkdir()
        np.save(tmp / "vectors.npy", chunk_vectors)
        if config.sentence_vectors:
            rows = [cache[k] for k in sentence_order]
            np.save(tmp / "sentences.npy", np.stack(rows).astype(np.float32) if rows else np.zeros((0, encoder.dimension), np.float32))
        dense = _make_faiss(config.index_type, encoder.dimension)
        dense.add(chunk_vectors)
        faiss.write_index(dense, str(tmp / "dense.faiss"))
        _quiet_bm25s()
        bm25 = BM25Index.build([c.context_text() for c in chunks], k1=config.bm25_k1, b=config.bm25_b)
        bm25.save(tmp / "bm25")
        _write_chunks(tmp / "chunks.jsonl", chunks)
        seconds = time.perf_counter() - began
        manifest = {
            "format_version": FORMAT_VERSION,
            "config": config.to_json(),
            "model": {"name": encoder.name, "dimension": encoder.dimension, "max_tokens": encoder.max_tokens},
            "source": source or {},
            "files": {**{s.path: s.sha256 for s in corpus.skipped}, **{doc.id: doc.sha256 for doc in corpus.documents}},
            "skipped": [{"path": s.path, "reason": s.reason} for s in skipped],
            "counts": {"documents": indexed_documents, "chunks": len(chunks), "sentences": len(sentence_order)},
            "embedded": len(missing),
            "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "build_seconds": round(seconds, 3),
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
        _fsync_tree(tmp)
        if _fail_after_write:
            raise RuntimeError("simulated failure before the swap")
        generation = index_dir / f"gen-{datetime.now(timezone.utc):%Y%m%dT%H%M%S%f}-{os.getpid()}"
        previous = _current_generation(index_dir)
        os.rename(tmp, generation)
        _swap_current(index_dir, generation.name)
        _prune_generations(index_dir, previous)
        progress(1.0, "done")
        return BuildReport(generation, indexed_documents, len(chunks), len(sentence_order), len(missing),
                           len(wanted) - len(missing), skipped, seconds)
    except PermissionError as exc:
        raise QAError(f"index folder '{index_dir}' is not writable ({exc.strerror}); pass --index with a writable folder") from None
    finally:
        lock.release()


def _quiet_bm25s() -> None:
    """bm25s sets its own logger to DEBUG when imported, after `quiet_libraries` ran: `qa build` printed
    'DEBUG bm25s: Building index from tokens'. Keep it at WARNING unless the user asked for more (-v)."""
    import logging

    import bm25s  # noqa: F401 - imported first, so its setLevel(DEBUG) is the one overridden

    logger = logging.getLogger("bm25s")
    if logger.level == logging.DEBUG and logging.getLogger().level > logging.DEBUG:
        logger.setLevel(max(logging.getLogger().level, logging.INFO))


def _encode(encoder: Encoder, texts: list[str], keys: list[str], progress: ProgressFn) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    # longest first, so each slice is as length-homogeneous as the batches of one big call (no extra
    # padding); progress counts characters, a rough cost, rather than texts
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]), reverse=True)
    total, done_chars = sum(map(len, texts)) or 1, 0
    for start in range(0, len(order), _ENCODE_SLICE):
        rows = order[start : start + _ENCODE_SLICE]
        vectors = encoder.encode([texts[i] for i in rows], progress=False)
        out.update(zip((keys[i] for i in rows), vectors))
        done_chars += sum(len(texts[i]) for i in rows)
        progress(0.05 + 0.85 * done_chars / total, f"embedded {min(start + _ENCODE_SLICE, len(texts))}/{len(texts)}")
    return out


def _make_faiss(index_type: str, dimension: int):  # type: ignore[no-untyped-def]
    import faiss

    if index_type == "hnsw":
        return faiss.IndexHNSWFlat(dimension, 32, faiss.METRIC_INNER_PRODUCT)
    return faiss.IndexFlatIP(dimension)


def _write_chunks(path: Path, chunks: list[Chunk]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for c in chunks:
            row = {"doc": c.doc_id, "start": c.start, "end": c.end, "title": c.title, "headings": list(c.headings),
                   "sentences": [list(s) for s in c.sentences], "key": c.content_key(), "text": c.text, "page": c.page}
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def _fsync_tree(folder: Path) -> None:
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            with path.open("rb") as fh:
                os.fsync(fh.fileno())


def _swap_current(index_dir: Path, generation: str) -> None:
    link = index_dir / f".current-{os.getpid()}"
    if link.is_symlink():
        link.unlink()
    os.symlink(generation, link)
    os.replace(link, index_dir / CURRENT)
    fd = os.open(index_dir, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _generations(index_dir: Path) -> list[Path]:
    return sorted(p for p in index_dir.glob("gen-*") if p.is_dir())


def _prune_generations(index_dir: Path, previous: Path | None) -> None:
    """Keep the current generation and the one it replaced (a reader may be mid-load); remove the rest,
    including generations of killed builds that were renamed into place but never made current."""
    keep = {_current_generation(index_dir), previous}
    for generation in _generations(index_dir):
        if generation not in keep:
            shutil.rmtree(generation, ignore_errors=True)


def _remove_leftovers(index_dir: Path) -> None:
    """Temporary folders and links of builds that were killed (we hold the lock, so none is live)."""
    for path in index_dir.glob(".tmp-*"):
        shutil.rmtree(path, ignore_errors=True)
    for path in index_dir.glob(".current-*"):
        path.unlink(missing_ok=True)


def _current_generation(index_dir: Path) -> Path | None:
    link = index_dir / CURRENT
    if not link.is_symlink() and not link.is_dir():
        return None
    return (index_dir / os.readlink(link)) if link.is_symlink() else link


def _read_cache(index_dir: Path, config: BuildConfig) -> dict[str, np.ndarray]:
    """Vectors of the current generation by content key, if it was built with the same model; else empty."""
    generation = _current_generation(index_dir)
    if generation is None:
        return {}
    try:
        manifest = json.loads((generation / MANIFEST).read_text(encoding="utf-8"))
        if manifest.get("model", {}).get("name") != config.model or manifest.get("format_version") != FORMAT_VERSION:
            return {}
        dimension = manifest["model"]["dimension"]
        rows = [json.loads(line) for line in (generation / "chunks.jsonl").read_text(encoding="utf-8").splitlines()]
        vectors = np.load(generation / "vectors.npy")
        if vectors.shape != (len(rows), dimension):  # a damaged cache must not lend wrong vectors to the new build
            return {}
        cache = dict(zip((r["key"] for r in rows), vectors))
        sentences_file = generation / "sentences.npy"
        if sentences_file.exists():
            keys = [_sentence_key(c, s) for c in map(_chunk_from_row, rows) for s in c.sentences]
            sentence_vectors = np.load(sentences_file)
            if sentence_vectors.shape == (len(keys), dimension):
                cache.update(zip(keys, sentence_vectors))
        return cache
    except Exception:  # noqa: BLE001 - the cache is an optimization: any damage means "embed again"
        return {}


# ---------------------------------------------------------------- load


def _chunk_from_row(row: dict) -> Chunk:
    return Chunk(row["doc"], row["start"], row["end"], row["text"], row["title"], tuple(row["headings"]),
                 tuple(tuple(s) for s in row["sentences"]), row.get("page"))  # type: ignore[misc]


def read_manifest(index_dir: str | os.PathLike[str]) -> dict:
    """The current generation's manifest, or IndexNotReady saying what is wrong and how to fix it."""
    index_dir = Path(index_dir)
    try:
        generation = _current_generation(index_dir)
        present = generation is not None and (generation / MANIFEST).exists()
    except PermissionError as exc:
        raise IndexNotReady(_no_access(index_dir, exc)) from None
    except OSError:  # e.g. a `current` link that loops
        present = False
    if generation is None or not present:
        raise IndexNotReady(f"no index at '{index_dir}'; {rebuild_hint(index_dir)}")
    try:
        manifest = json.loads((generation / MANIFEST).read_text(encoding="utf-8"))
    except PermissionError as exc:
        raise IndexNotReady(_no_access(index_dir, exc)) from None
    except (OSError, ValueError) as exc:
        raise IndexNotReady(f"index manifest at '{generation / MANIFEST}' is unreadable ({exc}); {rebuild_hint(index_dir)}") from None
    if not isinstance(manifest, dict) or manifest.get("format_version") != FORMAT_VERSION:
        found = manifest.get("format_version") if isinstance(manifest, dict) else None
        raise IndexNotReady(
            f"index at '{index_dir}' has format version {json.dumps(found)}, this program reads version {FORMAT_VERSION}; "
            f"{rebuild_hint(index_dir)}"
        )
    problem = _manifest_problem(manifest)
    if problem:
        raise IndexNotReady(f"index manifest at '{generation / MANIFEST}' is invalid ({problem}); {rebuild_hint(index_dir)}")
    return manifest


def _no_access(index_dir: Path, exc: OSError) -> str:
    where = f" ({exc.filename})" if exc.filename else ""
    return f"index at '{index_dir}' cannot be read by this user ({exc.strerror}{where}); give read access to the folder"


def _manifest_problem(manifest: dict) -> str | None:
    """What is wrong with the fields every reader relies on, or None."""
    def is_int(value: object) -> bool:
        return isinstance(value, int) and not isinstance(value, bool) and value >= 0

    if not isinstance(manifest.get("config"), dict):
        return '"config" is missing or not an object'
    try:
        BuildConfig.from_json(manifest["config"])
    except (TypeError, ValueError) as exc:
        return f'"config" is not a build configuration: {str(exc)[:80]}'
    model = manifest.get("model")
    if not (isinstance(model, dict) and isinstance(model.get("name"), str) and is_int(model.get("dimension"))
            and is_int(model.get("max_tokens"))):
        return '"model" must hold a name, a dimension and max_tokens'
    counts = manifest.get("counts")
    if not (isinstance(counts, dict) and all(is_int(counts.get(k)) for k in ("documents", "chunks", "sentences"))):
        return '"counts" must hold documents, chunks and sentences'
    source = manifest.get("source", {})
    if not isinstance(source, dict) or (source.get("kind") == "folder" and not isinstance(source.get("path"), str)):
        return '"source" must be an object, with a "path" for a folder'
    files = manifest.get("files", {})
    if not (isinstance(files, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in files.items())):
        return '"files" must map file names to hashes'
    if not isinstance(manifest.get("built_at", ""), str):
        return '"built_at" must be a timestamp string'
    return None


def open_index(index_dir: str | os.PathLike[str], *, model: str | None = None) -> LoadedIndex:
    """Load the current generation, checking manifest, model and the files against each other."""
    import faiss

    index_dir = Path(index_dir)
    manifest = read_manifest(index_dir)
    generation = _current_generation(index_dir)
    assert generation is not None
    built_with = manifest.get("model", {}).get("name")
    if model is not None and built_with != model:
        raise IndexNotReady(f"index at '{index_dir}' was built with model '{built_with}', not '{model}'; {rebuild_hint(index_dir)}")
    try:
        config = BuildConfig.from_json(manifest["config"])
        chunks = [_chunk_from_row(json.loads(line)) for line in (generation / "chunks.jsonl").read_text(encoding="utf-8").splitlines()]
        dense = faiss.read_index(str(generation / "dense.faiss"))
        bm25 = BM25Index.load(generation / "bm25")
        sentence_vectors = np.load(generation / "sentences.npy") if config.sentence_vectors else None
    except PermissionError as exc:
        raise IndexNotReady(_no_access(index_dir, exc)) from None
    except Exception as exc:  # faiss raises RuntimeError, json ValueError, numpy ValueError/OSError
        detail = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else type(exc).__name__
        raise IndexNotReady(f"index at '{index_dir}' is corrupt ({detail}); {rebuild_hint(index_dir)}") from None
    counts = manifest.get("counts", {})
    dimension = manifest.get("model", {}).get("dimension")
    sentence_rows = list(np.cumsum([0] + [len(c.sentences) for c in chunks[:-1]])) if chunks else []
    problems = []
    if len(chunks) != counts.get("chunks"):
        problems.append(f"{len(chunks)} chunks stored, manifest says {counts.get('chunks')}")
    if dense.ntotal != len(chunks):
        problems.append(f"{dense.ntotal} vectors for {len(chunks)} chunks")
    if dense.d != dimension:
        problems.append(f"vector dimension {dense.d}, manifest says {dimension}")
    if sentence_vectors is not None and sentence_vectors.shape[0] != sum(len(c.sentences) for c in chunks):
        problems.append(f"{sentence_vectors.shape[0]} sentence vectors for {sum(len(c.sentences) for c in chunks)} sentences")
    if problems:
        raise IndexNotReady(f"index at '{index_dir}' does not match its manifest ({'; '.join(problems)}); {rebuild_hint(index_dir)}")
    return LoadedIndex(generation, manifest, config, chunks, dense, bm25, sentence_vectors, [int(r) for r in sentence_rows])


def corpus_changes(manifest: dict, corpus_dir: str | os.PathLike[str]) -> list[str]:
    """What changed in the corpus folder since the build: ['changed: a.txt', 'added: b.md', 'deleted: c.txt'].

    Files skipped unread at build time (too large, links leaving the folder) have no hash and count as unchanged.
    """
    built = dict(manifest.get("files", {}))
    now: dict[str, str] = {}
    root_real = Path(corpus_dir).resolve()
    for doc_id, path in iter_corpus_files(Path(corpus_dir)):
        if built.get(doc_id) == "" or unreadable_reason(path, root_real):
            now[doc_id] = ""  # not read at build time, or not to be opened at all (a link out, a pipe)
            continue
        try:
            now[doc_id] = _file_hash(path)
        except OSError:
            now[doc_id] = "unreadable"
    changes = [f"deleted: {d}" for d in sorted(set(built) - set(now))]
    changes += [f"added: {d}" for d in sorted(set(now) - set(built))]
    changes += [f"changed: {d}" for d in sorted(set(now) & set(built)) if built[d] and built[d] != now[d]]
    return changes


def _file_hash(path: Path) -> str:
    """`content_hash` of the file's bytes, read in blocks (a huge file is not held in memory)."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check_fresh(manifest: dict, corpus_dir: str | os.PathLike[str], index_dir: str | os.PathLike[str]) -> None:
    changes = corpus_changes(manifest, corpus_dir)
    if changes:
        shown = ", ".join(changes[:3]) + (f" and {len(changes) - 3} more" if len(changes) > 3 else "")
        raise IndexNotReady(f"index at '{index_dir}' is stale: corpus '{corpus_dir}' changed since the build ({shown}); "
                            f"run `qa build --corpus {corpus_dir} --index {index_dir}`")
