"""Process-wide settings, made once by an entry point (the CLI, app.py, a benchmark), never by a constructor.

Library code (an `Engine`, a build) changes nothing process-wide: thread pools and the environment belong to
whoever owns the process.
"""

from __future__ import annotations

import sys


def blas_on_calling_thread() -> None:
    """Run BLAS on the calling thread, for the rest of the process (once is enough).

    A question's products are small (a few hundred stored vectors · the question). OpenBLAS hands each to its
    helper threads, which then spin for a while: on a busy 2-core machine every other step of the question waits
    for a core (at 1 M passages, hybrid p50 40 → 24 ms and half the CPU; benchmarks/README.md). The results
    are the single-threaded kernel's, which the 2-thread one matches on our gold sets to 9 decimals. A BLAS
    threaded by OpenMP (FAISS's) is left alone: its thread count is OpenMP's, which FAISS's own search uses."""
    from threadpoolctl import ThreadpoolController

    for pool in ThreadpoolController().select(user_api="blas").lib_controllers:
        if pool.info().get("threading_layer") != "openmp" and pool.num_threads != 1:
            pool.set_num_threads(1)


def configure_runtime(threads: int | None = None) -> None:
    """Size the native thread pools once, at start-up: numpy's BLAS on the calling thread and, with `threads`,
    FAISS's OpenMP pool (and torch's, when torch is already in use: never imported for this). A server's
    concurrency comes from its request queue; several workers each running a pool oversubscribe a small CPU."""
    blas_on_calling_thread()
    if threads is None:
        return
    import faiss

    faiss.omp_set_num_threads(max(1, threads))
    if "torch" in sys.modules:  # the ONNX runtimes do not need it
        sys.modules["torch"].set_num_threads(max(1, threads))
