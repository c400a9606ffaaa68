"""What a build embeds for a passage and the key that lets a later build reuse it."""

from __future__ import annotations

import pytest

from qa.index import embedding
from qa.ingest.chunk import Chunk


def test_the_key_covers_what_each_sentence_is_embedded_with(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same passage embedded with other texts for its sentences or itself (table rows given their column
    names, as this version does) must not reuse the vectors an older build stored for it."""
    row = "| 2015 | 93,580 |"
    chunk = Chunk("t.md", 0, len(row), row, "Figures", (), ((0, len(row)),), lead="| Year | Revenue |")
    key = embedding.embed_key(chunk, "separate")
    assert embedding.embed_key(chunk, "separate") == key
    monkeypatch.setattr(embedding, "sentence_embed_text", lambda c, s: c.text[s[0] : s[1]])  # the row as it stands
    assert embedding.embed_key(chunk, "separate") != key
    changed = embedding.embed_key(chunk, "separate")
    monkeypatch.setattr(embedding, "passage_embed_text", lambda c: c.context_text())  # the rows as they stand
    assert embedding.embed_key(chunk, "separate") != changed
    assert embedding.embed_key(chunk, "none") == embedding.embed_key(chunk, "none")


def test_a_table_passage_vector_is_the_embedding_of_its_named_rows(real_encoder) -> None:  # type: ignore[no-untyped-def]
    import numpy as np

    from qa.ingest.chunk import passage_embed_text

    rows = "| 2015 | 93,580 |\n| 2016 | 90,255 |"
    chunk = Chunk("t.md", 0, len(rows), rows, "Figures", (), ((0, 17), (18, len(rows))), lead="| Year | Revenue |")
    vectors = embedding.embed_chunks(real_encoder, [chunk], "separate")[0]
    named = real_encoder.encode([passage_embed_text(chunk)])[0]
    assert "Year: 2015; Revenue: 93,580." in passage_embed_text(chunk)
    assert np.allclose(vectors[0], named, atol=1e-5)
    assert not np.allclose(vectors[0], real_encoder.encode([chunk.context_text()])[0], atol=1e-3)
