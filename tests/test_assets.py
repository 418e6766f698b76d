"""Each encoder's trained parts (agent/models/assets.py): MiniLM's and e5's have
the same 384 dimensions, so the loader must refuse a part fitted for another
encoder instead of failing nowhere."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from agent.models import assets, calibration, heads, voice
from agent.models.assets import AssetMismatch, encoder_assets
from embeddings import load_encoder

E5_KEY = "multilingual-e5-small@1571fc9827503943/onnx-int8/384"


def _forget() -> None:
    heads.reset_cache()
    calibration._loaded.clear()
    voice._background.cache_clear()


@pytest.fixture(autouse=True)
def fresh_parts() -> Iterator[None]:
    _forget()
    yield
    _forget()


def test_outside_an_encoder_the_parts_are_minilms() -> None:
    assert assets.family(str(heads.heads().meta["encoder"])) == "all-MiniLM-L6-v2"
    assert calibration.thresholds().repeat > 0.5


def test_every_minilm_backend_reads_minilms_parts() -> None:
    key = load_encoder("torch").identity.key
    onnx_like = key.replace("/torch-fp32/", "/onnx-int8/")
    for k in (key, onnx_like):
        with encoder_assets(k):
            assert heads.heads().meta["encoder"] == heads.heads().meta["encoder"]
            assert voice.background().shape[1] == 384
            calibration.thresholds()


@pytest.mark.parametrize("part", ["heads", "background", "calibration"])
def test_a_part_fitted_for_minilm_is_refused_for_e5(
    part: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # e5's folder holding MiniLM's files: what copying them over would do
    monkeypatch.setitem(assets.FOLDERS, "multilingual-e5-small", "data")
    load = {
        "heads": heads.heads,
        "background": voice.background,
        "calibration": calibration.thresholds,
    }[part]
    with encoder_assets(E5_KEY), pytest.raises(AssetMismatch, match="was fitted for all-Mini"):
        load()


def test_a_missing_part_says_how_to_fit_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(assets.FOLDERS, "multilingual-e5-small", "data/nowhere")
    with encoder_assets(E5_KEY), pytest.raises(RuntimeError, match="--backend e5-int8"):
        heads.heads()


def test_an_unknown_encoder_has_no_parts() -> None:
    with (
        encoder_assets("some-model@0123456789abcdef/onnx-int8/384"),
        pytest.raises(AssetMismatch, match="no trained parts"),
    ):
        heads.heads()


def test_e5s_parts_are_its_own() -> None:
    with encoder_assets(E5_KEY):
        meta = heads.heads().meta
        assert assets.family(str(meta["encoder"])) == assets.family(E5_KEY)
        e5_repeat = calibration.thresholds().repeat
    assert e5_repeat != calibration.thresholds().repeat  # refitted, not carried over
