"""Export a sentence-transformers model to ONNX once, into a cache folder keyed by the model's content.

The export needs torch (build time only); reading it back (qa/onnx_runtime.py) does not. A folder
`<cache>/<content hash>-<runtime>-v<EXPORT_VERSION>` holds `model.onnx`, the model's `tokenizer.json` and
`meta.json`; it is written under a temporary name and renamed, so two processes exporting at once each produce a
complete folder and one of them wins the rename; a reader never sees half an export.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
import shutil
import time
import warnings
from pathlib import Path

from ..errors import QAError
from ..options import Runtime
from .offline import BUNDLED_MODEL, default_cache_dir, offline_environment, quiet_libraries, resolve_model

EXPORT_VERSION = 2  # bump when the export recipe changes: old folders are then ignored
OPSET = 17
META = "meta.json"
OPTIMIZED = (
    "model.opt.onnx"  # graph optimized once by this onnxruntime version; a session loads it in a third of the time
)
_FINGERPRINTS = "fingerprints.json"
# what decides the vectors: weights, architecture, tokenizer, truncation and pooling
_CONTENT_FILES = (
    "config.json",
    "model.safetensors",
    "pytorch_model.bin",
    "tokenizer.json",
    "tokenizer_config.json",
    "sentence_bert_config.json",
    "modules.json",
    "1_Pooling/config.json",
)


def model_fingerprint(model_dir: Path, cache_root: Path) -> str:
    """SHA-256 of the model's content files, remembered by (path, size, mtime) so a cold start reads 90 MB once."""
    files = [model_dir / name for name in _CONTENT_FILES if (model_dir / name).is_file()]
    if not files:
        raise QAError(
            f"'{model_dir}' holds no model files ({', '.join(_CONTENT_FILES[:2])}); "
            "pass a sentence-transformers model folder"
        )
    stamp = json.dumps([[str(f.resolve()), f.stat().st_size, f.stat().st_mtime_ns] for f in files])
    memo_path = cache_root / _FINGERPRINTS
    try:
        memo = json.loads(memo_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        memo = {}
    key = hashlib.sha256(stamp.encode()).hexdigest()
    if isinstance(memo, dict) and isinstance(memo.get(key), str):
        return memo[key]
    digest = hashlib.sha256()
    for f in files:
        digest.update(f.relative_to(model_dir).as_posix().encode() + b"\0")
        with f.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    fingerprint = digest.hexdigest()[:24]
    memo = memo if isinstance(memo, dict) else {}
    memo[key] = fingerprint
    _write_atomic(memo_path, json.dumps(memo))
    return fingerprint


def export_path(model: str = BUNDLED_MODEL, *, runtime: str = "onnx-int8", cache_dir: Path | None = None) -> Path:
    """The folder an export of `model` for `runtime` lives in (it may not exist yet)."""
    if runtime not in Runtime.values() or not runtime.startswith("onnx"):
        raise QAError(f"ONNX export runtime '{runtime}' is not one of onnx-int8, onnx-fp32; pick one of them")
    root = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    model_dir = Path(resolve_model(model))
    if not model_dir.is_dir():
        raise QAError(
            f"model '{model}' is not a local folder; the ONNX runtimes need a model folder (or use runtime 'torch')"
        )
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise QAError(
            f"ONNX cache folder '{root}' cannot be created ({exc.strerror}); set QA_CACHE_DIR to a writable folder"
        ) from None
    return root / f"{model_fingerprint(model_dir, root)}-{runtime}-v{EXPORT_VERSION}"


def export_onnx(model: str = BUNDLED_MODEL, *, runtime: str = "onnx-int8", cache_dir: Path | None = None) -> Path:
    """Return the cached export folder for (model content, runtime), exporting it first if needed."""
    final = export_path(model, runtime=runtime, cache_dir=cache_dir)
    if (final / META).is_file():
        return final
    _remove_abandoned(final.parent)
    tmp = final.parent / f".tmp-{final.name}-{os.getpid()}-{secrets.token_hex(4)}"
    tmp.mkdir()
    try:
        meta = _export_into(tmp, model, runtime)
        (tmp / META).write_text(json.dumps(meta, indent=2), encoding="utf-8")
        for path in tmp.iterdir():
            with path.open("rb") as fh:
                os.fsync(fh.fileno())
        try:
            os.rename(tmp, final)
        except OSError:
            if not (final / META).is_file():  # not "another process won the race": a real failure
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return final


def _export_into(folder: Path, model: str, runtime: str) -> dict:
    """torch.onnx.export of the transformer (token embeddings out; pooling stays in numpy), then quantization."""
    offline_environment()
    quiet_libraries()
    import torch
    from sentence_transformers import SentenceTransformer

    began = time.perf_counter()
    model_dir = Path(resolve_model(model))
    st = SentenceTransformer(str(model_dir), device="cpu")
    _check_pooling(st, model)
    transformer = st[0].auto_model.eval()
    if not (model_dir / "tokenizer.json").is_file():
        raise QAError(
            f"model '{model}' has no tokenizer.json (a fast tokenizer); the ONNX runtimes need it, use runtime 'torch'"
        )

    class TokenEmbeddings(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.transformer = transformer

        def forward(self, input_ids, attention_mask, token_type_ids):  # type: ignore[no-untyped-def]
            return self.transformer(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    sample = st.tokenizer(
        ["a sample sentence", "another, longer sample sentence to trace"], padding=True, return_tensors="pt"
    )
    names = ["input_ids", "attention_mask", "token_type_ids"]
    args = tuple(sample.get(n, torch.zeros_like(sample["input_ids"])) for n in names)
    fp32 = folder / "model-fp32.onnx"
    with warnings.catch_warnings(), torch.inference_mode():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            TokenEmbeddings(),
            args,
            str(fp32),
            input_names=names,
            output_names=["token_embeddings"],
            dynamic_axes={n: {0: "batch", 1: "tokens"} for n in [*names, "token_embeddings"]},
            opset_version=OPSET,
            dynamo=False,
        )
    if runtime == "onnx-int8":
        from onnxruntime.quantization import QuantType, quantize_dynamic

        root_logger = logging.getLogger()
        level = root_logger.level
        root_logger.setLevel(logging.ERROR)  # "consider pre-processing" advice on the user's terminal
        try:
            # per-channel weights: cosine to torch 0.984 min / 0.994 mean vs 0.92 / 0.96 per-tensor (measured).
            # Only weight MatMuls: the attention score products and the embedding tables stay float (cosine to
            # fp32 0.9753 min / 0.9940 mean vs 0.9735 / 0.9936 quantizing them too, and no slower: measured)
            quantize_dynamic(
                str(fp32),
                str(folder / "model.onnx"),
                weight_type=QuantType.QInt8,
                per_channel=True,
                op_types_to_quantize=["MatMul"],
                extra_options={"MatMulConstBOnly": True},
            )
        finally:
            root_logger.setLevel(level)
        fp32.unlink()
    else:
        fp32.rename(folder / "model.onnx")
    ort_version = _preoptimize(folder / "model.onnx", folder / OPTIMIZED)
    shutil.copyfile(model_dir / "tokenizer.json", folder / "tokenizer.json")
    return {
        "onnxruntime": ort_version,
        "model": model,
        "runtime": runtime,
        "dimension": int(transformer.config.hidden_size),
        "max_tokens": int(st.max_seq_length or 256),
        "inputs": names,
        "export_version": EXPORT_VERSION,
        "export_seconds": round(time.perf_counter() - began, 2),
    }


def _preoptimize(source: Path, target: Path) -> str:
    """Save onnxruntime's graph optimizations (fusions; EXTENDED level, nothing CPU-specific) so that a cold
    `qa ask` does not redo them: session creation 0.16-0.48 s instead of 0.40-0.94 s, same outputs (measured)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
    options.optimized_model_filepath = str(target)
    options.log_severity_level = 3
    ort.InferenceSession(str(source), options, providers=["CPUExecutionProvider"])
    return ort.__version__


def _check_pooling(st: object, model: str) -> None:
    """The ONNX encoder re-implements mean pooling + normalization; refuse models that pool differently."""
    modules = [type(m).__name__ for m in st]  # type: ignore[attr-defined]
    pooling = st[1] if len(modules) > 1 else None  # type: ignore[index]
    config = pooling.get_config_dict() if pooling is not None and hasattr(pooling, "get_config_dict") else {}
    mean = config.get("pooling_mode_mean_tokens") or config.get("pooling_mode") == "mean"
    others = [
        k for k, v in config.items() if k.startswith("pooling_mode_") and k != "pooling_mode_mean_tokens" and v is True
    ]
    if (
        modules[:1] != ["Transformer"]
        or modules[1:2] != ["Pooling"]
        or not mean
        or others
        or modules[2:] not in ([], ["Normalize"])
    ):
        raise QAError(
            f"model '{model}' has modules {modules} with pooling {config}; the ONNX runtimes support "
            "Transformer + mean Pooling (+ Normalize) only, use runtime 'torch'"
        )


def _remove_abandoned(root: Path, age_s: float = 86_400) -> None:
    """Temporary folders of exports killed midway (a day old: no live export takes that long)."""
    for path in root.glob(".tmp-*"):
        try:
            if time.time() - path.stat().st_mtime > age_s:
                shutil.rmtree(path, ignore_errors=True)
        except OSError:
            pass


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.parent / f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}"
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError:  # a read-only cache only costs hashing again next time
        tmp.unlink(missing_ok=True)
