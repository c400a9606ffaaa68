"""Where the long tables of a store's documents run, as the reading stage finds their header rows.

A window deep in a sheet of thousands of rows needs the sheet's header row, which lies far above it
(`qa.search.tableheads`). Finding it means reading every row above the window; what one window found serves the
windows below it, which then read only the rows between. A store's documents never change, so what is found
holds for as long as the store is open.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class TableRun:
    """A long table of a document as a window start deep inside it found it: where its first row starts, its
    header row, and the stretch of window starts known to lie inside it (`since` to `through`)."""

    start: int
    header: str
    since: int
    through: int


class TableRuns:
    """The long tables of a store's documents, as the reading stage finds their headers (`qa.search.tableheads`):
    per document, each table by where it starts. Safe to share between threads."""

    def __init__(self) -> None:
        self._runs: dict[str, list[TableRun]] = {}
        self._lock = threading.Lock()

    def nearest(self, doc: str, start: int) -> TableRun | None:
        """The known table of `doc` whose first row starts nearest before `start` (None: none known)."""
        runs = [run for run in self._runs.get(doc, []) if run.start < start]
        return max(runs, key=lambda run: run.start, default=None)

    def note(self, doc: str, run: TableRun) -> None:
        """Record that window starts from `run.since` to `run.through` lie inside the table starting at
        `run.start`, widening what is known of it."""
        with self._lock:
            runs = self._runs.setdefault(doc, [])
            known = next((i for i, old in enumerate(runs) if old.start == run.start), None)
            if known is None:
                runs.append(run)
            else:
                old = runs[known]
                runs[known] = replace(old, since=min(old.since, run.since), through=max(old.through, run.through))
