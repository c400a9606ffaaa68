"""Rebuild a trainable reader (`save_pretrained` folder) from a shipped int8 ONNX graph, so training can go on
from the shipped reader when its fp32 run folder is gone.

The export (`export_reader.py`) quantized every linear layer per output channel (int8, onnxruntime's
MatMulInteger) and the three embedding tables per tensor (uint8). Each weight is dequantized, `(q - zero_point) ×
scale`, and put back under the name of the layer whose MatMul it feeds (the exporter names each node after its
module path); LayerNorm weights and biases were never quantized and are copied as they are. The word-embedding
table was frozen in every training run, so it is taken from the bundled model itself, exactly; position and
token-type tables come from the graph (coarser: one scale per table). The result is the shipped reader up to
rounding: `--check` prints how far its start/end logits lie from the int8 graph's on a few questions.

    python training/recover_reader.py --onnx qa/models/reader-weights/reader-int8.onnx \
        --out ~/.cache/qa-reader/run2-recovered/final --check
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import numpy as np
import torch
from train_reader import bundled_model_path
from transformers import AutoModelForQuestionAnswering, AutoTokenizer

# '/model/bert/encoder/layer.0/attention/self/query/MatMul_output_0_output_quantized' → its module path
MATMUL_OUTPUT = re.compile(r"^/model/(?P<path>.+)/MatMul_output_0_output_quantized$")
EMBEDDING = re.compile(r"^model\.(?P<name>bert\.embeddings\.(?:position|token_type)_embeddings\.weight)_quantized$")


def dequantize(quantized: np.ndarray, scale: np.ndarray, zero_point: np.ndarray) -> np.ndarray:
    """Per-tensor or per-output-channel (last axis of a MatMul weight) dequantization."""
    return (quantized.astype(np.float32) - zero_point.astype(np.float32)) * scale.astype(np.float32)


def graph_weights(onnx_path: Path) -> dict[str, np.ndarray]:
    """Parameter name (as in the PyTorch model) → fp32 array, for every weight the graph holds."""
    import onnx
    from onnx import numpy_helper

    graph = onnx.load(str(onnx_path)).graph
    arrays = {init.name: numpy_helper.to_array(init) for init in graph.initializer}
    weights = {name.removeprefix("model."): a for name, a in arrays.items() if a.dtype == np.float32 and a.ndim >= 1}
    weights = {name: a for name, a in weights.items() if not name.startswith("onnx::")}
    for node in graph.node:
        match = MATMUL_OUTPUT.match(node.output[0]) if node.op_type == "MatMulInteger" else None
        if match:
            stem = node.input[1].removesuffix("_quantized")
            matrix = dequantize(arrays[node.input[1]], arrays[stem + "_scale"], arrays[stem + "_zero_point"])
            weights[match["path"].replace("/", ".") + ".weight"] = matrix.T  # ONNX holds (in, out); Linear (out, in)
    for name, array in arrays.items():
        match = EMBEDDING.match(name)
        if match:
            stem = name.removesuffix("_quantized")
            weights[match["name"]] = dequantize(array, arrays[stem + "_scale"], arrays[stem + "_zero_point"])
    return weights


def recover(onnx_path: Path, out: Path) -> list[str]:
    """Write the recovered model and tokenizer to `out`; returns the parameters kept from the bundled model."""
    base = bundled_model_path()
    model = AutoModelForQuestionAnswering.from_pretrained(base)
    state = model.state_dict()
    weights = graph_weights(onnx_path)
    unknown = sorted(set(weights) - set(state))
    if unknown:
        raise SystemExit(f"the graph holds weights the model has not: {unknown[:5]}; is it a reader export?")
    for name, array in weights.items():
        if tuple(state[name].shape) != array.shape:
            raise SystemExit(f"{name}: graph shape {array.shape}, model shape {tuple(state[name].shape)}")
        state[name] = torch.from_numpy(array.copy())
    model.load_state_dict(state)
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    AutoTokenizer.from_pretrained(base).save_pretrained(out)
    return sorted(set(state) - set(weights))


PROBES = (
    ("When was the tower finished?", "The tower was finished in 1889 for the World's Fair in Paris."),
    ("Who wrote the report?", "The report, written by Ada Byron in 1843, described the engine's programs."),
    ("How many stations recorded it?", "Stations: 43; Magnitude: 4.8; Depth: 562 km."),
)


def logit_gap(onnx_path: Path, out: Path, pairs: tuple[tuple[str, str], ...] = PROBES) -> dict[str, float]:
    """How far the recovered fp32 model's start/end logits lie from the int8 graph's on (question, context)
    pairs: largest and mean absolute difference over real tokens, and the share of argmaxes that agree."""
    import onnxruntime

    tokenizer = AutoTokenizer.from_pretrained(out)
    model = AutoModelForQuestionAnswering.from_pretrained(out).eval()
    session = onnxruntime.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    enc = tokenizer([q for q, _ in pairs], [c for _, c in pairs], padding=True, return_tensors="np")
    feeds = {i.name: enc[i.name].astype(np.int64) for i in session.get_inputs()}
    graph_start, graph_end = session.run(None, feeds)[:2]
    with torch.no_grad():
        torch_out = model(**{k: torch.from_numpy(v) for k, v in feeds.items()})
    ours = np.stack([torch_out.start_logits.numpy(), torch_out.end_logits.numpy()])
    theirs = np.stack([graph_start, graph_end])
    diff = np.abs(ours - theirs)[:, enc["attention_mask"].astype(bool)]
    agree = (ours.argmax(-1) == theirs.argmax(-1)).mean()
    return {"max": float(diff.max()), "mean": float(diff.mean()), "argmax_agree": float(agree)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--onnx", type=Path, default=Path("qa/models/reader-weights/reader-int8.onnx"))
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--check", action="store_true", help="compare the recovered model's logits with the graph's")
    args = parser.parse_args()
    if not args.onnx.is_file():
        sys.exit(f"no ONNX graph at '{args.onnx}'; pass --onnx <reader-int8.onnx>")
    kept = recover(args.onnx, args.out)
    print(f"wrote {args.out}; kept from the bundled model: {', '.join(kept)}")
    if args.check:
        gap = logit_gap(args.onnx, args.out)
        print(
            f"start/end logits vs the graph: max |Δ| {gap['max']:.3f}, mean {gap['mean']:.3f}, "
            f"argmax agrees {gap['argmax_agree']:.0%}"
        )


if __name__ == "__main__":
    main()
