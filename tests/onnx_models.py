"""A session-wide build of the ONNX models, for the backend and bench tests.

Import the fixture into a test module (`from tests.onnx_models import onnx_cache`).
The build runs once per test session, the way an agent's first start runs it (a
subprocess that imports torch), into a temporary model cache; every test that
uses the fixture points $ONBRAND_MODEL_CACHE at it, so no test writes to another
test's ONBRAND_HOME or to the user's data dir."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from embeddings.onnx import CACHE_ENV, ensure_built


@pytest.fixture(scope="session")
def onnx_models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    cache = tmp_path_factory.mktemp("onnx-models")
    ensure_built("int8", cache)  # builds int8 and fp32 together
    ensure_built("fp32", cache)
    return cache


@pytest.fixture
def onnx_cache(onnx_models: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv(CACHE_ENV, str(onnx_models))
    yield onnx_models
