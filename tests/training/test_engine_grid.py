"""training/engine_grid.py: a grid reads each window once and ranks exactly as the reader itself would."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "training" / "engine_grid.py"
FESTIVAL = "The harbour festival chose a blue heron as its emblem, because herons nest along the quay."
MILL = "The mill on the quay was built of oak in 1911 and closed in 1952."


@pytest.fixture(scope="module")
def grid():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("engine_grid", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_cached_reader_reads_each_window_once_and_answers_the_same(grid, real_reader) -> None:  # type: ignore[no-untyped-def]
    cached = grid.CachedReader(real_reader)
    question = "What did the festival choose as its emblem?"
    first = cached.read(question, [FESTIVAL, MILL])
    assert first == real_reader.read(question, [FESTIVAL, MILL])
    assert len(cached.memo) == 2
    again = cached.read(question, [MILL, FESTIVAL, MILL])
    assert again == [first[1], first[0], first[1]]
    assert len(cached.memo) == 2  # nothing read twice
    other = cached.read("When was the mill built?", [MILL])
    assert "1911" in MILL[other[0].start : other[0].end] and len(cached.memo) == 3
    lines = "Shopping list\n\ngreen tea from Lankaran\n\nfresh tomatoes\n"
    breaks = [[i for i, c in enumerate(lines) if c == "\n"]]
    tea = "Where is the green tea from?"
    assert cached.read(tea, [lines], breaks=breaks) == real_reader.read(tea, [lines], breaks=breaks)
    assert cached.read(tea, [lines]) == real_reader.read(tea, [lines])  # other units: read again, not remembered
    assert len(cached.memo) == 5


def test_the_grid_takes_each_margin_as_the_span_margin_unless_span_margins_are_given(grid) -> None:  # type: ignore[no-untyped-def]
    import argparse

    plain = argparse.Namespace(depths="3", weights="10", margins="1,2", span_margins="")
    assert [(r.no_answer_margin, r.span_margin) for r in grid.settings_grid(plain)] == [(1.0, 1.0), (2.0, 2.0)]
    split = argparse.Namespace(depths="3,5", weights="10", margins="1", span_margins="1,3")
    pairs = [(r.depth, r.no_answer_margin, r.span_margin) for r in grid.settings_grid(split)]
    assert pairs == [(3, 1.0, 1.0), (3, 1.0, 3.0), (5, 1.0, 1.0), (5, 1.0, 3.0)]
