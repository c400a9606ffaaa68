"""What a build says about each file as it goes, for a status line per file (the `qa build` log, the app's upload
panel): `BuildProgress` events, passed to the build's `on_event` callback on the building thread.

A file's events come in this order: `reading` (pages read of the pages the extractor knows; total 0 when it knows
none: HTML, DOCX, text), then either `skipped` (with the reason) or `embedding` (passages embedded, or found in
the embedding store, of the file's passages: 0 once it is read, then one event per batch) and `indexed` (all its
passages are in the new generation, which is not committed yet). Then one `writing` event for the whole build
(file ""), before the generation is written and made current. A build stopped by its `should_stop` callback raises
`BuildCancelled` at the next safe point (before a file, between batches, before writing) and leaves the index as
it was.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

Stage = Literal["reading", "embedding", "indexed", "skipped", "writing"]
READING: Stage = "reading"
EMBEDDING: Stage = "embedding"
INDEXED: Stage = "indexed"
SKIPPED: Stage = "skipped"
WRITING: Stage = "writing"


@dataclass(frozen=True)
class BuildProgress:
    """One step of one file: `done` of `total` pages (reading) or passages (embedding, indexed); `reason` says why
    a skipped file is not indexed. `file` is the document id ("" for the build's own `writing` step)."""

    file: str
    stage: Stage
    done: int = 0
    total: int = 0
    reason: str = ""


EventFn = Callable[[BuildProgress], None]
StopFn = Callable[[], bool]


def no_event(event: BuildProgress) -> None:
    """The default `on_event`: nobody listens."""


def never_stop() -> bool:
    """The default `should_stop`: the build runs to its end."""
    return False
