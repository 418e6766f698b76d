"""The encoder interface, the index, and the model-identity check."""

from __future__ import annotations

import numpy as np
import pytest

from agent.core import Onbrand
from agent.store import Store
from embeddings import Encoder, ModelIdentity, ModelMismatchError, VectorIndex


def test_real_encoder_gives_normalised_float32(encoder: Encoder) -> None:
    v = encoder.encode(["We fixed 1,204 packs in October.", "Completely unrelated: tea."])
    assert v.dtype == np.float32 and v.shape == (2, 384)
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    ident = encoder.identity
    assert ident.name == "all-MiniLM-L6-v2" and ident.backend == "torch"
    assert len(ident.weights_sha256) == 64 and ident.key.startswith("all-MiniLM-L6-v2@")
    # the cache returns the same vector for a repeated draft
    assert np.array_equal(encoder.encode_one("Completely unrelated: tea."), v[1])


def test_index_top_k_and_growth() -> None:
    rng = np.random.default_rng(1)
    vecs = rng.normal(size=(3000, 8)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    idx = VectorIndex("m", 8, capacity=16)
    for start in range(0, 3000, 500):  # grows by add, never rebuilt
        idx.add(range(start, start + 500), vecs[start : start + 500], "m")
    assert len(idx) == 3000
    q = vecs[42]
    top = idx.search(q, 5)
    exact = np.argsort(-(vecs @ q))[:5]
    assert [i for i, _ in top] == exact.tolist()
    assert idx.remove(42) and 42 not in idx
    assert all(i != 42 for i, _ in idx.search(q, 5))
    assert not idx.remove(42)


def test_index_refuses_vectors_of_another_model() -> None:
    idx = VectorIndex("model-a", 4)
    with pytest.raises(ModelMismatchError):
        idx.add([1], np.ones((1, 4), dtype=np.float32), "model-b")


class OtherEncoder(Encoder):
    """A different model identity (as a new backend or precision would have).
    Its vectors are the real model's, permuted, so they are plainly not the
    reference's vectors and any mixing would show."""

    def __init__(self, inner: Encoder) -> None:
        self.inner = inner
        self.identity = ModelIdentity("all-MiniLM-L6-v2", "f" * 64, "other", "fp32", 384)
        self.calls = 0

    def _encode(self, texts: list[str]) -> np.ndarray:
        self.calls += len(texts)
        return self.inner.encode(texts)[:, ::-1].copy()


def test_changed_model_identity_reembeds_and_never_mixes(demo: Onbrand, encoder: Encoder) -> None:
    store: Store = demo.store
    n = store.count_posts("demo")
    old_key = encoder.identity.key
    other = OtherEncoder(encoder)
    core2 = Onbrand(store, other)
    core2.state("demo")  # served from the old vectors while the new ones are built
    core2.wait_for_migrations(300)
    state = core2.state("demo")
    assert other.calls >= n  # every post embedded again under the new identity
    assert state.posts_index.model_key == other.identity.key
    ids, mat = state.posts_index.matrix()
    assert len(ids) == n
    # the index holds the new model's vectors, not the stored old ones
    old_ids, old_mat, _ = store.vectors("post", "demo", old_key, 384)
    old = dict(zip(old_ids, old_mat, strict=True))
    assert not any(np.allclose(mat[i], old[int(pid)]) for i, pid in enumerate(ids[:20]))
    with pytest.raises(ModelMismatchError):
        state.posts_index.add([999999], old_mat[:1], old_key)
    # both identities are on record, each with a full set of vectors
    assert old_key in store.stale_model_keys(other.identity.key)
    assert len(store.vectors("post", "demo", other.identity.key, 384)[0]) == n


@pytest.mark.parametrize(
    "text",
    [
        ("Our Salem shop swaps single Sticks while you wait, under an hour. ☕ " * 900)[:63000],
        "Kami bangga 🎉 mengumumkan toko baru kami di Bandung! " * 600,
        "日本語のテキスト" * 3000,
        "中文测试句子，" * 4000,
        ("x" * 150 + " ") * 400,
        "\u0301" * 5000 + " word" * 400,
    ],
)
def test_long_text_is_clipped_where_the_model_stops_reading(encoder: Encoder, text: str) -> None:
    from embeddings.encoder import clip_to_model

    inner = getattr(encoder, "inner", encoder)
    clipped = clip_to_model(text)
    assert text.startswith(clipped)
    assert np.array_equal(inner._encode([text]), inner._encode([clipped]))
    if text.count(" ") > 1000:
        assert len(clipped) < len(text) / 5
