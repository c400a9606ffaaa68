"""The package's shape holds: no import cycle, no private name imported across modules, stages in order."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_graph_has_no_cycle_and_follows_the_stages(capsys) -> None:  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("import_graph", ROOT / "benchmarks" / "import_graph.py")
    assert spec is not None and spec.loader is not None
    graph = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(graph)
    code = graph.main()
    out = capsys.readouterr().out
    assert code == 0, out
    assert "no cycle" in out and "private import" not in out and "against the stage order" not in out
