"""Chunk store: passages, their vectors and the documents' extracted text in one SQLite file.

Random access by chunk id without holding a million Python objects: a question reads only its candidate
rows (text, offsets, and the float16 vectors of the passage and each of its sentences). A generation's
store is written once by a build and opened read-only (`immutable=1`: no locks, safe from many threads,
one connection per thread).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .chunk import Chunk
from .load import Document

STORE = "store.sqlite"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    id TEXT PRIMARY KEY, title TEXT NOT NULL, kind TEXT NOT NULL, sha256 TEXT NOT NULL,
    pages TEXT NOT NULL, text TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY, doc TEXT NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL,
    title TEXT NOT NULL, headings TEXT NOT NULL, sentences TEXT NOT NULL, page INTEGER,
    key TEXT NOT NULL, text TEXT NOT NULL, vectors BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS chunks_by_doc ON chunks (doc, start);
"""
_CHUNK_COLUMNS = 'id, doc, start, "end", title, headings, sentences, page, text'


@dataclass(frozen=True)
class StoredChunk:
    """A passage's row: its id, the chunk, and (rows: passage, then each sentence) its unit vectors."""

    id: int
    chunk: Chunk
    vectors: np.ndarray


def _rows_in(db: sqlite3.Connection, query: str, ids: Sequence[int]) -> Iterator[list]:
    """`query` (with `{ids}` where the placeholders go) run for the ids, in blocks under SQLite's variable limit."""
    for start in range(0, len(ids), 900):
        part = list(ids[start : start + 900])
        yield db.execute(query.format(ids=",".join("?" * len(part))), part).fetchall()


def _chunk(row: Sequence) -> Chunk:
    _, doc, start, end, title, headings, sentences, page, text = row
    return Chunk(doc, start, end, text, title, tuple(json.loads(headings)),
                 tuple(tuple(s) for s in json.loads(sentences)), page=page)  # type: ignore[misc]


class StoreWriter:
    """Appends documents and chunks to a store file (new, or a copy of the previous generation's)."""

    def __init__(self, path: Path, dimension: int) -> None:
        self.dimension = dimension
        self._db = sqlite3.connect(str(path))
        self._db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;" + _SCHEMA)
        self.next_id = int(self._db.execute("SELECT COALESCE(MAX(id) + 1, 0) FROM chunks").fetchone()[0])

    def add_document(self, doc: Document) -> None:
        self._db.execute("INSERT OR REPLACE INTO documents VALUES (?, ?, ?, ?, ?, ?)",
                         (doc.id, doc.title, getattr(doc, "kind", "text"), doc.sha256,
                          json.dumps(list(getattr(doc, "pages", ()))), doc.text))

    def add_chunks(self, chunks: Sequence[Chunk], keys: Sequence[str], vectors: Sequence[np.ndarray]) -> list[int]:
        """Store chunks with their (1 + sentences) × dimension vectors; returns their new ids."""
        ids = list(range(self.next_id, self.next_id + len(chunks)))
        self.next_id += len(chunks)
        self._db.executemany(
            "INSERT INTO chunks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(i, c.doc_id, c.start, c.end, c.title, json.dumps(list(c.headings), ensure_ascii=False),
              json.dumps([list(s) for s in c.sentences]), getattr(c, "page", None), key, c.text,
              np.asarray(v, dtype=np.float16).tobytes())
             for i, c, key, v in zip(ids, chunks, keys, vectors)])
        return ids

    def delete_document(self, doc_id: str) -> list[int]:
        """Remove a document and its chunks; returns the removed chunk ids."""
        ids = [r[0] for r in self._db.execute("SELECT id FROM chunks WHERE doc = ?", (doc_id,))]
        self._db.execute("DELETE FROM chunks WHERE doc = ?", (doc_id,))
        self._db.execute("DELETE FROM documents WHERE id = ?", (doc_id,))
        return ids

    def counts(self) -> tuple[int, int, int]:
        """(documents with chunks, chunks, sentences)."""
        docs, chunks = self._db.execute("SELECT COUNT(DISTINCT doc), COUNT(*) FROM chunks").fetchone()
        sentences = self._db.execute("SELECT COALESCE(SUM(json_array_length(sentences)), 0) FROM chunks").fetchone()[0]
        return int(docs), int(chunks), int(sentences)

    def passage_vectors(self, batch: int = 8192, ids: Iterable[int] | None = None) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """(ids, passage vectors as float32) in batches, all chunks in id order or the given ids."""
        if ids is None:
            cursor = self._db.execute("SELECT id, vectors FROM chunks ORDER BY id")
            rows = iter(lambda: cursor.fetchmany(batch), [])
        else:
            rows = _rows_in(self._db, "SELECT id, vectors FROM chunks WHERE id IN ({ids}) ORDER BY id", list(ids))
        for block in rows:
            if not block:
                continue
            ids_out = np.array([r[0] for r in block], dtype=np.int64)
            vectors = np.stack([np.frombuffer(r[1], dtype=np.float16)[: self.dimension] for r in block]).astype(np.float32)
            yield ids_out, vectors

    def sample_vectors(self, count: int) -> np.ndarray:
        """Passage vectors of `count` chunks spread over the store (for training an ANN index)."""
        return np.stack([vectors[0] for vectors in self.sample_vectors_with_sentences(count)])

    def sample_vectors_with_sentences(self, count: int) -> list[np.ndarray]:
        """All vectors (passage, then sentences) of up to `count` chunks spread over the store."""
        total = int(self._db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0])
        step = max(1, total // max(count, 1))
        rows = self._db.execute("SELECT vectors FROM chunks WHERE id % ? = 0 LIMIT ?", (step, count)).fetchall()
        return [np.frombuffer(r[0], dtype=np.float16).reshape(-1, self.dimension).astype(np.float32) for r in rows]

    def close(self) -> None:
        self._db.commit()
        self._db.close()


class ChunkStore:
    """Read side. `store[id]` is the Chunk; iteration yields chunks in id order; `len` counts them."""

    def __init__(self, path: Path, dimension: int) -> None:
        self.path = path
        self.dimension = dimension
        self._local = threading.local()
        self._length = int(self._db().execute("SELECT COUNT(*) FROM chunks").fetchone()[0])

    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(f"file:{self.path}?mode=ro&immutable=1", uri=True, check_same_thread=False)
            self._local.db = db
        return db

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, chunk_id: int) -> Chunk:
        row = self._db().execute(f"SELECT {_CHUNK_COLUMNS} FROM chunks WHERE id = ?", (int(chunk_id),)).fetchone()
        if row is None:
            raise IndexError(f"no chunk with id {chunk_id}")
        return _chunk(row)

    def __iter__(self) -> Iterator[Chunk]:
        for row in self._db().execute(f"SELECT {_CHUNK_COLUMNS} FROM chunks ORDER BY id"):
            yield _chunk(row)

    def ids(self) -> list[int]:
        return [r[0] for r in self._db().execute("SELECT id FROM chunks ORDER BY id")]

    def get_many(self, chunk_ids: Sequence[int]) -> dict[int, StoredChunk]:
        """Rows with vectors for the given ids (missing ids are left out)."""
        out: dict[int, StoredChunk] = {}
        wanted = [int(i) for i in dict.fromkeys(chunk_ids)]
        for block in _rows_in(self._db(), f"SELECT {_CHUNK_COLUMNS}, vectors FROM chunks WHERE id IN ({{ids}})", wanted):
            for row in block:
                vectors = np.frombuffer(row[-1], dtype=np.float16).reshape(-1, self.dimension).astype(np.float32)
                out[row[0]] = StoredChunk(row[0], _chunk(row[:-1]), vectors)
        return out

    def similarities(self, chunk_ids: Sequence[int], query_vector: np.ndarray) -> dict[int, np.ndarray]:
        """Each given passage's stored rows (passage, then sentences) · the question: only the vectors are read (no
        text, no JSON), joined into one matrix and multiplied once."""
        ids: list[int] = []
        blobs: list[bytes] = []
        wanted = [int(i) for i in dict.fromkeys(chunk_ids)]
        for block in _rows_in(self._db(), "SELECT id, vectors FROM chunks WHERE id IN ({ids})", wanted):
            for chunk_id, blob in block:
                ids.append(chunk_id)
                blobs.append(blob)
        if not ids:
            return {}
        matrix = np.frombuffer(b"".join(blobs), dtype=np.float16).reshape(-1, self.dimension)
        sims = matrix.astype(np.float32) @ np.asarray(query_vector, dtype=np.float32)
        ends = np.cumsum([len(b) // (2 * self.dimension) for b in blobs]).tolist()
        return {chunk_id: sims[start:end] for chunk_id, start, end in zip(ids, [0, *ends[:-1]], ends)}  # np.split is slower

    def doc_chunks(self, doc_id: str) -> list[tuple[int, Chunk]]:
        """A document's chunks in reading order, with their ids (for 'show in context')."""
        rows = self._db().execute(f"SELECT {_CHUNK_COLUMNS} FROM chunks WHERE doc = ? ORDER BY start, id", (doc_id,))
        return [(row[0], _chunk(row)) for row in rows]

    def document(self, doc_id: str) -> Document | None:
        """A document with its extracted text, as indexed."""
        row = self._db().execute("SELECT id, title, kind, sha256, pages, text FROM documents WHERE id = ?", (doc_id,)).fetchone()
        if row is None:
            return None
        doc_id, title, kind, sha256, pages, text = row
        extra = {k: v for k, v in (("kind", kind), ("pages", tuple(json.loads(pages)))) if k in Document.__dataclass_fields__}
        return Document(doc_id, text, title, sha256, **extra)  # type: ignore[arg-type]

    def integrity_problem(self, with_sentences: bool, sample: int = 200) -> str | None:
        """A quick check on the first and last rows that vectors fit their passage (a damaged store is refused at open)."""
        self._db().execute(f"SELECT {_CHUNK_COLUMNS}, vectors FROM chunks LIMIT 1").fetchall()  # every column is there
        self._db().execute("SELECT id, title, kind, sha256, pages, text FROM documents LIMIT 1").fetchall()
        expected = "(1 + json_array_length(sentences))" if with_sentences else "1"
        for order in ("ASC", "DESC"):
            row = self._db().execute(
                f"SELECT id FROM (SELECT id, vectors, sentences FROM chunks ORDER BY id {order} LIMIT ?) "
                f"WHERE length(vectors) != 2 * ? * {expected} LIMIT 1", (sample, self.dimension)).fetchone()
            if row:
                return f"chunk {row[0]} has vectors of the wrong size"
        return None
