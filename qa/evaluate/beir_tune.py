"""Choosing a BEIR dataset's hybrid search settings on its own train (or dev) split (benchmarks/beir_tune.py).

`tune_beir` scores a small grid (`TUNING_AXES`, coordinate ascent from the engine's general defaults) by
nDCG@10 through `qa.evaluate.beir.evaluate_beir`, i.e. through `Engine.search`, and saves the choice beside
the index (qa/evaluate/beir_settings.py), where `qa eval --beir` finds it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import asdict, replace
from pathlib import Path

from ..engine import Engine
from ..index.config import BuildConfig
from ..search.retrieve import SearchSettings
from .beir import BeirDataset, evaluate_beir, query_vectors
from .beir_settings import TUNING_METRIC, save_tuned_settings


def tune_search_settings(
    score: Callable[[SearchSettings], float],
    start: SearchSettings = SearchSettings(),
    axes: Sequence[tuple[str, Sequence[object]]] | None = None,
) -> tuple[SearchSettings, list[dict]]:
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


def tune_beir(
    engine: Engine,
    dataset: BeirDataset,
    split: str,
    index_dir: str | os.PathLike[str],
    config: BuildConfig,
    *,
    axes: Sequence[tuple[str, Sequence[object]]] | None = None,
    on_point: Callable[[SearchSettings, float], None] | None = None,
) -> tuple[SearchSettings, list[dict], Path]:
    """Choose hybrid settings on `split` (never the split reported) by nDCG@10 through `evaluate_beir`, and
    save them beside the index for `qa eval --beir`. Queries are embedded once."""
    vectors = query_vectors(engine, dataset, dataset.split(split))

    def score(settings: SearchSettings) -> float:
        value = evaluate_beir(engine, dataset, split, "hybrid", settings, query_vectors=vectors)[TUNING_METRIC]
        if on_point is not None:
            on_point(settings, value)
        return value

    best, rows = tune_search_settings(score, SearchSettings(), axes)
    path = save_tuned_settings(
        index_dir, dataset, config, best, split=split, score=max(row["score"] for row in rows), rows=rows
    )
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
