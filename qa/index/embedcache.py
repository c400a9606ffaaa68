"""Content-addressed embedding store: what a build embedded survives a crash, a kill and the next build.

Keyed by a hash of exactly what was embedded (and how); one SQLite file per model, runtime and sentence
method, beside the generations in the index folder. Every batch is committed as it is embedded (WAL), so a
build killed at 80 % resumes and embeds only the rest. It is a cache: anything unreadable counts as missing.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

FOLDER = "embeddings"


def cache_path(index_dir: Path, model: str, runtime: str, method: str) -> Path:
    label = re.sub(r"[^A-Za-z0-9.-]+", "_", f"{model}-{runtime}-{method}")[-60:]
    digest = hashlib.sha256(f"{model}\x00{runtime}\x00{method}".encode()).hexdigest()[:12]
    return index_dir / FOLDER / f"{label}-{digest}.sqlite"


class EmbeddingCache:
    def __init__(self, path: Path, dimension: int) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.dimension = dimension
        self._db = sqlite3.connect(str(path), timeout=60)
        try:
            self._db.executescript(
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                "CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, rows INTEGER NOT NULL, data BLOB NOT NULL);"
            )
        except sqlite3.DatabaseError:  # a damaged cache is thrown away, not trusted
            self._db.close()
            path.unlink(missing_ok=True)
            self._db = sqlite3.connect(str(path), timeout=60)
            self._db.executescript(
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                "CREATE TABLE vectors (key TEXT PRIMARY KEY, rows INTEGER NOT NULL, data BLOB NOT NULL);"
            )

    def get_many(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        for start in range(0, len(keys), 900):
            part = list(keys[start : start + 900])
            try:
                rows = self._db.execute(
                    f"SELECT key, rows, data FROM vectors WHERE key IN ({','.join('?' * len(part))})", part
                )
                for key, count, data in rows:
                    if len(data) == 2 * count * self.dimension:
                        found[key] = np.frombuffer(data, dtype=np.float16).reshape(count, self.dimension)
            except sqlite3.DatabaseError:
                return found
        return found

    def put_many(self, items: dict[str, np.ndarray]) -> None:
        """Store and commit (one transaction per batch: a kill loses at most the batch in flight)."""
        rows = [(k, int(v.shape[0]), np.asarray(v, dtype=np.float16).tobytes()) for k, v in items.items()]
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)", rows)

    def keys(self) -> Iterator[str]:
        """Every stored key (streamed: a distributed build ships a compact set of them to its workers)."""
        try:
            for (key,) in self._db.execute("SELECT key FROM vectors"):
                yield key
        except sqlite3.DatabaseError:
            return

    def count(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM vectors").fetchone()[0])

    def close(self) -> None:
        self._db.close()
