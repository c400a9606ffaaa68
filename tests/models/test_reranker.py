"""The shipped reranker (qa/models/reranker-weights), run by the engine's own runtime on the real int8 file."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from qa.errors import QAError
from qa.ingest.load import file_hash
from qa.models.card import ModelCard
from qa.models.reranker import RERANKER_DIR, Reranker, shipped_reranker_fingerprint

REPEATS_THE_QUESTION = (  # the question's words, no answer
    "The committee of the festival meets every winter to plan the festival and to discuss the festival budget "
    "with the committee of the market."
)
ANSWERS = (  # the answer
    "After a long debate the committee chose a blue heron as the emblem of the festival, because the birds nest "
    "along the quay every spring."
)
QUESTION = "What did the committee choose as the emblem of the festival?"


def test_the_card_names_the_shipped_weights_and_their_checksum() -> None:
    card = ModelCard.read(RERANKER_DIR, "reranker")
    assert card.sha256 == file_hash(RERANKER_DIR / card.file)
    assert shipped_reranker_fingerprint() == card.sha256[:24]
    data = json.loads((RERANKER_DIR / "model-card.json").read_text(encoding="utf-8"))
    validation = data["validation"]
    assert validation["reranked_hit@1"] > validation["bm25_hit@1"]  # it reorders BM25's top 10 for the better
    assert data["training_data"] and data["licence"]


def test_the_passage_that_answers_beats_the_one_that_repeats_the_question(real_reranker: Reranker) -> None:
    repeats, answers = real_reranker.score(QUESTION, [REPEATS_THE_QUESTION, ANSWERS])
    assert answers > repeats


def test_a_passage_is_scored_on_its_own(real_reranker: Reranker) -> None:
    alone = real_reranker.score(QUESTION, [ANSWERS])[0]
    together = real_reranker.score(QUESTION, ["Bread is baked at night.", ANSWERS, ANSWERS * 20])
    assert together[1] == alone  # unpadded, one pass each: no passage shifts another's score
    assert together[0] < alone


def test_a_damaged_or_missing_reranker_is_one_clear_error(tmp_path: Path) -> None:
    folder = tmp_path / "reranker"
    shutil.copytree(RERANKER_DIR, folder)
    card = ModelCard.read(folder, "reranker")
    with (folder / card.file).open("r+b") as fh:
        fh.seek(4096)
        fh.write(b"\0" * 64)
    with pytest.raises(QAError, match="reranker file .* damaged.*--no-reader"):
        Reranker.open(folder)
    (folder / card.file).unlink()
    with pytest.raises(QAError, match="reranker file .* missing.*--no-reader"):
        Reranker.open(folder)
    (folder / "model-card.json").write_text('{"format": "qa-reader-card", "version": 1}')
    with pytest.raises(QAError, match="format 'qa-reader-card'.*reads 'qa-reranker-card'"):
        Reranker.open(folder)
