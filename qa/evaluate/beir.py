"""BEIR evaluation: load a dataset in BEIR's layout, index it with the engine, rank documents, score them.

A BEIR folder holds `corpus.jsonl` (`_id`, `title`, `text`), `queries.jsonl` (`_id`, `text`) and
`qrels/<split>.tsv` (`query-id<TAB>corpus-id<TAB>score`, with a header line). The engine ranks passages;
BEIR judges documents, so a document is scored by its best passage (MaxP). Passages are ranked by
`Engine.search`, the path `qa ask` takes; the documents are scored by pytrec_eval (through ir-measures) with
BEIR's conventions. Hybrid search settings are chosen per dataset on its own train (or dev) split by
`qa.beir_settings.tune_beir` (run by benchmarks/beir_tune.py) and saved beside the index; without them the
engine's general defaults apply.

The index of a dataset lives in `index/beir-<name>/` by default (git-ignored): benchmark data stays out of
the repository, and the index is reused while the corpus file and the build configuration are unchanged.
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from ..engine import Engine, parse_mode
from ..errors import IndexNotReady, QAError, QuestionError
from ..index.config import BuildConfig
from ..index.manifest import CorpusSource
from ..ingest.load import Document, LoadedCorpus, content_hash
from ..models.encoder import Encoder
from ..search.retrieve import Hit, SearchSettings

DEFAULT_INDEX_ROOT = "index"
DEFAULT_DEPTH = 100
# our names → ir-measures' (pytrec_eval's ndcg_cut.10, recip_rank over the top 10, recall.10, recall.100)
MEASURES = {"ndcg@10": "nDCG@10", "mrr@10": "RR", "recall@10": "R@10", "recall@100": "R@100"}
METRICS = tuple(MEASURES)


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
        raise BeirNotFound(
            f"{what} '{path}' does not exist; a BEIR folder holds corpus.jsonl, queries.jsonl and qrels/<split>.tsv"
        ) from None
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
            raise BeirFormatError(
                f"{path} line {number}: not valid UTF-8 (byte offset {exc.start} of the line)"
            ) from None
        except json.JSONDecodeError as exc:
            raise BeirFormatError(
                f"{path} line {number}: invalid JSON ({exc.msg} at column {exc.colno}); "
                "each line must be one JSON object"
            ) from None
        if not isinstance(row, dict):
            raise BeirFormatError(f'{path} line {number}: expected a JSON object like {{"_id": ..., "text": ...}}')
        rows.append((number, line, row))
    return rows


def _string_field(path: Path, number: int, row: dict, key: str, *, required: bool = True) -> str:
    value = row.get(key)
    if value is None and not required:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and key == "_id":
        return str(value)
    if not isinstance(value, str):
        raise BeirFormatError(f'{path} line {number}: "{key}" must be a string (got {type(value).__name__})')
    return value


def _load_corpus(path: Path) -> tuple[LoadedCorpus, str]:
    data = _read_bytes(path, "BEIR corpus file")
    documents: list[Document] = []
    seen: dict[str, int] = {}
    for number, line, row in _json_lines(path, data):
        doc_id = _string_field(path, number, row, "_id").strip()
        if not doc_id:
            raise BeirFormatError(f'{path} line {number}: empty "_id"')
        if doc_id in seen:
            raise BeirFormatError(f"{path} line {number}: \"_id\" '{doc_id}' already used on line {seen[doc_id]}")
        seen[doc_id] = number
        title = _string_field(path, number, row, "title", required=False).strip()
        text = _string_field(path, number, row, "text", required=False)
        if not text.strip() and not title:
            raise BeirFormatError(f'{path} line {number}: document \'{doc_id}\' has neither "title" nor "text"')
        documents.append(
            Document(id=doc_id, text=text if text.strip() else title, title=title, sha256=content_hash(line))
        )
    if not documents:
        raise BeirFormatError(f"{path} holds no documents; write one JSON object per line")
    return LoadedCorpus(tuple(documents), ()), content_hash(data)


def _load_queries(path: Path) -> dict[str, str]:
    queries: dict[str, str] = {}
    for number, _, row in _json_lines(path, _read_bytes(path, "BEIR queries file")):
        query_id = _string_field(path, number, row, "_id").strip()
        if not query_id:
            raise BeirFormatError(f'{path} line {number}: empty "_id"')
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
            raise BeirFormatError(
                f"{path} line {number}: expected 3 tab-separated columns (query-id, corpus-id, score), "
                f"found {len(cells)}"
            )
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
        raise BeirNotFound(
            f"BEIR folder '{root}' does not exist; pass a folder holding corpus.jsonl, queries.jsonl and qrels/"
        )
    if not root.is_dir():
        raise BeirNotFound(
            f"BEIR path '{root}' is not a folder; pass a folder holding corpus.jsonl, queries.jsonl and qrels/"
        )
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


def beir_source(dataset: BeirDataset) -> CorpusSource:
    return CorpusSource("beir", str(dataset.folder / "corpus.jsonl"), dataset.corpus_sha256)


def index_matches(index_dir: str | os.PathLike[str], dataset: BeirDataset, config: BuildConfig) -> bool:
    """True when the current index was built from this corpus.jsonl (by hash) with this configuration."""
    from ..index.open import read_manifest

    try:
        manifest = read_manifest(index_dir)
    except IndexNotReady:
        return False
    source = manifest.source
    return (
        source is not None
        and source.kind == "beir"
        and source.sha256 == dataset.corpus_sha256
        and manifest.config == config
    )


def _refuse_foreign_index(index_dir: Path) -> None:
    """A BEIR build must not replace the index of a corpus folder (e.g. `qa eval --beir DIR --index index`)."""
    from ..index.open import read_manifest

    try:
        source = read_manifest(index_dir).source
    except IndexNotReady:
        return
    if source is None or source.kind != "beir":
        raise BeirError(
            f"'{index_dir}' holds the index of {(source.path if source else '') or 'another corpus'}, "
            "not of a BEIR dataset; "
            "a BEIR evaluation would replace it. Pass --index with another folder (default: index/beir-<name>/)"
        )


def build_or_open_beir_index(
    dataset: BeirDataset,
    index_dir: str | os.PathLike[str] | None = None,
    config: BuildConfig = BuildConfig(),
    *,
    encoder: Encoder | None = None,
    on_progress: Callable[[float, str], None] | None = None,
) -> Engine:
    """An Engine over the dataset's index: reused when built from the same corpus.jsonl and config, else (re)built.

    A rebuild in the same folder reuses the embeddings of the previous build (the index's own cache). A
    folder holding the index of something other than a BEIR dataset is never replaced (BeirError).
    """
    from ..engine import load_encoder
    from ..index.build import build_index
    from ..index.open import open_index

    index_dir = Path(index_dir) if index_dir is not None else default_index_dir(dataset)
    reuse = index_matches(index_dir, dataset, config)
    if not reuse:
        _refuse_foreign_index(index_dir)
    encoder = encoder or load_encoder(config.model, config.runtime)
    if not reuse:
        build_index(
            dataset.corpus,
            index_dir,
            encoder,
            config,
            source=beir_source(dataset),
            on_progress=on_progress,
            wait_for_lock=True,
        )
    return Engine(open_index(index_dir, model=config.model), encoder)


# ---------------------------------------------------------------- rank and score


def passages_per_query(engine: Engine, depth: int = DEFAULT_DEPTH) -> int:
    """Passages to rank so that MaxP fills `depth` documents: 3 × depth × passages per document (rounded up)."""
    chunks = len(engine.index.chunks)
    documents = len({c.doc_id for c in engine.index.chunks}) or 1
    return max(1, min(chunks, 3 * depth * -(-chunks // documents)))


def rank_documents(
    engine: Engine,
    query: str,
    mode: str = "hybrid",
    settings: SearchSettings | None = None,
    depth: int = DEFAULT_DEPTH,
    *,
    query_vector: np.ndarray | None = None,
    passages: int | None = None,
) -> dict[str, float]:
    """The top `depth` documents for `query` → the score of each one's best passage (MaxP), best first.

    Ranks through `Engine.search`, the path `qa ask` takes (question clean-up, retrieval, answer-sentence
    reordering). A query `ask` would refuse (QuestionError) has no results and scores 0. Scores never rise
    down the list, so an evaluator that sorts by score (pytrec_eval) keeps the engine's order.
    """
    parse_mode(mode)  # an unknown mode is an error, not a query without results
    try:
        hits = engine.search(
            query,
            k=passages or passages_per_query(engine, depth),
            mode=mode,
            settings=settings or SearchSettings(),
            query_vector=query_vector,
        )
    except QuestionError:
        return {}
    return max_p(engine, hits, depth)


def max_p(engine: Engine, hits: Sequence[Hit], depth: int) -> dict[str, float]:
    """Documents in the order of their best passage (hits are best-first), each with a score no higher than
    the one before it."""
    chunks = engine.index.chunks
    ranked: dict[str, float] = {}
    floor = math.inf
    for hit in hits:
        doc = chunks[hit.chunk].doc_id
        if doc in ranked:
            continue
        floor = min(floor, float(hit.score))
        ranked[doc] = floor
        if len(ranked) >= depth:
            break
    return ranked


def score_run(
    run: dict[str, dict[str, float]], qrels: dict[str, dict[str, int]], *, ignore_identical_ids: bool = True
) -> dict[str, float]:
    """nDCG@10, MRR@10, R@10, R@100 computed by pytrec_eval (through ir-measures), as BEIR computes them.

    `run[query id][doc id] = score`. As in BEIR's `EvaluateRetrieval.evaluate`, a document whose id equals
    the query's id is dropped first (`ignore_identical_ids`: in ArguAna or Quora the query is itself in the
    corpus). Documents of equal score are ordered as pytrec_eval orders them (by id, descending) for every
    metric: MRR@10 is pytrec_eval's reciprocal rank over each query's first 10 in that order (its
    `recip_rank` has no cut-off). The mean is over every query in `qrels`: a query without results (or
    missing from `run`) counts as 0. Returns the means and n.
    """
    kept = {
        q: [(d, float(score)) for d, score in docs.items() if not (ignore_identical_ids and d == q)]
        for q, docs in run.items()
        if q in qrels
    }
    ordered = {q: sorted(docs, key=lambda item: (item[1], item[0]), reverse=True) for q, docs in kept.items()}
    per_query = _per_query(ordered, qrels)
    n = len(qrels)
    means = {key: sum(values.get(q, 0.0) for q in qrels) / n if n else 0.0 for key, values in per_query.items()}
    return {**means, "n": n}


def _per_query(
    ordered: dict[str, list[tuple[str, float]]], qrels: dict[str, dict[str, int]]
) -> dict[str, dict[str, float]]:
    """Each measure's value per query, by pytrec_eval; MRR@10 over each query's first 10 only."""
    import ir_measures

    judged = [ir_measures.Qrel(q, d, int(rel)) for q, docs in qrels.items() for d, rel in docs.items()]
    cut = {"mrr@10": 10}
    per_query: dict[str, dict[str, float]] = {key: {} for key in MEASURES}
    for key, name in MEASURES.items():
        measure = ir_measures.parse_measure(name)
        scored = [
            ir_measures.ScoredDoc(q, d, score) for q, docs in ordered.items() for d, score in docs[: cut.get(key)]
        ]
        if scored:
            for metric in ir_measures.pytrec_eval.iter_calc([measure], judged, scored):
                per_query[key][metric.query_id] = float(metric.value)
    return per_query


def query_vectors(engine: Engine, dataset: BeirDataset, query_ids: Iterable[str]) -> dict[str, np.ndarray]:
    """query id → `Engine.question_vector` (a cache for tuning loops); queries `ask` refuses are left out."""
    vectors = {}
    for query_id in query_ids:
        try:
            vectors[query_id] = engine.question_vector(dataset.queries[query_id])
        except QuestionError:
            continue
    return vectors


def evaluate_beir(
    engine: Engine,
    dataset: BeirDataset,
    split: str = "test",
    mode: str = "hybrid",
    settings: SearchSettings | None = None,
    *,
    depth: int = DEFAULT_DEPTH,
    query_vectors: dict[str, np.ndarray] | None = None,
    return_run: bool = False,
) -> dict:
    """nDCG@10, MRR@10, Recall@10/100 over the split's queries (see `score_run`), with n and seconds.

    Every query goes through `Engine.search`; `query_vectors` (from `query_vectors`) lets a tuning loop
    embed the queries once. One document more than `depth` is ranked so that dropping the query's own id
    still leaves `depth`.
    """
    qrels = dataset.split(split)
    began = time.perf_counter()
    passages = passages_per_query(engine, depth + 1)
    vectors = query_vectors or {}
    run = {
        query_id: rank_documents(
            engine,
            dataset.queries[query_id],
            mode,
            settings,
            depth + 1,
            query_vector=vectors.get(query_id),
            passages=passages,
        )
        for query_id in qrels
    }
    result: dict = score_run(run, qrels)
    result["seconds"] = round(time.perf_counter() - began, 3)
    if return_run:
        result["run"] = run
    return result


def run_beir_eval(
    beir_dir: str | os.PathLike[str],
    *,
    split: str = "test",
    index_dir: str | os.PathLike[str] | None = None,
    mode: str = "hybrid",
    settings: SearchSettings | None = None,
    config: BuildConfig | None = None,
    encoder: Encoder | None = None,
    on_progress: Callable[[float, str], None] | None = None,
) -> dict:
    """Load a BEIR folder, build or reuse its index, evaluate one split: the `qa eval --beir DIR` entry point.

    The index is built with `config` (default: the engine's `BuildConfig()`, as `qa build`). `settings`
    defaults to what `benchmarks/beir_tune.py` chose on this dataset's own train (or dev) split and saved
    beside the index, else the engine's general `SearchSettings()`; `settings_from` says which.

    Returns the metrics (`ndcg@10`, `mrr@10`, `recall@10`, `recall@100`, `n`, `seconds`) plus what was
    measured: dataset, split, mode, settings and their source, build config, index folder, whether it was
    reused, build seconds.
    """
    dataset = load_beir(beir_dir)
    dataset.split(split)  # fail before an expensive build
    parse_mode(mode)  # before an expensive build
    from .beir_settings import search_settings_for

    config = config or BuildConfig()
    index_dir = Path(index_dir) if index_dir is not None else default_index_dir(dataset)
    if settings is None:
        settings, settings_from = search_settings_for(index_dir, dataset, config)
    else:
        settings_from = "given"
    began = time.perf_counter()
    reused = index_matches(index_dir, dataset, config)
    engine = build_or_open_beir_index(dataset, index_dir, config, encoder=encoder, on_progress=on_progress)
    open_seconds = time.perf_counter() - began
    metrics = evaluate_beir(engine, dataset, split, mode, settings)
    return {
        "dataset": dataset.name,
        "split": split,
        "mode": mode,
        **{
            key: round(value, 4) if isinstance(value, float) and key in METRICS else value
            for key, value in metrics.items()
        },
        "settings": asdict(settings),
        "settings_from": settings_from,
        "config": config.to_json(),
        "index": str(index_dir),
        "index_reused": reused,
        "index_seconds": round(open_seconds, 3),
        "chunks": len(engine.index.chunks),
    }


__all__ = [
    "BeirDataset",
    "BeirError",
    "BeirFormatError",
    "BeirNotFound",
    "build_or_open_beir_index",
    "evaluate_beir",
    "load_beir",
    "rank_documents",
    "run_beir_eval",
    "score_run",
]
