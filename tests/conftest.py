"""Shared fixtures. Every test gets its own ONBRAND_HOME; the real model is
loaded once per session; the demo brand is embedded once and copied per test;
the ONNX models are built once per session, when a test asks for them.

Tiers: tests marked `slow` (they build the ONNX models, run the eval, bench or
crash tools) and `browser` (they drive Chromium or Firefox) are left out of
`make test-fast`; `make test` runs everything."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from agent.core import Onbrand  # noqa: E402
from agent.store import Store  # noqa: E402
from embeddings import Encoder, load_encoder  # noqa: E402
from embeddings.onnx import CACHE_ENV, ensure_built  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if {"onnx_models", "e5_models"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
        if "e2e" in item.path.parts:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(autouse=True)
def onbrand_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "onbrand-home"
    home.mkdir()
    monkeypatch.setenv("ONBRAND_HOME", str(home))
    monkeypatch.setenv("ONBRAND_PRIVACY", "local-only")
    return home


@pytest.fixture(scope="session")
def encoder() -> Encoder:
    return load_encoder("torch")


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> Path:
    folder = tmp_path_factory.mktemp("demo-db")
    store = Store(folder / "onbrand.sqlite3")
    Onbrand(store, encoder).load_demo()
    store.close()  # the last connection checkpoints the WAL into the file
    return folder / "onbrand.sqlite3"


@pytest.fixture
def core(onbrand_home: Path, encoder: Encoder) -> Onbrand:
    """An empty store."""
    return Onbrand(Store(onbrand_home / "onbrand.sqlite3"), encoder)


@pytest.fixture
def demo(demo_db: Path, onbrand_home: Path, encoder: Encoder) -> Onbrand:
    """A store holding the demo brand (a private copy per test)."""
    shutil.copy(demo_db, onbrand_home / "onbrand.sqlite3")
    return Onbrand(Store(onbrand_home / "onbrand.sqlite3"), encoder)


def paragraphs(name: str) -> list[str]:
    text = (FIXTURES / name).read_text(encoding="utf-8")
    return [p.strip() for p in text.split("\n\n") if p.strip()]


def fixture_json(name: str) -> list[dict]:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def demo_posts() -> list[dict]:
    lines = (ROOT / "agent/demo/posts.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(x) for x in lines if x.strip()]


@pytest.fixture(scope="session")
def onnx_models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ONNX models, built once per session the way an agent's first start
    builds them (a subprocess that imports torch), into a temporary model cache."""
    cache = tmp_path_factory.mktemp("onnx-models")
    ensure_built("int8", cache)  # builds int8 and fp32 together
    ensure_built("fp32", cache)
    return cache


@pytest.fixture
def onnx_cache(onnx_models: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Points $ONBRAND_MODEL_CACHE at the session's models, so no test writes to
    another test's ONBRAND_HOME or to the user's data dir."""
    monkeypatch.setenv(CACHE_ENV, str(onnx_models))
    yield onnx_models


@pytest.fixture(scope="session")
def e5_models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """multilingual-e5-small's ONNX int8 build (embeddings/e5.py), once per session,
    in a subprocess as an agent builds it, into a temporary model cache."""
    from embeddings.e5 import E5

    cache = tmp_path_factory.mktemp("e5-models")
    ensure_built("int8", cache, recipe=E5)
    return cache


@pytest.fixture
def e5_cache(e5_models: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv(CACHE_ENV, str(e5_models))
    yield e5_models
