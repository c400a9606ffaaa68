"""Reader training examples in the shapes documents have and SQuAD lacks: table rows and bulleted lists.

The reader was trained on SQuAD prose. In a sheet, a CSV or an infobox it reads rows the engine writes as
"Column: value; …." (`qa.ingest.tabletext.linearize`) and picks a cell of the wrong row or column; in slides it
reads "- item" lines. This script writes, in the format of `prepare_squad.py`'s train.jsonl:

- **table questions** on windows of 2–6 rows of public CSV tables (Rdatasets, a repository snapshot), rendered as
  the extractors render a table (`| a | b |` lines, header first or taken from before the window) and then
  linearized exactly as the engine does for the reader. A question names a row by one of its cells and asks for
  another cell, in one of several phrasings; the answer is a cell found once in the window. A quarter of the
  windows are one row turned into key–value pairs under the row's name, as an infobox or a specification sheet.
- **list questions**: SQuAD *train* questions (from past the rows the reader's runs used) whose paragraph is
  rewritten as one "- " item per sentence.

Decontamination: tables whose name or column set is one of the sheets in `../shared/docs` (mtcars, iris,
chickwts, quakes, airline_safety; their column sets read from Rdatasets' own copies) are left out, so no eval
table is trained on.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import random
import re
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from qa.ingest.tabletext import linearize  # noqa: E402  (the engine's own rendering, so training sees what it reads)

HELD_OUT_NAMES = frozenset({"mtcars", "iris", "iris3", "chickwts", "quakes", "airline_safety"})
HELD_OUT_COPIES = (
    "csv/datasets/mtcars.csv",
    "csv/datasets/iris.csv",
    "csv/datasets/chickwts.csv",
    "csv/datasets/quakes.csv",
    "csv/fivethirtyeight/airline_safety.csv",
)
MAX_COLUMNS = 9
MAX_CELL_CHARS = 40
_MISSING = {"", "NA", "NaN", "nan", "NULL", "."}
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"“(])")


def git_lines(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout


def read_table(repo: Path, path: str) -> list[list[str]] | None:
    """The CSV at `path` of the snapshot as rows of strings (header first), or None when it does not parse."""
    try:
        text = git_lines(repo, "show", f"HEAD:{path}")
        return [row for row in csv.reader(io.StringIO(text)) if row]
    except (subprocess.CalledProcessError, csv.Error, UnicodeDecodeError):
        return None


def column_set(rows: list[list[str]]) -> frozenset[str]:
    return frozenset(name.strip().lower() for name in rows[0] if name.strip() and name != "rownames")


def without_row_numbers(header: list[str], body: list[list[str]]) -> tuple[list[str], list[list[str]]]:
    """Rdatasets' first column `rownames`: dropped when it only numbers the rows, else kept as "name"."""
    if not header or header[0] != "rownames":
        return header, body
    if any(not cell.strip().lstrip("-").replace(".", "").isdigit() for cell in (row[0] for row in body[:20])):
        return ["name", *header[1:]], body
    return header[1:], [row[1:] for row in body]


def tidy(rows: list[list[str]], rng: random.Random) -> list[list[str]] | None:
    """The table without row numbers, at most MAX_COLUMNS columns (the first kept) and only rows of full width
    with short cells; None when too little is left."""
    header = [name.strip() for name in rows[0]]
    header, body = without_row_numbers(header, [row for row in rows[1:] if len(row) == len(header)])
    if len(header) < 2 or len(body) < 3 or any(not name for name in header):
        return None
    keep = [0] + sorted(rng.sample(range(1, len(header)), min(MAX_COLUMNS - 1, len(header) - 1)))
    body = short_rows([[row[i].strip() for i in keep] for row in body])
    return [[header[i] for i in keep]] + body if len(body) >= 3 else None


def short_rows(body: list[list[str]]) -> list[list[str]]:
    """The rows whose cells are all short and hold no pipe (a pipe would split the rendered cell)."""
    return [row for row in body if all(len(cell) <= MAX_CELL_CHARS and "|" not in cell for cell in row)]


def spoken(name: str) -> str:
    """A column name as a question writes it: "fatal_accidents" → "fatal accidents"."""
    return re.sub(r"[._]+", " ", name).strip()


def pipe(row: list[str]) -> str:
    return "| " + " | ".join(row) + " |"


def unique_cells(window: list[list[str]], column: int) -> list[int]:
    """Rows of the window whose cell in `column` is present and found in no other cell of the window."""
    out = []
    for i, row in enumerate(window):
        cell = row[column]
        if cell in _MISSING:
            continue
        if sum(c == cell for r in window for c in r) == 1:
            out.append(i)
    return out


def table_question(keys: list[tuple[str, str]], asked: str, title: str, rng: random.Random) -> str:
    """A question naming the row by one or two (column, cell) keys and asking for column `asked`."""
    asked = spoken(asked)
    named = " and ".join(f"{spoken(name)} {cell}" for name, cell in keys)
    forms = [
        f"What {asked} is listed for the row with {named}?",
        f"What is the {asked} for {named}?",
        f"For {named}, what is the {asked}?",
        f"Which {asked} goes with {named}?",
        f"In the {title} data, what is the {asked} for {named}?",
    ]
    key = keys[0][1]
    if len(keys) == 1 and not re.fullmatch(r"[-\d.,/ :]+", key):  # a row named by words: "the mpg of Fiat 128"
        forms += [f"What is the {asked} of {key}?", f"What {asked} does {key} have?"]
    return rng.choice(forms)


def window_context(table: list[list[str]], start: int, size: int, rng: random.Random, title: str) -> str:
    """Rows [start, start + size) of the body as the engine's reader reads them: linearized pipe lines, with the
    header inside the window (first window) or passed as the header before it, sometimes under the title."""
    header, body = table[0], table[1:]
    lines = [pipe(row) for row in body[start : start + size]]
    if start == 0:
        text = "\n".join([pipe(header), *lines])
        read = linearize(text).text
    else:
        read = linearize("\n".join(lines), pipe(header)).text
    return f"{title}\n{read}" if rng.random() < 0.5 else read


def card_context(header: list[str], row: list[str]) -> str:
    """One row as key–value pairs under its first cell, as an infobox: "Name\\nColumn: value.\\n…"."""
    pairs = [pipe([f"{name}:", cell]) for name, cell in zip(header[1:], row[1:]) if cell not in _MISSING]
    return row[0] + "\n" + linearize("\n".join(pairs)).text


def answer_at(context: str, answer: str) -> int | None:
    """The start of `answer` in the context when it occurs there once as whole cell text."""
    hits = [m.start() for m in re.finditer(rf"(?<![\w.]){re.escape(answer)}(?![\w])", context)]
    return hits[0] if len(hits) == 1 else None


def row_keys(window: list[list[str]], key_col: int, asked_col: int, rng: random.Random) -> dict[int, list[int]]:
    """The rows of the window a question can name and ask column `asked_col` of, each with the columns that name
    it: `key_col` alone when its cell is unique, or (three times in ten) with a second column when the pair is."""
    answerable = set(unique_cells(window, asked_col))
    keys_of = {i: [key_col] for i in answerable & set(unique_cells(window, key_col))}
    width = len(window[0])
    if width > 2 and rng.random() < 0.3:
        other = rng.choice([c for c in range(width) if c not in (key_col, asked_col)])
        pairs = [(row[key_col], row[other]) for row in window]
        keys_of = {i: [key_col, other] for i in answerable if pairs.count(pairs[i]) == 1 and "" not in pairs[i]}
    return keys_of


def table_records(name: str, title: str, table: list[list[str]], rng: random.Random, count: int) -> list[dict]:
    """Up to `count` questions on windows of the table (3 tries each), in train.jsonl's format."""
    records: list[dict] = []
    header, body = table[0], table[1:]
    for attempt in range(count * 3):
        if len(records) >= count:
            break
        size = rng.randint(2, min(6, len(body)))
        start = 0 if rng.random() < 0.3 else rng.randrange(0, len(body) - size + 1)
        window = body[start : start + size]
        key_col, asked_col = rng.sample(range(len(header)), 2)
        keys_of = row_keys(window, key_col, asked_col, rng)
        if not keys_of:
            continue
        index = rng.choice(sorted(keys_of))
        row, keys = window[index], keys_of[index]
        card = keys == [0] and rng.random() < 0.25 and not re.fullmatch(r"[-\d.,/ :]+", row[0])
        context = card_context(header, row) if card else window_context(table, start, size, rng, title)
        start_at = answer_at(context, row[asked_col])
        if start_at is None or any(row[c] in _MISSING for c in keys):
            continue
        question = table_question([(header[c], row[c]) for c in keys], header[asked_col], title, rng)
        answers = [{"text": row[asked_col], "start": start_at}]
        records.append(
            {"id": f"table/{name}/{attempt}", "article": f"table/{name}", "paragraph": attempt, "context": context}
            | {"question": question, "answers": answers}
        )
    return records


def listed(record: dict) -> dict | None:
    """A SQuAD record with its paragraph rewritten as one "- " item per sentence (answer offset moved)."""
    context, answer = record["context"], record["answers"][0]
    pieces = _SENTENCE_END.split(context)
    if len(pieces) < 2:
        return None
    out, moved, position = [], None, 0
    for piece in pieces:
        at = context.index(piece, position)
        if moved is None and at <= answer["start"] < at + len(piece):
            moved = len("\n".join(out)) + (1 if out else 0) + 2 + answer["start"] - at
        out.append("- " + piece)
        position = at + len(piece)
    text = "\n".join(out)
    if moved is None or text[moved : moved + len(answer["text"])] != answer["text"]:
        return None
    return {**record, "id": record["id"] + "/list", "context": text, "answers": [{**answer, "start": moved}]}


def held_out_columns(repo: Path) -> set[frozenset[str]]:
    sets = set()
    for path in HELD_OUT_COPIES:
        rows = read_table(repo, path)
        if rows:
            sets.add(column_set(rows))
    return sets


def table_titles(repo: Path) -> dict[str, str]:
    rows = list(csv.DictReader(io.StringIO(git_lines(repo, "show", "HEAD:datasets.csv"))))
    return {f"csv/{row['Package']}/{row['Item']}.csv": row["Title"] for row in rows}


def all_tables(repo: Path, rng: random.Random, per_table: int, limit: int) -> tuple[list[list[dict]], dict]:
    """Questions of `limit` usable tables in a seeded order, one list per table."""
    held = held_out_columns(repo)
    titles = table_titles(repo)
    paths = sorted(
        p for p in git_lines(repo, "ls-tree", "-r", "--name-only", "HEAD", "csv").split() if p.endswith(".csv")
    )
    rng.shuffle(paths)
    records: list[list[dict]] = []
    skipped = {"held_out": 0, "unusable": 0}
    used = 0
    for path in paths:
        if used >= limit:
            break
        name = Path(path).stem
        rows = read_table(repo, path)
        if name in HELD_OUT_NAMES or (rows and column_set(rows) in held):
            skipped["held_out"] += 1
            continue
        table = tidy(rows, rng) if rows and len(rows) < 20000 else None
        if table is None:
            skipped["unusable"] += 1
            continue
        made = table_records(f"{path.split('/')[1]}/{name}", titles.get(path, name), table, rng, per_table)
        used += bool(made)
        records += [made] if made else []
    return records, {"tables": used, **skipped}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rdatasets", type=Path, required=True, help="git dir of vincentarelbundock/Rdatasets")
    parser.add_argument("--data", type=Path, default=Path.home() / ".cache" / "qa-reader" / "data")
    parser.add_argument("--tables", type=int, default=900, help="tables to draw questions from")
    parser.add_argument("--val-tables", type=int, default=100, help="further tables for validation only")
    parser.add_argument("--per-table", type=int, default=6)
    parser.add_argument("--lists", type=int, default=1500, help="SQuAD questions rewritten as lists")
    parser.add_argument("--squad-from", type=int, default=40000, help="first row of the seeded SQuAD order used")
    parser.add_argument("--seed", type=int, default=29)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    per_table, counts = all_tables(args.rdatasets, rng, args.per_table, args.tables + args.val_tables)
    tables = [r for made in per_table[: args.tables] for r in made]
    val_tables = [r for made in per_table[args.tables :] for r in made]
    squad = [json.loads(line) for line in (args.data / "train.jsonl").read_text().splitlines()]
    random.Random(13).shuffle(squad)  # the reader runs' order (train_reader.py --seed 13); rows past theirs
    lists = [r for r in (listed(rec) for rec in squad[args.squad_from :]) if r][: args.lists]
    out = args.data / "structured.jsonl"
    records = tables + lists
    random.Random(args.seed).shuffle(records)
    out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
    commit = git_lines(args.rdatasets, "rev-parse", "HEAD").strip()
    card = {
        "source": {"repo": "vincentarelbundock/Rdatasets", "commit": commit},
        "table_questions": len(tables),
        "list_questions": len(lists),
        **counts,
        "held_out_names": sorted(HELD_OUT_NAMES),
        "sha256": sha256(out),
        "args": {k: str(v) for k, v in vars(args).items()},
    }
    val = args.data / "structured-val.jsonl"
    val.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in val_tables))
    card["validation"] = {"table_questions": len(val_tables), "sha256": sha256(val)}
    (args.data / "structured-card.json").write_text(json.dumps(card, indent=2) + "\n")
    print(json.dumps(card))


if __name__ == "__main__":
    main()
