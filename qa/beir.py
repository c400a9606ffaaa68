"""BEIR evaluation: load a dataset in BEIR's layout, index it with the engine, rank documents, score them.

A BEIR folder holds `corpus.jsonl` (`_id`, `title`, `text`), `queries.jsonl` (`_id`, `text`) and
`qrels/<split>.tsv` (`query-id<TAB>corpus-id<TAB>score`, with a header line). The engine ranks passages;
BEIR judges documents, so a document is scored by its best passage (MaxP) and the ranked document ids are
scored with `qa.evaluate`'s pure metrics, averaged over every query in the split's qrels, as BEIR's
pytrec_eval run does.

The index of a dataset lives in `index/beir-<name>/` by default (git-ignored): benchmark data stays out of
the repository, and the index is reused while the corpus file and the build configuration are unchanged.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from .chunk import ChunkSettings
from .config import BuildConfig
from .errors import IndexNotReady, QAError, QuestionError
from .evaluate import mrr_at_k, ndcg_at_k, recall_at_k
from .load import Document, LoadedCorpus, content_hash
from .retrieve import MODES, Hit, SearchSettings

DEFAULT_INDEX_ROOT = "index"
DEFAULT_DEPTH = 100
CHUNKS_PER_QUERY = 300  # enough passages to fill 100 documents (a SciFact abstract is 1-4 passages)
METRICS = ("ndcg@10", "mrr@10", "recall@10", "recall@100")


class BeirError(QAError):
    """A BEIR dataset folder cannot be used."""


class BeirNotFound(BeirError):
    """The dataset folder, one of its files or a qrels split is missing."""


class BeirFormatError(BeirError):
    """A line of corpus.jsonl, queries.jsonl or a qrels file is malformed."""


@dataclass(frozen=True)
class BeirDataset:
    """A BEIR dataset in memory. `qrels[split][query id][doc id] = relevance`."""

    name: str
    folder: Path
    corpus: LoadedCorpus
    corpus_sha256: str
    queries: dict[str, str]
    qrels: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)

    @property
    def splits(self) -> tuple[str, ...]:
        return tuple(sorted(self.qrels))

    def split(self, split: str) -> dict[str, dict[str, int]]:
        if split not in self.qrels:
            have = ", ".join(self.splits) or "none"
            raise BeirNotFound(
                f"split '{split}' has no qrels in '{self.folder / 'qrels'}' (found: {have}); "
                f"pass one of those, or add qrels/{split}.tsv"
            )
        return self.qrels[split]


# ---------------------------------------------------------------- load


def _read_bytes(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise BeirNotFound(f"{what} '{path}' does not exist; a BEIR folder holds corpus.jsonl, queries.jsonl and qrels/<split>.tsv") from None
    except IsADirectoryError:
        raise BeirNotFound(f"{what} '{path}' is a folder, not a file") from None
    except OSError as exc:
        raise BeirError(f"{what} '{path}' cannot be read ({exc.strerror})") from None


def _json_lines(path: Path, data: bytes) -> list[tuple[int, bytes, dict]]:
    """(line number, raw line, object) for every non-blank line; a bad line raises BeirFormatError naming it."""
    rows = []
    for number, raw in enumerate(data.split(b"\n"), start=1):
        line = raw.rstrip(b"\r")
        if not line.strip():
            continue
        try:
            row = json.loads(line.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise BeirFormatError(f"{path} line {number}: not valid UTF-8 (byte offset {exc.start} of the line)") from None
        except json.JSONDecodeError as exc:
            raise BeirFormatError(
                f"{path} line {number}: invalid JSON ({exc.msg} at column {exc.colno}); each line must be one JSON object"
            ) from None
        if not isinstance(row, dict):
            raise BeirFormatError(f"{path} line {number}: expected a JSON object like {{\"_id\": ..., \"text\": ...}}")
        rows.append((number, line, row))
    return rows


def _string_field(path: Path, number: int, row: dict, key: str, *, required: bool = True) -> str:
    value = row.get(key)
    if value is None and not required:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and key == "_id":
        return str(value)
    if not isinstance(value, str):
        raise BeirFormatError(f"{path} line {number}: \"{key}\" must be a string (got {type(value).__name__})")
    return value


def _load_corpus(path: Path) -> tuple[LoadedCorpus, str]:
    data = _read_bytes(path, "BEIR corpus file")
    documents: list[Document] = []
    seen: dict[str, int] = {}
    for number, line, row in _json_lines(path, data):
        doc_id = _string_field(path, number, row, "_id").strip()
        if not doc_id:
            raise BeirFormatError(f"{path} line {number}: empty \"_id\"")
        if doc_id in seen:
            raise BeirFormatError(f"{path} line {number}: \"_id\" '{doc_id}' already used on line {seen[doc_id]}")
        seen[doc_id] = number
        title = _string_field(path, number, row, "title", required=False).strip()
        text = _string_field(path, number, row, "text", required=False)
        if not text.strip() and not title:
            raise BeirFormatError(f"{path} line {number}: document '{doc_id}' has neither \"title\" nor \"text\"")
        documents.append(Document(id=doc_id, text=text if text.strip() else title, title=title, sha256=content_hash(line)))
    if not documents:
        raise BeirFormatError(f"{path} holds no documents; write one JSON object per line")
    return LoadedCorpus(tuple(documents), ()), content_hash(data)


def _load_queries(path: Path) -> dict[str, str]:
    queries: dict[str, str] = {}
    for number, _, row in _json_lines(path, _read_bytes(path, "BEIR queries file")):
        query_id = _string_field(path, number, row, "_id").strip()
        if not query_id:
            raise BeirFormatError(f"{path} line {number}: empty \"_id\"")
        if query_id in queries:
            raise BeirFormatError(f"{path} line {number}: query \"_id\" '{query_id}' appears twice")
        queries[query_id] = _string_field(path, number, row, "text")
    return queries


def _load_qrels(path: Path, queries: dict[str, str]) -> dict[str, dict[str, int]]:
    try:
        text = _read_bytes(path, "BEIR qrels file").decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BeirFormatError(f"{path}: not valid UTF-8 (byte offset {exc.start})") from None
    qrels: dict[str, dict[str, int]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        cells = line.split("\t") if "\t" in line else line.split()
        if number == 1 and (len(cells) < 3 or not cells[-1].strip().lstrip("-").isdigit()):
            continue  # the header `query-id corpus-id score`
        if len(cells) != 3:
            raise BeirFormatError(f"{path} line {number}: expected 3 tab-separated columns (query-id, corpus-id, score), found {len(cells)}")
        query_id, doc_id, score = (c.strip() for c in cells)
        try:
            relevance = int(score)
        except ValueError:
            raise BeirFormatError(f"{path} line {number}: score '{score}' is not an integer") from None
        if query_id not in queries:
            raise BeirFormatError(f"{path} line {number}: query-id '{query_id}' is not in queries.jsonl")
        qrels.setdefault(query_id, {})[doc_id] = relevance
    if not qrels:
        raise BeirFormatError(f"{path} has no judgments; expected lines of query-id<TAB>corpus-id<TAB>score")
    return qrels


def load_beir(folder: str | os.PathLike[str]) -> BeirDataset:
    """Read a BEIR dataset folder: corpus, queries and every `qrels/*.tsv` split."""
    root = Path(folder)
    if not root.exists():
        raise BeirNotFound(f"BEIR folder '{root}' does not exist; pass a folder holding corpus.jsonl, queries.jsonl and qrels/")
    if not root.is_dir():
        raise BeirNotFound(f"BEIR path '{root}' is not a folder; pass a folder holding corpus.jsonl, queries.jsonl and qrels/")
    corpus, corpus_sha256 = _load_corpus(root / "corpus.jsonl")
    queries = _load_queries(root / "queries.jsonl")
    qrels_dir = root / "qrels"
    if not qrels_dir.is_dir():
        raise BeirNotFound(f"BEIR folder '{root}' has no qrels/ folder; add qrels/<split>.tsv (e.g. qrels/test.tsv)")
    qrels = {path.stem: _load_qrels(path, queries) for path in sorted(qrels_dir.glob("*.tsv"))}
    if not qrels:
        raise BeirNotFound(f"'{qrels_dir}' holds no <split>.tsv file; add e.g. qrels/test.tsv")
    return BeirDataset(root.resolve().name, root, corpus, corpus_sha256, queries, qrels)


# ---------------------------------------------------------------- index


def default_index_dir(dataset: BeirDataset, root: str | os.PathLike[str] = DEFAULT_INDEX_ROOT) -> Path:
    return Path(root) / f"beir-{dataset.name}"


def beir_source(dataset: BeirDataset) -> dict[str, object]:
    return {"kind": "beir", "path": str(dataset.folder / "corpus.jsonl"), "sha256": dataset.corpus_sha256}


def index_matches(index_dir: str | os.PathLike[str], dataset: BeirDataset, config: BuildConfig) -> bool:
    """True when the current index was built from this corpus.jsonl (by hash) with this configuration."""
    from .index import read_manifest

    try:
        manifest = read_manifest(index_dir)
    except IndexNotReady:
        return False
    source = manifest.get("source") or {}
    return (
        source.get("kind") == "beir"
        and source.get("sha256") == dataset.corpus_sha256
        and manifest.get("config") == json.loads(json.dumps(config.to_json()))
    )


def _refuse_foreign_index(index_dir: Path) -> None:
    """A BEIR build must not replace the index of a corpus folder (e.g. `qa eval --beir DIR --index index`)."""
    from .index import read_manifest

    try:
        source = read_manifest(index_dir).get("source") or {}
    except IndexNotReady:
        return
    if source.get("kind") != "beir":
        raise BeirError(
            f"'{index_dir}' holds the index of {source.get('path') or 'another corpus'}, not of a BEIR dataset; "
            "a BEIR evaluation would replace it. Pass --index with another folder (default: index/beir-<name>/)"
        )


def build_or_open_beir_index(dataset: BeirDataset, index_dir: str | os.PathLike[str] | None = None,
                             config: BuildConfig = BuildConfig(), *, encoder=None,  # type: ignore[no-untyped-def]
                             on_progress: Callable[[float, str], None] | None = None):
    """An Engine over the dataset's index: reused when built from the same corpus.jsonl and config, else (re)built.

    A rebuild in the same folder reuses the embeddings of the previous build (the index's own cache). A
    folder holding the index of something other than a BEIR dataset is never replaced (BeirError).
    """
    from .engine import Engine, load_encoder
    from .build import build_index
    from .index import open_index

    index_dir = Path(index_dir) if index_dir is not None else default_index_dir(dataset)
    reuse = index_matches(index_dir, dataset, config)
    if not reuse:
        _refuse_foreign_index(index_dir)
    encoder = encoder or load_encoder(config.model)
    if not reuse:
        build_index(dataset.corpus, index_dir, encoder, config, source=beir_source(dataset),
                    on_progress=on_progress, wait_for_lock=True)
    return Engine(open_index(index_dir, model=config.model), encoder)


# ---------------------------------------------------------------- rank and score


def doc_ranking(engine, hits: Sequence[Hit], depth: int = DEFAULT_DEPTH) -> list[str]:  # type: ignore[no-untyped-def]
    """Document ids in the order of their best passage (hits are already best-first)."""
    chunks = engine.index.chunks
    return first_unique((chunks[hit.chunk].doc_id for hit in hits), depth)


def first_unique(doc_ids: Iterable[str], depth: int) -> list[str]:
    """The first `depth` distinct ids, in order: MaxP ranking of documents from best-first passages."""
    ranked: list[str] = []
    seen: set[str] = set()
    for doc in doc_ids:
        if doc not in seen:
            seen.add(doc)
            ranked.append(doc)
            if len(ranked) >= depth:
                break
    return ranked


def rank_documents(engine, query: str, mode: str = "hybrid", settings: SearchSettings | None = None,  # type: ignore[no-untyped-def]
                   depth: int = DEFAULT_DEPTH, *, chunks: int = CHUNKS_PER_QUERY,
                   query_vector: np.ndarray | None = None) -> list[str]:
    """The top `depth` document ids for `query`, each scored by its best passage.

    Goes to `engine.retriever` directly: no answer highlighting, no question clean-up beyond whitespace
    (BEIR queries are scored as given). `query_vector` may be passed to reuse an embedding.
    """
    if mode not in MODES:
        raise QuestionError(f"mode '{mode}' is not one of {', '.join(MODES)}")
    settings = settings or SearchSettings()
    query = " ".join(query.split())
    if not query:
        return []
    retriever = engine.retriever
    if query_vector is None:
        query_vector = retriever.embed_question(query) if mode != "bm25" else np.zeros(engine.encoder.dimension, np.float32)
    hits = retriever.search(query, query_vector, mode=mode, k=max(chunks, depth), settings=settings)
    return doc_ranking(engine, hits, depth)


def score_ranking(ranked: Sequence[str], qrels: dict[str, int]) -> dict[str, float]:
    return {
        "ndcg@10": ndcg_at_k(ranked, qrels, 10),
        "mrr@10": mrr_at_k(ranked, qrels, 10),
        "recall@10": recall_at_k(ranked, qrels, 10),
        "recall@100": recall_at_k(ranked, qrels, 100),
    }


def score_run(run: dict[str, Sequence[str]], qrels: dict[str, dict[str, int]]) -> dict[str, float]:
    """Mean metrics over every query in `qrels` (a query missing from `run` scores 0), plus n."""
    sums = dict.fromkeys(METRICS, 0.0)
    for query_id, judged in qrels.items():
        for key, value in score_ranking(run.get(query_id, []), judged).items():
            sums[key] += value
    n = len(qrels)
    return {**{key: value / n if n else 0.0 for key, value in sums.items()}, "n": n}


def embed_queries(engine, texts: Sequence[str], *, batch_size: int = 64) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Query vectors in batches (the same vectors `Retriever.embed_question` gives, faster)."""
    cleaned = [" ".join(t.split()) for t in texts]
    return engine.encoder.encode(cleaned, batch_size=batch_size) if cleaned else np.zeros((0, engine.encoder.dimension), np.float32)


def evaluate_beir(engine, dataset: BeirDataset, split: str = "test", mode: str = "hybrid",  # type: ignore[no-untyped-def]
                  settings: SearchSettings | None = None, *, depth: int = DEFAULT_DEPTH,
                  query_vectors: dict[str, np.ndarray] | None = None, return_run: bool = False) -> dict:
    """nDCG@10, MRR@10, Recall@10/100 averaged over the split's queries, with n and seconds.

    `query_vectors` (query id → vector) lets a tuning loop embed the queries once.
    """
    qrels = dataset.split(split)
    began = time.perf_counter()
    query_ids = list(qrels)
    if mode != "bm25" and query_vectors is None:
        query_vectors = dict(zip(query_ids, embed_queries(engine, [dataset.queries[q] for q in query_ids])))
    run: dict[str, list[str]] = {}
    for query_id in query_ids:
        vector = query_vectors[query_id] if query_vectors is not None and mode != "bm25" else None
        run[query_id] = rank_documents(engine, dataset.queries[query_id], mode, settings, depth, query_vector=vector)
    result: dict = score_run(run, qrels)
    result["seconds"] = round(time.perf_counter() - began, 3)
    if return_run:
        result["run"] = run
    return result


def run_beir_eval(beir_dir: str | os.PathLike[str], *, split: str = "test", index_dir: str | os.PathLike[str] | None = None,
                  mode: str = "hybrid", settings: SearchSettings | None = None, config: BuildConfig | None = None,
                  encoder=None, on_progress: Callable[[float, str], None] | None = None) -> dict:  # type: ignore[no-untyped-def]
    """Load a BEIR folder, build or reuse its index, evaluate one split: the `qa eval --beir DIR` entry point.

    The defaults are BEIR-specific (tuned for SciFact), not the engine's: `config` defaults to
    `BEIR_BUILD_CONFIG` (passages of up to 400 words, i.e. whole abstracts; BM25 k1 0.45, b 0.3) and
    `settings` to `BEIR_SEARCH_SETTINGS` (min-max blend with dense weight 0.3 over 1,000 candidates, the
    dense score 3/4 best-sentence similarity, best-sentence rescoring with weight 1.5), both chosen on
    SciFact's train split by `benchmarks/beir_tune.py`. Pass `config=BuildConfig()` and
    `settings=SearchSettings()` to measure the engine's general-purpose defaults instead.

    Returns the metrics (`ndcg@10`, `mrr@10`, `recall@10`, `recall@100`, `n`, `seconds`) plus what was
    measured: dataset, split, mode, settings, build config, index folder, whether it was reused, build seconds.
    """
    dataset = load_beir(beir_dir)
    dataset.split(split)  # fail before an expensive build
    config = config or BEIR_BUILD_CONFIG
    settings = settings or BEIR_SEARCH_SETTINGS
    index_dir = Path(index_dir) if index_dir is not None else default_index_dir(dataset)
    began = time.perf_counter()
    reused = index_matches(index_dir, dataset, config)
    engine = build_or_open_beir_index(dataset, index_dir, config, encoder=encoder, on_progress=on_progress)
    open_seconds = time.perf_counter() - began
    metrics = evaluate_beir(engine, dataset, split, mode, settings)
    return {
        "dataset": dataset.name,
        "split": split,
        "mode": mode,
        **{key: round(value, 4) if isinstance(value, float) and key in METRICS else value for key, value in metrics.items()},
        "settings": asdict(settings),
        "config": config.to_json(),
        "index": str(index_dir),
        "index_reused": reused,
        "index_seconds": round(open_seconds, 3),
        "chunks": len(engine.index.chunks),
    }


# Tuned on SciFact's train split (809 queries) by benchmarks/beir_tune.py; the test split was not looked at.
# Passages of up to ~400 words keep an abstract whole (5,183 abstracts -> 5,296 passages; the model reads the
# first 256 tokens); BM25 with a low k1 and b (term frequency saturates fast in short abstracts). The best
# sentence carries much of the weight, in the dense score (sentence_dense) and in the rescoring
# (sentence_weight): a SciFact claim usually restates one sentence of its abstract.
BEIR_BUILD_CONFIG = BuildConfig(chunking=ChunkSettings(target_words=400), bm25_k1=0.45, bm25_b=0.3, sentence_vectors=True)
BEIR_SEARCH_SETTINGS = SearchSettings(fusion="blend", dense_weight=0.3, rrf_k=60, candidates=1000, sentence_weight=1.5,
                                      sentence_dense=0.75)

__all__ = [
    "BEIR_BUILD_CONFIG", "BEIR_SEARCH_SETTINGS", "BeirDataset", "BeirError", "BeirFormatError", "BeirNotFound",
    "build_or_open_beir_index", "evaluate_beir", "load_beir", "rank_documents", "run_beir_eval", "score_run",
]
