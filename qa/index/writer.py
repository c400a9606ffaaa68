"""The generation a build writes: the index lock, the hidden folder with its writers (started from the previous
generation when that one is whole and compatible), and the last steps: the dense index brought up to date, the
similarity calibration, every file written, the folder swapped in as the current generation."""

from __future__ import annotations

import json
import logging
import os
import secrets
import shutil
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import IndexLocked, IndexNotReady, QAError
from ..ingest.version import ingest_fingerprint
from ..models.encoder import Encoder
from . import dense as dense_index
from .config import BuildConfig
from .generations import (
    DENSE,
    LEXICAL,
    MANIFEST,
    current_generation,
    prune_generations,
    remove_leftovers,
    swap_current,
    write_readers_file,
)
from .manifest import Calibration, FileEntry, Manifest
from .open import open_index

if TYPE_CHECKING:
    from filelock import FileLock

    from .store import StoreWriter

log = logging.getLogger(__name__)
CALIBRATION_SENTENCES = 400


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
        for _ in range(3):  # a file written into it while it was deleted (a reader's lock file) is deleted too
            shutil.rmtree(self.tmp, ignore_errors=True)
            if not self.tmp.exists():
                break


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
    """The previous generation's manifest when its contents can be carried over (same settings, model width and
    ingestion code), else None."""
    if generation is None:
        return None
    try:
        manifest = Manifest.from_json(json.loads((generation / MANIFEST).read_text(encoding="utf-8")))
    except (OSError, ValueError, AttributeError, KeyError, TypeError):
        return None
    same = manifest.config == config and manifest.model.dimension == encoder.dimension
    same = same and manifest.ingest == ingest_fingerprint()  # passages cut by other code are not carried over
    return manifest if same and all((generation / name).exists() for name in (DENSE, LEXICAL, "store.sqlite")) else None


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


def swap(index_dir: Path, g: Generation) -> Path:
    """Step 6: the written folder renamed into a generation and made current; older generations pruned."""
    generation = index_dir / f"gen-{datetime.now(timezone.utc):%Y%m%dT%H%M%S%f}-{os.getpid()}"
    previous = current_generation(index_dir)
    os.rename(g.tmp, generation)
    swap_current(index_dir, generation.name)
    prune_generations(index_dir, previous)
    return generation


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
