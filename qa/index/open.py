"""Opening an index: the current generation's manifest read and validated once, its parts loaded and checked
against each other, and freshness against the corpus folder (size + mtime first, hash only what changed).

An opened generation is leased (qa/index/generations.py): no build removes it while the LoadedIndex is open, so
threads that open their own connections to its files later never find them gone.

The folder's layout and generations are qa/index/generations.py; the manifest's fields qa/index/manifest.py.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import IndexNotReady
from ..ingest.load import file_hash, iter_corpus_files, unreadable_reason
from ..ingest.version import ingest_fingerprint
from ..options import SentenceMethod
from .config import FORMAT_VERSION, BuildConfig
from .generations import DENSE, LEXICAL, MANIFEST, Lease, current_generation, lease
from .manifest import Manifest, ManifestError, ManifestVersionError

if TYPE_CHECKING:
    import faiss

    from .bm25 import LexicalIndex
    from .store import ChunkStore


CODE_CHANGED = "ingestion code changed: the files were read by another version of the extractors"
OPEN_ATTEMPTS = 5  # a generation removed between finding `current` and leasing it: find `current` again


@dataclass
class LoadedIndex:
    """An opened generation: `chunks` is the SQLite chunk store (chunk id → Chunk, with vectors on request). It
    holds a lease on its generation (no build removes it) until `close()`, or until it is garbage-collected."""

    path: Path
    manifest: Manifest
    config: BuildConfig
    chunks: ChunkStore
    dense: faiss.Index  # ids = chunk ids
    bm25: LexicalIndex
    lease: Lease = field(default_factory=lambda: Lease(None), repr=False)

    @property
    def with_sentences(self) -> bool:
        return self.config.sentence_vectors != SentenceMethod.NONE

    def close(self) -> None:
        """Close the chunk store's connections and release the generation (a later build may remove it)."""
        self.chunks.close()
        self.lease.release()

    def __enter__(self) -> LoadedIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def rebuild_hint(index_dir: Path) -> str:
    return f"run `qa build --index {index_dir}` to build it"


def no_access(index_dir: Path, exc: OSError) -> str:
    where = f" ({exc.filename})" if exc.filename else ""
    return f"index at '{index_dir}' cannot be read by this user ({exc.strerror}{where}); give read access to the folder"


def _manifest_file(index_dir: Path) -> Path:
    """The current generation's manifest file, or IndexNotReady when there is none to read."""
    generation: Path | None = None
    try:
        generation = current_generation(index_dir)
        present = generation is not None and (generation / MANIFEST).exists()
    except PermissionError as exc:
        raise IndexNotReady(no_access(index_dir, exc)) from None
    except OSError:  # e.g. a `current` link that loops
        present = False
    if generation is None or not present:
        raise IndexNotReady(f"no index at '{index_dir}'; {rebuild_hint(index_dir)}")
    return generation / MANIFEST


def read_manifest(index_dir: str | os.PathLike[str]) -> Manifest:
    """The current generation's manifest, or IndexNotReady saying what is wrong and how to fix it."""
    index_dir = Path(index_dir)
    return _read_manifest(index_dir, _manifest_file(index_dir))


def _read_manifest(index_dir: Path, path: Path) -> Manifest:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except PermissionError as exc:
        raise IndexNotReady(no_access(index_dir, exc)) from None
    except (OSError, ValueError) as exc:
        raise IndexNotReady(f"index manifest at '{path}' is unreadable ({exc}); {rebuild_hint(index_dir)}") from None
    try:
        return Manifest.from_json(data)
    except ManifestVersionError as exc:
        raise IndexNotReady(
            f"index at '{index_dir}' has format version {json.dumps(exc.found)}, this program reads version "
            f"{FORMAT_VERSION}; {rebuild_hint(index_dir)}"
        ) from None
    except ManifestError as exc:
        raise IndexNotReady(f"index manifest at '{path}' is invalid ({exc}); {rebuild_hint(index_dir)}") from None


def _load_parts(
    index_dir: Path, generation: Path, manifest: Manifest
) -> tuple[ChunkStore, faiss.Index, LexicalIndex, str | None]:
    """The chunk store, FAISS and Tantivy indexes of a generation, and the store's integrity problem (if any)."""
    import faiss

    from .bm25 import LexicalIndex

    chunks = _open_store(index_dir, generation, manifest)
    try:
        with _as_not_ready(index_dir):
            dense = faiss.read_index(str(generation / DENSE))
            lexical = LexicalIndex(generation / LEXICAL)
            problem = chunks.integrity_problem(manifest.config.sentence_vectors != SentenceMethod.NONE)
    except BaseException:
        chunks.close()
        raise
    return chunks, dense, lexical, problem


def _open_store(index_dir: Path, generation: Path, manifest: Manifest) -> ChunkStore:
    """A generation's chunk store (its base, and the delta of an update), opened or refused in one line."""
    from .store import STORE, ChunkStore

    with _as_not_ready(index_dir):
        for name in manifest.store_files or (STORE,):
            if not (generation / name).is_file():
                raise FileNotFoundError(f"{name} is missing")
        return ChunkStore(generation / STORE, manifest.model.dimension)


@contextmanager
def _as_not_ready(index_dir: Path) -> Iterator[None]:
    """Any failure to open an index's files as the one line that names it: no access, or corrupt."""
    try:
        yield
    except PermissionError as exc:
        raise IndexNotReady(no_access(index_dir, exc)) from None
    except Exception as exc:  # faiss and tantivy raise RuntimeError/ValueError, sqlite DatabaseError
        detail = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else type(exc).__name__
        raise IndexNotReady(f"index at '{index_dir}' is corrupt ({detail}); {rebuild_hint(index_dir)}") from None


def _leased_current(index_dir: Path) -> tuple[Path, Lease]:
    """The current generation, leased (so no build removes it while it is open)."""
    for _ in range(OPEN_ATTEMPTS):
        generation = _manifest_file(index_dir).parent
        held = lease(generation)
        if held is not None:
            return generation, held
    raise IndexNotReady(
        f"index at '{index_dir}' was replaced {OPEN_ATTEMPTS} times while being opened (builds running "
        "back to back); open it again once they finish"
    )


def open_index(index_dir: str | os.PathLike[str], *, model: str | None = None, verify_all: bool = False) -> LoadedIndex:
    """Load the current generation, checking manifest, model, the files against the sizes and checksums the manifest
    recorded (every checksum with `verify_all`, else those of qa/index/integrity.py's opening check) and the parts
    against each other; the generation stays leased until the LoadedIndex is closed."""
    index_dir = Path(index_dir)
    generation, held = _leased_current(index_dir)
    try:
        index = _open_generation(index_dir, generation, model, verify_all)
    except BaseException:
        held.release()
        raise
    index.lease = held
    return index


@contextmanager
def opened_store(index_dir: str | os.PathLike[str]) -> Iterator[tuple[Manifest, ChunkStore]]:
    """The current generation's manifest and chunk store alone, leased while the block runs: what describes an index
    (`qa status --documents`) without loading its vectors and lexical index, seconds and gigabytes at a million
    passages. The files are checked as opening checks them."""
    index_dir = Path(index_dir)
    generation, held = _leased_current(index_dir)
    try:
        manifest = _read_manifest(index_dir, generation / MANIFEST)
        damaged = _damage(index_dir, generation, manifest, False)
        if damaged:
            raise corrupt(index_dir, damaged)
        chunks = _open_store(index_dir, generation, manifest)
        try:
            yield manifest, chunks
        finally:
            chunks.close()
    finally:
        held.release()


def verify_index(index_dir: str | os.PathLike[str], *, everything: bool = False) -> tuple[Manifest, list[str]]:
    """The current manifest and how the generation's files differ from it (`qa status`; nothing loaded). Raises
    IndexNotReady when the manifest records no sizes and checksums and `everything` is asked for."""
    index_dir = Path(index_dir)
    generation, held = _leased_current(index_dir)
    try:
        manifest = _read_manifest(index_dir, generation / MANIFEST)
        if everything and not manifest.index_files:
            raise IndexNotReady(
                f"index at '{index_dir}' records no sizes and checksums to verify (it was built before "
                f"they were recorded); run `qa build --index {index_dir}` to record them"
            )
        return manifest, _damage(index_dir, generation, manifest, everything)
    finally:
        held.release()


def corrupt(index_dir: Path, problems: list[str]) -> IndexNotReady:
    """One line for damaged files: the first problem (and how many more), and the fix."""
    more = (
        f"; {len(problems) - 1} more file{'s differ' if len(problems) > 2 else ' differs'}" if len(problems) > 1 else ""
    )
    return IndexNotReady(f"index at '{index_dir}' is corrupt ({problems[0]}{more}); {rebuild_hint(index_dir)}")


def _damage(index_dir: Path, generation: Path, manifest: Manifest, everything: bool) -> list[str]:
    from .integrity import damage

    try:
        return damage(generation, manifest.index_files, everything=everything)
    except PermissionError as exc:
        raise IndexNotReady(no_access(index_dir, exc)) from None
    except OSError as exc:
        return [f"{exc.filename or 'a file'} cannot be read ({exc.strerror})"]


def _open_generation(index_dir: Path, generation: Path, model: str | None, verify_all: bool) -> LoadedIndex:
    manifest = _read_manifest(index_dir, generation / MANIFEST)
    built_with = manifest.model.name
    if model is not None and built_with != model:
        raise IndexNotReady(
            f"index at '{index_dir}' was built with model '{built_with}', not '{model}'; {rebuild_hint(index_dir)}"
        )
    damaged = _damage(index_dir, generation, manifest, verify_all)
    if damaged:
        raise corrupt(index_dir, damaged)
    chunks, dense, lexical, problem = _load_parts(index_dir, generation, manifest)
    problems = []
    if len(chunks) != manifest.counts.chunks:
        problems.append(f"{len(chunks)} chunks stored, manifest says {manifest.counts.chunks}")
    if dense.ntotal != len(chunks):
        problems.append(f"{dense.ntotal} vectors for {len(chunks)} chunks")
    if dense.d != manifest.model.dimension:
        problems.append(f"vector dimension {dense.d}, manifest says {manifest.model.dimension}")
    elif problem:
        problems.append(problem)
    if lexical.num_docs != len(chunks):
        problems.append(f"{lexical.num_docs} passages in the lexical index for {len(chunks)} chunks")
    if problems:
        raise IndexNotReady(
            f"index at '{index_dir}' does not match its manifest ({'; '.join(problems)}); {rebuild_hint(index_dir)}"
        )
    return LoadedIndex(generation, manifest, manifest.config, chunks, dense, lexical)


# ---------------------------------------------------------------- freshness


def file_signature(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_size, stat.st_mtime_ns


def _current_hash(path: Path, entry: object, root_real: Path) -> str:
    """The file's hash as the manifest would record it now: "" when it is not read at all, the recorded hash when
    size and mtime are unchanged (not read), else its hash ("unreadable" when it cannot be read)."""
    from .manifest import FileEntry

    recorded = entry if isinstance(entry, FileEntry) else None
    if (recorded is not None and recorded.sha256 == "") or unreadable_reason(path, root_real):
        return ""  # not read at build time, or not to be opened at all (a link out, a pipe)
    try:
        if recorded is not None and [recorded.size, recorded.mtime_ns] == list(file_signature(path)):
            return recorded.sha256
        return file_hash(path)
    except OSError:
        return "unreadable"


def corpus_changes(manifest: Manifest, corpus_dir: str | os.PathLike[str]) -> list[str]:
    """What changed since the build: ['ingestion code changed: …', 'changed: a.txt', 'added: b.md',
    'deleted: c.txt']. The first when the index was read by other extraction code (`qa.ingest.version`; an index
    built before that was recorded counts as read by other code): the same files would give other passages.

    A file whose size and modification time are those recorded at build time is not read; only the others
    are hashed. Files skipped unread at build time (too large, links leaving the folder) count as unchanged.
    """
    built = manifest.files
    root_real = Path(corpus_dir).resolve()
    now = {
        doc_id: _current_hash(path, built.get(doc_id), root_real)
        for doc_id, path in iter_corpus_files(Path(corpus_dir))
    }
    changes = [] if manifest.ingest == ingest_fingerprint() else [CODE_CHANGED]
    changes += [f"deleted: {d}" for d in sorted(set(built) - set(now))]
    changes += [f"added: {d}" for d in sorted(set(now) - set(built))]
    changes += [f"changed: {d}" for d in sorted(set(now) & set(built)) if built[d].sha256 and built[d].sha256 != now[d]]
    return changes


def check_fresh(manifest: Manifest, corpus_dir: str | os.PathLike[str], index_dir: str | os.PathLike[str]) -> None:
    changes = corpus_changes(manifest, corpus_dir)
    if changes:
        shown = ", ".join(changes[:3]) + (f" and {len(changes) - 3} more" if len(changes) > 3 else "")
        raise IndexNotReady(
            f"index at '{index_dir}' is stale: corpus '{corpus_dir}' changed since the build ({shown}); "
            f"run `qa build --corpus {corpus_dir} --index {index_dir}`"
        )
