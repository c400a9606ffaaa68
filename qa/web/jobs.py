"""Adding uploads to the index in the background, one file at a time, with a status for each file.

The Add handler saves the uploads (every admission check runs first, as before) and hands them to `UploadQueue`;
its one worker thread indexes each saved file in a build of its own (`EngineHolder.rebuild(new_files={file})`),
so questions are answered from the index as it was until that file's generation is committed and swapped in, a
file says "done" only once it can be found, and a cancelled or failed file leaves the index exactly as the file
before it left it (a build commits atomically; a cancelled one is discarded). A second Add queues behind the
first. The page polls `view()`: each file is queued, reading (page N of M where the extractor knows pages),
embedding (passages K of N), writing the index, done (passages, seconds), refused (why), cancelled or failed;
plus an ETA from the measured rate (bytes indexed per second). No Gradio here.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import threading
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, replace

from ..errors import BuildCancelled, QAError
from ..index.progress import EMBEDDING, INDEXED, READING, WRITING, BuildProgress
from .files import Saved, corpus_file
from .holder import EngineHolder, Rebuilt, indexed_documents, passages_and_pages
from .uploads import shown_name
from .views import esc

log = logging.getLogger(__name__)

QUEUED = "queued"
WRITING_INDEX = "writing"
DONE = "done"
REFUSED = "refused"
CANCELLED = "cancelled"
FAILED = "failed"
FINISHED = frozenset({DONE, REFUSED, CANCELLED, FAILED})
GONE = "no longer in the corpus folder (removed before it was indexed)"
NOT_INDEXED = "the file is saved but not indexed: press Rebuild index to try again"
KEEP_ROWS = 100  # finished rows shown at most (the oldest go first)
# How far along a running file is, by stage, for the ETA only: embedding takes most of a file's time (a 40-page PDF:
# 0.6 s reading, 20 s embedding with the bundled model on 2 cores), reading a little, writing the index the end.
_READ_SHARE, _EMBED_SHARE, _WRITE_AT = 0.1, 0.8, 0.9


@dataclass
class FileStatus:
    """One uploaded file: `name` in the corpus folder (the upload's name when it was refused before saving)."""

    number: int
    name: str
    size: int = 0
    state: str = QUEUED
    done: int = 0
    total: int = 0
    passages: int = 0
    pages: int = 0
    seconds: float = 0.0
    reason: str = ""
    began: float = 0.0

    @property
    def finished(self) -> bool:
        return self.state in FINISHED

    def fraction(self) -> float:
        """How much of this file's work is done (0..1), judged by its stage."""
        if self.state == READING:
            return _READ_SHARE * self.done / self.total if self.total else 0.0
        if self.state == EMBEDDING:
            return _READ_SHARE + _EMBED_SHARE * self.done / max(self.total, 1)
        if self.state == WRITING_INDEX:
            return _WRITE_AT
        return 1.0 if self.finished else 0.0

    def describe(self) -> str:
        """The status as the page shows it."""
        if self.state == READING:
            return f"reading page {self.done} of {self.total}" if self.total else "reading"
        if self.state == EMBEDDING:
            return f"embedding passages {self.done:,} of {self.total:,}"
        if self.state == WRITING_INDEX:
            return "writing the index"
        if self.state == DONE:
            pages = f" from {self.pages:,} page{'s' if self.pages != 1 else ''}" if self.pages else ""
            passages = f"{self.passages:,} passage{'s' if self.passages != 1 else ''}"
            return f"done: {passages}{pages}, {self.seconds:.1f} s"
        if self.state in (REFUSED, FAILED, CANCELLED) and self.reason:
            return f"{self.state}: {self.reason}"
        return self.state


@dataclass(frozen=True)
class QueueView:
    """A snapshot for the page. `finished` counts files whose indexing ended (the page refreshes the index status
    and the document list when it changes); `eta` is None until a rate is measured."""

    files: tuple[FileStatus, ...]
    busy: bool
    eta: float | None
    rate: float | None  # bytes per second
    finished: int

    @property
    def left(self) -> int:
        return sum(not f.finished for f in self.files)


class UploadQueue:
    """Saved uploads waiting to be indexed, and the one thread that indexes them in order."""

    def __init__(self, holder: EngineHolder, keep: int = KEEP_ROWS) -> None:
        self.holder = holder
        self._keep = keep
        self._lock = threading.Condition()
        self._files: list[FileStatus] = []
        self._waiting: deque[FileStatus] = deque()
        self._running: FileStatus | None = None
        self._stop_running = False
        self._closed = False
        self._numbers = itertools.count(1)
        self._finished = 0
        self._measured = (0.0, 0.0)  # bytes and seconds of the files indexed so far
        self._thread = threading.Thread(target=self._work, name="qa-uploads", daemon=True)
        self._thread.start()

    # ------------------------------------------------ called by the page

    def submit(self, saved: Sequence[Saved]) -> list[FileStatus]:
        """Queue the saved files (a refused one is listed as refused with its reason); returns their rows."""
        rows = []
        with self._lock:
            for item in saved:
                row = FileStatus(next(self._numbers), item.name or shown_name(item.upload))
                if item.name is None:
                    row.state, row.reason = REFUSED, item.reason or "refused"
                else:
                    with contextlib.suppress(OSError):
                        row.size = (self.holder.corpus_dir / item.name).stat().st_size
                    self._waiting.append(row)
                self._files.append(row)
                rows.append(replace(row))
            self._trim()
            self._lock.notify_all()
        return rows

    def cancel(self) -> int:
        """Cancel every queued file (deleted from the corpus folder) and stop the running one at its build's next
        safe point; returns how many files that concerns."""
        with self._lock:
            dropped = list(self._waiting)
            self._waiting.clear()
            for row in dropped:
                self._delete(row.name)
                row.state = CANCELLED
            self._finished += bool(dropped)
            running = self._running is not None and not self._stop_running
            self._stop_running = self._running is not None
            return len(dropped) + running

    def view(self) -> QueueView:
        with self._lock:
            eta, rate = self._eta()
            busy = self._running is not None or bool(self._waiting)
            return QueueView(tuple(replace(f) for f in self._files), busy, eta, rate, self._finished)

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no file is queued or running (tests, shutdown); False on timeout."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while self._running is not None or self._waiting:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._lock.wait(left)
        return True

    def close(self, timeout: float = 60.0) -> None:
        """Stop the worker: queued files stay in the corpus folder (the next rebuild indexes them)."""
        with self._lock:
            self._closed = True
            self._stop_running = self._running is not None
            self._lock.notify_all()
        self._thread.join(timeout)

    # ------------------------------------------------ the worker

    def _work(self) -> None:
        while True:
            with self._lock:
                while not self._waiting and not self._closed:
                    self._lock.wait()
                if self._closed:
                    return
                row = self._waiting.popleft()
                self._running, self._stop_running = row, False
                row.state, row.began = READING, time.perf_counter()
            state, (passages, pages), reason = self._index(row)
            with self._lock:
                row.state, row.passages, row.pages, row.reason = state, passages, pages, reason
                row.seconds = time.perf_counter() - row.began
                if state in (DONE, REFUSED):
                    self._measured = (self._measured[0] + row.size, self._measured[1] + row.seconds)
                self._running = None
                self._finished += 1
                self._lock.notify_all()

    def _index(self, row: FileStatus) -> tuple[str, tuple[int, int], str]:
        """Index one saved file in a build of its own: (state, (passages, pages), reason)."""
        if corpus_file(self.holder.corpus_dir, row.name) is None:
            return CANCELLED, (0, 0), GONE
        try:
            rebuilt = self.holder.rebuild(
                on_event=lambda event: self._heard(row, event),
                should_stop=lambda: self._stop_asked(row),
                new_files={row.name},
                wait=True,
            )
        except BuildCancelled:
            with self._lock:
                self._delete(row.name)
            return CANCELLED, (0, 0), ""
        except QAError as exc:
            return FAILED, (0, 0), f"{exc}; {NOT_INDEXED}"
        except Exception as exc:  # noqa: BLE001 - one file must not stop the files queued after it
            log.exception("indexing %s failed", row.name)
            first = (str(exc).strip().splitlines() or [""])[0][:160]
            return FAILED, (0, 0), f"indexing failed unexpectedly ({type(exc).__name__}: {first}); {NOT_INDEXED}"
        return outcome(row.name, rebuilt, self.holder)

    def _heard(self, row: FileStatus, event: BuildProgress) -> None:
        """A build event: this file's reading or embedding progress, or the build writing the index."""
        with self._lock:
            if event.file == "" and event.stage == WRITING:
                row.state = WRITING_INDEX
            elif event.file == row.name and event.stage in (READING, EMBEDDING, INDEXED):
                row.state = READING if event.stage == READING else EMBEDDING
                row.done, row.total = event.done, event.total

    def _stop_asked(self, row: FileStatus) -> bool:
        with self._lock:
            return self._stop_running and self._running is row

    def _delete(self, name: str) -> None:
        """Delete a saved upload that will not be indexed (only a document inside the corpus folder)."""
        path = corpus_file(self.holder.corpus_dir, name)
        if path is not None:
            with contextlib.suppress(OSError):
                path.unlink()

    def _eta(self) -> tuple[float | None, float | None]:
        """Seconds left for the queued and running files, and the measured rate (bytes per second): the files
        indexed so far plus the running file's part done."""
        done_bytes, seconds = self._measured
        left = float(sum(row.size for row in self._waiting))
        running = self._running
        if running is not None:
            part = running.fraction()
            done_bytes += running.size * part
            seconds += time.perf_counter() - running.began
            left += running.size * (1 - part)
        rate = done_bytes / seconds if done_bytes > 0 and seconds > 0 else None
        if running is None and not self._waiting:
            return None, rate
        return (left / rate if rate else None), rate

    def _trim(self) -> None:
        extra = len(self._files) - self._keep
        if extra > 0:
            old = {id(row) for row in [r for r in self._files if r.finished][:extra]}
            self._files = [row for row in self._files if id(row) not in old]


def outcome(name: str, rebuilt: Rebuilt, holder: EngineHolder) -> tuple[str, tuple[int, int], str]:
    """What became of a file after its build: refused by the build (with the reason), or done with its passages
    and pages."""
    skipped = {s.path: s.reason for s in rebuilt.report.skipped}
    if name in skipped:
        return REFUSED, (0, 0), skipped[name]
    engine = holder.engine
    if name not in indexed_documents(engine.index.manifest):
        return CANCELLED, (0, 0), GONE
    return DONE, passages_and_pages(engine, {name}), ""


# ---------------------------------------------------------------- the status panel


def duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    return f"{seconds // 60} min {seconds % 60} s" if seconds >= 60 else f"{seconds} s"


def summary_line(view: QueueView) -> str:
    if not view.busy:
        return "Nothing is being indexed."
    left = f"{view.left} file{'s' if view.left != 1 else ''} left"
    if view.eta is None or view.rate is None:
        return f"{left}; the time left is known once the first part is read"
    return f"{left}; about {duration(view.eta)} to go (at {view.rate / 1024:,.0f} KB/s measured)"


def queue_html(view: QueueView) -> str:
    """The upload status panel: a summary line, then one row per file (escaped)."""
    if not view.files:
        return ""
    rows = "".join(
        f'<tr class="qa-job" data-file="{esc(f.name)}" data-state="{esc(f.state)}"><td class="qa-job-name">'
        f'{esc(f.name)}</td><td class="qa-job-state">{esc(f.describe())}</td></tr>'
        for f in view.files
    )
    return (
        f'<div class="qa-jobs" role="status" data-busy="{str(view.busy).lower()}">'
        f'<p class="qa-jobs-summary">{esc(summary_line(view))}</p>'
        f'<table class="qa-status qa-jobs-table"><thead><tr><th>File</th><th>Status</th></tr></thead>'
        f"<tbody>{rows}</tbody></table></div>"
    )
