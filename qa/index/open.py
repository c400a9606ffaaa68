"""Index folder: its layout, generations, manifest checks, loading, and freshness against the corpus.

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

A build (qa/build.py) writes a hidden temporary folder, renames it to a new generation and then swaps
`current`, so a build that fails or is killed leaves the previous generation in place; its leftovers are
removed by the next build. The generation before the current one is kept so a reader mid-load never loses
its files.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from ..ingest.chunk import Chunk
from .config import FORMAT_VERSION, BuildConfig
from ..errors import IndexNotReady
from ..ingest.load import file_hash, iter_corpus_files, unreadable_reason

CURRENT = "current"
MANIFEST = "manifest.json"
DENSE = "dense.faiss"
LEXICAL = "lexical"


@dataclass
class LoadedIndex:
    """An opened generation: `chunks` is the SQLite chunk store (chunk id → Chunk, with vectors on request)."""

    path: Path
    manifest: dict
    config: BuildConfig
    chunks: object  # qa.store.ChunkStore
    dense: object  # faiss.Index with ids = chunk ids
    bm25: object  # qa.bm25.LexicalIndex

    @property
    def with_sentences(self) -> bool:
        return self.config.sentence_vectors != "none"


def rebuild_hint(index_dir: Path) -> str:
    return f"run `qa build --index {index_dir}` to build it"


def sentence_embed_text(chunk: Chunk, span: tuple[int, int]) -> str:
    """A sentence with its heading (or title) in front, so 'It has 12 departments' knows what 'it' is."""
    label = chunk.heading or chunk.title
    sentence = chunk.text[span[0] - chunk.start : span[1] - chunk.start]
    return f"{label} — {sentence}" if label else sentence


# ---------------------------------------------------------------- generations


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


# ---------------------------------------------------------------- manifest


def read_manifest(index_dir: str | os.PathLike[str]) -> dict:
    """The current generation's manifest, or IndexNotReady saying what is wrong and how to fix it."""
    index_dir = Path(index_dir)
    try:
        generation = current_generation(index_dir)
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
            and is_int(model.get("max_tokens")) and isinstance(model.get("runtime", ""), str)):
        return '"model" must hold a name, a dimension and max_tokens'
    counts = manifest.get("counts")
    if not (isinstance(counts, dict) and all(is_int(counts.get(k)) for k in ("documents", "chunks", "sentences"))):
        return '"counts" must hold documents, chunks and sentences'
    source = manifest.get("source", {})
    if not isinstance(source, dict) or (source.get("kind") == "folder" and not isinstance(source.get("path"), str)):
        return '"source" must be an object, with a "path" for a folder'
    files = manifest.get("files", {})
    if not (isinstance(files, dict) and all(isinstance(k, str) and isinstance(v, dict) and isinstance(v.get("sha256"), str)
                                            for k, v in files.items())):
        return '"files" must map file names to their sha256, size and mtime'
    if not isinstance(manifest.get("built_at", ""), str):
        return '"built_at" must be a timestamp string'
    return None


# ---------------------------------------------------------------- load


def open_index(index_dir: str | os.PathLike[str], *, model: str | None = None) -> LoadedIndex:
    """Load the current generation, checking manifest, model and the files against each other."""
    import faiss

    from .bm25 import LexicalIndex
    from .store import STORE, ChunkStore

    index_dir = Path(index_dir)
    manifest = read_manifest(index_dir)
    generation = current_generation(index_dir)
    assert generation is not None
    built_with = manifest.get("model", {}).get("name")
    if model is not None and built_with != model:
        raise IndexNotReady(f"index at '{index_dir}' was built with model '{built_with}', not '{model}'; {rebuild_hint(index_dir)}")
    dimension = manifest["model"]["dimension"]
    counts = manifest["counts"]
    try:
        config = BuildConfig.from_json(manifest["config"])
        for name in manifest.get("store_files", [STORE]):  # a base, and the delta of an update
            if not (generation / name).is_file():
                raise FileNotFoundError(f"{name} is missing")
        chunks = ChunkStore(generation / STORE, dimension)
        dense = faiss.read_index(str(generation / DENSE))
        lexical = LexicalIndex(generation / LEXICAL)
        problem = chunks.integrity_problem(config.sentence_vectors != "none")
    except PermissionError as exc:
        raise IndexNotReady(_no_access(index_dir, exc)) from None
    except Exception as exc:  # faiss and tantivy raise RuntimeError/ValueError, sqlite DatabaseError
        detail = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else type(exc).__name__
        raise IndexNotReady(f"index at '{index_dir}' is corrupt ({detail}); {rebuild_hint(index_dir)}") from None
    problems = []
    if len(chunks) != counts.get("chunks"):
        problems.append(f"{len(chunks)} chunks stored, manifest says {counts.get('chunks')}")
    if dense.ntotal != len(chunks):
        problems.append(f"{dense.ntotal} vectors for {len(chunks)} chunks")
    if dense.d != dimension:
        problems.append(f"vector dimension {dense.d}, manifest says {dimension}")
    elif problem:
        problems.append(problem)
    if lexical.num_docs != len(chunks):
        problems.append(f"{lexical.num_docs} passages in the lexical index for {len(chunks)} chunks")
    if problems:
        raise IndexNotReady(f"index at '{index_dir}' does not match its manifest ({'; '.join(problems)}); {rebuild_hint(index_dir)}")
    return LoadedIndex(generation, manifest, config, chunks, dense, lexical)


# ---------------------------------------------------------------- freshness


def file_signature(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_size, stat.st_mtime_ns


def corpus_changes(manifest: dict, corpus_dir: str | os.PathLike[str]) -> list[str]:
    """What changed in the corpus folder since the build: ['changed: a.txt', 'added: b.md', 'deleted: c.txt'].

    A file whose size and modification time are those recorded at build time is not read; only the others
    are hashed. Files skipped unread at build time (too large, links leaving the folder) count as unchanged.
    """
    built = {name: entry for name, entry in manifest.get("files", {}).items()}
    now: dict[str, str] = {}
    root_real = Path(corpus_dir).resolve()
    for doc_id, path in iter_corpus_files(Path(corpus_dir)):
        entry = built.get(doc_id)
        if (entry is not None and entry["sha256"] == "") or unreadable_reason(path, root_real):
            now[doc_id] = ""  # not read at build time, or not to be opened at all (a link out, a pipe)
            continue
        try:
            if entry is not None and [entry.get("size"), entry.get("mtime_ns")] == list(file_signature(path)):
                now[doc_id] = entry["sha256"]
            else:
                now[doc_id] = file_hash(path)
        except OSError:
            now[doc_id] = "unreadable"
    changes = [f"deleted: {d}" for d in sorted(set(built) - set(now))]
    changes += [f"added: {d}" for d in sorted(set(now) - set(built))]
    changes += [f"changed: {d}" for d in sorted(set(now) & set(built)) if built[d]["sha256"] and built[d]["sha256"] != now[d]]
    return changes


def check_fresh(manifest: dict, corpus_dir: str | os.PathLike[str], index_dir: str | os.PathLike[str]) -> None:
    changes = corpus_changes(manifest, corpus_dir)
    if changes:
        shown = ", ".join(changes[:3]) + (f" and {len(changes) - 3} more" if len(changes) > 3 else "")
        raise IndexNotReady(f"index at '{index_dir}' is stale: corpus '{corpus_dir}' changed since the build ({shown}); "
                            f"run `qa build --corpus {corpus_dir} --index {index_dir}`")
