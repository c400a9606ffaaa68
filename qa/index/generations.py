"""Index folder layout and its generations: which one is current, the atomic swap, and what a build leaves behind.

Layout of an index folder (`index/` by default):

    current -> gen-<stamp>/        symlink, replaced atomically when a build finishes
    gen-<stamp>/manifest.json      format version, build config, model and runtime, per-file hash/size/mtime, counts
    gen-<stamp>/store.sqlite       documents (extracted text) and passages with float16 vectors (passage + sentences);
                                   written whole once, then hard-linked by later generations
    gen-<stamp>/store-delta.sqlite after an update: that build's new rows and the base rows it hides (qa/store.py)
    gen-<stamp>/dense.faiss        FAISS index over passage vectors, ids = chunk ids (flat, or IVF-SQ8 when large)
    gen-<stamp>/lexical/           Tantivy BM25 index over our own tokens
    embeddings/*.sqlite            content-addressed embedding store shared by builds (survives a killed build)
    .lock                          held by a running build

A build (qa/index/build.py) writes a hidden temporary folder, renames it to a new generation and then swaps
`current`, so a build that fails or is killed leaves the previous generation in place; its leftovers are
removed by the next build. The generation before the current one is kept so a reader mid-load never loses
its files.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

CURRENT = "current"
MANIFEST = "manifest.json"
DENSE = "dense.faiss"
LEXICAL = "lexical"


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


def prune_generations(index_dir: Path, previous: Path | None) -> None:
    """Keep the current generation and the one it replaced (a reader may be mid-load); remove the rest,
    including generations of killed builds that were renamed into place but never made current."""
    keep = {current_generation(index_dir), previous}
    for generation in generations(index_dir):
        if generation not in keep:
            shutil.rmtree(generation, ignore_errors=True)


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
