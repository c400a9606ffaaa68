"""training/prepare_structured.py: reader questions on table rows and bulleted lists, built from a small git
repository laid out like the Rdatasets snapshot (no network, no ../shared)."""

from __future__ import annotations

import importlib.util
import json
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest

from qa.ingest.tabletext import linearize

SCRIPT = Path(__file__).resolve().parents[2] / "training" / "prepare_structured.py"

STATIONS = [
    ["rownames", "Opened", "Platforms", "Riders"],
    ["Northgate", "1911", "4", "12400"],
    ["Mill Lane", "1924", "2", "3150"],
    ["Harbour Road", "1938", "6", "27900"],
    ["Kiln Street", "1952", "3", "8020"],
    ["Quarry Hill", "1967", "5", "15300"],
]


@pytest.fixture(scope="module")
def prepare():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("prepare_structured", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["prepare_structured"] = module
    spec.loader.exec_module(module)
    return module


def _csv(rows: list[list[str]]) -> str:
    return "\n".join(",".join(f'"{cell}"' for cell in row) for row in rows) + "\n"


def test_every_table_question_is_answered_by_one_cell_of_the_row_it_names(prepare) -> None:  # type: ignore[no-untyped-def]
    table = prepare.tidy(STATIONS, random.Random(0))
    assert table[0][0] == "name"  # named rows keep their names as a column
    records = prepare.table_records("test/stations", "Railway stations", table, random.Random(1), 40)
    assert len(records) >= 20
    for record in records:
        answer = record["answers"][0]
        context = record["context"]
        assert context[answer["start"] : answer["start"] + len(answer["text"])] == answer["text"]
        row = next(r for r in table[1:] if answer["text"] in r)
        named = [
            cell for cell in row if cell != answer["text"] and re.search(rf"\b{re.escape(cell)}\b", record["question"])
        ]
        assert named, record  # the question names its row by another cell of it
        assert "|" not in context  # rows read as the engine gives them to the reader: "Column: value; …."
    row = linearize("| Mill Lane | 1924 | 2 | 3150 |", "| name | Opened | Platforms | Riders |").text
    assert row == "name: Mill Lane; Opened: 1924; Platforms: 2; Riders: 3150."
    assert any(row in r["context"].split("\n") for r in records)  # the engine's own rendering of the row


def test_a_numbered_rownames_column_is_dropped(prepare) -> None:  # type: ignore[no-untyped-def]
    numbered = [["rownames", "x", "y"], ["1", "a", "10"], ["2", "b", "20"], ["3", "c", "30"]]
    assert prepare.tidy(numbered, random.Random(0))[0] == ["x", "y"]


def test_a_listed_paragraph_keeps_its_answer_at_the_moved_offset(prepare) -> None:  # type: ignore[no-untyped-def]
    context = "The mill opened in 1911. Its wheel was made of oak. It closed when the river silted up in 1952."
    record = {
        "id": "a/0/0",
        "context": context,
        "question": "What was the wheel made of?",
        "answers": [{"text": "oak", "start": context.index("oak")}],
    }
    listed = prepare.listed(record)
    assert listed["context"].split("\n") == [
        "- The mill opened in 1911.",
        "- Its wheel was made of oak.",
        "- It closed when the river silted up in 1952.",
    ]
    start = listed["answers"][0]["start"]
    assert listed["context"][start : start + 3] == "oak"


def test_held_out_tables_are_left_out_by_name_and_by_their_columns(prepare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    repo = tmp_path / "rdatasets"
    (repo / "csv" / "datasets").mkdir(parents=True)
    (repo / "csv" / "other").mkdir(parents=True)
    mtcars = [
        ["rownames", "mpg", "cyl", "hp"],
        ["Mazda RX4", "21", "6", "110"],
        ["Datsun 710", "22.8", "4", "93"],
        ["Valiant", "18.1", "6", "105"],
    ]
    (repo / "csv" / "datasets" / "mtcars.csv").write_text(_csv(mtcars))
    (repo / "csv" / "other" / "cars_copy.csv").write_text(_csv(mtcars))  # the same table under another name
    (repo / "csv" / "other" / "stations.csv").write_text(_csv(STATIONS))
    (repo / "datasets.csv").write_text(_csv([["Package", "Item", "Title"], ["other", "stations", "Railway stations"]]))
    for args in (["init", "-q"], ["add", "."], ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "t"]):
        subprocess.run(["git", "-C", str(repo), *args], check=True)
    per_table, counts = prepare.all_tables(repo, random.Random(3), 5, 10)
    assert counts["held_out"] == 2 and counts["tables"] == 1
    assert {r["article"] for made in per_table for r in made} == {"table/other/stations"}
    records = [r for made in per_table for r in made]
    assert any(r["context"].startswith("Railway stations\n") for r in records)  # the title from datasets.csv
    assert json.loads(json.dumps(records)) == records  # plain JSON, as train.jsonl
