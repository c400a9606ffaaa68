"""Chunk store: passages, their vectors and the documents' extracted text in SQLite.

Random access by chunk id without holding a million Python objects: a question reads only its candidate
rows (text, offsets, and the float16 vectors of the passage and each of its sentences). A generation's
store is written once by a build and opened read-only (`immutable=1`: no locks, safe from many threads,
one connection per thread).

Like Lucene's segments, a written file is never changed again. A full build writes the base, `store.sqlite`;
a later build hard-links that base into its generation and writes only a delta, `store-delta.sqlite`: the rows
of new and changed files, and the ids and documents of base rows it hides. Readers see one `chunks` and one
`documents` table (views over both files), so an update to one file writes work for that file, not a copy of
the corpus. When the delta grows past a quarter of the base, the next build merges both into a new base.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import threading
import urllib.parse
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..ingest.chunk import Chunk
from ..ingest.kinds import PassageKind
from ..ingest.load import Document
from .tableruns import TableRuns

STORE = "store.sqlite"
DELTA = "store-delta.sqlite"
MERGE_SHARE = 0.25  # a delta with more rows than this share of its base is merged into a new base
_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    id TEXT PRIMARY KEY, title TEXT NOT NULL, kind TEXT NOT NULL, sha256 TEXT NOT NULL,
    pages TEXT NOT NULL, text TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY, doc TEXT NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL,
    title TEXT NOT NULL, headings TEXT NOT NULL, sentences TEXT NOT NULL, page INTEGER,
    key TEXT NOT NULL, text TEXT NOT NULL, vectors BLOB NOT NULL,
    kind TEXT NOT NULL DEFAULT 'body', lead TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS chunks_by_doc ON chunks (doc, start);
CREATE INDEX IF NOT EXISTS chunks_not_body ON chunks (kind) WHERE kind != 'body';
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""
_CHUNK_COLUMNS = 'id, doc, start, "end", title, headings, sentences, page, text, kind, lead'
_DELTA_SCHEMA = (
    _SCHEMA
    + """
CREATE TABLE IF NOT EXISTS removed (id INTEGER PRIMARY KEY);
CREATE TABLE IF NOT EXISTS removed_docs (id TEXT PRIMARY KEY);
"""
)


def _uri(path: Path) -> str:
    return f"file:{urllib.parse.quote(str(path))}?mode=ro&immutable=1"


def _views(db: sqlite3.Connection, base: str, delta: str | None, prefix: str) -> None:
    """TEMP views `<prefix>chunks` and `<prefix>documents`: the base's rows the delta does not hide, then the
    delta's."""
    if delta is None:
        db.execute(f"CREATE TEMP VIEW {prefix}chunks AS SELECT * FROM {base}.chunks")
        db.execute(f"CREATE TEMP VIEW {prefix}documents AS SELECT * FROM {base}.documents")
        return
    db.execute(
        f"CREATE TEMP VIEW {prefix}chunks AS SELECT * FROM {base}.chunks WHERE id NOT IN "
        f"(SELECT id FROM {delta}.removed) UNION ALL SELECT * FROM {delta}.chunks"
    )
    db.execute(
        f"CREATE TEMP VIEW {prefix}documents AS SELECT * FROM {base}.documents WHERE id NOT IN "
        f"(SELECT id FROM {delta}.removed_docs) AND id NOT IN (SELECT id FROM {delta}.documents) "
        f"UNION ALL SELECT * FROM {delta}.documents"
    )


def _counts(db: sqlite3.Connection, schema: str, view: str) -> dict[str, int]:
    """Documents with passages, passages and sentences, from the file's `meta` (or counted, for older files)."""
    found = (
        dict(db.execute(f"SELECT key, value FROM {schema}.meta").fetchall()) if _has_table(db, schema, "meta") else {}
    )
    if {"documents", "chunks", "sentences"} <= set(found):
        return {k: int(found[k]) for k in ("documents", "chunks", "sentences")}
    docs, chunks = db.execute(f"SELECT COUNT(DISTINCT doc), COUNT(*) FROM {view}").fetchone()
    sentences = db.execute(f"SELECT COALESCE(SUM(json_array_length(sentences)), 0) FROM {view}").fetchone()[0]
    return {"documents": int(docs), "chunks": int(chunks), "sentences": int(sentences)}


def _has_counts(db: sqlite3.Connection, schema: str) -> bool:
    return _has_table(db, schema, "meta") and db.execute(f"SELECT COUNT(*) FROM {schema}.meta").fetchone()[0] > 0


def _has_table(db: sqlite3.Connection, schema: str, name: str) -> bool:
    return (
        db.execute(f"SELECT 1 FROM {schema}.sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone()
        is not None
    )


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
    _, doc, start, end, title, headings, sentences, page, text, kind, lead = row
    return Chunk(
        doc,
        start,
        end,
        text,
        title,
        tuple(json.loads(headings)),
        tuple(tuple(s) for s in json.loads(sentences)),
        page=page,
        kind=PassageKind(kind),
        lead=lead,
    )  # type: ignore[misc]


class StoreWriter:
    """Writes a generation's store: a new base, or a delta over the previous generation's base (see the module)."""

    def __init__(self, path: Path, dimension: int, previous: Path | None = None) -> None:
        """`path` is the new generation's `store.sqlite`; `previous` the generation folder to carry over, if any."""
        self.dimension = dimension
        self.folder = path.parent
        delta = self._start_from(previous, path) if previous is not None else None
        self._delta = delta is not None
        if delta is None:
            self._db = sqlite3.connect(str(path))
            self._db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;" + _SCHEMA)
            _views(self._db, "main", None, "every_")
        else:
            self._db = sqlite3.connect(str(delta))
            self._db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;" + _DELTA_SCHEMA)
            self._db.execute("ATTACH ? AS base", (_uri(path),))
            _views(self._db, "base", "main", "every_")
        self.next_id = 1 + max(
            int(self._db.execute(f"SELECT COALESCE(MAX(id), -1) FROM {schema}.chunks").fetchone()[0])
            for schema in (("main", "base") if self._delta else ("main",))
        )
        self._counts = _counts(
            self._db, "main" if not self._delta or _has_counts(self._db, "main") else "base", "every_chunks"
        )

    def _start_from(self, previous: Path, path: Path) -> Path | None:
        """Link the previous base here and copy its delta (the returned path), or merge both into a new base (None)."""
        base, delta = previous / STORE, previous / DELTA
        if delta.is_file() and _rows(delta) > MERGE_SHARE * max(_rows(base), 1):
            merged = sqlite3.connect(str(path))
            merged.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;" + _SCHEMA)
            merged.execute("ATTACH ? AS old_base", (_uri(base),))
            merged.execute("ATTACH ? AS old_delta", (_uri(delta),))
            _views(merged, "old_base", "old_delta", "old_")
            merged.execute("INSERT INTO main.documents SELECT * FROM old_documents")
            merged.execute("INSERT INTO main.chunks SELECT * FROM old_chunks")
            merged.execute("INSERT INTO main.meta SELECT * FROM old_delta.meta")
            merged.commit()
            merged.close()
            return None
        try:
            os.link(base, path)  # the base is never written again: every later generation shares this one file
        except OSError:
            shutil.copyfile(base, path)  # a file system without hard links
        if delta.is_file():
            shutil.copyfile(delta, self.folder / DELTA)
        return self.folder / DELTA

    def add_document(self, doc: Document) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO main.documents VALUES (?, ?, ?, ?, ?, ?)",
            (doc.id, doc.title, doc.kind, doc.sha256, json.dumps(list(doc.pages)), doc.text),
        )

    def add_chunks(self, chunks: Sequence[Chunk], keys: Sequence[str], vectors: Sequence[np.ndarray]) -> list[int]:
        """Store chunks with their (1 + sentences) × dimension vectors; returns their new ids."""
        ids = list(range(self.next_id, self.next_id + len(chunks)))
        self.next_id += len(chunks)
        for doc_id in dict.fromkeys(c.doc_id for c in chunks):
            if self._db.execute("SELECT 1 FROM every_chunks WHERE doc = ? LIMIT 1", (doc_id,)).fetchone() is None:
                self._counts["documents"] += 1
        self._counts["chunks"] += len(chunks)
        self._counts["sentences"] += sum(len(c.sentences) for c in chunks)
        self._db.executemany(
            "INSERT INTO main.chunks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    i,
                    c.doc_id,
                    c.start,
                    c.end,
                    c.title,
                    json.dumps(list(c.headings), ensure_ascii=False),
                    json.dumps([list(s) for s in c.sentences]),
                    c.page,
                    key,
                    c.text,
                    np.asarray(v, dtype=np.float16).tobytes(),
                    c.kind.value,
                    c.lead,
                )
                for i, c, key, v in zip(ids, chunks, keys, vectors)
            ],
        )
        return ids

    def delete_document(self, doc_id: str) -> list[int]:
        """Remove a document and its chunks; returns the removed chunk ids."""
        rows = self._db.execute(
            "SELECT id, json_array_length(sentences) FROM every_chunks WHERE doc = ?", (doc_id,)
        ).fetchall()
        ids = [r[0] for r in rows]
        if rows:
            self._counts["documents"] -= 1
            self._counts["chunks"] -= len(rows)
            self._counts["sentences"] -= sum(r[1] for r in rows)
        if self._delta:  # hide the base's rows; the delta's own rows are simply deleted
            self._db.execute("INSERT OR IGNORE INTO main.removed SELECT id FROM base.chunks WHERE doc = ?", (doc_id,))
            if self._db.execute("SELECT 1 FROM base.documents WHERE id = ?", (doc_id,)).fetchone():
                self._db.execute("INSERT OR IGNORE INTO main.removed_docs VALUES (?)", (doc_id,))
        self._db.execute("DELETE FROM main.chunks WHERE doc = ?", (doc_id,))
        self._db.execute("DELETE FROM main.documents WHERE id = ?", (doc_id,))
        return ids

    def counts(self) -> tuple[int, int, int]:
        """(documents with chunks, chunks, sentences), kept up to date as rows come and go (no scan)."""
        return self._counts["documents"], self._counts["chunks"], self._counts["sentences"]

    def passage_vectors(
        self, batch: int = 8192, ids: Iterable[int] | None = None
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """(ids, passage vectors as float32) in batches, all chunks in id order or the given ids."""
        if ids is None:
            rows = _in_id_order(
                self._db, "id, vectors", "base" if self._delta else "main", "main" if self._delta else None, batch
            )
        else:
            rows = _rows_in(self._db, "SELECT id, vectors FROM every_chunks WHERE id IN ({ids}) ORDER BY id", list(ids))
        for block in rows:
            if not block:
                continue
            ids_out = np.array([r[0] for r in block], dtype=np.int64)
            vectors = np.stack([np.frombuffer(r[1], dtype=np.float16)[: self.dimension] for r in block]).astype(
                np.float32
            )
            yield ids_out, vectors

    def sample_vectors(self, count: int) -> np.ndarray:
        """Passage vectors of up to `count` chunks spread over the store (for training an ANN index); only each
        row's first vector is read (all of a row's sentence vectors as float32 doubled a 1 M build's peak RSS)."""
        blobs = self._sample(f"substr(vectors, 1, {2 * self.dimension})", count)
        return np.frombuffer(b"".join(blobs), dtype=np.float16).reshape(-1, self.dimension).astype(np.float32)

    def sample_vectors_with_sentences(self, count: int) -> list[np.ndarray]:
        """All vectors (passage, then sentences) of up to `count` chunks spread over the store."""
        return [
            np.frombuffer(b, dtype=np.float16).reshape(-1, self.dimension).astype(np.float32)
            for b in self._sample("vectors", count)
        ]

    def _sample(self, column: str, count: int) -> list[bytes]:
        step = max(1, self.next_id // max(count, 1))  # ids spread over the store, each read by its key (no scan)
        query = f"SELECT {column} FROM every_chunks WHERE id IN ({{ids}})"
        return [r[0] for block in _rows_in(self._db, query, range(0, self.next_id, step)) for r in block][:count]

    def close(self) -> None:
        self._db.executemany("INSERT OR REPLACE INTO main.meta VALUES (?, ?)", list(self._counts.items()))
        self._db.commit()
        self._db.close()


def _rows(path: Path) -> int:
    """About how many rows a store file holds (its id range, plus hidden ids): read from the keys' ends, no scan."""
    db = sqlite3.connect(_uri(path), uri=True)
    try:
        return int(db.execute("SELECT COALESCE(MAX(id) - MIN(id) + 1, 0) FROM chunks").fetchone()[0]) + int(
            db.execute("SELECT COUNT(*) FROM removed").fetchone()[0] if _has_table(db, "main", "removed") else 0
        )
    finally:
        db.close()


def _in_id_order(db: sqlite3.Connection, columns: str, base: str, delta: str | None, batch: int) -> Iterator[list]:
    """Every visible row in id order, in blocks: the base's (minus hidden ones), then the delta's, whose ids are
    all newer. Two ordered scans, never a sort of the whole store."""
    hidden = f" WHERE id NOT IN (SELECT id FROM {delta}.removed)" if delta else ""
    queries = [f"SELECT {columns} FROM {base}.chunks{hidden} ORDER BY id"]
    if delta:
        queries.append(f"SELECT {columns} FROM {delta}.chunks ORDER BY id")
    for query in queries:
        cursor = db.execute(query)
        while rows := cursor.fetchmany(batch):
            yield rows


class ChunkStore:
    """Read side. `store[id]` is the Chunk; iteration yields chunks in id order; `len` counts them."""

    def __init__(self, path: Path, dimension: int) -> None:
        self.path = path
        self.dimension = dimension
        self.delta = path.parent / DELTA if (path.parent / DELTA).is_file() else None
        self._local = threading.local()
        self._opened: list[sqlite3.Connection] = []  # every thread's connection, closed by close()
        self._lock = threading.Lock()
        self._length = _counts(self._db(), "delta" if self.delta else "main", "chunks")["chunks"]
        self.table_runs = TableRuns()  # where long tables run, as reading finds their headers (qa/search/tableheads.py)

    def _db(self) -> sqlite3.Connection:
        """This thread's connection, opened by path on its first read (the generation is leased while the index
        is open, so its files are still there: qa/index/generations.py)."""
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(_uri(self.path), uri=True, check_same_thread=False)
            if self.delta is not None:  # `chunks` and `documents` become views over base and delta (temp names win)
                db.execute("ATTACH ? AS delta", (_uri(self.delta),))
                _views(db, "main", "delta", "")
            self._local.db = db
            with self._lock:
                self._opened.append(db)
        return db

    def close(self) -> None:
        """Close every thread's connection (the store is not read after this)."""
        with self._lock:
            opened, self._opened = self._opened, []
        for db in opened:
            db.close()

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, chunk_id: int) -> Chunk:
        row = self._db().execute(f"SELECT {_CHUNK_COLUMNS} FROM chunks WHERE id = ?", (int(chunk_id),)).fetchone()
        if row is None:
            raise IndexError(f"no chunk with id {chunk_id}")
        return _chunk(row)

    def __iter__(self) -> Iterator[Chunk]:
        for block in _in_id_order(self._db(), _CHUNK_COLUMNS, "main", "delta" if self.delta else None, 1024):
            for row in block:
                yield _chunk(row)

    def ids(self) -> list[int]:
        return [
            r[0]
            for block in _in_id_order(self._db(), "id", "main", "delta" if self.delta else None, 8192)
            for r in block
        ]

    def get_many(self, chunk_ids: Sequence[int]) -> dict[int, StoredChunk]:
        """Rows with vectors for the given ids (missing ids are left out)."""
        out: dict[int, StoredChunk] = {}
        wanted = [int(i) for i in dict.fromkeys(chunk_ids)]
        for block in _rows_in(
            self._db(), f"SELECT {_CHUNK_COLUMNS}, vectors FROM chunks WHERE id IN ({{ids}})", wanted
        ):
            for row in block:
                vectors = np.frombuffer(row[-1], dtype=np.float16).reshape(-1, self.dimension).astype(np.float32)
                out[row[0]] = StoredChunk(row[0], _chunk(row[:-1]), vectors)
        return out

    def chunks_many(self, chunk_ids: Sequence[int]) -> dict[int, Chunk]:
        """Passages for the given ids without their vectors (missing ids are left out): for a rule that reads the
        text of a whole candidate pool."""
        wanted = [int(i) for i in dict.fromkeys(chunk_ids)]
        rows = _rows_in(self._db(), f"SELECT {_CHUNK_COLUMNS} FROM chunks WHERE id IN ({{ids}})", wanted)
        return {row[0]: _chunk(row) for block in rows for row in block}

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
        return {
            chunk_id: sims[start:end] for chunk_id, start, end in zip(ids, [0, *ends[:-1]], ends)
        }  # np.split is slower

    def doc_chunks(self, doc_id: str) -> list[tuple[int, Chunk]]:
        """A document's chunks in reading order, with their ids (for 'show in context')."""
        rows = self._db().execute(f"SELECT {_CHUNK_COLUMNS} FROM chunks WHERE doc = ? ORDER BY start, id", (doc_id,))
        return [(row[0], _chunk(row)) for row in rows]

    def chunks_near(self, doc_id: str, start: int, end: int) -> list[Chunk]:
        """The document's passages that overlap `[start, end)` of its text, in reading order (a reading window's
        neighbours: no vectors, no whole-document read)."""
        return [chunk for _, chunk in self.passages_near(doc_id, start, end)]

    def passages_near(self, doc_id: str, start: int, end: int) -> list[tuple[int, Chunk]]:
        """`chunks_near` with each passage's id (which passage holds a span the reader marked)."""
        rows = self._db().execute(
            f'SELECT {_CHUNK_COLUMNS} FROM chunks WHERE doc = ? AND start < ? AND "end" > ? ORDER BY start, id',
            (doc_id, int(end), int(start)),
        )
        return [(int(row[0]), _chunk(row)) for row in rows]

    def document_summaries(self) -> list[tuple[str, str, str, int, int]]:
        """(id, title, kind, pages, passages) of every document, by id: pages 0 for a format without pages. One
        grouped scan of the passages' `doc` column (its index), not of their text or vectors."""
        db = self._db()
        passages = dict(db.execute("SELECT doc, COUNT(*) FROM chunks GROUP BY doc").fetchall())
        rows = db.execute("SELECT id, title, kind, pages FROM documents ORDER BY id").fetchall()
        return [
            (doc, title, kind, len(json.loads(pages or "[]")), int(passages.get(doc, 0)))
            for doc, title, kind, pages in rows
        ]

    def demoted_ids(self) -> frozenset[int]:
        """Ids of passages that are not body text (contents, reference lists), read through a partial index that
        holds only them, so a million body passages cost nothing here."""
        rows = self._db().execute("SELECT id FROM chunks WHERE kind != 'body'").fetchall()
        return frozenset(int(r[0]) for r in rows)

    def ids_of_kind(self, kind: PassageKind) -> frozenset[int]:
        """Ids of the passages of one kind other than body text, through the same partial index."""
        rows = self._db().execute("SELECT id FROM chunks WHERE kind != 'body' AND kind = ?", (kind.value,)).fetchall()
        return frozenset(int(r[0]) for r in rows)

    def text_slice(self, doc_id: str, start: int, end: int) -> str:
        """`document.text[start:end]`, read by SQLite (substr counts characters, as Python does) without loading the
        whole text; '' for an unknown document."""
        row = (
            self._db()
            .execute(
                "SELECT substr(text, ?, ?) FROM documents WHERE id = ?", (int(start) + 1, int(end - start), doc_id)
            )
            .fetchone()
        )
        return row[0] if row is not None and row[0] is not None else ""

    def text_length(self, doc_id: str) -> int | None:
        """How many characters the document's text has (SQLite's length counts characters), None for an unknown
        document; the text itself is not loaded."""
        row = self._db().execute("SELECT length(text) FROM documents WHERE id = ?", (doc_id,)).fetchone()
        return int(row[0]) if row is not None and row[0] is not None else None

    def page_starts(self, doc_id: str) -> tuple[int, ...]:
        """Where each page of the document starts in its text (() for a format without pages)."""
        row = self._db().execute("SELECT pages FROM documents WHERE id = ?", (doc_id,)).fetchone()
        return tuple(json.loads(row[0])) if row is not None and row[0] else ()

    def document(self, doc_id: str) -> Document | None:
        """A document with its extracted text, as indexed."""
        row = (
            self._db()
            .execute("SELECT id, title, kind, sha256, pages, text FROM documents WHERE id = ?", (doc_id,))
            .fetchone()
        )
        if row is None:
            return None
        doc_id, title, kind, sha256, pages, text = row
        return Document(doc_id, text, title, sha256, tuple(json.loads(pages)), kind)

    def integrity_problem(self, with_sentences: bool, sample: int = 200) -> str | None:
        """A quick check on the first and last rows that vectors fit their passage (a damaged store is refused at
        open)."""
        self._db().execute(f"SELECT {_CHUNK_COLUMNS}, vectors FROM chunks LIMIT 1").fetchall()  # every column is there
        self._db().execute("SELECT id, title, kind, sha256, pages, text FROM documents LIMIT 1").fetchall()
        expected = "(1 + json_array_length(sentences))" if with_sentences else "1"
        for table in ("main.chunks", "delta.chunks") if self.delta else ("main.chunks",):
            for order in ("ASC", "DESC"):
                row = (
                    self._db()
                    .execute(
                        f"SELECT id FROM (SELECT id, vectors, sentences FROM {table} ORDER BY id {order} LIMIT ?) "
                        f"WHERE length(vectors) != 2 * ? * {expected} LIMIT 1",
                        (sample, self.dimension),
                    )
                    .fetchone()
                )
                if row:
                    return f"chunk {row[0]} has vectors of the wrong size"
        return None
