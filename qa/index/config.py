"""The frozen build configuration: everything that decides what an index contains, saved in its manifest."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from ..ingest.chunk import ChunkSettings
from ..models.encoder import DEFAULT_RUNTIME
from ..models.offline import BUNDLED_MODEL
from ..options import IndexType, Runtime, SentenceMethod

FORMAT_VERSION = 3
INDEX_TYPES = IndexType.values()
SENTENCE_METHODS = SentenceMethod.values()


@dataclass(frozen=True)
class BuildConfig:
    """`index_type='auto'` is exact search below `ann_threshold` passages and IVF-SQ8 above (qa/index/dense.py).
    `sentence_vectors`: 'separate' embeds each sentence (with its heading) on its own, 'late' pools sentence
    vectors from the passage's own forward pass (one model call a passage), 'none' stores none. Strings are
    accepted for the enum fields and stored as the enums (`str` subclasses: equal to the strings)."""

    model: str = BUNDLED_MODEL
    runtime: Runtime = DEFAULT_RUNTIME
    chunking: ChunkSettings = field(default_factory=ChunkSettings)
    index_type: IndexType = IndexType.AUTO
    ann_threshold: int = 50_000  # benchmarks/scale.py: exact search costs 7 ms CPU a question at 100 k, IVF 2 ms
    sentence_vectors: SentenceMethod = SentenceMethod.SEPARATE
    max_file_bytes: int = 20 * 1024 * 1024

    def __post_init__(self) -> None:
        sentences = self.sentence_vectors
        if isinstance(sentences, bool):  # older spelling: True/False
            sentences = "separate" if sentences else "none"
        object.__setattr__(self, "index_type", IndexType.parse(self.index_type, "index_type"))
        object.__setattr__(self, "sentence_vectors", SentenceMethod.parse(sentences, "sentence_vectors"))
        object.__setattr__(self, "runtime", Runtime.parse(self.runtime, "runtime"))
        if self.ann_threshold < 1:
            raise ValueError(f"ann_threshold {self.ann_threshold} must be at least 1")

    def to_json(self) -> dict[str, Any]:
        """Plain JSON values (enums as their strings), in field order."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, ChunkSettings):
                out[f.name] = {g.name: getattr(value, g.name) for g in fields(value)}
            else:
                out[f.name] = value.value if isinstance(value, (Runtime, IndexType, SentenceMethod)) else value
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> BuildConfig:
        values = dict(data)
        values["chunking"] = ChunkSettings(**values.get("chunking", {}))
        return cls(**values)
