"""Reader training on windows cut as the engine cuts them, in groups scored against each other.

At query time the engine reads the top `depth` passages, each widened to about 90 words of whole sentences
(`qa.search.read.window_of`), and reorders them by the reader's span score (start + end logit) plus a weight times
the retrieval score. A reader trained on one paragraph at a time (SQuAD-style) learns to point at the best span
*within* a window; nothing teaches its scores to be comparable *across* windows, so a confident span in a
neighbouring passage can outscore the answer. Here each question comes with a group of windows:

* the window holding its answer: whole sentences of its paragraph around the answer sentence, about
  `words` words, the answer sentence at a random place in it (the engine's window is centred on a passage that
  may start anywhere near the answer);
* `negatives` windows of the same article that do not hold any of its answers, the ones sharing the most
  question words first (what retrieval would put beside the answer), neighbouring sentences of the answer's own
  paragraph included;

and the loss adds, to each window's own start/end cross-entropy (a non-answering window points at [CLS]), a
*shared-normalization* term (Clark & Gardner 2018): one softmax over the context tokens of all windows of the
group, so the answer's start and end must beat every token of the other windows too.

Nothing here knows an eval set: the groups come from SQuAD v1.1 train rows as `prepare_squad.py` writes them.
"""

from __future__ import annotations

import math
import random
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import torch

WORD = re.compile(r"\w+")
STOP = frozenset(
    "a an the of in on at to for from by with and or is are was were be been what which who whom whose when where "
    "why how did do does that this these those it its as into than then there their they he she his her".split()
)


@dataclass(frozen=True)
class GroupWindow:
    """One window of a group: its text and the answer's character offsets in it ((0, 0): it does not answer)."""

    text: str
    answer_start: int = 0
    answer_end: int = 0


@dataclass(frozen=True)
class Group:
    question: str
    windows: tuple[GroupWindow, ...]


@lru_cache(maxsize=65536)
def sentence_spans(text: str) -> list[tuple[int, int]]:
    from qa.ingest.sentences import sentence_spans as spans

    return spans(text) or [(0, len(text))]


def words_in(text: str, start: int, end: int) -> int:
    return len(text[start:end].split())


def grow(spans: list[tuple[int, int]], first: int, text: str, words: int, rng: random.Random) -> tuple[int, int]:
    """Indices [a, b) of consecutive sentences around sentence `first`, grown on a random side until `words`."""
    a, b = first, first + 1
    total = words_in(text, *spans[first])
    while total < words and (a > 0 or b < len(spans)):
        left = a > 0 and (b >= len(spans) or rng.random() < 0.5)
        if left:
            a -= 1
            total += words_in(text, *spans[a])
        else:
            total += words_in(text, *spans[b])
            b += 1
    return a, b


@lru_cache(maxsize=65536)
def cut_windows(text: str, words: int) -> list[tuple[int, int]]:
    """A paragraph cut into consecutive windows of whole sentences of about `words` words each."""
    spans = sentence_spans(text)
    windows, a = [], 0
    while a < len(spans):
        b, total = a, 0
        while b < len(spans) and (total < words or b == a):
            total += words_in(text, *spans[b])
            b += 1
        windows.append((spans[a][0], spans[b - 1][1]))
        a = b
    return windows


def answer_window(record: dict, words: int, rng: random.Random) -> tuple[GroupWindow, tuple[int, int]] | None:
    """The window holding the record's first answer, and its place in the paragraph; None when no window of whole
    sentences holds it (an answer across a sentence break is kept whole by growing over both sentences)."""
    text = record["context"]
    answer = record["answers"][0]
    start, end = answer["start"], answer["start"] + len(answer["text"])
    spans = sentence_spans(text)
    holding = [i for i, (s, e) in enumerate(spans) if s < end and e > start]
    if not holding:
        return None
    a, b = grow(spans, holding[0], text, rng.randint(words * 2 // 3, words * 4 // 3), rng)
    b = max(b, holding[-1] + 1)
    w_start, w_end = spans[a][0], spans[b - 1][1]
    if not (w_start <= start and end <= w_end):
        return None
    window = GroupWindow(text[w_start:w_end], start - w_start, end - w_start)
    return window, (w_start, w_end)


def overlap_score(question: set[str], text: str, idf: dict[str, float]) -> float:
    found = {w.lower() for w in WORD.findall(text)}
    return sum(idf.get(w, 0.0) for w in question & found)


def holds_answer(record: dict, text: str) -> bool:
    lowered = text.lower()
    return any(a["text"].lower() in lowered for a in record["answers"])


def paragraphs_by_article(rows: Iterable[dict]) -> dict[str, dict[int, str]]:
    """Article → paragraph number → text, from rows in train.jsonl's format."""
    paragraphs: dict[str, dict[int, str]] = {}
    for r in rows:
        paragraphs.setdefault(r["article"], {})[r["paragraph"]] = r["context"]
    return paragraphs


def windows_without_answers(record: dict, own: tuple[int, int], paragraphs: dict[int, str], words: int) -> list[str]:
    """Every window of the article's paragraphs that holds none of the record's answers and is not its own."""
    candidates = []
    for number, text in paragraphs.items():
        for start, end in cut_windows(text, words):
            piece = text[start:end]
            mine = number == record["paragraph"] and start < own[1] and end > own[0]
            if not mine and not holds_answer(record, piece):
                candidates.append(piece)
    return candidates


def negatives_for(
    record: dict, own: tuple[int, int], paragraphs: dict[int, str], words: int, count: int
) -> list[GroupWindow]:
    """The `count` windows of the article that share the most question words and hold none of its answers."""
    candidates = windows_without_answers(record, own, paragraphs, words)
    return [GroupWindow(c) for c in closest(record["question"], candidates, count)]


def closest(question: str, candidates: list[str], count: int) -> list[str]:
    """The `count` candidates sharing the most (idf-weighted) question words, as retrieval would rank them."""
    if not candidates:
        return []
    documents = [{w.lower() for w in WORD.findall(c)} for c in candidates]
    df = Counter(w for d in documents for w in d)
    idf = {w: math.log(1 + len(documents) / n) for w, n in df.items()}
    words = {w.lower() for w in WORD.findall(question)} - STOP
    ranked = sorted(candidates, key=lambda c: -overlap_score(words, c, idf))
    return ranked[:count]


def build_groups(
    records: list[dict],
    rng: random.Random,
    *,
    articles: list[dict] | None = None,
    words: int = 90,
    negatives: int = 2,
    altered: dict[str, str] | None = None,
) -> list[Group]:
    """One group per record: its answer window and `negatives` windows of its article (the paragraphs of
    `articles`' rows, default `records`' own), in a random order. For a record in `altered` (its id → a question
    the paragraph no longer answers) the group answers nowhere."""
    paragraphs = paragraphs_by_article(articles if articles is not None else records)
    groups = []
    for r in records:
        found = answer_window(r, words, rng)
        if found is None:
            continue
        window, place = found
        others = negatives_for(r, place, paragraphs[r["article"]], words, negatives)
        if len(others) < negatives:
            continue
        question = r["question"]
        if altered and r["id"] in altered:
            question, window = altered[r["id"]], GroupWindow(window.text)
        windows = [window, *others]
        rng.shuffle(windows)
        groups.append(Group(question, tuple(windows)))
    return groups


def is_table(record: dict) -> bool:
    return record["article"].startswith("table/")


def structured_answer(record: dict, words: int, rng: random.Random) -> GroupWindow | None:
    """The answering window of a table or list question: a table window whole (it already is a few rows,
    linearized as the engine gives them to the reader), a list cut around the answer like prose (its "- " items
    are units of their own)."""
    if not is_table(record):
        found = answer_window(record, words, rng)
        return found[0] if found else None
    answer = record["answers"][0]
    return GroupWindow(record["context"], answer["start"], answer["start"] + len(answer["text"]))


def structured_pieces(record: dict, words: int) -> list[str]:
    """The windows a table or list example gives as a negative: a table window whole, a list cut like prose."""
    if is_table(record):
        return [record["context"]]
    return [record["context"][a:b] for a, b in cut_windows(record["context"], words)]


def structured_candidates(
    record: dict, pool: list[dict], same: list[dict], words: int, rng: random.Random, sample: int = 32
) -> list[str]:
    """Windows of OTHER table and list examples that do not answer `record`: those of its own table or article
    (`same`: other rows of the sheet, the hardest) and a seeded sample of the rest."""
    others = [r for r in same if r["id"] != record["id"]]
    others += rng.sample(pool, min(sample, len(pool)))
    seen, out = {record["context"]}, []
    for other in others:
        for piece in structured_pieces(other, words):
            if piece not in seen and not holds_answer(record, piece):
                seen.add(piece)
                out.append(piece)
    return out


def prose_candidates(
    record: dict, prose: list[str], paragraphs: dict[int, str] | None, words: int, rng: random.Random
) -> list[str]:
    """SQuAD prose windows that do not answer `record`: of its own article's other paragraphs for a list made
    from a SQuAD paragraph (`paragraphs`), else a seeded sample of `prose` (windows of the run's articles)."""
    if paragraphs:
        texts = [t for number, t in sorted(paragraphs.items()) if number != record["paragraph"]]
        pieces = [t[a:b] for t in texts for a, b in cut_windows(t, words)]
    else:
        pieces = rng.sample(prose, min(64, len(prose)))
    return [p for p in pieces if not holds_answer(record, p)]


def build_structured_groups(
    records: list[dict],
    pool: list[dict],
    prose: list[str],
    rng: random.Random,
    *,
    articles: dict[str, dict[int, str]] | None = None,
    words: int = 90,
    negatives: int = 2,
) -> list[Group]:
    """One group per table or list record, of the same size as a SQuAD group: its answering window, half of
    `negatives` (rounded down) windows of other table/list examples of `pool` and the rest prose windows (see
    `prose_candidates`; `articles`: SQuAD paragraphs by article, for lists), each half the closest to the question;
    one kind fills in when the other runs short. Table-row windows so meet prose in one shared softmax."""
    by_article: dict[str, list[dict]] = {}
    for r in pool:
        by_article.setdefault(r["article"], []).append(r)
    groups = []
    for r in records:
        window = structured_answer(r, words, rng)
        if window is None:
            continue
        structured = structured_candidates(r, pool, by_article.get(r["article"], []), words, rng)
        prose_pieces = prose_candidates(r, prose, (articles or {}).get(r["article"]), words, rng)
        picked = closest(r["question"], structured, negatives // 2)
        picked += closest(r["question"], prose_pieces, negatives - len(picked))
        picked += closest(r["question"], [s for s in structured if s not in picked], negatives - len(picked))
        if len(picked) < negatives:
            continue
        windows = [window, *(GroupWindow(p) for p in picked)]
        rng.shuffle(windows)
        groups.append(Group(r["question"], tuple(windows)))
    return groups


def encode_group(tokenizer, group: Group, max_len: int) -> list[tuple[list[int], int, int]] | None:
    """(input ids, start token, end token) per window; (0, 0) where it does not answer. None when truncation cut
    the answer out of its window (the group would teach nothing true)."""
    enc = tokenizer(
        [group.question] * len(group.windows),
        [w.text for w in group.windows],
        truncation="only_second",
        max_length=max_len,
        return_offsets_mapping=True,
    )
    features = []
    for i, window in enumerate(group.windows):
        start = end = 0
        if window.answer_end > window.answer_start:
            seq, offsets = enc.sequence_ids(i), enc["offset_mapping"][i]
            ctx = [k for k, s in enumerate(seq) if s == 1]
            if not ctx or offsets[ctx[-1]][1] < window.answer_end:
                return None
            start = next(k for k in ctx if offsets[k][1] > window.answer_start)
            end = next(k for k in reversed(ctx) if offsets[k][0] < window.answer_end)
        features.append((enc["input_ids"][i], start, end))
    return features


def shared_norm_loss(
    start_logits: torch.Tensor,
    end_logits: torch.Tensor,
    context: torch.Tensor,
    starts: torch.Tensor,
    ends: torch.Tensor,
    size: int,
) -> torch.Tensor:
    """Cross-entropy of the answer's start and end over the context tokens of all windows of each group.

    Rows come `size` windows per group; `context` marks context tokens; `starts`/`ends` are the answer's tokens
    (0 where a window does not answer). Groups where no window answers add nothing."""
    rows, width = start_logits.shape
    masked_start = start_logits.masked_fill(~context, -1e4).view(rows // size, size * width)
    masked_end = end_logits.masked_fill(~context, -1e4).view(rows // size, size * width)
    offsets = torch.arange(rows, device=starts.device) % size * width
    flat_starts = (starts + offsets).view(-1, size)
    flat_ends = (ends + offsets).view(-1, size)
    answering = (starts > 0).view(-1, size)
    has = answering.any(dim=1)
    if not bool(has.any()):
        return start_logits.new_zeros(())
    pick = answering.float().argmax(dim=1)
    target_start = flat_starts.gather(1, pick[:, None]).squeeze(1)
    target_end = flat_ends.gather(1, pick[:, None]).squeeze(1)
    loss_start = torch.nn.functional.cross_entropy(masked_start[has], target_start[has])
    loss_end = torch.nn.functional.cross_entropy(masked_end[has], target_end[has])
    return (loss_start + loss_end) / 2
