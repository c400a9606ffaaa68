"""Which ingestion code read a corpus: a fingerprint of this package's source, recorded in the manifest.

An index holds passages cut by the extractors, segmenter and tokenizer of the version that built it. When that
code changes (a better PDF list reader, a new table rule), the same files would give other passages, so an index
built by other code is stale even though no file of the corpus changed (`qa.index.open.corpus_changes`), and a
rebuild reads every file again rather than carrying the old passages over.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib import metadata
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


def source_fingerprint(folder: Path) -> str:
    """SHA-256 (first 24 hex digits) over the relative path and bytes of every Python file under `folder`, in
    path order; the installed package's version when there is no source."""
    digest = hashlib.sha256()
    sources = sorted(folder.rglob("*.py"))
    for path in sources:
        digest.update(path.relative_to(folder).as_posix().encode("utf-8") + b"\0")
        digest.update(path.read_bytes() + b"\0")
    if not sources:
        digest.update(metadata.version("qa-retrieval").encode("utf-8"))
    return digest.hexdigest()[:24]


@lru_cache(maxsize=1)
def ingest_fingerprint() -> str:
    """The fingerprint of this `qa.ingest` package (read once per process)."""
    return source_fingerprint(PACKAGE)
