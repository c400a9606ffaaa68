"""training/train_encoder.py: its pooling is the engine's, its loss wants each question's own passage, and the
folder it writes is one `qa build --model` can load (the real bundled model throughout)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "training" / "train_encoder.py"
TEXTS = [
    "How tall is the lighthouse at Harbour Point?",
    "Harbour Point\nThe lighthouse at Harbour Point stands 31 metres tall and was first lit in 1874.",
    "The mill by the river ground oats until 1952.",
]


@pytest.fixture(scope="module")
def trainer():  # type: ignore[no-untyped-def]
    sys.path.insert(0, str(SCRIPT.parent))  # the script imports train_reader and train_reranker beside it
    spec = importlib.util.spec_from_file_location("train_encoder", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def bundled(trainer):  # type: ignore[no-untyped-def]
    from transformers import AutoModel, AutoTokenizer

    path = trainer.bundled_model_path()
    return AutoModel.from_pretrained(path).eval(), AutoTokenizer.from_pretrained(path)


def sentence_transformer_vectors(path: str) -> np.ndarray:
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(path, device="cpu").encode(TEXTS, normalize_embeddings=True)


def test_the_training_pooling_gives_the_vectors_the_engine_embeds_with(trainer, bundled) -> None:  # type: ignore[no-untyped-def]
    import torch

    model, tokenizer = bundled
    with torch.no_grad():
        trained_side = trainer.embed(model, tokenizer, TEXTS, 192).numpy()
    np.testing.assert_allclose(trained_side, sentence_transformer_vectors(trainer.bundled_model_path()), atol=1e-5)


def test_the_loss_is_lowest_when_each_question_has_its_own_passage(trainer, bundled) -> None:  # type: ignore[no-untyped-def]
    import torch

    model, tokenizer = bundled
    batch = [
        ("How tall is the lighthouse at Harbour Point?", [TEXTS[1], "The harbour wall was rebuilt in 1901."]),
        ("Until when did the mill grind oats?", [TEXTS[2], "The mill's wheel was made of oak."]),
    ]
    swapped = [(batch[0][0], batch[1][1]), (batch[1][0], batch[0][1])]
    with torch.no_grad():
        right = trainer.batch_loss(model, tokenizer, batch, 192).item()
        wrong = trainer.batch_loss(model, tokenizer, swapped, 192).item()
    assert right < 0.1 < wrong


def test_the_saved_folder_loads_as_a_sentence_transformer_with_the_trained_weights(trainer, bundled, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import torch

    model, tokenizer = bundled
    weight = model.encoder.layer[5].output.dense.weight
    kept = weight.detach().clone()
    with torch.no_grad():
        weight.mul_(-1.0)  # weights unlike the bundled ones
        expected = trainer.embed(model, tokenizer, TEXTS, 192).numpy()
    try:
        final = trainer.save_final(model, tokenizer, tmp_path)
    finally:
        with torch.no_grad():
            weight.copy_(kept)
    assert final == tmp_path / "final" and not (tmp_path / "final.partial").exists()
    loaded = sentence_transformer_vectors(str(final))
    np.testing.assert_allclose(loaded, expected, atol=1e-5)
    assert not np.allclose(loaded, sentence_transformer_vectors(trainer.bundled_model_path()), atol=1e-3)
