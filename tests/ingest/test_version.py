"""The ingestion code's fingerprint: the same source gives the same one, a changed extractor another."""

from __future__ import annotations

import shutil
from pathlib import Path

from qa.ingest.version import PACKAGE, ingest_fingerprint, source_fingerprint


def test_a_change_to_any_ingestion_file_changes_the_fingerprint(tmp_path: Path) -> None:
    copy = tmp_path / "ingest"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    assert source_fingerprint(copy) == ingest_fingerprint()
    table_rules = copy / "extract" / "blocks.py"
    table_rules.write_text(table_rules.read_text(encoding="utf-8") + "\n# a new rule\n", encoding="utf-8")
    assert source_fingerprint(copy) != ingest_fingerprint()
    (copy / "extract" / "blocks.py").rename(copy / "extract" / "blocks2.py")  # the same bytes under another name
    assert source_fingerprint(copy) != ingest_fingerprint()
