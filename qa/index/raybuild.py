"""Embed a corpus on a Ray cluster into the index's content-addressed embedding store (`qa build --ray`).

Embedding is the part of a build that outgrows one machine, so only it is distributed. The driver lists the
files; a Ray Data pipeline reads, parses and chunks them (a map over file paths, on any node), drops passages
whose embedding is already stored, and embeds the rest with `map_batches` over an actor pool whose actors load
the model once (one GPU each when the cluster has GPUs). The vectors come back to the driver, which commits
them to the same store a local build uses, one batch at a time: a killed build, or a worker that dies and
exhausts its retries, loses at most the batches in flight, and the next run embeds only the rest. The driver
then runs the ordinary local build, which finds every passage in the store and embeds nothing, so the index
equals a local build of the same corpus by construction.

Workers read the corpus themselves: the corpus folder must be readable at the same path on every node (NFS or
a synced copy), as for any Ray Data file source; the driver does not ship the text. The embedding store stays
in the index folder on the driver. Ray is imported only here, and only when a build asks for it.
"""

from __future__ import annotations

import logging
import os
import pickle
import socket
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import IndexLocked, QAError
from ..models.encoder import Encoder
from .build import BATCH_PASSAGES, BuildReport, ProgressFn, build
from .config import BuildConfig
from .embedcache import EmbeddingCache, cache_path
from .embedding import embed_chunks, embed_key
from .generations import current_generation
from .manifest import FolderSource
from .sources import Source, unchanged
from .writer import compatible_manifest

log = logging.getLogger(__name__)
INSTALL_HINT = "pip install 'qa-retrieval[ray]' (or pip install 'ray[data]')"
MARK = "QA-RAY-ERROR: "  # a worker's one-line error, found again in the exception Ray raises on the driver


@dataclass(frozen=True)
class RayReport:
    address: str
    workers: int
    gpus: bool
    files: int  # files sent to the cluster (unchanged files of the previous generation are not)
    embedded: int  # passages embedded on the cluster and committed to the store
    seconds: float
    startup_seconds: float  # connecting (or starting) Ray, before the first batch is asked for


class ModelFactory:
    """Loads the configured model on a worker (picklable; the model must be installed on every node)."""

    def __init__(self, model: str, runtime: str, device: str = "cpu") -> None:
        self.model, self.runtime, self.device = model, runtime, device

    def __call__(self) -> Encoder:
        from ..models.encoder import load_encoder
        from ..models.torch_runtime import SentenceTransformerEncoder

        if self.runtime == "torch":  # on a GPU node, torch puts the model on the GPU
            return SentenceTransformerEncoder(self.model, device=self.device)
        return load_encoder(self.model, runtime=self.runtime)  # exported on the node on first use


def _worker_error(message: str) -> RuntimeError:
    return RuntimeError(f"{MARK}{message} (node {socket.gethostname()})")


def _chunk_files(batch: dict[str, np.ndarray], *, root: str, config: BuildConfig, known: np.ndarray) -> dict[str, list]:
    """Ray map over file rows: read, chunk, and keep the passages whose key is not in `known`."""
    from ..ingest.chunk import chunk_document
    from ..ingest.load import read_document

    root_path = Path(root)
    if not root_path.is_dir():
        raise _worker_error(
            f"corpus folder '{root}' is not readable on this node; put the corpus on storage every "
            "node mounts at the same path"
        )
    root_real = root_path.resolve()
    out: dict[str, list] = {"key": [], "chunk": [], "cost": []}
    for doc_id, path, cost in zip(batch["doc"], batch["path"], batch["cost"]):
        try:
            doc = read_document(
                root_path,
                str(doc_id),
                Path(os.fsdecode(bytes(path))),
                max_file_bytes=config.max_file_bytes,
                root_real=root_real,
            )
            chunks = chunk_document(doc, config.chunking)
        except Exception:  # noqa: BLE001 - UnreadableFile or a chunker error: the local build that follows reads
            continue  # the file again and reports why it is skipped
        for chunk in chunks:
            key = embed_key(chunk, config.sentence_vectors)
            if _known(known, key):
                continue
            out["key"].append(key)
            out["chunk"].append(pickle.dumps(chunk))
            out["cost"].append(float(cost) / len(chunks))
    return out


def key_prefix(key: str) -> int:
    """The first 64 bits of a hex key: a compact set of stored keys to ship to workers. A collision only makes a
    passage look stored; the local build then embeds it itself, so the index stays right."""
    return int(key[:16], 16)


def _known(known: np.ndarray, key: str) -> bool:
    prefix = np.uint64(key_prefix(key))
    i = int(np.searchsorted(known, prefix))
    return i < len(known) and known[i] == prefix


class Embedder:
    """Ray actor: loads the encoder once, then turns batches of pickled chunks into float16 vectors."""

    def __init__(self, factory: Callable[[], Encoder], method: str, threads: int) -> None:
        import sys

        try:
            self.encoder = factory()
            if "torch" in sys.modules:  # the torch runtime: one pool per actor, sized once
                sys.modules["torch"].set_num_threads(max(1, threads))
        except Exception as exc:  # noqa: BLE001 - any failure to load the model is this one error
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise _worker_error(
                f"cannot load the embedding model on this node ({first[:200]}); install the model "
                "(and qa-retrieval) on every node"
            ) from None
        self.method = method

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, list]:
        chunks = [pickle.loads(bytes(b)) for b in batch["chunk"]]
        vectors = embed_chunks(self.encoder, chunks, self.method)
        return {
            "key": list(batch["key"]),
            "rows": [int(v.shape[0]) for v in vectors],
            "data": [np.asarray(v, dtype=np.float16).tobytes() for v in vectors],
            "cost": list(batch["cost"]),
        }


def connect(address: str):  # type: ignore[no-untyped-def]
    """Ray, connected to `address` ('auto', 'host:port', 'ray://host:port', or 'local' for a private local Ray).
    Returns (ray, started): `started` when this call initialized Ray (and so must shut it down)."""
    try:
        import ray
    except ImportError:
        raise QAError(f"--ray needs Ray, which is not installed; {INSTALL_HINT}") from None
    if ray.is_initialized():
        return ray, False
    problem = _unreachable(address)
    if problem:
        raise QAError(
            f"cannot reach the Ray cluster at '{address}' ({problem}); start one with `ray start --head` and "
            "pass its address (or `auto` on a node of the cluster)"
        )
    try:
        ray.init(
            address=None if address == "local" else address,
            logging_level=logging.WARNING,
            log_to_driver=False,
            include_dashboard=False,
            configure_logging=False,
        )
    except (ConnectionError, RuntimeError, ValueError, TimeoutError) as exc:
        first = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else type(exc).__name__
        raise QAError(
            f"cannot reach the Ray cluster at '{address}' ({first}); start one with `ray start --head` and "
            "pass its address (or `auto` on a node of the cluster)"
        ) from None
    return ray, True


def _unreachable(address: str, timeout: float = 5.0) -> str | None:
    """Why the cluster's head cannot be reached, else None: `ray.init` would retry an unreachable address for
    minutes, printing a warning every few seconds, so the head's port is probed first."""
    if address == "local":
        return None
    target: str | None = address.removeprefix("ray://")
    if address == "auto":
        try:
            from ray._private.services import canonicalize_bootstrap_address

            target = canonicalize_bootstrap_address("auto")
        except Exception:  # noqa: BLE001 - private API: when it fails, ray.init reports the problem itself
            return None
        if target is None:
            return "no running Ray cluster found from this machine"
    host, _, port = (target or "").rpartition(":")
    if not host or not port.isdigit():
        return f"'{target}' is not host:port"
    try:
        socket.create_connection((host, int(port)), timeout=timeout).close()
    except OSError as exc:
        return f"{host}:{port} does not answer: {exc.strerror or type(exc).__name__}"
    return None


def _check_unlocked(index_dir: Path) -> None:
    """Refuse before using the cluster when another build holds the index (the local build would refuse later)."""
    from filelock import FileLock, Timeout

    if not index_dir.is_dir():
        return
    lock = FileLock(str(index_dir / ".lock"), timeout=0)
    try:
        lock.acquire()
        lock.release()
    except Timeout:
        raise IndexLocked(
            f"another build is running on '{index_dir}' (lock {index_dir / '.lock'}); wait for it to finish"
        ) from None


def _stored_prefixes(cache: EmbeddingCache) -> np.ndarray:
    return np.sort(np.fromiter((key_prefix(k) for k in cache.keys()), dtype=np.uint64))  # noqa: SIM118 - a store, not a dict


@dataclass(frozen=True)
class _Cluster:
    """How a Ray build uses the cluster: embedding actors, their CPUs each, and whether they have GPUs."""

    workers: int
    gpus: bool
    actor_cpus: float


def _cluster(ray, workers: int | None) -> _Cluster:  # type: ignore[no-untyped-def]
    resources = ray.cluster_resources()
    gpus = int(resources.get("GPU", 0))
    cpus = float(resources.get("CPU", 1))
    count = workers or (gpus if gpus else max(1, int(cpus) - 1))
    # CPU actors share the cluster's CPUs with the chunking tasks, which always keep half a CPU
    return _Cluster(count, bool(gpus), 1.0 if gpus else max(0.1, min(1.0, (cpus - 0.5) / count)))


def _dataset(
    todo: Sequence[Source],
    root: Path,
    config: BuildConfig,
    known: np.ndarray,
    cluster: _Cluster,
    factory: Callable[[], Encoder],
    batch_size: int,
):  # type: ignore[no-untyped-def]
    """The Ray Data pipeline: file rows → read and chunk (tasks) → embed (an actor pool) → vectors."""
    import ray.data

    root = root.resolve()  # workers run elsewhere: absolute paths, and read_document wants paths under root
    rows = [{"doc": s.id, "path": os.fsencode(root / s.id), "cost": float(s.cost)} for s in todo]
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False
    logging.getLogger("ray.data").setLevel(logging.ERROR)  # no per-dataset lines on the user's terminal
    files_per_task = max(1, min(64, len(rows) // (4 * cluster.workers)))  # several tasks per actor, bounded work each
    ds = ray.data.from_items(rows, override_num_blocks=max(1, len(rows) // files_per_task))
    ds = ds.map_batches(
        _chunk_files,
        batch_size=files_per_task,
        num_cpus=0.5,
        fn_kwargs={"root": str(root), "config": config, "known": known},
    )
    return ds.map_batches(
        Embedder,
        batch_size=batch_size,
        compute=ray.data.ActorPoolStrategy(size=cluster.workers),
        fn_constructor_kwargs={
            "factory": factory,
            "method": config.sentence_vectors,
            "threads": int(cluster.actor_cpus) if not cluster.gpus else 1,
        },
        num_cpus=cluster.actor_cpus,
        num_gpus=1 if cluster.gpus else 0,
    )  # Ray Data retries


@dataclass
class _Stored:
    """Vectors committed to the embedding store so far (kept by a killed build)."""

    passages: int = 0
    cost: float = 0.0


def _store_batches(ds, cache: EmbeddingCache, dimension: int, stored: _Stored, report: Callable[[float], None]) -> None:  # type: ignore[no-untyped-def]
    for batch in ds.iter_batches(batch_size=None, batch_format="numpy", prefetch_batches=1):
        items = {
            str(k): np.frombuffer(bytes(d), dtype=np.float16).reshape(int(n), dimension)
            for k, n, d in zip(batch["key"], batch["rows"], batch["data"])
        }
        cache.put_many(items)  # committed: a kill from here on keeps this batch
        stored.passages += len(items)
        stored.cost += float(np.sum(batch["cost"]))
        report(stored.cost)


def embed_on_ray(
    sources: Sequence[Source],
    root: Path,
    index_dir: Path,
    encoder: Encoder,
    config: BuildConfig,
    *,
    address: str = "auto",
    workers: int | None = None,
    factory: Callable[[], Encoder] | None = None,
    batch_size: int = BATCH_PASSAGES,
    wait_for_lock: bool = False,
    on_progress: Callable[[float, str], None] | None = None,
) -> RayReport:
    """Embed every passage of `sources` missing from the index's embedding store on the Ray cluster at `address`."""
    began = time.perf_counter()
    if not wait_for_lock:
        _check_unlocked(index_dir)
    previous = compatible_manifest(current_generation(index_dir), config, encoder) if index_dir.is_dir() else None
    files = previous.files if previous else {}
    todo = [s for s in sources if not unchanged(s, files.get(s.id))]  # unchanged files are carried over, not read
    ray, started = connect(address)
    try:
        cluster = _cluster(ray, workers)
        factory = factory or ModelFactory(config.model, config.runtime, "cuda" if cluster.gpus else "cpu")
        startup = time.perf_counter() - began
        cache = EmbeddingCache(
            cache_path(index_dir, config.model, config.runtime, config.sentence_vectors), encoder.dimension
        )
        stored = _Stored()
        total_cost = sum(float(s.cost) for s in todo) or 1.0

        def report(done_cost: float) -> None:
            if on_progress:
                elapsed = max(time.perf_counter() - began, 1e-6)
                on_progress(
                    min(1.0, done_cost / total_cost),
                    f"Ray: {stored.passages} passages embedded by "
                    f"{cluster.workers} workers, {stored.passages / elapsed:.0f} passages/s",
                )

        try:
            known = _stored_prefixes(cache)
            if not todo:
                return RayReport(address, cluster.workers, cluster.gpus, 0, 0, time.perf_counter() - began, startup)
            ds = _dataset(todo, root, config, known, cluster, factory, batch_size)
            _store_batches(ds, cache, encoder.dimension, stored, report)
        except QAError:
            raise
        except Exception as exc:  # noqa: BLE001 - whatever Ray raises becomes one line that says what is kept
            raise _driver_error(exc, stored.passages, address) from None
        finally:
            cache.close()
        return RayReport(
            address, cluster.workers, cluster.gpus, len(todo), stored.passages, time.perf_counter() - began, startup
        )
    finally:
        if started:
            ray.shutdown()


def _driver_error(exc: BaseException, embedded: int, address: str) -> QAError:
    text = str(exc)
    kept = (
        f"the {embedded} passages embedded so far are kept in the index's embedding store; run the same "
        "command again to resume"
    )
    if MARK in text:
        message = text.split(MARK, 1)[1].splitlines()[0]
        return QAError(f"{message}; {kept}")
    name = type(exc).__name__
    first = text.strip().splitlines()[0][:160] if text.strip() else name
    if "No module named" in text:
        missing = text.split("No module named", 1)[1].split()[0].strip("'\"")
        return QAError(
            f"a Ray worker cannot import '{missing}'; install qa-retrieval (same version) on every node; {kept}"
        )
    if "Died" in name or "Crashed" in name or "died" in text or "Unavailable" in name:
        return QAError(f"a Ray worker or node died and the build could not go on ({name}); {kept}")
    return QAError(f"the Ray build on '{address}' failed ({name}: {first}); {kept}")


def build_with_ray(
    sources: list[Source],
    root: Path,
    index_dir: Path,
    encoder: Encoder,
    config: BuildConfig,
    *,
    address: str,
    workers: int | None = None,
    factory: Callable[[], Encoder] | None = None,
    batch: int = BATCH_PASSAGES,
    on_progress: ProgressFn | None = None,
    wait_for_lock: bool = False,
    **watch: Any,
) -> BuildReport:
    """Embed on the Ray cluster at `address` into the index's embedding store, then run the local build (which
    finds every passage stored and embeds nothing); `factory` makes the encoder on a worker (default: load
    `config.model` there). `watch` (`on_event`, `should_stop`, `new_files`) goes to the local build."""
    progress = on_progress or (lambda fraction, message: None)
    ray = embed_on_ray(
        sources,
        root,
        index_dir,
        encoder,
        config,
        address=address,
        workers=workers,
        factory=factory,
        batch_size=batch,
        wait_for_lock=wait_for_lock,
        on_progress=lambda f, m: progress(0.8 * f, m),
    )
    built_with = {
        "ray": address,
        "workers": ray.workers,
        "gpus": ray.gpus,
        "files_sent": ray.files,
        "embedded_on_ray": ray.embedded,
        "ray_seconds": round(ray.seconds, 3),
    }
    report = build(
        sources,
        index_dir,
        encoder,
        config,
        source=FolderSource(str(root)),
        root=root,
        built_with=built_with,
        on_progress=lambda f, m: progress(0.8 + 0.2 * f, m),
        wait_for_lock=wait_for_lock,
        **watch,
    )
    return replace(
        report,
        embedded=report.embedded + ray.embedded,
        reused=max(0, report.reused - ray.embedded),
        ray_embedded=ray.embedded,
        seconds=report.seconds + ray.seconds,
    )
