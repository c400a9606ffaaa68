"""BEIR search settings per dataset: chosen on the dataset's own train (or dev) split, saved beside its index.

`tune_beir` scores a small grid (`TUNING_AXES`, coordinate ascent from the engine's general defaults) by
nDCG@10 through `qa.beir.evaluate_beir`, i.e. through `Engine.search`, and writes `beir-settings.json`
in the index folder; `search_settings_for` reads it back for `qa eval --beir` when it was tuned for the
same corpus.jsonl and build config, and otherwise falls back to `SearchSettings()`, saying why.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import asdict, replace
from pathlib import Path

from .beir import BeirDataset, evaluate_beir, query_vectors
from ..index.config import BuildConfig
from ..search.retrieve import SearchSettings

SETTINGS_FILE = "beir-settings.json"
TUNING_SPLITS = ("train", "dev")
TUNING_METRIC = "ndcg@10"


def tuning_split(dataset: BeirDataset) -> str | None:
    """The split to choose settings on: train, else dev; None when the dataset has neither."""
    return next((split for split in TUNING_SPLITS if split in dataset.qrels), None)


def settings_path(index_dir: str | os.PathLike[str]) -> Path:
    """Where the settings chosen for a dataset live: beside its index (kept across rebuilds, checked on read)."""
    return Path(index_dir) / SETTINGS_FILE


def save_tuned_settings(index_dir: str | os.PathLike[str], dataset: BeirDataset, config: BuildConfig,
                        settings: SearchSettings, *, split: str, score: float, rows: list[dict]) -> Path:
    """Write the choice with what it is valid for (corpus hash, build config) and the grid that chose it."""
    path = settings_path(index_dir)
    data = {"dataset": dataset.name, "corpus_sha256": dataset.corpus_sha256, "config": config.to_json(),
            "tuned_on": split, "queries": len(dataset.split(split)), "metric": TUNING_METRIC, "score": score,
            "settings": asdict(settings), "grid": rows}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
    os.replace(tmp, path)
    return path


def search_settings_for(index_dir: str | os.PathLike[str], dataset: BeirDataset,
                        config: BuildConfig) -> tuple[SearchSettings, str]:
    """The settings tuned for this dataset (same corpus.jsonl and build config) and where they came from,
    else the general defaults `SearchSettings()` and why."""
    path = settings_path(index_dir)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return SearchSettings(), f"general defaults (no {path}; benchmarks/beir_tune.py writes it from a train or dev split)"
    except (OSError, ValueError) as exc:
        return SearchSettings(), f"general defaults ({path} unreadable: {exc})"
    if data.get("corpus_sha256") != dataset.corpus_sha256 or data.get("config") != json.loads(json.dumps(config.to_json())):
        return SearchSettings(), f"general defaults ({path} was tuned for another corpus.jsonl or build config)"
    try:
        settings = SearchSettings(**data["settings"])
    except (KeyError, TypeError) as exc:
        return SearchSettings(), f"general defaults ({path} holds settings this version cannot read: {exc})"
    return settings, f"tuned on the {data.get('tuned_on')} split ({data.get('queries')} queries, {path})"


def tune_search_settings(score: Callable[[SearchSettings], float], start: SearchSettings = SearchSettings(),
                         axes: Sequence[tuple[str, Sequence[object]]] | None = None) -> tuple[SearchSettings, list[dict]]:
    """One pass of coordinate ascent: for each axis in turn keep the value that scores best (ties keep the
    earlier value). Returns the best settings and every point tried with its score."""
    best, best_score = start, score(start)
    rows = [{"settings": asdict(start), "score": best_score}]
    for name, values in axes if axes is not None else TUNING_AXES:
        for value in values:
            if getattr(best, name) == value or not _matters(name, best):
                continue
            point = replace(best, **{name: value})
            value_score = score(point)
            rows.append({"settings": asdict(point), "score": value_score})
            if value_score > best_score:
                best, best_score = point, value_score
    return best, rows


def _matters(name: str, settings: SearchSettings) -> bool:
    """A setting the current fusion ignores is not tried (it would only repeat a score)."""
    return {"dense_weight": settings.fusion == "blend", "rrf_k": settings.fusion == "rrf"}.get(name, True)


def tune_beir(engine, dataset: BeirDataset, split: str, index_dir: str | os.PathLike[str], config: BuildConfig, *,  # type: ignore[no-untyped-def]
              axes: Sequence[tuple[str, Sequence[object]]] | None = None,
              on_point: Callable[[SearchSettings, float], None] | None = None) -> tuple[SearchSettings, list[dict], Path]:
    """Choose hybrid settings on `split` (never the split reported) by nDCG@10 through `evaluate_beir`, and
    save them beside the index for `qa eval --beir`. Queries are embedded once."""
    vectors = query_vectors(engine, dataset, dataset.split(split))

    def score(settings: SearchSettings) -> float:
        value = evaluate_beir(engine, dataset, split, "hybrid", settings, query_vectors=vectors)[TUNING_METRIC]
        if on_point is not None:
            on_point(settings, value)
        return value

    best, rows = tune_search_settings(score, SearchSettings(), axes)
    path = save_tuned_settings(index_dir, dataset, config, best, split=split,
                               score=max(row["score"] for row in rows), rows=rows)
    return best, rows, path


# The small grid `tune_beir` walks (coordinate ascent from the general defaults), cheapest axes first: the
# answer-sentence reordering (last) is the only one that scores sentences per query.
TUNING_AXES: tuple[tuple[str, tuple[object, ...]], ...] = (
    ("fusion", ("blend", "rrf")),
    ("dense_weight", (0.3, 0.5, 0.7)),
    ("rrf_k", (20, 60)),
    ("sentence_dense", (0.0, 0.25, 0.5, 0.75)),
    ("sentence_weight", (0.0, 0.3, 0.6, 1.0, 1.5)),
    ("answer_weight", (0.0, 0.25, 0.5, 1.0)),
)
