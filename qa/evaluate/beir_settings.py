"""BEIR search settings per dataset: chosen on the dataset's own train (or dev) split, saved beside its index.

`qa.evaluate.beir_tune.tune_beir` chooses them and `save_tuned_settings` writes `beir-settings.json` in the
index folder; `search_settings_for` reads it back for `qa eval --beir` when it was tuned for the same
corpus.jsonl and build config, and otherwise falls back to `SearchSettings()`, saying why.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from ..index.config import BuildConfig
from ..search.retrieve import SearchSettings

if TYPE_CHECKING:  # a type only: qa.evaluate.beir reads settings from here
    from .beir import BeirDataset

SETTINGS_FILE = "beir-settings.json"
TUNING_SPLITS = ("train", "dev")
TUNING_METRIC = "ndcg@10"


def tuning_split(dataset: BeirDataset) -> str | None:
    """The split to choose settings on: train, else dev; None when the dataset has neither."""
    return next((split for split in TUNING_SPLITS if split in dataset.qrels), None)


def settings_path(index_dir: str | os.PathLike[str]) -> Path:
    """Where the settings chosen for a dataset live: beside its index (kept across rebuilds, checked on read)."""
    return Path(index_dir) / SETTINGS_FILE


def save_tuned_settings(
    index_dir: str | os.PathLike[str],
    dataset: BeirDataset,
    config: BuildConfig,
    settings: SearchSettings,
    *,
    split: str,
    score: float,
    rows: list[dict],
) -> Path:
    """Write the choice with what it is valid for (corpus hash, build config) and the grid that chose it."""
    path = settings_path(index_dir)
    data = {
        "dataset": dataset.name,
        "corpus_sha256": dataset.corpus_sha256,
        "config": config.to_json(),
        "tuned_on": split,
        "queries": len(dataset.split(split)),
        "metric": TUNING_METRIC,
        "score": score,
        "settings": asdict(settings),
        "grid": rows,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
    os.replace(tmp, path)
    return path


def search_settings_for(
    index_dir: str | os.PathLike[str], dataset: BeirDataset, config: BuildConfig
) -> tuple[SearchSettings, str]:
    """The settings tuned for this dataset (same corpus.jsonl and build config) and where they came from,
    else the general defaults `SearchSettings()` and why."""
    path = settings_path(index_dir)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return (
            SearchSettings(),
            f"general defaults (no {path}; benchmarks/beir_tune.py writes it from a train or dev split)",
        )
    except (OSError, ValueError) as exc:
        return SearchSettings(), f"general defaults ({path} unreadable: {exc})"
    if data.get("corpus_sha256") != dataset.corpus_sha256 or data.get("config") != json.loads(
        json.dumps(config.to_json())
    ):
        return SearchSettings(), f"general defaults ({path} was tuned for another corpus.jsonl or build config)"
    try:
        settings = SearchSettings(**data["settings"])
    except (KeyError, TypeError) as exc:
        return SearchSettings(), f"general defaults ({path} holds settings this version cannot read: {exc})"
    return settings, f"tuned on the {data.get('tuned_on')} split ({data.get('queries')} queries, {path})"
