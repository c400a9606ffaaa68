"""Each index file's size and checksum, recorded in the manifest and checked against the files.

A build records every file of the generation it writes (`describe`): its size and CRC-32, read in 1 MB blocks (a
file is never loaded whole). Checks (`damage`) come in two depths:

* opening an index (and `qa status`): every file's size, and the checksum of every file up to
  `CHECKED_AT_OPEN_BYTES` and of `dense.faiss` whatever its size (it is read whole into memory anyway, and is
  checked before FAISS parses it, so damaged bytes are never searched);
* `qa status --verify` and every build, for what it carries over from the previous generation (the hard-linked
  chunk store base, Tantivy's segments, the FAISS index it updates): every checksum. A build that finds damage
  rebuilds the generation from the corpus instead of carrying it forward.

The manifest itself, the generation's `.readers` lock file and Tantivy's lock files are not recorded.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Iterator
from pathlib import Path

from .generations import DENSE, MANIFEST, READERS
from .manifest import IndexFile

BLOCK = 1 << 20
CHECKED_AT_OPEN_BYTES = 64 << 20  # ~50 ms of CRC-32 at most per file; larger files are checked by size at open


def crc32(path: Path) -> str:
    """CRC-32 of a file as 8 hex digits, streamed in 1 MB blocks."""
    value = 0
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(BLOCK), b""):
            value = zlib.crc32(block, value)
    return f"{value:08x}"


def index_files(folder: Path) -> Iterator[tuple[str, Path]]:
    """(name relative to the generation, path) of every recorded file of a generation, sorted."""
    for path in sorted(folder.rglob("*")):
        if path.name in (MANIFEST, READERS) or path.name.endswith(".lock") or not path.is_file():
            continue
        yield path.relative_to(folder).as_posix(), path


def describe(
    folder: Path, carried: dict[str, IndexFile] | None = None, carried_from: Path | None = None
) -> dict[str, IndexFile]:
    """Size and checksum of every file of a generation. A file that is the same file (a hard link) as the one of that
    name in `carried_from`, whose entry `carried` holds (checked by the build), keeps that entry without being read."""
    out = {}
    for name, path in index_files(folder):
        stat = path.stat()
        known = (carried or {}).get(name)
        if (
            known is not None
            and carried_from is not None
            and known.size == stat.st_size
            and _same_file(stat, carried_from / name)
        ):
            out[name] = known
        else:
            out[name] = IndexFile(stat.st_size, crc32(path))
    return out


def _same_file(stat: os.stat_result, other: Path) -> bool:
    try:
        theirs = other.stat()
    except OSError:
        return False
    return (stat.st_ino, stat.st_dev) == (theirs.st_ino, theirs.st_dev)


def damage(folder: Path, recorded: dict[str, IndexFile], *, everything: bool) -> list[str]:
    """How the files of a generation differ from what its manifest recorded, one phrase per file (empty when they
    match): missing files, sizes, then checksums (all of them with `everything`, else the ones opening checks)."""
    problems = []
    for name, entry in recorded.items():
        path = folder / name
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            problems.append(f"{name} is missing")
            continue
        if size != entry.size:
            problems.append(f"{name} has {size:,} bytes, the manifest recorded {entry.size:,}")
        elif everything or name == DENSE or size <= CHECKED_AT_OPEN_BYTES:
            found = crc32(path)
            if found != entry.crc32:
                problems.append(f"{name} has checksum {found}, the manifest recorded {entry.crc32}")
    return problems


def total_bytes(recorded: dict[str, IndexFile]) -> int:
    return sum(entry.size for entry in recorded.values())
