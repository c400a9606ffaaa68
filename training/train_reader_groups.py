"""Train the reader on groups of engine-sized windows scored against each other (see `window_groups.py`).

Starts from a trained reader (`--init`, e.g. run 2) and goes on over SQuAD train questions no earlier run read
(`--offset`). Each step shows `--batch` groups of 1 + `--negatives` windows; the loss is each window's own
start/end cross-entropy plus `--shared-weight` × the shared-normalization term over the group. A share of the
groups (`--adversarial-fraction`) carry a question altered so its paragraph no longer answers it (as in
`train_reader.py`): no window of the group answers. Seeded and resumable like `train_reader.py`.

With `--extra` (`prepare_structured.py`'s structured.jsonl) a share `--extra-fraction` of the groups are table and
list questions (`window_groups.build_structured_groups`): the table-row window that answers is scored in the same
softmax as prose windows and other tables' rows, as the engine ranks them, in groups of the same size.

    python training/train_reader_groups.py --init ~/.cache/qa-reader/run2/final --out ~/.cache/qa-reader/run6 \
        --offset 62615 --steps 900

At the end: SQuAD EM/F1 per paragraph (as `train_reader.py` reports it) and *group* EM on validation groups: how
often the best span over all windows of a group is a gold answer (what the engine's reordering needs).
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
from pathlib import Path

import torch
from train_reader import (
    article_phrases,
    best_span,
    bundled_model_path,
    collate,
    evaluate,
    log,
    negative_contexts,
    normalize_answer,
    read_jsonl,
    start_run,
    swap_phrase,
    train_steps,
)
from transformers import AutoModelForQuestionAnswering, AutoTokenizer
from window_groups import (
    Group,
    build_groups,
    build_structured_groups,
    cut_windows,
    encode_group,
    is_table,
    paragraphs_by_article,
    shared_norm_loss,
)


def altered_questions(records: list[dict], articles: list[dict], rng: random.Random, fraction: float) -> dict[str, str]:
    """Question id → the question with a name, year or number swapped for another of its article's
    (`train_reader.swap_phrase`), for `fraction` of the records."""
    contexts = paragraphs_by_article(articles)
    pool = {article: article_phrases(list(texts.values())) for article, texts in contexts.items()}
    altered = {}
    for r in records:
        if rng.random() < fraction:
            question = swap_phrase(r["question"], r["context"], pool[r["article"]], rng)
            if question:
                altered[r["id"]] = question
    return altered


def encoded_groups(tokenizer, groups: list[Group], max_len: int) -> list[list[tuple[list[int], int, int]]]:
    out = []
    for group in groups:
        features = encode_group(tokenizer, group, max_len)
        if features is not None:
            out.append(features)
    return out


def group_batches(groups: list[list], batch: int, seed: int) -> list[list[int]]:
    """Batches of groups of similar length in a seeded order (sorted inside chunks of 64 batches)."""
    rng = random.Random(seed)
    order = list(range(len(groups)))
    rng.shuffle(order)
    batches = []
    for g in range(0, len(order), batch * 64):
        chunk = sorted(order[g : g + batch * 64], key=lambda k: max(len(f[0]) for f in groups[k]))
        batches.extend(chunk[b : b + batch] for b in range(0, len(chunk), batch))
    rng.shuffle(batches)
    return batches


def step_loss(model, groups: list[list], batch: list[int], pad_id: int, size: int, shared_weight: float):
    features = [f for k in batch for f in groups[k]]
    inputs = collate(features, list(range(len(features))), pad_id)
    out = model(**inputs)
    context = (inputs["token_type_ids"] == 1) & (inputs["attention_mask"] == 1)
    context &= inputs["input_ids"] != 102  # the closing [SEP] is no answer token
    shared = shared_norm_loss(
        out.start_logits, out.end_logits, context, inputs["start_positions"], inputs["end_positions"], size
    )
    return out.loss + shared_weight * shared


@torch.no_grad()
def group_exact_match(model, tokenizer, groups: list[Group], max_len: int) -> dict:
    """How often the best span over a group's windows is its answer (exact match, SQuAD normalization), and how
    often it lies in the answering window."""
    model.eval()
    exact = right_window = 0
    for group in groups:
        enc = tokenizer(
            [group.question] * len(group.windows),
            [w.text for w in group.windows],
            truncation="only_second",
            max_length=max_len,
            return_offsets_mapping=True,
            padding=True,
            return_tensors="pt",
        )
        out = model(
            input_ids=enc["input_ids"], attention_mask=enc["attention_mask"], token_type_ids=enc["token_type_ids"]
        )
        best = (-math.inf, 0, 0, 0)
        for w in range(len(group.windows)):
            span, _ = best_span(
                out.start_logits[w], out.end_logits[w], enc["offset_mapping"][w].tolist(), enc.sequence_ids(w)
            )
            best = max(best, (span[0], w, span[1], span[2]))
        _, w, start, end = best
        window = group.windows[w]
        gold = window.text[window.answer_start : window.answer_end]
        right_window += window.answer_end > window.answer_start
        exact += bool(gold) and normalize_answer(window.text[start:end]) == normalize_answer(gold)
    model.train()
    n = max(1, len(groups))
    return {"group_em": exact / n, "right_window": right_window / n, "groups": len(groups)}


def prose_windows(records: list[dict], words: int) -> list[str]:
    """The windows of the records' paragraphs, cut as `window_groups` cuts them, in a fixed order."""
    paragraphs = sorted({(r["article"], r["paragraph"]): r["context"] for r in records}.items())
    return [text[a:b] for _, text in paragraphs for a, b in cut_windows(text, words)]


def extra_groups(args, count: int, prose: list[str], by_article: dict[str, list[dict]]) -> list[Group]:  # type: ignore[no-untyped-def]
    """`count` table and list groups from `args.extra` in a seeded order (their own generator, so the SQuAD groups
    do not depend on them); the rest of the file is the pool their structured negatives come from."""
    rng = random.Random(args.seed + 1)
    pool = read_jsonl(args.extra)
    rng.shuffle(pool)
    picked = pool[:count]
    lists = sorted({r["article"] for r in picked if not is_table(r)})
    return build_structured_groups(
        picked,
        pool,
        prose,
        rng,
        articles=paragraphs_by_article(r for name in lists for r in by_article.get(name, [])),
        words=args.words,
        negatives=args.negatives,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="Train the reader on window groups (see the module docstring).")
    parser.add_argument("--data", type=Path, default=Path.home() / ".cache" / "qa-reader" / "data")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--init", required=True, help="a trained reader to start from (e.g. run 2's final)")
    parser.add_argument("--steps", type=int, default=900)
    parser.add_argument("--batch", type=int, default=8, help="groups per step")
    parser.add_argument("--negatives", type=int, default=2)
    parser.add_argument("--words", type=int, default=90)
    parser.add_argument("--lr", type=float, default=3e-5)
    parser.add_argument("--warmup", type=float, default=0.05)
    parser.add_argument("--shared-weight", type=float, default=1.0)
    parser.add_argument("--adversarial-fraction", type=float, default=0.15)
    parser.add_argument("--max-len", type=int, default=192)
    parser.add_argument("--offset", type=int, default=0)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--save-every", type=int, default=25)
    parser.add_argument("--eval-questions", type=int, default=300)
    parser.add_argument("--extra", type=Path, default=None, help="table and list questions (prepare_structured.py)")
    parser.add_argument("--extra-fraction", type=float, default=0.0, help="share of the groups drawn from --extra")
    parser.add_argument(
        "--extra-val", type=Path, default=None, help="held-out table questions (default: beside --extra)"
    )
    args = parser.parse_args()

    start_run(args)
    tokenizer = AutoTokenizer.from_pretrained(bundled_model_path())
    model = AutoModelForQuestionAnswering.from_pretrained(args.init)
    model.bert.embeddings.word_embeddings.weight.requires_grad_(False)

    rng = random.Random(args.seed)
    records = read_jsonl(args.data / "train.jsonl")
    rng.shuffle(records)
    by_article: dict[str, list[dict]] = {}
    for r in records:
        by_article.setdefault(r["article"], []).append(r)
    wanted = int(args.steps * args.batch * 1.05)
    extra_count = int(wanted * args.extra_fraction) if args.extra else 0
    chosen = records[args.offset : args.offset + wanted - extra_count]
    t0 = time.time()
    article_rows = [row for a in sorted({r["article"] for r in chosen}) for row in by_article[a]]
    altered = altered_questions(chosen, article_rows, rng, args.adversarial_fraction)
    groups = build_groups(
        chosen, rng, articles=article_rows, words=args.words, negatives=args.negatives, altered=altered
    )
    extra = extra_groups(args, extra_count, prose_windows(chosen, args.words), by_article) if extra_count else []
    encoded = encoded_groups(tokenizer, groups, args.max_len)
    encoded_extra = encoded_groups(tokenizer, extra, args.max_len)
    encoded += encoded_extra
    batches = group_batches(encoded, args.batch, args.seed)[: args.steps]
    log(
        args.out,
        f"questions {len(chosen)} (offset {args.offset}) + {extra_count} from --extra, groups {len(encoded)} "
        f"({len(altered)} altered, {len(encoded_extra)} of tables and lists), "
        f"{len(batches)} steps of {args.batch} groups × {1 + args.negatives} windows, {time.time() - t0:.0f} s",
    )
    train(model, tokenizer, encoded, batches, args)
    final = args.out / "final"
    model.save_pretrained(final)
    tokenizer.save_pretrained(final)
    report(model, tokenizer, args, final)


def train(model, tokenizer, encoded, batches, args) -> None:  # type: ignore[no-untyped-def]
    size = 1 + args.negatives

    def loss_of(batch: list[int]) -> torch.Tensor:
        return step_loss(model, encoded, batch, tokenizer.pad_token_id, size, args.shared_weight)

    train_steps(model, batches, loss_of, args, unit="groups")


def report(model, tokenizer, args, final: Path) -> None:
    val = read_jsonl(args.data / "val.jsonl")
    random.Random(0).shuffle(val)
    picked = val[: args.eval_questions]
    scores = evaluate(
        model,
        tokenizer,
        picked,
        negative_contexts(picked, random.Random(1), 1.0)[: args.eval_questions],
        args.max_len,
        64,
    )
    groups = build_groups(picked, random.Random(2), articles=val, words=args.words, negatives=args.negatives)
    scores["groups"] = group_exact_match(model, tokenizer, groups, args.max_len)
    scores |= table_scores(model, tokenizer, args, val)
    (final / "val-scores.json").write_text(json.dumps(scores, indent=2) + "\n")
    log(args.out, f"validation {json.dumps(scores)}")


def table_scores(model, tokenizer, args, val: list[dict]) -> dict:  # type: ignore[no-untyped-def]
    """On held-out tables (structured-val.jsonl, never trained on): EM/F1 of each table window alone, and group EM
    of table groups whose negatives are other held-out tables' rows and SQuAD validation prose."""
    path = args.extra_val or (args.extra.parent / "structured-val.jsonl" if args.extra else None)
    if path is None or not path.is_file():
        return {}
    tables = read_jsonl(path)
    random.Random(0).shuffle(tables)
    picked = tables[: args.eval_questions]
    alone = evaluate(model, tokenizer, picked, [], args.max_len, 64)
    prose = prose_windows(val, args.words)
    groups = build_structured_groups(
        picked, tables, prose, random.Random(3), words=args.words, negatives=args.negatives
    )
    return {"tables": alone, "table_groups": group_exact_match(model, tokenizer, groups, args.max_len)}


if __name__ == "__main__":
    sys.exit(main())
