"""The approximate path of VectorIndex (faiss IVF above EXACT_MAX), issue #7."""

from __future__ import annotations

import numpy as np
import pytest

from embeddings import ModelMismatchError, VectorIndex


def clustered(n: int, dim: int = 64, centres: int = 60, seed: int = 0) -> np.ndarray:
    """Unit vectors around a few dozen centres, like topics in a brand's posts."""
    rng = np.random.default_rng(seed)
    c = rng.normal(size=(centres, dim)).astype(np.float32)
    x = c[rng.integers(0, centres, n)] + 0.45 * rng.normal(size=(n, dim)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def recall(idx: VectorIndex, queries: np.ndarray, k: int = 10) -> float:
    got = [
        len({i for i, _ in idx.search(q, k)} & {i for i, _ in idx.search_exact(q, k)})
        for q in queries
    ]
    return float(np.mean(got)) / k


def test_ann_recall_and_exact_similarities() -> None:
    x = clustered(6000)
    q = clustered(60, seed=1)
    idx = VectorIndex("m", 64, exact_max=2000, background=False)
    idx.add(range(6000), x, "m")
    assert idx.kind == "ivf"
    assert recall(idx, q) >= 0.9
    for i, sim in idx.search(q[0], 5):  # scores are exact cosines, not quantised ones
        assert sim == pytest.approx(float(x[i] @ q[0]), abs=1e-5)


def test_a_small_ivf_reads_enough_lists_to_be_near_exact() -> None:
    """Just above the default EXACT_MAX, nprobe covers at least MIN_SCAN vectors:
    near-repeats of indexed posts find their source first, every time, and the
    rest of the top 10 is (almost) the exact one."""
    from embeddings.index import EXACT_MAX, MIN_SCAN

    n = EXACT_MAX + 1000
    x = clustered(n, centres=120)
    idx = VectorIndex("m", 64, background=False)
    idx.add(range(n), x, "m")
    assert idx.kind == "ivf"
    assert idx._ann is not None and idx._ann.nprobe * n / idx._ann.nlist >= MIN_SCAN
    rng = np.random.default_rng(3)
    src = rng.choice(n, 200, replace=False)
    noisy = x[src] + 0.08 * rng.normal(size=(200, 64)).astype(np.float32)
    noisy /= np.linalg.norm(noisy, axis=1, keepdims=True)
    assert [idx.search(q, 1)[0][0] for q in noisy] == [idx.search_exact(q, 1)[0][0] for q in noisy]
    assert recall(idx, noisy) >= 0.99


def test_below_the_threshold_the_index_is_exact() -> None:
    x = clustered(1500)
    idx = VectorIndex("m", 64, exact_max=2000)
    idx.add(range(1500), x, "m")
    assert idx.kind == "exact"
    assert recall(idx, clustered(20, seed=2)) == 1.0


def test_ann_add_and_remove_without_rebuild() -> None:
    x = clustered(5000)
    idx = VectorIndex("m", 64, exact_max=2000, background=False)
    idx.add(range(3000), x[:3000], "m")
    ann = idx._ann
    assert ann is not None
    idx.add(range(3000, 5000), x[3000:], "m")  # added to the same trained index
    assert idx._ann is ann and len(idx) == 5000
    hit = idx.search(x[4500], 1)[0]
    assert hit[0] == 4500 and hit[1] == pytest.approx(1.0, abs=1e-5)
    assert idx.remove(4500) and 4500 not in idx
    assert all(i != 4500 for i, _ in idx.search(x[4500], 10))
    # re-adding an id replaces its vector everywhere
    idx.add([7], x[4500:4501], "m")
    assert idx.search(x[4500], 1)[0][0] == 7
    assert all(i != 7 for i, _ in idx.search(x[7], 10) if _ > 0.999)
    assert idx._ann is ann


def test_background_build_replays_changes_made_meanwhile() -> None:
    x = clustered(8000)
    idx = VectorIndex("m", 64, exact_max=2000, background=True)
    idx.add(range(6000), x[:6000], "m")
    # the build runs on a thread; searches stay exact, changes keep coming
    assert idx.search(x[10], 1)[0][0] == 10
    idx.remove(10)
    idx.add(range(6000, 8000), x[6000:], "m")
    idx.add([11], x[7999:8000], "m")
    assert idx.wait_ready(60)
    assert idx.kind == "ivf"
    assert all(i != 10 for i, _ in idx.search(x[10], 10))
    assert idx.search(x[7500], 1)[0][0] == 7500
    top = [i for i, _ in idx.search(x[7999], 2)]
    assert set(top) == {11, 7999}
    assert recall(idx, clustered(40, seed=3)) >= 0.9


def test_ann_index_refuses_another_model_and_shrinks_back_to_exact() -> None:
    x = clustered(3000)
    idx = VectorIndex("model-a", 64, exact_max=2000, background=False)
    idx.add(range(3000), x, "model-a")
    assert idx.kind == "ivf"
    with pytest.raises(ModelMismatchError):
        idx.add([99999], x[:1], "model-b")
    for i in range(2500):
        idx.remove(i)
    assert idx.kind == "exact" and len(idx) == 500  # below half the threshold
    assert recall(idx, clustered(10, seed=4)) == 1.0


def test_matrix_and_vector_still_cover_every_item_on_the_ann_path() -> None:
    x = clustered(3000)
    idx = VectorIndex("m", 64, exact_max=2000, background=False)
    idx.add(range(3000), x, "m")
    ids, mat = idx.matrix()
    assert len(ids) == 3000 and np.allclose(mat[ids == 5][0], x[5])
    assert np.allclose(idx.vector(2999), x[2999])


def test_a_held_build_answers_exactly_until_its_gate_opens() -> None:
    """An agent's start holds its big brands' builds (Onbrand.hold_index_builds):
    the index answers exactly meanwhile, changes made while held are kept, and the
    build runs once the gate opens."""
    import threading

    gate = threading.Event()
    x = clustered(3000)
    idx = VectorIndex("m", 64, exact_max=1000, build_gate=gate)
    idx.add(range(2500), x[:2500], "m")
    assert not idx.wait_ready(timeout=0.5)  # waiting at the gate
    assert idx.kind == "exact"
    assert idx.search(x[7], 3) == idx.search_exact(x[7], 3)
    idx.add(range(2500, 3000), x[2500:], "m")  # while held
    assert idx.remove(3)
    gate.set()
    assert idx.wait_ready(timeout=60)
    assert idx.kind == "ivf"
    assert idx.search(x[2900], 1)[0][0] == 2900
    assert all(i != 3 for i, _ in idx.search(x[3], 10))
