"""The encoder backends: torch (reference), onnx-int8 and onnx-fp32 (issue #7).

Real model throughout. The ONNX models are built once per session into a temporary
model cache (tests/onnx_models.py)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from embeddings import onnx as O
from embeddings.backends import BACKENDS, backend_name, load_encoder, resolve_backend
from embeddings.encoder import Encoder, EncoderError
from tests.conftest import ROOT, demo_posts, fixture_json

pytestmark = pytest.mark.usefixtures("onnx_cache")


def _queries() -> list[str]:
    """20 fixed queries: the demo drafts, the paraphrase fixtures, two made-up ones."""
    drafts = json.loads((ROOT / "agent/demo/drafts.json").read_text(encoding="utf-8"))
    paras = [p["paraphrase"] for p in fixture_json("paraphrases.json")]
    extra = [
        "Our Salem shop now swaps single Sticks while you wait, most repairs under an hour.",
        "Thank you to everyone who rode to the Portland meetup on Saturday!",
    ]
    return ([d["text"] for d in drafts] + paras + extra)[:20]


@pytest.fixture(scope="module")
def vectors(onnx_models: Path) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    posts = [p["text"] for p in demo_posts()]
    queries = _queries()
    assert len(queries) == 20
    old = os.environ.get(O.CACHE_ENV)
    os.environ[O.CACHE_ENV] = str(onnx_models)
    try:
        out = {}
        for b in BACKENDS:
            enc = load_encoder(b)
            out[b] = (enc.encode(posts), enc.encode(queries))
        return out
    finally:
        if old is None:
            os.environ.pop(O.CACHE_ENV, None)
        else:
            os.environ[O.CACHE_ENV] = old


def test_onnx_vectors_agree_with_torch(vectors: dict[str, tuple[np.ndarray, np.ndarray]]) -> None:
    ref = np.vstack(vectors["torch"])
    for backend, floor in (("onnx-fp32", 0.999), ("onnx-int8", 0.97)):
        got = np.vstack(vectors[backend])
        assert got.dtype == np.float32 and got.shape == ref.shape
        assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
        cos = (got * ref).sum(axis=1)
        # measured: fp32 1.0000; int8 min 0.983, mean 0.991
        assert cos.min() >= floor, (backend, float(cos.min()))
        assert cos.mean() >= (0.9999 if backend == "onnx-fp32" else 0.985)


def test_backends_give_the_same_top_neighbours(
    vectors: dict[str, tuple[np.ndarray, np.ndarray]],
) -> None:
    """20 queries against the 112 demo posts. fp32: the same top-3 ids in the same
    order. int8 (measured: top-3 overlap 2 or 3, mean 2.65; the nearest post
    differs only for 2 queries, where torch's own margin between its first and
    second is under 0.03): the same nearest post wherever torch has a clear one,
    and at least 2 of the top 3 for every query."""

    def ranked(backend: str) -> tuple[np.ndarray, np.ndarray]:
        posts, queries = vectors[backend]
        sims = queries @ posts.T
        return np.argsort(-sims, axis=1, kind="stable")[:, :3], sims

    ref, ref_sims = ranked("torch")
    assert (ranked("onnx-fp32")[0] == ref).all()
    int8, _ = ranked("onnx-int8")
    rows = np.arange(len(ref))
    margin = ref_sims[rows, ref[:, 0]] - ref_sims[rows, ref[:, 1]]
    clear = margin >= 0.03
    assert clear.sum() >= 15  # the bar below is not vacuous
    assert (int8[clear, 0] == ref[clear, 0]).all()
    overlap = [len(set(a) & set(b)) for a, b in zip(int8.tolist(), ref.tolist(), strict=True)]
    assert min(overlap) >= 2 and np.mean(overlap) >= 2.5, overlap


def test_identity_differs_per_backend_and_precision(onnx_cache: Path, e5_cache: Path) -> None:
    idents = {b: load_encoder(b).identity for b in BACKENDS}
    keys = {i.key for i in idents.values()}
    assert len(keys) == len(BACKENDS)
    # MiniLM's backends share their source weights; e5's (embeddings/e5.py) are its own
    assert len({i.weights_sha256 for i in idents.values()}) == 2
    assert (idents["onnx-int8"].backend, idents["onnx-int8"].precision) == ("onnx", "int8")
    assert (idents["onnx-fp32"].backend, idents["onnx-fp32"].precision) == ("onnx", "fp32")
    assert idents["torch"].backend == "torch"
    assert all(i.dim == 384 for i in idents.values())
    assert all(backend_name(i) == b for b, i in idents.items())  # loadable from the store


def test_onnx_run_path_does_not_import_torch(onnx_cache: Path, tmp_path: Path) -> None:
    """Load the ONNX encoder, embed, and analyse a draft through the core, in a
    fresh interpreter: torch, transformers and sentence-transformers stay out."""
    code = textwrap.dedent(
        """
        import sys
        from agent.core import Onbrand
        from agent.store import Store
        from embeddings.backends import load_encoder
        enc = load_encoder("onnx-int8")
        assert enc.identity.backend == "onnx"
        core = Onbrand(store=Store(), encoder=enc)
        core.load_demo()
        result = core.analyze("We fixed 1,204 packs in October.", "x")
        assert result["nearest"], result
        heavy = sorted(m for m in sys.modules
                       if m.split(".")[0] in {"torch", "transformers", "sentence_transformers"})
        print("HEAVY", heavy)
        """
    )
    env = {**os.environ, "ONBRAND_HOME": str(tmp_path / "home"), O.CACHE_ENV: str(onnx_cache)}
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, timeout=300
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "HEAVY []" in proc.stdout, proc.stdout


def test_auto_picks_onnx_only_when_built(
    onnx_cache: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert resolve_backend("auto") == f"onnx-{O.AUTO_PRECISION}"
    assert resolve_backend("onnx-fp32") == "onnx-fp32"
    with pytest.raises(EncoderError):
        resolve_backend("tensorflow")
    monkeypatch.setenv(O.CACHE_ENV, str(tmp_path / "empty"))
    assert resolve_backend("auto") == "torch"  # never builds: falls back to the reference
    with pytest.raises(EncoderError):
        O.OnnxEncoder("int8", build=False)  # and says how to build


def _copy_build(src_cache: Path, dst_cache: Path) -> Path:
    out = O.build_dir(dst_cache)
    shutil.copytree(O.build_dir(src_cache), out)
    return out


def _fake_builds(good: Path, monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Make a "build" copy the session fixture's real build; returns where it went."""
    builds: list[Path] = []

    def fake_build(into: Path, recipe: O.Recipe = O.MINILM) -> None:  # the real one ran once
        builds.append(into)
        for name in (*O.FILES.values(), O.TOKENIZER, O.MANIFEST):
            shutil.copyfile(O.build_dir(good) / name, into / name)

    monkeypatch.setattr(O, "_build_in_subprocess", fake_build)
    return builds


def _replace_model(out: Path, data: bytes) -> Path:
    """Write other bytes as the int8 model and make the manifest vouch for them."""
    model = out / O.FILES["int8"]
    model.write_bytes(data)
    manifest = json.loads((out / O.MANIFEST).read_text())
    manifest["files"][O.FILES["int8"]] = {
        "sha256": O._sha256_file(model),
        "size": model.stat().st_size,
    }
    (out / O.MANIFEST).write_text(json.dumps(manifest))
    return model


def test_corrupt_or_stale_cache_is_rebuilt(
    onnx_cache: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cache = tmp_path / "cache"
    out = _copy_build(onnx_cache, cache)
    assert O.check_build("int8", cache) is not None

    builds = _fake_builds(onnx_cache, monkeypatch)

    # a flipped byte in the model: same size, wrong hash
    model = out / O.FILES["int8"]
    data = bytearray(model.read_bytes())
    data[len(data) // 2] ^= 0xFF
    model.write_bytes(bytes(data))
    assert O.check_build("int8", cache) is None
    path, _ = O.ensure_built("int8", cache)
    assert len(builds) == 1 and O._sha256_file(path) == O._sha256_file(
        O.build_dir(onnx_cache) / O.FILES["int8"]
    )

    # a torn manifest
    (out / O.MANIFEST).write_text('{"build_ver')
    assert not O.is_built("int8", cache)
    O.ensure_built("int8", cache)
    assert len(builds) == 2

    # a build of another recipe version
    manifest = json.loads((out / O.MANIFEST).read_text())
    manifest["build_version"] = O.BUILD_VERSION - 1
    (out / O.MANIFEST).write_text(json.dumps(manifest))
    O.ensure_built("int8", cache)
    assert len(builds) == 3

    # built from other weights
    manifest = json.loads((out / O.MANIFEST).read_text())
    manifest["source"]["weights_sha256"] = "0" * 64
    manifest["source"]["signature"] = [["model.safetensors", 1, 1]]
    (out / O.MANIFEST).write_text(json.dumps(manifest))
    O.ensure_built("int8", cache)
    assert len(builds) == 4

    # the same weights touched (new mtime): re-hashed, found equal, kept
    manifest = json.loads((out / O.MANIFEST).read_text())
    manifest["source"]["signature"] = [["model.safetensors", 1, 1]]
    (out / O.MANIFEST).write_text(json.dumps(manifest))
    O.ensure_built("int8", cache)
    assert len(builds) == 4

    # a good cache loads without any build
    enc = O.OnnxEncoder("int8", cache=cache, build=False)
    assert enc.encode(["tea"]).shape == (1, 384)


def test_onnx_handles_batches_long_texts_and_empty_strings(onnx_cache: Path) -> None:
    enc: Encoder = load_encoder("onnx-int8")
    ref: Encoder = load_encoder("torch")
    texts = ["", "ok", "word " * 400, *[p["text"] for p in demo_posts()[:40]]]
    one_by_one = np.vstack([enc.inner.encode([t]) for t in texts])  # type: ignore[attr-defined]
    batched = enc.inner.encode(texts)  # type: ignore[attr-defined]
    # one text per run: a text's vector never depends on the texts beside it (int8
    # scales activations per run; batching would move vectors by up to 0.06)
    assert np.allclose(one_by_one, batched, atol=1e-6)
    cos = (batched[1:] * ref.encode(texts[1:])).sum(axis=1)  # truncation at 256 as torch
    assert cos.min() >= 0.97


def test_the_agent_defaults_to_the_fast_encoder_once_built(
    onnx_cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    """`Onbrand()` and the CLI follow `auto`: onnx-int8 once built, torch before;
    `--encoder` (or $ONBRAND_ENCODER) overrides."""
    from agent.cli.main import main
    from agent.core import Onbrand

    # set (not deleted) so that monkeypatch restores it after main(["--encoder", ...])
    monkeypatch.setenv("ONBRAND_ENCODER", "auto")
    assert Onbrand().encoder.identity.key == load_encoder("onnx-int8").identity.key
    assert main(["status"]) == 0
    assert "encoder:       onnx-int8" in capsys.readouterr().out
    assert main(["--encoder", "torch", "model"]) == 0
    assert "encoder: torch" in capsys.readouterr().out
    monkeypatch.setenv("ONBRAND_ENCODER", "auto")  # after --encoder torch above
    monkeypatch.setenv(O.CACHE_ENV, str(tmp_path / "empty"))
    assert main(["model"]) == 0
    out = capsys.readouterr().out
    assert "encoder: torch" in out and "onbrand model build" in out


def test_a_model_onnxruntime_refuses_is_rebuilt_once(
    onnx_cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file whose hash matches its manifest but that onnxruntime cannot load (a
    build by another onnxruntime, say) is rebuilt on first use, then it runs."""
    cache = tmp_path / "cache"
    out = _copy_build(onnx_cache, cache)
    model = _replace_model(out, b"not an onnx graph" * 100)
    assert O.check_build("int8", cache) is not None  # the cache looks whole

    builds = _fake_builds(onnx_cache, monkeypatch)
    enc = O.OnnxEncoder("int8", cache=cache)
    vec = enc.encode(["We fixed 1,204 packs in October."])
    assert len(builds) == 1
    ref = O.OnnxEncoder("int8", cache=onnx_cache).encode(["We fixed 1,204 packs in October."])
    assert np.allclose(vec, ref, atol=1e-6)
    enc.encode(["and again"])
    assert len(builds) == 1

    # a flipped byte (size unchanged): noticed as the session opens, rebuilt once
    data = bytearray(model.read_bytes())
    data[len(data) // 2] ^= 0xFF
    model.write_bytes(bytes(data))
    again = O.OnnxEncoder("int8", cache=cache).encode(["We fixed 1,204 packs in October."])
    assert len(builds) == 2 and np.allclose(again, ref, atol=1e-6)

    _replace_model(out, b"refused again" * 100)  # without building, it is an error
    with pytest.raises(EncoderError, match="cannot load"):
        O.OnnxEncoder("int8", cache=cache, build=False).encode(["x"])
