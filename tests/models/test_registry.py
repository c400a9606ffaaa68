"""Where an encoder comes from: a registered model by name, else the runtime's loader; errors name the choices."""

from __future__ import annotations

import pytest
from conftest import HashEncoder

from qa.errors import QAError
from qa.models.encoder import RUNTIME_LOADERS, load_encoder, register_model, unregister_model
from qa.options import Runtime


def test_a_registered_model_is_made_by_its_factory_whatever_the_runtime() -> None:
    register_model("test:registry", HashEncoder)
    try:
        first, second = load_encoder("test:registry"), load_encoder("test:registry", "torch")
        assert isinstance(first, HashEncoder) and isinstance(second, HashEncoder) and first is not second
    finally:
        unregister_model("test:registry")
    with pytest.raises(QAError, match="unknown model runtime 'gpu'; use one of onnx-int8, onnx-fp32, torch"):
        load_encoder("test:registry", "gpu")


def test_every_runtime_has_a_loader() -> None:
    assert set(RUNTIME_LOADERS) == set(Runtime)
