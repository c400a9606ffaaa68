"""Fine-tune the dense encoder (the bundled all-MiniLM-L6-v2, mean pooling, L2-normalized) on SQuAD v1.1 train
as rebuilt by `prepare_squad.py`, to tell apart the passages of one document.

The bundled model learnt from a billion pairs with other pairs of the batch as negatives: it knows what a question
is about, less which of the passages of one long document on that subject answers it. Here each question comes
with the passage that answers it and hard negatives from its own article (`train_reranker.groups`: the paragraphs
that share most words with it, and its own paragraph with the answering sentence cut out); every other passage of
the batch is a negative too (in-batch), so the cross-article sense is kept. Loss: softmax over the batch's
passages of the scaled cosine (scale 20, as sentence-transformers' MultipleNegativesRankingLoss). The rate is low
and the run short, so the model moves little from the one that ranks well on text it never saw (BEIR).

    python training/train_encoder.py --out ~/.cache/qa-encoder/run1 --steps 600

The result, `<out>/final`, is a sentence-transformers folder (the bundled one with the new weights), usable as
`qa build --model <out>/final`. At the end the validation articles are scored: how often the answering paragraph
is the nearest of its article's paragraphs, for the bundled model and the fine-tuned one.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
from pathlib import Path

import torch
from transformers import AutoModel, AutoTokenizer

sys.path.insert(0, str(Path(__file__).resolve().parent))
from train_reader import bundled_model_path, log, read_jsonl, start_run, train_steps  # noqa: E402
from train_reranker import groups, paragraphs_by_article  # noqa: E402

SCALE = 20.0


def embed(model, tokenizer, texts: list[str], max_len: int) -> torch.Tensor:  # type: ignore[no-untyped-def]
    """Mean of the token states under the attention mask, L2-normalized (the bundled model's pooling)."""
    enc = tokenizer(texts, truncation=True, max_length=max_len, padding=True, return_tensors="pt")
    states = model(**enc).last_hidden_state
    mask = enc["attention_mask"].unsqueeze(-1).to(states.dtype)
    pooled = (states * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
    return torch.nn.functional.normalize(pooled, dim=-1)


def batch_loss(model, tokenizer, batch: list[tuple[str, list[str]]], max_len: int) -> torch.Tensor:  # type: ignore[no-untyped-def]
    """Cross-entropy of each question over every passage of the batch; its own answering passage is the target."""
    questions = embed(model, tokenizer, [q for q, _ in batch], 64)
    passages = embed(model, tokenizer, [p for _, ps in batch for p in ps], max_len)
    size = len(batch[0][1])
    logits = SCALE * questions @ passages.T
    targets = torch.arange(len(batch)) * size
    return torch.nn.functional.cross_entropy(logits, targets)


@torch.no_grad()
def evaluate(model, tokenizer, val: list[dict], questions: int, max_len: int) -> dict:
    """hit@1 of the answering paragraph among all paragraphs of its article (title on the first line)."""
    model.eval()
    by_article = paragraphs_by_article(val)
    vectors = {}
    for article, paragraphs in by_article.items():
        numbers = list(paragraphs)
        texts = [f"{article.replace('_', ' ')}\n{paragraphs[p]}" for p in numbers]
        vectors[article] = (
            numbers,
            torch.cat([embed(model, tokenizer, texts[i : i + 64], max_len) for i in range(0, len(texts), 64)]),
        )
    sample = random.Random(0).sample(val, min(questions, len(val)))
    hits = 0
    for r in sample:
        numbers, matrix = vectors[r["article"]]
        q = embed(model, tokenizer, [r["question"]], 64)[0]
        hits += numbers[int((matrix @ q).argmax())] == r["paragraph"]
    model.train()
    return {"questions": len(sample), "article_hit@1": round(hits / max(1, len(sample)), 4)}


def save_final(model, tokenizer, out: Path) -> Path:  # type: ignore[no-untyped-def]
    """The bundled sentence-transformers folder with the new weights, written under a temporary name first."""
    final, partial = out / "final", out / "final.partial"
    shutil.rmtree(partial, ignore_errors=True)
    shutil.copytree(bundled_model_path(), partial, ignore=shutil.ignore_patterns("*.safetensors", "*.bin", "onnx"))
    model.save_pretrained(partial)
    tokenizer.save_pretrained(partial)
    shutil.rmtree(final, ignore_errors=True)
    partial.rename(final)
    return final


def main() -> None:
    parser = argparse.ArgumentParser(description="Fine-tune the dense encoder (see the module docstring).")
    parser.add_argument("--data", type=Path, default=Path.home() / ".cache" / "qa-reader" / "data")
    parser.add_argument("--out", type=Path, default=Path.home() / ".cache" / "qa-encoder" / "run1")
    parser.add_argument("--steps", type=int, default=600)
    parser.add_argument("--groups", type=int, default=16, help="questions per step")
    parser.add_argument("--negatives", type=int, default=1, help="hard negatives per question (same article)")
    parser.add_argument("--passage-words", type=int, default=120)
    parser.add_argument("--lr", type=float, default=2e-5)
    parser.add_argument("--warmup", type=float, default=0.1)
    parser.add_argument("--max-len", type=int, default=192)
    parser.add_argument("--seed", type=int, default=41)
    parser.add_argument("--offset", type=int, default=0, help="skip this many questions of the seeded order")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--save-every", type=int, default=25)
    parser.add_argument("--eval-questions", type=int, default=600)
    args = parser.parse_args()

    start_run(args)
    tokenizer = AutoTokenizer.from_pretrained(bundled_model_path())
    model = AutoModel.from_pretrained(bundled_model_path())
    model.embeddings.word_embeddings.weight.requires_grad_(False)

    rng = random.Random(args.seed)
    records = read_jsonl(args.data / "train.jsonl")
    order = list(records)
    rng.shuffle(order)
    chosen = order[args.offset : args.offset + int(args.steps * args.groups * 1.25)]
    data = groups(records, chosen, args.negatives, args.passage_words, rng)[: args.steps * args.groups]
    log(args.out, f"groups {len(data)} of 1 + {args.negatives}, {args.steps} steps of {args.groups}")
    val = read_jsonl(args.data / "val.jsonl")
    checkpoint = args.out / "checkpoint.pt"
    if not checkpoint.exists():
        log(args.out, f"before {json.dumps(evaluate(model, tokenizer, val, args.eval_questions, args.max_len))}")

    batches = [list(range(i * args.groups, (i + 1) * args.groups)) for i in range(len(data) // args.groups)]
    args.batch = args.groups
    train_steps(
        model,
        batches,
        lambda batch: batch_loss(model, tokenizer, [data[i] for i in batch], args.max_len),
        args,
        "groups",
    )

    final = save_final(model, tokenizer, args.out)
    scores = evaluate(model, tokenizer, val, args.eval_questions, args.max_len)
    (final / "val-scores.json").write_text(json.dumps(scores, indent=2) + "\n")
    log(args.out, f"validation {json.dumps(scores)}")


if __name__ == "__main__":
    sys.exit(main())
