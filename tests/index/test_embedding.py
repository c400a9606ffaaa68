"""What a build embeds for a passage and the key that lets a later build reuse it."""

from __future__ import annotations

import pytest

from qa.index import embedding
from qa.ingest.chunk import Chunk


def test_the_key_covers_what_each_sentence_is_embedded_with(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same passage embedded with other sentence texts (a table row given its column names, as this version
    does) must not reuse the vectors an older build stored for it."""
    row = "| 2015 | 93,580 |"
    chunk = Chunk("t.md", 0, len(row), row, "Figures", (), ((0, len(row)),), lead="| Year | Revenue |")
    key = embedding.embed_key(chunk, "separate")
    assert embedding.embed_key(chunk, "separate") == key
    monkeypatch.setattr(embedding, "sentence_embed_text", lambda c, s: c.text[s[0] : s[1]])  # the row as it stands
    assert embedding.embed_key(chunk, "separate") != key
    assert embedding.embed_key(chunk, "none") == embedding.embed_key(chunk, "none")
