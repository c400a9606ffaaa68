"""Dense index: FAISS over passage vectors, exact below a size threshold and IVF with 8-bit scalar
quantization above it, ids = chunk ids (so passages can be added and removed in place).

Measured on this 2-core machine at 1 M passages: exact search 300 ms a question; IVF4096,SQ8 ~0.4 GB, and
~6 ms for the 200 candidates of a hybrid question at nprobe 512. `nprobe` (IVF) and `efSearch` (HNSW) are
query settings; `nprobe = nlist` searches every list, which returns what exact search returns (a test holds
us to it).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import numpy as np

from ..options import IndexType

if TYPE_CHECKING:
    import faiss

INDEX_TYPES = IndexType.values()
TRAIN_POINTS_PER_LIST = 40  # FAISS warns under 39 training points per list


def resolve_type(index_type: str, passages: int, ann_threshold: int) -> str:
    """'auto' becomes 'flat' under the threshold and 'ivf' at or above it."""
    if index_type == "auto":
        return "ivf" if passages >= ann_threshold else "flat"
    return index_type


def ivf_lists(passages: int) -> int:
    """About 4·√N lists, a power of two (FAISS's guideline is 4–16·√N). At 1 M stand-in passages, searching the
    same share of the passages finds more of the true top 10 the more lists there are (1/8 of them: recall@10
    0.95 with 1024 lists, 0.99 with 4096), at the same cost a question; training 4096 lists costs ~100 CPU s
    more than 1024 (benchmarks/README.md, scale.py)."""
    lists = min(65536, max(16, 2 ** round(math.log2(max(4 * math.sqrt(passages), 1)))))
    return int(max(1, min(lists, passages // TRAIN_POINTS_PER_LIST)))  # enough training points for every list


def build_dense(
    kind: str,
    dimension: int,
    passages: int,
    sample: Callable[[int], np.ndarray],
    batches: Iterator[tuple[np.ndarray, np.ndarray]],
) -> faiss.Index:
    """A new index of `kind` filled from (ids, vectors) batches; IVF is first trained on `sample(n)` vectors."""
    import faiss

    if kind == "flat":
        index = faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))
    elif kind == "hnsw":
        index = faiss.IndexIDMap2(faiss.IndexHNSWFlat(dimension, 32, faiss.METRIC_INNER_PRODUCT))
    elif kind == "ivf":
        lists = ivf_lists(passages)
        index = faiss.index_factory(dimension, f"IVF{lists},SQ8", faiss.METRIC_INNER_PRODUCT)
        index.train(np.ascontiguousarray(sample(min(passages, TRAIN_POINTS_PER_LIST * lists)), dtype=np.float32))
    else:
        raise ValueError(f"index type '{kind}' is not one of {', '.join(INDEX_TYPES)}")
    for ids, vectors in batches:
        index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), ids.astype(np.int64))
    return index


def approximate(index: faiss.Index) -> bool:
    """IVF and HNSW indexes return approximate neighbours (a flat index is exact)."""
    import faiss

    inner = _inner(index)
    return isinstance(inner, (faiss.IndexIVF, faiss.IndexHNSW))


def supports_removal(index: faiss.Index) -> bool:
    """HNSW graphs cannot drop points: an update that removes passages rebuilds them from stored vectors."""
    import faiss

    inner = _inner(index)
    return not isinstance(inner, faiss.IndexHNSW)


def remove_ids(index: faiss.Index, ids: list[int]) -> None:
    import faiss

    if ids:
        index.remove_ids(faiss.IDSelectorBatch(np.asarray(ids, dtype=np.int64)))


def add(index: faiss.Index, ids: np.ndarray, vectors: np.ndarray) -> None:
    index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), ids.astype(np.int64))


def describe(index: faiss.Index) -> dict[str, object]:
    """What the manifest records about the dense index."""
    import faiss

    inner = _inner(index)
    if isinstance(inner, faiss.IndexIVF):
        return {
            "type": "ivf",
            "factory": f"IVF{inner.nlist},SQ8",
            "nlist": int(inner.nlist),
            "trained_on": int(index.ntotal),
        }
    if isinstance(inner, faiss.IndexHNSW):
        return {"type": "hnsw", "M": 32}
    return {"type": "flat"}


def search(index: faiss.Index, query: np.ndarray, k: int, *, nprobe: int, ef_search: int) -> list[tuple[int, float]]:
    """The k nearest passages by inner product, (chunk id, score), best first."""
    import faiss

    if k <= 0 or index.ntotal == 0:
        return []
    inner = _inner(index)
    params = None
    if isinstance(inner, faiss.IndexFlat):
        _on_this_thread_only()
    if isinstance(inner, faiss.IndexIVF):
        params = faiss.SearchParametersIVF(nprobe=min(nprobe, inner.nlist))
    elif isinstance(inner, faiss.IndexHNSW):
        params = faiss.SearchParametersHNSW(efSearch=max(ef_search, k))
    scores, ids = index.search(query[None, :].astype(np.float32), min(k, index.ntotal), params=params)
    return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i >= 0]


def _inner(index: faiss.Index) -> faiss.Index:
    """The index under the id map, as its own FAISS class (IVF, HNSW or flat)."""
    import faiss

    return faiss.downcast_index(index.index if isinstance(index, faiss.IndexIDMap2) else index)


_threads = threading.local()


def _on_this_thread_only() -> None:
    """One exact query gains nothing from FAISS's OpenMP team and pays for waking it: p95 8 ms against 0.013 ms on
    one thread for a 97-passage index on the busy 2-core machine (measured). OpenMP's thread count is a setting of
    the calling thread, so this changes only the thread that searches (once), not the process."""
    if not getattr(_threads, "single", False):
        import faiss

        faiss.omp_set_num_threads(1)
        _threads.single = True
