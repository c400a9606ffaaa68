"""Rebuild SQuAD v1.1 *train* as JSON lines from the SQuAD-explorer pages, for training the reader.

Source: the public repository `rajpurkar/SQuAD-explorer` at commit 13f82e35b9a1fb9173f863b35f5675030646571e,
`explore/1.1/train/*.html` (one page per article: each paragraph in a `<pre>`, its questions and answers beside
it). Licence of the data: CC BY-SA 4.0 (Rajpurkar et al. 2016). Only the train split is read: no development or
test split of SQuAD, Quoref or BEIR, and none of our gold sets, is ever used for training.

The pages carry no `answer_start`; an answer is placed at its first occurrence in the paragraph (right for
4,363 of 4,371 answers checked against the official file). Answers not found verbatim are dropped, and a
question with none left is dropped. Articles whose title is one of `--exclude-titles` (the five SQuAD 2.0
development articles of `../shared/qa-sets/squad-public`, which cannot be in train, checked anyway) are left
out, and `--heldout` articles (chosen by a hash of the title, not by looking at them) form a validation file.

    python training/prepare_squad.py --repo /path/to/SQuAD-explorer.git --out ~/.cache/qa-reader/data

writes `train.jsonl`, `val.jsonl` and `data-card.json` (counts, SHA-256 of each file, source, licence).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
from pathlib import Path

from selectolax.lexbor import LexborHTMLParser as HTMLParser

SOURCE_REPO = "rajpurkar/SQuAD-explorer"
SOURCE_COMMIT = "13f82e35b9a1fb9173f863b35f5675030646571e"
SOURCE_DIR = "explore/1.1/train"
LICENCE = "CC BY-SA 4.0"
SQUAD_PUBLIC_TITLES = ("Normans", "Packet_switching", "1973_oil_crisis", "Harvard_University", "Force")


def article_pages(repo: Path, commit: str) -> list[tuple[str, str]]:
    """(title, html) for every train article page at `commit` of a bare or normal git directory."""
    names = subprocess.run(
        ["git", "--git-dir", str(repo), "ls-tree", "--name-only", f"{commit}:{SOURCE_DIR}"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    pages = []
    for name in sorted(n for n in names if n.endswith(".html")):
        html = subprocess.run(
            ["git", "--git-dir", str(repo), "show", f"{commit}:{SOURCE_DIR}/{name}"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        pages.append((name[: -len(".html")], html))
    return pages


def parse_article(title: str, html: str) -> list[dict]:
    """One record per question: its paragraph, the question and its answers with character starts."""
    records = []
    tree = HTMLParser(html)
    for p_index, wrap in enumerate(tree.css("div.para-wrap")):
        pre = wrap.css_first("pre")
        if pre is None:
            continue
        context = pre.text(deep=True)
        for q_index, qa in enumerate(wrap.css("div.qa-wrap")):
            question_node = qa.css_first("strong.question")
            if question_node is None:
                continue
            question = question_node.text(deep=True).strip()
            answers = []
            for node in qa.css("span.answer"):
                text = node.text(deep=True).strip()
                start = context.find(text) if text else -1
                if start >= 0 and not any(a["text"] == text for a in answers):
                    answers.append({"text": text, "start": start})
            if question and answers:
                records.append(
                    {
                        "id": f"{title}/{p_index}/{q_index}",
                        "article": title,
                        "paragraph": p_index,
                        "context": context,
                        "question": question,
                        "answers": answers,
                    }
                )
    return records


def heldout_titles(titles: list[str], count: int) -> set[str]:
    """`count` articles chosen by a hash of their title: a fixed, content-blind validation split."""
    return set(sorted(titles, key=lambda t: hashlib.sha256(t.encode()).hexdigest())[:count])


def write_jsonl(path: Path, records: list[dict]) -> str:
    data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode()
    path.write_bytes(data)
    return hashlib.sha256(data).hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", type=Path, required=True, help="git directory of a SQuAD-explorer snapshot")
    parser.add_argument("--commit", default=SOURCE_COMMIT)
    parser.add_argument("--out", type=Path, default=Path.home() / ".cache" / "qa-reader" / "data")
    parser.add_argument("--heldout", type=int, default=20, help="articles kept out of training for validation")
    parser.add_argument("--exclude-titles", nargs="*", default=list(SQUAD_PUBLIC_TITLES))
    args = parser.parse_args()

    pages = [(t, h) for t, h in article_pages(args.repo, args.commit) if t not in set(args.exclude_titles)]
    held = heldout_titles([t for t, _ in pages], args.heldout)
    train, val = [], []
    for title, html in pages:
        (val if title in held else train).extend(parse_article(title, html))
    args.out.mkdir(parents=True, exist_ok=True)
    card = {
        "source": {"repository": SOURCE_REPO, "commit": args.commit, "path": SOURCE_DIR},
        "licence": LICENCE,
        "split": "SQuAD v1.1 train only",
        "answer_start": "first occurrence of the answer text in its paragraph",
        "excluded_titles": sorted(args.exclude_titles),
        "heldout_titles": sorted(held),
        "articles": len(pages),
        "files": {},
    }
    for name, records in (("train.jsonl", train), ("val.jsonl", val)):
        card["files"][name] = {
            "questions": len(records),
            "paragraphs": len({(r["article"], r["paragraph"]) for r in records}),
            "sha256": write_jsonl(args.out / name, records),
        }
    (args.out / "data-card.json").write_text(json.dumps(card, indent=2) + "\n")
    print(json.dumps(card["files"], indent=2))


if __name__ == "__main__":
    main()
