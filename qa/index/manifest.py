"""The manifest of an index generation (`manifest.json`): what was built, from what, with what, validated once.

`Manifest.from_json` checks every field a reader relies on and raises `ManifestError` naming the first problem
(`ManifestVersionError` for another format version); after that, readers use typed fields, never a dict.
`to_json` writes the same JSON as before the type existed (FORMAT_VERSION is unchanged), plus `index_files`: each
index file's size and CRC-32 (qa/index/integrity.py). A manifest written before they were recorded has none, and
is read all the same (its files are then checked only against each other, as before). Likewise a file entry's
`ocr_pages` (the pages OCR read, which answers mark "read by OCR") and `ocr_spans` (the same for stretches of a
file without pages): absent means none, as in every index built before OCR existed, so no format bump is needed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..ingest.extract import AttachedPart, part_at
from ..ingest.load import SkippedFile
from .config import FORMAT_VERSION, BuildConfig


class ManifestError(ValueError):
    """A manifest field is missing or of the wrong type; the message names it."""


class ManifestVersionError(ManifestError):
    """The manifest was written by another format version (`found`)."""

    def __init__(self, found: object) -> None:
        super().__init__(f"format version {found!r}")
        self.found = found


@dataclass(frozen=True)
class ModelInfo:
    name: str
    dimension: int
    max_tokens: int
    runtime: str = ""


@dataclass(frozen=True)
class Counts:
    documents: int
    chunks: int
    sentences: int


@dataclass(frozen=True)
class CorpusSource:
    """Where the documents came from: a corpus folder (`kind="folder"`) or a BEIR corpus file (with its hash)."""

    kind: str
    path: str = ""
    sha256: str = ""

    def to_json(self) -> dict[str, str]:
        return {"kind": self.kind, "path": self.path, **({"sha256": self.sha256} if self.sha256 else {})}


def FolderSource(path: str) -> CorpusSource:  # noqa: N802 - reads as a constructor
    return CorpusSource("folder", path)


@dataclass(frozen=True)
class FileEntry:
    """A corpus file as the build saw it: its hash ("" when not read), size and mtime (None when unknown),
    whether its passages are in the index (False: skipped, with the reason in `Manifest.skipped`), and the pages
    whose text OCR read (`ocr_pages`) or, in a file without pages, the stretches of its text OCR read
    (`ocr_spans`, start and end offsets: an e-mail's scanned attachment), and a message's attachments read as
    documents of their own (`attachments`: name, kind, number and stretch of text, so an answer is cited as its
    attachment); each written only when there are some: a manifest without them has none)."""

    sha256: str
    size: int | None = None
    mtime_ns: int | None = None
    indexed: bool = True
    ocr_pages: tuple[int, ...] = ()
    ocr_spans: tuple[tuple[int, int], ...] = ()
    attachments: tuple[AttachedPart, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "sha256": self.sha256,
            "size": self.size,
            "mtime_ns": self.mtime_ns,
            **({} if self.indexed else {"indexed": False}),
            **({"ocr_pages": list(self.ocr_pages)} if self.ocr_pages else {}),
            **({"ocr_spans": [list(span) for span in self.ocr_spans]} if self.ocr_spans else {}),
            **({"attachments": [_attachment_json(part) for part in self.attachments]} if self.attachments else {}),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FileEntry:
        ocr = data.get("ocr_pages")
        pages = tuple(p for p in ocr if _is_count(p)) if isinstance(ocr, list) else ()
        return cls(
            data["sha256"],
            data.get("size"),
            data.get("mtime_ns"),
            bool(data.get("indexed", True)),
            pages,
            _spans(data.get("ocr_spans")),
            _attachments(data.get("attachments")),
        )

    def read_by_ocr(self, page: int | None, offset: int) -> bool:
        """Whether the text at `offset` (on `page`, for a file with pages) was read by OCR."""
        return (page is not None and page in self.ocr_pages) or any(a <= offset < b for a, b in self.ocr_spans)

    def attachment_at(self, offset: int) -> AttachedPart | None:
        """The attachment whose text holds `offset`, or None."""
        return part_at(self.attachments, offset)


@dataclass(frozen=True)
class IndexFile:
    """An index file as the build wrote it: its size in bytes and its CRC-32 (8 hex digits)."""

    size: int
    crc32: str

    def to_json(self) -> dict[str, Any]:
        return {"size": self.size, "crc32": self.crc32}


@dataclass(frozen=True)
class Calibration:
    """How similar unrelated sentences of the corpus look to its model (None: too few sentences to tell)."""

    unrelated_sentence_similarity_p95: float | None = None
    pairs: int = 0

    def to_json(self) -> dict[str, Any]:
        if self.unrelated_sentence_similarity_p95 is None:
            return {}
        return {"unrelated_sentence_similarity_p95": self.unrelated_sentence_similarity_p95, "pairs": self.pairs}


@dataclass(frozen=True)
class Manifest:
    config: BuildConfig
    model: ModelInfo
    counts: Counts
    source: CorpusSource | None = None
    files: dict[str, FileEntry] = field(default_factory=dict)
    skipped: tuple[SkippedFile, ...] = ()
    store_files: tuple[str, ...] = ("store.sqlite",)
    dense: dict[str, Any] = field(default_factory=dict)
    calibration: Calibration = Calibration()
    embedded: int = 0
    built_with: dict[str, Any] = field(default_factory=lambda: {"ray": None})
    built_at: str = ""
    build_seconds: float | None = None
    index_files: dict[str, IndexFile] = field(default_factory=dict)  # {} when written before they were recorded
    reader: str | None = None  # fingerprint of the reader shipped beside the build (its weights' SHA-256, cut)
    reranker: str | None = None  # the same for the reranker
    ingest: str | None = None  # fingerprint of the ingestion code that read the files (`qa.ingest.version`)
    format_version: int = FORMAT_VERSION

    @property
    def indexed_documents(self) -> set[str]:
        """The documents this generation holds: its files, less those skipped at build time."""
        skipped = {s.path for s in self.skipped}
        return {name for name in self.files if name not in skipped}

    def to_json(self) -> dict[str, Any]:
        return {
            "format_version": self.format_version,
            "config": self.config.to_json(),
            "model": {
                "name": self.model.name,
                "dimension": self.model.dimension,
                "max_tokens": self.model.max_tokens,
                "runtime": self.model.runtime,
            },
            "source": self.source.to_json() if self.source else {},
            "files": {name: entry.to_json() for name, entry in self.files.items()},
            "skipped": [{"path": s.path, "reason": s.reason} for s in self.skipped],
            "counts": {
                "documents": self.counts.documents,
                "chunks": self.counts.chunks,
                "sentences": self.counts.sentences,
            },
            "store_files": list(self.store_files),
            "dense": self.dense,
            "calibration": self.calibration.to_json(),
            "embedded": self.embedded,
            "built_with": self.built_with,
            "built_at": self.built_at,
            "build_seconds": self.build_seconds,
            **({"index_files": {n: f.to_json() for n, f in self.index_files.items()}} if self.index_files else {}),
            **({"reader": self.reader} if self.reader else {}),
            **({"reranker": self.reranker} if self.reranker else {}),
            **({"ingest": self.ingest} if self.ingest else {}),
        }

    @classmethod
    def from_json(cls, data: object) -> Manifest:
        """The manifest, or ManifestError naming the first field every reader relies on that is wrong."""
        if not isinstance(data, dict) or data.get("format_version") != FORMAT_VERSION:
            raise ManifestVersionError(data.get("format_version") if isinstance(data, dict) else None)
        problem = _problem(data)
        if problem:
            raise ManifestError(problem)
        model, counts, source = data["model"], data["counts"], data.get("source") or {}
        calibration = data.get("calibration") or {}
        return cls(
            config=BuildConfig.from_json(data["config"]),
            model=ModelInfo(model["name"], model["dimension"], model["max_tokens"], model.get("runtime", "")),
            counts=Counts(counts["documents"], counts["chunks"], counts["sentences"]),
            source=CorpusSource(source.get("kind", ""), source.get("path", ""), source.get("sha256", ""))
            if source
            else None,
            files={name: FileEntry.from_json(entry) for name, entry in data.get("files", {}).items()},
            skipped=tuple(SkippedFile(s.get("path"), s.get("reason")) for s in data.get("skipped", [])),
            store_files=tuple(data.get("store_files", ["store.sqlite"])),
            dense=dict(data.get("dense") or {}),
            calibration=Calibration(calibration.get("unrelated_sentence_similarity_p95"), calibration.get("pairs", 0)),
            embedded=int(data.get("embedded", 0)),
            built_with=dict(data.get("built_with") or {"ray": None}),
            built_at=data.get("built_at", ""),
            build_seconds=data.get("build_seconds"),
            index_files={name: IndexFile(f["size"], f["crc32"]) for name, f in data.get("index_files", {}).items()},
            reader=_optional_text(data, "reader"),
            reranker=_optional_text(data, "reranker"),
            ingest=_optional_text(data, "ingest"),
        )


def _optional_text(data: dict[str, Any], key: str) -> str | None:
    """A fingerprint field: its text, or None when it is absent or not text (an older or damaged manifest)."""
    value = data.get(key)
    return value if isinstance(value, str) else None


def _spans(value: object) -> tuple[tuple[int, int], ...]:
    """The [start, end] offset pairs of a JSON list (anything else in it is left out)."""
    if not isinstance(value, list):
        return ()
    pairs = [pair for pair in value if isinstance(pair, list) and len(pair) == 2]
    return tuple((a, b) for a, b in pairs if _is_count(a) and _is_count(b) and a < b)


def _attachment_json(part: AttachedPart) -> dict[str, Any]:
    """An attachment as the manifest records it: its pages are not kept (each passage records its own page)."""
    return {"name": part.name, "kind": part.kind, "number": part.number, "start": part.start, "end": part.end}


def _attachments(value: object) -> tuple[AttachedPart, ...]:
    """The attachments of a JSON list (an entry that is not a well-formed one is left out)."""
    if not isinstance(value, list):
        return ()
    found = []
    for item in value:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not isinstance(item.get("kind"), str):
            continue
        number, start, end = item.get("number"), item.get("start"), item.get("end")
        if _is_count(number) and _is_count(start) and _is_count(end) and start < end:
            found.append(AttachedPart(item["name"], item["kind"], number, start, end))
    return tuple(found)


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _model_problem(data: dict[str, Any]) -> str | None:
    model = data.get("model")
    if not (
        isinstance(model, dict)
        and isinstance(model.get("name"), str)
        and _is_count(model.get("dimension"))
        and _is_count(model.get("max_tokens"))
        and isinstance(model.get("runtime", ""), str)
    ):
        return '"model" must hold a name, a dimension and max_tokens'
    return None


def _config_problem(data: dict[str, Any]) -> str | None:
    if not isinstance(data.get("config"), dict):
        return '"config" is missing or not an object'
    try:
        BuildConfig.from_json(data["config"])
    except (TypeError, ValueError) as exc:
        return f'"config" is not a build configuration: {str(exc)[:80]}'
    return None


def _files_problem(data: dict[str, Any]) -> str | None:
    files = data.get("files", {})
    if not (
        isinstance(files, dict)
        and all(
            isinstance(k, str) and isinstance(v, dict) and isinstance(v.get("sha256"), str) for k, v in files.items()
        )
    ):
        return '"files" must map file names to their sha256, size and mtime'
    return None


def _index_files_problem(data: dict[str, Any]) -> str | None:
    files = data.get("index_files", {})
    if not (
        isinstance(files, dict)
        and all(
            isinstance(name, str)
            and isinstance(f, dict)
            and _is_count(f.get("size"))
            and isinstance(f.get("crc32"), str)
            and len(f["crc32"]) == 8
            for name, f in files.items()
        )
    ):
        return '"index_files" must map file names to their size and crc32'
    return None


def _problem(data: dict[str, Any]) -> str | None:
    """What is wrong with the fields every reader relies on, or None (the first problem, in a fixed order)."""
    for check in (_config_problem, _model_problem):
        problem = check(data)
        if problem:
            return problem
    counts = data.get("counts")
    if not (isinstance(counts, dict) and all(_is_count(counts.get(k)) for k in ("documents", "chunks", "sentences"))):
        return '"counts" must hold documents, chunks and sentences'
    source = data.get("source", {})
    if not isinstance(source, dict) or (source.get("kind") == "folder" and not isinstance(source.get("path"), str)):
        return '"source" must be an object, with a "path" for a folder'
    problem = _files_problem(data) or _index_files_problem(data)
    if problem:
        return problem
    if not isinstance(data.get("built_at", ""), str):
        return '"built_at" must be a timestamp string'
    return None
