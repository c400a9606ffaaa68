"""Ranking metrics as pure functions of a ranked list of relevance flags (hand-checked in tests/evaluate)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class PagedQuestion(Protocol):
    """A gold question that may name the page of its answer."""

    doc: str | None
    page: int | None


def hit_at_k(relevant: Sequence[bool], k: int) -> float:
    """1.0 when any of the first k results is relevant."""
    return 1.0 if any(relevant[:k]) else 0.0


def reciprocal_rank(relevant: Sequence[bool], k: int) -> float:
    """1 / rank of the first relevant result within the first k, else 0."""
    for rank, is_relevant in enumerate(relevant[:k], start=1):
        if is_relevant:
            return 1.0 / rank
    return 0.0


def page_at_1(tops: Sequence[tuple[str | None, int | None]], gold: Sequence[PagedQuestion]) -> float | None:
    """Share of the gold questions with a page whose top result (doc, page) is that doc and page; None when no
    gold question names a page."""
    scored = [(top, q) for top, q in zip(tops, gold) if q.page is not None]
    if not scored:
        return None
    return sum(1.0 for (doc, page), q in scored if doc == q.doc and page == q.page) / len(scored)
