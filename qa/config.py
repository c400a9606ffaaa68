"""The frozen build configuration: everything that decides what an index contains, saved in its manifest."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from .chunk import ChunkSettings
from .embed import BUNDLED_MODEL

FORMAT_VERSION = 1
INDEX_TYPES = ("flat", "hnsw")


@dataclass(frozen=True)
class BuildConfig:
    model: str = BUNDLED_MODEL
    chunking: ChunkSettings = field(default_factory=ChunkSettings)
    index_type: str = "flat"
    bm25_k1: float = 1.2
    bm25_b: float = 0.75
    sentence_vectors: bool = True
    max_file_bytes: int = 20 * 1024 * 1024

    def __post_init__(self) -> None:
        if self.index_type not in INDEX_TYPES:
            raise ValueError(f"index_type '{self.index_type}' is not one of {', '.join(INDEX_TYPES)}")

    def to_json(self) -> dict[str, object]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, object]) -> "BuildConfig":
        values = dict(data)
        values["chunking"] = ChunkSettings(**values.get("chunking", {}))  # type: ignore[arg-type]
        return cls(**values)  # type: ignore[arg-type]
