"""The frozen build configuration: everything that decides what an index contains, saved in its manifest."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from ..ingest.chunk import ChunkSettings
from ..models.encoder import BUNDLED_MODEL, DEFAULT_RUNTIME, RUNTIMES

FORMAT_VERSION = 2
INDEX_TYPES = ("auto", "flat", "ivf", "hnsw")
SENTENCE_METHODS = ("separate", "late", "none")


@dataclass(frozen=True)
class BuildConfig:
    """`index_type='auto'` is exact search below `ann_threshold` passages and IVF-SQ8 above (qa/dense.py).
    `sentence_vectors`: 'separate' embeds each sentence (with its heading) on its own, 'late' pools sentence
    vectors from the passage's own forward pass (one model call a passage), 'none' stores none."""

    model: str = BUNDLED_MODEL
    runtime: str = DEFAULT_RUNTIME
    chunking: ChunkSettings = field(default_factory=ChunkSettings)
    index_type: str = "auto"
    ann_threshold: int = 50_000  # benchmarks/scale.py: exact search costs 7 ms CPU a question at 100 k, IVF 2 ms
    sentence_vectors: str = "separate"
    max_file_bytes: int = 20 * 1024 * 1024

    def __post_init__(self) -> None:
        if isinstance(self.sentence_vectors, bool):  # older spelling: True/False
            object.__setattr__(self, "sentence_vectors", "separate" if self.sentence_vectors else "none")
        if self.index_type not in INDEX_TYPES:
            raise ValueError(f"index_type '{self.index_type}' is not one of {', '.join(INDEX_TYPES)}")
        if self.sentence_vectors not in SENTENCE_METHODS:
            raise ValueError(f"sentence_vectors '{self.sentence_vectors}' is not one of {', '.join(SENTENCE_METHODS)}")
        if self.runtime not in RUNTIMES:
            raise ValueError(f"runtime '{self.runtime}' is not one of {', '.join(RUNTIMES)}")
        if self.ann_threshold < 1:
            raise ValueError(f"ann_threshold {self.ann_threshold} must be at least 1")

    def to_json(self) -> dict[str, object]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, object]) -> "BuildConfig":
        values = dict(data)
        values["chunking"] = ChunkSettings(**values.get("chunking", {}))  # type: ignore[arg-type]
        return cls(**values)  # type: ignore[arg-type]
