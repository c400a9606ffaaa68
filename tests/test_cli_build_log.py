"""`qa build` says how each file went, in lines a CI log keeps (stderr not a terminal: no bar redraws)."""

from __future__ import annotations

import re
from pathlib import Path

from document_fixtures import pdf_of
from robustness_support import FAKE_MODEL

from qa.engine import Engine


def test_qa_build_prints_one_line_per_file_with_passages_and_pages(fake_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    pdf_of(corpus / "mills.pdf", ["The mill of Arn grinds rye every Monday.", "The mill of Bele grinds oats in May."])
    pdf_of(corpus / "blank.pdf", [""])
    (corpus / "bees.txt").write_text("Honey bees live in hives. The queen lays the eggs.\n", encoding="utf-8")
    built = fake_cli("build", "--corpus", corpus, "--index", index, "--model", FAKE_MODEL)
    assert built.exit_code == 0, built.output
    lines = built.stderr.splitlines()
    assert "\r" not in built.stderr and "Building" in lines  # no redrawn line off a terminal
    store = Engine.open(index, model=FAKE_MODEL, reader=False).index.chunks
    passages = {doc: len(list(store.doc_chunks(doc))) for doc in ("mills.pdf", "bees.txt")}
    per_file = [line for line in lines if line.startswith("  ") and ": " in line and "%" not in line]
    assert [re.sub(r"read in \d+\.\d s", "read in T s", line) for line in per_file] == [  # blank.pdf: the warning
        f"  bees.txt: {passages['bees.txt']} passage{'s' if passages['bees.txt'] != 1 else ''}, read in T s",
        f"  mills.pdf: {passages['mills.pdf']} passage{'s' if passages['mills.pdf'] != 1 else ''}, 2 pages, read in T s",
    ]
    assert lines[-1].startswith("Warning: skipped blank.pdf: no text layer and no page image in 1 page(s)")
