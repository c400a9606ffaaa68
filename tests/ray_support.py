"""Encoders a Ray worker can build in the Ray tests (this module is importable on workers via PYTHONPATH).

`LoggedHashEncoder` is the conftest HashEncoder that, on every model call, appends "<pid> <texts>" to the file
named by QA_TEST_ENCODE_LOG and sleeps QA_TEST_ENCODE_SLEEP seconds, so a test can see which process embedded
how much, and has time to kill a build or a worker in the middle of it.
"""

from __future__ import annotations

import os
import time

import numpy as np
from conftest import HashEncoder


class LoggedHashEncoder(HashEncoder):
    def __init__(self) -> None:
        super().__init__()
        pids = os.environ.get("QA_TEST_PID_FILE")
        if pids:
            with open(pids, "a", encoding="utf-8") as fh:
                fh.write(f"{os.getpid()}\n")

    def encode(self, texts: list[str], *, batch_size: int = 64, progress: bool = False) -> np.ndarray:
        vectors = super().encode(texts, batch_size=batch_size, progress=progress)
        time.sleep(float(os.environ.get("QA_TEST_ENCODE_SLEEP", "0")))
        log = os.environ.get("QA_TEST_ENCODE_LOG")
        if log:
            with open(log, "a", encoding="utf-8") as fh:
                fh.write(f"{os.getpid()} {len(texts)}\n")
        return vectors


def encoded(log: str) -> list[tuple[int, int]]:
    """(pid, texts) of every model call logged so far."""
    if not os.path.exists(log):
        return []
    with open(log, encoding="utf-8") as fh:
        return [(int(a), int(b)) for a, b in (line.split() for line in fh if line.strip())]
