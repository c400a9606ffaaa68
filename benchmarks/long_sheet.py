"""A long sheet to time questions on: a seeded CSV of orders and questions naming an order, for `latency.py`.

    .venv/bin/python benchmarks/long_sheet.py --out /tmp/sheet [--rows 33000] [--questions 12]
    .venv/bin/qa build --corpus /tmp/sheet/corpus --index /tmp/sheet/index        # ~7 min for 33,000 rows
    .venv/bin/python benchmarks/latency.py --index /tmp/sheet/index --gold /tmp/sheet/gold.jsonl --cold-runs 0

Six columns (order id, city, product, units, unit price, region); 33,000 rows is about the most a CSV may hold
under the 200,000-cell limit. Each question asks for the units of one order ("How many units did order 120512
have?"): its window starts deep in the table, where the header row lies tens of thousands of characters above.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
from pathlib import Path

CITIES = ("Oslo", "Lima", "Kyiv", "Pune", "Tours", "Graz", "Accra", "Quito")


def orders(rows: int, seed: int) -> list[dict[str, str]]:
    """`rows` orders, the same for the same seed."""
    rng = random.Random(seed)
    return [
        {
            "order_id": str(100000 + i),
            "city": rng.choice(CITIES),
            "product": f"item-{rng.randint(1, 500)}",
            "units": str(rng.randint(1, 90)),
            "unit_price": f"{rng.randint(3, 400)}.{rng.randint(0, 99):02d}",
            "region": f"R{rng.randint(1, 9)}",
        }
        for i in range(rows)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--rows", type=int, default=33_000)
    parser.add_argument("--questions", type=int, default=12)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    table = orders(args.rows, args.seed)
    corpus = args.out / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    with (corpus / "sales.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(table[0]))
        writer.writeheader()
        writer.writerows(table)
    asked = random.Random(args.seed + 1).sample(table, min(args.questions, len(table)))
    with (args.out / "gold.jsonl").open("w", encoding="utf-8") as f:
        for row in asked:
            question = f"How many units did order {row['order_id']} have?"
            f.write(json.dumps({"question": question, "answers": [row["units"]], "doc": "sales.csv"}) + "\n")
    print(f"wrote {corpus / 'sales.csv'} ({len(table)} rows) and {args.out / 'gold.jsonl'} ({len(asked)} questions)")


if __name__ == "__main__":
    main()
