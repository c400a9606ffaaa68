"""Train the passage reranker: the bundled all-MiniLM-L6-v2 encoder with one relevance score read at [CLS]
(a cross-encoder: question and passage read together), on SQuAD v1.1 train as rebuilt by `prepare_squad.py`.

Why these choices (2 CPU cores, a run that must finish inside a 3-hour session):
* one question at a time against a group: the passage holding its answer and `--negatives` passages that do
  not, scored together with a softmax over the group (listwise), so the score learns to put the answering
  passage first among passages that look like it, which is what the ranking asks of it;
* hard negatives, of the kinds the ranking gets wrong: the other paragraphs of the same article that share the
  most words with the question (BM25 over the article's paragraphs), and the answer's own paragraph with the
  sentence holding the answer cut out ("on topic, the answer is in the passage next to it");
* passages cut to at most `--passage-words` words around the answer (the engine's passages are of that size),
  led by the article's title half of the time (the engine gives the passage's heading; a passage may have none);
* the new head (pooler and one-logit layer) learns at 20× the encoder's rate: at the same rate its first hundred
  steps barely move the scores off "all alike" (the loss stays at log 4);
* the word-embedding table is frozen, batches are seeded, a checkpoint is written atomically every
  `--save-every` steps and a run started again with the same arguments continues from it (as train_reader.py).

    python training/train_reranker.py --data ~/.cache/qa-reader/data --out ~/.cache/qa-reranker/run1 --steps 800

At the end the model is saved to `<out>/final` and scored on the validation articles: how often the answering
paragraph is first among the article's BM25 top 10, by BM25 alone and after reranking.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import sys
import time
from collections import Counter
from pathlib import Path

import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer, get_linear_schedule_with_warmup

sys.path.insert(0, str(Path(__file__).resolve().parent))
from train_reader import (  # noqa: E402
    apply_gradients,
    bundled_model_path,
    log,
    read_jsonl,
    resume,
    save_training_state,
    start_run,
)

WORD = re.compile(r"\w+")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"“(A-Z0-9])")


def words_of(text: str) -> list[str]:
    return WORD.findall(text.lower())


class ArticleBM25:
    """BM25 over one article's paragraphs (k1 1.2, b 0.75): which paragraphs look most like a question."""

    def __init__(self, paragraphs: list[str]) -> None:
        self.tfs = [Counter(words_of(p)) for p in paragraphs]
        self.lengths = [sum(tf.values()) for tf in self.tfs]
        self.mean = sum(self.lengths) / max(1, len(self.lengths))
        df = Counter(w for tf in self.tfs for w in tf)
        n = len(paragraphs)
        self.idf = {w: math.log(1 + (n - d + 0.5) / (d + 0.5)) for w, d in df.items()}

    def scores(self, question: str) -> list[float]:
        terms = set(words_of(question))
        out = []
        for tf, length in zip(self.tfs, self.lengths):
            norm = 1.2 * (0.25 + 0.75 * length / max(1.0, self.mean))
            out.append(sum(self.idf.get(t, 0.0) * tf[t] * 2.2 / (tf[t] + norm) for t in terms if t in tf))
        return out


def sentences(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for m in SENTENCE_END.finditer(text):
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, len(text)))
    return [(a, b) for a, b in spans if b > a]


def crop(text: str, words: int, rng: random.Random, keep: tuple[int, int] | None = None) -> str:
    """At most about `words` words of whole sentences; holding `keep` (character span) when given."""
    spans = sentences(text)
    if len(text.split()) <= words or len(spans) < 2:
        return " ".join(text.split()[: words + 20])
    if keep is None:
        first = rng.randrange(len(spans))
    else:
        first = next((i for i, (a, b) in enumerate(spans) if b > keep[0]), 0)
        first = max(0, first - rng.randint(0, 2))
    last = first
    while last + 1 < len(spans) and len(text[spans[first][0] : spans[last + 1][1]].split()) <= words:
        last += 1
    while first > 0 and len(text[spans[first - 1][0] : spans[last][1]].split()) <= words:
        first -= 1
    return text[spans[first][0] : spans[last][1]]


def without_answer(text: str, start: int, end: int) -> str | None:
    """The paragraph with the sentence(s) holding [start, end) cut out; None when little would be left."""
    spans = sentences(text)
    kept = [text[a:b] for a, b in spans if b <= start or a >= end]
    if len(kept) < 2:
        return None
    return " ".join(kept)


def titled(title: str, text: str, rng: random.Random) -> str:
    return f"{title.replace('_', ' ')}\n{text}" if rng.random() < 0.5 else text


def group_of(
    r: dict, paragraphs: dict[int, str], ranked: list[int], negatives: int, words: int, rng: random.Random
) -> tuple[str, list[str]] | None:
    """(question, [answering passage, negative, …]) for one question, its article's paragraphs ranked by BM25
    for it; None without enough negatives or when the cut passage lost the answer."""
    answer = r["answers"][0]
    a_start, a_end = answer["start"], answer["start"] + len(answer["text"])
    texts = [a.lower() for a in (x["text"] for x in r["answers"])]
    others = [paragraphs[p] for p in ranked if p != r["paragraph"]]
    others = [c for c in others if not any(t in c.lower() for t in texts)]
    negs = []
    cut = without_answer(r["context"], a_start, a_end)
    if cut is not None and rng.random() < 0.5:
        negs.append(crop(cut, words, rng))
    negs += [crop(c, words, rng) for c in others[: negatives - len(negs)]]
    if len(negs) < negatives:
        return None
    positive = crop(r["context"], words, rng, keep=(a_start, a_end))
    if not any(t in positive.lower() for t in texts):
        return None
    return r["question"], [titled(r["article"], p, rng) for p in [positive, *negs]]


def paragraphs_by_article(records: list[dict]) -> dict[str, dict[int, str]]:
    """Each article's paragraphs by number, from question records (each carries its paragraph)."""
    by_article: dict[str, dict[int, str]] = {}
    for r in records:
        by_article.setdefault(r["article"], {})[r["paragraph"]] = r["context"]
    return by_article


def groups(
    records: list[dict], chosen: list[dict], negatives: int, words: int, rng: random.Random
) -> list[tuple[str, list[str]]]:
    """One group per chosen question that has enough negatives; the negatives come from all `records` of the
    question's article."""
    by_article = paragraphs_by_article(records)
    bm25 = {a: (list(ps), ArticleBM25(list(ps.values()))) for a, ps in by_article.items()}
    out = []
    for r in chosen:
        numbers, model = bm25[r["article"]]
        ranked = [p for _, p in sorted(zip(model.scores(r["question"]), numbers), key=lambda x: -x[0])]
        group = group_of(r, by_article[r["article"]], ranked, negatives, words, rng)
        if group is not None:
            out.append(group)
    return out


WH_START = re.compile(
    r"^(?:what|which|who|whom|whose|when|where|why|how)(?: (?:many|much|long|old|far|often))?"
    r"(?: (?:is|was|are|were|did|does|do|has|have|had|can|could|would|will))?\s+",
    re.IGNORECASE,
)


def echo_sentence(question: str) -> str:
    """The question's words as a statement that answers nothing: "Which keeper served the longest?" → "Keeper
    served the longest." (wh-word and auxiliary dropped)."""
    body = WH_START.sub("", question.strip().rstrip("?").strip()) or question.strip().rstrip("?")
    return body[:1].upper() + body[1:] + "."


def spliced(passage: str, sentence: str, rng: random.Random) -> str:
    """`sentence` put between two sentences of the passage (after its title line, if it has one)."""
    title, _, body = passage.rpartition("\n")
    spans = sentences(body)
    at = rng.choice([0] + [b for _, b in spans])
    body = f"{body[:at].rstrip()} {sentence} {body[at:].lstrip()}".strip()
    return f"{title}\n{body}" if title else body


def with_echoes(data: list[tuple[str, list[str]]], fraction: float, seed: int) -> list[tuple[str, list[str]]]:
    """For `fraction` of the groups, one negative repeats the question's words (`echo_sentence` spliced in) and,
    as often as any one negative does, the answering passage too: so repeating the question is no sign either
    way, and a passage that only repeats it must still lose to the one that answers."""
    rng = random.Random(seed)
    out = []
    for question, passages in data:
        if rng.random() < fraction:
            echo = echo_sentence(question)
            passages = list(passages)
            j = rng.randrange(1, len(passages))
            passages[j] = spliced(passages[j], echo, rng)
            if rng.random() < 1 / (len(passages) - 1):
                passages[0] = spliced(passages[0], echo, rng)
        out.append((question, passages))
    return out


def collate(tokenizer, batch: list[tuple[str, list[str]]], max_len: int) -> dict[str, torch.Tensor]:
    questions = [q for q, ps in batch for _ in ps]
    passages = [p for _, ps in batch for p in ps]
    return tokenizer(
        questions, passages, truncation="only_second", max_length=max_len, padding=True, return_tensors="pt"
    )


@torch.no_grad()
def evaluate(model, tokenizer, val: list[dict], max_len: int, questions: int) -> dict:
    """hit@1 of the answering paragraph among its article's BM25 top 10: BM25 alone vs reranked."""
    model.eval()
    by_article = paragraphs_by_article(val)
    models = {a: (list(ps), ArticleBM25(list(ps.values()))) for a, ps in by_article.items()}
    rng = random.Random(0)
    sample = rng.sample(val, min(questions, len(val)))
    bm25_hits = rerank_hits = counted = 0
    for r in sample:
        numbers, bm = models[r["article"]]
        top = [p for _, p in sorted(zip(bm.scores(r["question"]), numbers), key=lambda x: -x[0])[:10]]
        if r["paragraph"] not in top:
            continue
        counted += 1
        texts = [f"{r['article'].replace('_', ' ')}\n{by_article[r['article']][p]}" for p in top]
        enc = tokenizer(
            [r["question"]] * len(texts),
            texts,
            truncation="only_second",
            max_length=max_len,
            padding=True,
            return_tensors="pt",
        )
        logits = model(**enc).logits[:, 0]
        bm25_hits += top[0] == r["paragraph"]
        rerank_hits += top[int(logits.argmax())] == r["paragraph"]
    model.train()
    return {
        "questions": counted,
        "bm25_hit@1": round(bm25_hits / max(1, counted), 4),
        "reranked_hit@1": round(rerank_hits / max(1, counted), 4),
    }


def optimizer_for(model, lr: float, head_factor: float) -> torch.optim.Optimizer:  # type: ignore[no-untyped-def]
    """AdamW over the trainable weights; the new head (pooler and logit) at `head_factor` × the encoder's rate:
    at the same rate it starts far too slowly."""
    head = [p for n, p in model.named_parameters() if p.requires_grad and n.startswith(("classifier", "bert.pooler"))]
    body = [p for p in model.parameters() if p.requires_grad and all(p is not h for h in head)]
    return torch.optim.AdamW([{"params": body, "lr": lr}, {"params": head, "lr": lr * head_factor}], weight_decay=0.01)


def main() -> None:
    parser = argparse.ArgumentParser(description="Train the passage reranker (see the module docstring).")
    parser.add_argument("--data", type=Path, default=Path.home() / ".cache" / "qa-reader" / "data")
    parser.add_argument("--out", type=Path, default=Path.home() / ".cache" / "qa-reranker" / "run1")
    parser.add_argument("--steps", type=int, default=800)
    parser.add_argument("--groups", type=int, default=8, help="questions per step")
    parser.add_argument("--negatives", type=int, default=3)
    parser.add_argument("--passage-words", type=int, default=120)
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--warmup", type=float, default=0.08)
    parser.add_argument("--head-lr-factor", type=float, default=20.0)
    parser.add_argument("--max-len", type=int, default=192)
    parser.add_argument("--seed", type=int, default=29)
    parser.add_argument("--init", default=None, help="weights to start from (default: the bundled MiniLM)")
    parser.add_argument("--offset", type=int, default=0, help="skip this many questions of the seeded order")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--save-every", type=int, default=25)
    parser.add_argument("--eval-questions", type=int, default=300)
    parser.add_argument(
        "--echo-fraction", type=float, default=0.0, help="groups whose negative repeats the question (with_echoes)"
    )
    args = parser.parse_args()

    start_run(args)
    tokenizer = AutoTokenizer.from_pretrained(bundled_model_path())
    model = AutoModelForSequenceClassification.from_pretrained(args.init or bundled_model_path(), num_labels=1)
    model.bert.embeddings.word_embeddings.weight.requires_grad_(False)

    rng = random.Random(args.seed)
    records = read_jsonl(args.data / "train.jsonl")
    t0 = time.time()
    order = list(records)
    rng.shuffle(order)
    chosen = order[args.offset : args.offset + int(args.steps * args.groups * 1.25)]
    data = groups(records, chosen, args.negatives, args.passage_words, rng)
    data = with_echoes(data[: args.steps * args.groups], args.echo_fraction, args.seed + 1)
    log(
        args.out,
        f"groups {len(data)} of 1 + {args.negatives}, {args.steps} steps of {args.groups}; {time.time() - t0:.0f} s",
    )

    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = optimizer_for(model, args.lr, args.head_lr_factor)
    scheduler = get_linear_schedule_with_warmup(optimizer, int(args.warmup * args.steps), args.steps)
    checkpoint = args.out / "checkpoint.pt"
    step = resume(checkpoint, model, optimizer, scheduler, args.out)

    model.train()
    size = 1 + args.negatives
    window_loss, window_n, window_start = 0.0, 0, time.time()
    while step < args.steps:
        batch = data[step * args.groups : (step + 1) * args.groups]
        logits = model(**collate(tokenizer, batch, args.max_len)).logits.view(len(batch), size)
        loss = torch.nn.functional.cross_entropy(logits, torch.zeros(len(batch), dtype=torch.long))
        loss.backward()
        apply_gradients(params, optimizer, scheduler)
        step += 1
        window_loss += loss.item() * len(batch)
        window_n += len(batch) * size
        if step % 10 == 0 or step == args.steps:
            rate = window_n / (time.time() - window_start)
            eta = (args.steps - step) * args.groups * size / max(rate, 1e-9)
            log(
                args.out,
                f"step {step}/{args.steps} loss {window_loss / (window_n / size):.3f} {rate:.1f} ex/s "
                f"lr {scheduler.get_last_lr()[0]:.2e} ETA {eta / 60:.0f} min",
            )
            window_loss, window_n, window_start = 0.0, 0, time.time()
        if step % args.save_every == 0 or step == args.steps:
            save_training_state(checkpoint, model, optimizer, scheduler, step)

    final = args.out / "final"
    model.save_pretrained(final)
    tokenizer.save_pretrained(final)
    scores = evaluate(model, tokenizer, read_jsonl(args.data / "val.jsonl"), args.max_len, args.eval_questions)
    (final / "val-scores.json").write_text(json.dumps(scores, indent=2) + "\n")
    log(args.out, f"validation {json.dumps(scores)}")


if __name__ == "__main__":
    sys.exit(main())
