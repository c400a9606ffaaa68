"""The closed sets of choices, as `str` enums: JSON, manifests and comparisons with plain strings keep working,
and the CLI's `click.Choice` lists and the app's radio buttons are made from them (one list each, here)."""

from __future__ import annotations

from enum import Enum
from typing import TypeVar

C = TypeVar("C", bound="Choice")


class Choice(str, Enum):
    """A `str` enum whose `str()` and f-string form is its value ("hybrid", not "Mode.HYBRID")."""

    def __str__(self) -> str:
        return str(self.value)

    def __format__(self, spec: str) -> str:
        return format(str(self.value), spec)

    @classmethod
    def values(cls) -> tuple[str, ...]:
        return tuple(str(member.value) for member in cls)

    @classmethod
    def parse(cls: type[C], value: object, what: str) -> C:
        """The member named by `value`, or ValueError naming the value and the choices."""
        try:
            return cls(value)
        except ValueError:
            raise ValueError(f"{what} '{value}' is not one of {', '.join(cls.values())}") from None


class Mode(Choice):
    """How passages are retrieved: dense + BM25 fused, meaning only, or words only."""

    HYBRID = "hybrid"
    DENSE = "dense"
    BM25 = "bm25"


class Fusion(Choice):
    """How hybrid mode mixes the dense and BM25 lists: min-max blend or reciprocal rank fusion."""

    RRF = "rrf"
    BLEND = "blend"


class Runtime(Choice):
    """Which library runs the embedding model (a question is embedded by the runtime that built the index)."""

    ONNX_INT8 = "onnx-int8"
    ONNX_FP32 = "onnx-fp32"
    TORCH = "torch"


class IndexType(Choice):
    """The FAISS index: `auto` is exact below `ann_threshold` passages and IVF-SQ8 above (qa/index/dense.py)."""

    AUTO = "auto"
    FLAT = "flat"
    IVF = "ivf"
    HNSW = "hnsw"


class SentenceMethod(Choice):
    """How sentence vectors are made: each sentence embedded on its own, pooled from the passage, or none."""

    SEPARATE = "separate"
    LATE = "late"
    NONE = "none"
