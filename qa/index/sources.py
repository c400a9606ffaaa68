"""What a build reads: the files of a corpus as lazily read `Source`s, whether a file is the one the previous
generation indexed, and a file's passages (or the one-line reason it is not indexed)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..ingest.chunk import Chunk, chunk_document
from ..ingest.load import (
    Document,
    LoadedCorpus,
    SkippedFile,
    UnreadableFile,
    check_corpus_folder,
    duplicate_reason,
    iter_corpus_files,
    read_document,
    unexpected_reason,
)
from .config import BuildConfig
from .manifest import FileEntry
from .open import file_signature

log = logging.getLogger(__name__)
NO_TEXT = "no text to index outside its headings"


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


def unchanged(source: Source, entry: FileEntry | None) -> bool:
    """Whether a file is the one the previous generation indexed (by hash when known, else by size and mtime)."""
    if not entry or not entry.sha256:
        return False
    if source.sha256 is not None:
        return source.sha256 == entry.sha256
    return source.size is not None and [source.size, source.mtime_ns] == [entry.size, entry.mtime_ns]


def read_source(source: Source) -> Document | SkippedFile:
    """The source's Document, or why it is skipped (a folder's reader catches its own errors; other sources may not)."""
    try:
        return source.read()
    except UnreadableFile as exc:
        return SkippedFile(source.id, exc.reason, exc.sha256)
    except Exception as exc:  # noqa: BLE001 - one document must not stop the build
        log.info("reading %s failed", source.id, exc_info=True)
        return SkippedFile(source.id, unexpected_reason("reading the file", exc), source.sha256 or "")


def document_passages(doc: Document, seen_hashes: dict[str, str], config: BuildConfig) -> list[Chunk] | str:
    """A read document's passages, or why it is not indexed: a duplicate, headings only, or the chunker failed."""
    if doc.sha256 in seen_hashes:
        return duplicate_reason(seen_hashes[doc.sha256])
    try:
        chunks = chunk_document(doc, config.chunking)
    except Exception as exc:  # noqa: BLE001 - one document's text must not stop the build
        log.info("splitting %s failed", doc.id, exc_info=True)
        return unexpected_reason("splitting the text into passages", exc)
    return chunks or NO_TEXT
