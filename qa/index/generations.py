"""Index folder layout and its generations: which one is current, the atomic swap, and what a build leaves behind.

Layout of an index folder (`index/` by default):

    current -> gen-<stamp>/        symlink, replaced atomically when a build finishes
    gen-<stamp>/manifest.json      format version, build config, model and runtime, per-file hash/size/mtime, counts
    gen-<stamp>/store.sqlite       documents (extracted text) and passages with float16 vectors (passage + sentences);
                                   written whole once, then hard-linked by later generations
    gen-<stamp>/store-delta.sqlite after an update: that build's new rows and the base rows it hides (qa/store.py)
    gen-<stamp>/dense.faiss        FAISS index over passage vectors, ids = chunk ids (flat, or IVF-SQ8 when large)
    gen-<stamp>/lexical/           Tantivy BM25 index over our own tokens
    gen-<stamp>/.readers           empty; every process that has the generation open holds a shared lock on it
    embeddings/*.sqlite            content-addressed embedding store shared by builds (survives a killed build)
    .lock                          held by a running build

A build (qa/index/build.py, its folder qa/index/writer.py) writes a hidden temporary folder, renames it to a new
generation and then swaps `current`, so a build that fails or is killed leaves the previous generation in place;
its leftovers are removed by the next build. A generation that any process has open is never removed: a reader
holds a shared `flock` on its `.readers` file (`lease`) for as long as it has the generation open, and a build
removes an old generation only when it can lock that file exclusively without waiting. So an app serving an old
generation keeps every file it may still open (a new thread opens its own SQLite connection by path). The
generation before the current one is kept as well.
"""

from __future__ import annotations

import logging
import os
import shutil
import weakref
from pathlib import Path

try:
    import fcntl
except ImportError:  # not POSIX: generations are not leased (a build may remove one a reader has open)
    fcntl = None  # type: ignore[assignment]

CURRENT = "current"
MANIFEST = "manifest.json"
DENSE = "dense.faiss"
LEXICAL = "lexical"
READERS = ".readers"
log = logging.getLogger(__name__)


def current_generation(index_dir: Path) -> Path | None:
    link = index_dir / CURRENT
    if not link.is_symlink() and not link.is_dir():
        return None
    return (index_dir / os.readlink(link)) if link.is_symlink() else link


def generations(index_dir: Path) -> list[Path]:
    return sorted(p for p in index_dir.glob("gen-*") if p.is_dir())


def swap_current(index_dir: Path, generation: str) -> None:
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


class Lease:
    """A shared lock on a generation's `.readers` file, held until `release()` or until the lease is collected:
    while any process holds one, no build removes the generation (`prune_generations`)."""

    def __init__(self, fd: int | None) -> None:
        self._release = weakref.finalize(self, os.close, fd) if fd is not None else None

    @property
    def held(self) -> bool:
        return self._release is not None and self._release.alive

    def release(self) -> None:
        if self._release is not None:
            self._release()


def _open_readers(generation: Path) -> int:
    return os.open(generation / READERS, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))


def lease(generation: Path) -> Lease | None:
    """Hold `generation` open for reading, or None when a build is removing it (or has removed it). A generation
    written before leases existed (no `.readers`), or one this user may not lock, gives a lease that holds nothing."""
    if fcntl is None:
        return Lease(None)
    try:
        fd = _open_readers(generation)
    except FileNotFoundError:
        return Lease(None) if (generation / MANIFEST).exists() else None
    except OSError as exc:
        log.info("generation %s is not leased: %s", generation, exc)
        return Lease(None)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:  # a build holds it exclusively: it is removing this generation
        os.close(fd)
        return None
    if not (generation / MANIFEST).exists():  # removed between opening `.readers` and locking it
        os.close(fd)
        return None
    return Lease(fd)


def prune_generations(index_dir: Path, previous: Path | None) -> list[Path]:
    """Remove old generations nobody has open, including those of killed builds that were renamed into place but
    never made current; keep the current one, the one it replaced and every one a reader holds. Returns the
    generations kept for their readers (a later build removes them once they are released)."""
    keep = {current_generation(index_dir), previous}
    held = []
    for generation in generations(index_dir):
        if generation not in keep and not _remove_unless_held(generation):
            held.append(generation)
    return held


def _remove_unless_held(generation: Path) -> bool:
    """Remove `generation` unless a reader holds it (its lock is tried, never waited for); False when kept."""
    fd = None
    if fcntl is not None:
        try:
            fd = _open_readers(generation)
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except FileNotFoundError:
            fd = None  # written before leases existed: no reader can hold it
        except OSError:  # held by a reader (or not ours to lock): kept
            if fd is not None:
                os.close(fd)
            return False
    try:
        shutil.rmtree(generation, ignore_errors=True)  # a reader that opened `.readers` meanwhile finds no manifest
    finally:
        if fd is not None:
            os.close(fd)
    return True


def write_readers_file(folder: Path) -> None:
    """The empty `.readers` file of a generation being written (readers lock it; nobody writes it)."""
    (folder / READERS).touch()


def remove_leftovers(index_dir: Path) -> None:
    """Temporary folders and links of builds that were killed (the caller holds the lock, so none is live)."""
    for path in index_dir.glob(".tmp-*"):
        shutil.rmtree(path, ignore_errors=True)
    for path in index_dir.glob(".current-*"):
        path.unlink(missing_ok=True)


def fsync_tree(folder: Path) -> None:
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            with path.open("rb") as fh:
                os.fsync(fh.fileno())
