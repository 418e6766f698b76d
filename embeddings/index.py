"""An in-memory cosine index over L2-normalised vectors of one encoder identity.

Exact up to `EXACT_MAX` vectors: brute force on a contiguous float32 matrix. The
matrix grows by doubling, so `add` never rebuilds what is there.

Above `EXACT_MAX`, an approximate index (faiss IVF with 8-bit scalar-quantised
lists) proposes candidates and the float32 matrix re-scores them exactly, so the
similarities reported are always exact cosines and only recall is approximate
(recall is measured in docs/speed.md). The
approximate index is built on a background thread from a snapshot; searches stay
exact (brute force) until it is ready, and the adds and removals made meanwhile are
replayed into it. Adds and removals then go to both. It is retrained when the index
has grown fourfold since it was trained, and dropped when the index shrinks below
half of `EXACT_MAX`. faiss is imported only when an index first crosses `EXACT_MAX`.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import math
import threading
from collections.abc import Iterable

import numpy as np

log = logging.getLogger("onbrand.index")

# Brute force up to this size. Its cost is not the top-k alone: between typing
# pauses the encoder pushes the matrix out of the cache, so a draft's scan reads
# it from memory, and the scan in turn pushes out the encoder's weights for the
# next draft; a small 8-bit IVF read wins above this (docs/speed.md, "index").
EXACT_MAX = 5_000
# The longest a background build waits for its gate: a start that never says it is
# done (a crash in its warm-up) must not leave a big brand on exact search for good.
BUILD_GATE_MAX_S = 30.0
RETRAIN_GROWTH = 4  # retrain the coarse quantiser after this much growth
MIN_CANDIDATES = 50  # the approximate index proposes max(4k, 50) candidates
MIN_SCAN = 4_000  # vectors an approximate search reads at least (see _Ivf)


class ModelMismatchError(ValueError):
    """Vectors from two different encoders must never share an index."""


class _Ivf:
    """faiss IndexIVFScalarQuantizer (8 bit, inner product) keyed by item id."""

    def __init__(self, dim: int, ids: np.ndarray, vecs: np.ndarray, seed: int = 0) -> None:
        import faiss

        n = len(ids)
        self.nlist = int(min(1024, max(64, math.sqrt(n))))
        # Probe at least 24 lists and at least MIN_SCAN vectors' worth: a small
        # index is then scanned near-exactly for little (8-bit codes are 384 bytes).
        self.nprobe = min(self.nlist, max(24, self.nlist // 24, -(-MIN_SCAN * self.nlist // n)))
        self.trained_n = n
        quantiser = faiss.IndexFlatIP(dim)
        index = faiss.IndexIVFScalarQuantizer(
            quantiser, dim, self.nlist, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
        )
        index.cp.seed = seed
        rng = np.random.default_rng(seed)
        sample = vecs[rng.choice(n, size=min(n, 40 * self.nlist), replace=False)]
        threads = faiss.omp_get_max_threads()
        faiss.omp_set_num_threads(min(2, threads))
        try:
            index.train(np.ascontiguousarray(sample, dtype=np.float32))
            # O(1) removal by id; faiss's bundled stubs lack the SWIG enum and array overloads
            index.set_direct_map_type(faiss.DirectMap.Hashtable)  # type: ignore[attr-defined]
            index.add_with_ids(np.ascontiguousarray(vecs, dtype=np.float32), ids.astype(np.int64))
        finally:
            # One query is one thread: the typing path must not fan out over both cores.
            faiss.omp_set_num_threads(1)
        index.nprobe = self.nprobe
        self.index = index
        self._keep_quantiser = quantiser  # the IVF index does not own it in Python

    def add(self, ids: np.ndarray, vecs: np.ndarray) -> None:
        self.index.add_with_ids(np.ascontiguousarray(vecs, dtype=np.float32), ids.astype(np.int64))

    def remove(self, ids: np.ndarray) -> None:
        self.index.remove_ids(ids.astype(np.int64))  # type: ignore[arg-type]

    def search(self, query: np.ndarray, k: int) -> np.ndarray:
        _, found = self.index.search(query.reshape(1, -1), k)
        found = found[0]
        return found[found >= 0]


def release_freed_memory() -> None:
    """Hand the heap's free pages back to the system after a build. Training and
    the snapshot leave pages free but mapped in glibc's heap; malloc_trim returns
    them (docs/speed.md, "memory"). Elsewhere a no-op."""
    with contextlib.suppress(AttributeError, OSError):  # not glibc
        ctypes.CDLL(None).malloc_trim(0)


def _replay(ann: _Ivf, op: str, ids: np.ndarray, vecs: np.ndarray | None) -> None:
    """Apply one add or removal to the approximate index. An add replaces: the ids
    are removed first, and an id given twice in one call keeps its last vector,
    as in the matrix."""
    ann.remove(ids)
    if op == "add":
        assert vecs is not None
        last = {int(i): j for j, i in enumerate(ids.tolist())}
        keep = np.fromiter(last.values(), dtype=np.int64, count=len(last))
        ann.add(ids[keep], vecs[keep])


class VectorIndex:
    def __init__(
        self,
        model_key: str,
        dim: int,
        capacity: int = 1024,
        exact_max: int | None = EXACT_MAX,
        background: bool = True,
        build_gate: threading.Event | None = None,
    ) -> None:
        """`exact_max=None` keeps the index exact at any size; `background=False`
        builds the approximate index inside the `add` that crosses the threshold.
        `build_gate`: a background build waits for it to be set (at most
        BUILD_GATE_MAX_S), answering exactly meanwhile: an agent's start holds it
        so that faiss's import and training do not compete with the start."""
        self.model_key = model_key
        self.dim = dim
        self.exact_max = exact_max
        self.background = background
        self.build_gate = build_gate
        self._vecs = np.zeros((max(capacity, 16), dim), dtype=np.float32)
        self._ids = np.zeros(max(capacity, 16), dtype=np.int64)
        self._n = 0
        self._pos: dict[int, int] = {}
        # Readers (analyses) and writers (approvals) run on different threads.
        self._lock = threading.RLock()
        self._ann: _Ivf | None = None
        self._building: threading.Thread | None = None
        self._pending: list[tuple[str, np.ndarray, np.ndarray | None]] | None = None
        self._build_error: BaseException | None = None

    def __len__(self) -> int:
        return self._n

    def __contains__(self, item_id: int) -> bool:
        return item_id in self._pos

    @property
    def kind(self) -> str:
        """What answers a search now: "exact" (brute force) or "ivf"."""
        return "ivf" if self._ann is not None else "exact"

    def ids(self) -> list[int]:
        with self._lock:
            return self._ids[: self._n].tolist()

    def add(self, ids: Iterable[int], vecs: np.ndarray, model_key: str) -> None:
        if model_key != self.model_key:
            raise ModelMismatchError(
                f"index holds vectors of {self.model_key}, refusing vectors of {model_key}"
            )
        ids = [int(i) for i in ids]
        vecs = np.asarray(vecs, dtype=np.float32).reshape(-1, self.dim)
        if len(ids) != len(vecs):
            raise ValueError("ids and vectors differ in length")
        with self._lock:
            if len(set(ids)) == len(ids) and not any(i in self._pos for i in ids):
                self._append(ids, vecs)  # the common case (a start, an import): one copy
            else:
                self._add_each(ids, vecs)
            if ids:
                self._ann_apply("add", np.asarray(ids, dtype=np.int64), vecs)
            self._ann_maintain()

    def _append(self, ids: list[int], vecs: np.ndarray) -> None:
        while self._n + len(ids) > len(self._vecs):
            self._grow()
        end = self._n + len(ids)
        self._vecs[self._n : end] = vecs
        self._ids[self._n : end] = ids
        self._pos.update(zip(ids, range(self._n, end), strict=True))
        self._n = end

    def _add_each(self, ids: list[int], vecs: np.ndarray) -> None:
        for item_id, vec in zip(ids, vecs, strict=True):
            at = self._pos.get(item_id)
            if at is not None:  # re-adding replaces, never duplicates
                self._vecs[at] = vec
                continue
            if self._n == len(self._vecs):
                self._grow()
            self._vecs[self._n] = vec
            self._ids[self._n] = item_id
            self._pos[item_id] = self._n
            self._n += 1

    def remove(self, item_id: int) -> bool:
        with self._lock:
            at = self._pos.pop(int(item_id), None)
            if at is None:
                return False
            last = self._n - 1
            if at != last:  # move the last row into the hole
                self._vecs[at] = self._vecs[last]
                self._ids[at] = self._ids[last]
                self._pos[int(self._ids[at])] = at
            self._n -= 1
            self._ann_apply("remove", np.asarray([int(item_id)], dtype=np.int64), None)
            self._ann_maintain()
            return True

    def vector(self, item_id: int) -> np.ndarray | None:
        with self._lock:
            at = self._pos.get(int(item_id))
            return None if at is None else self._vecs[at].copy()

    def matrix(self) -> tuple[np.ndarray, np.ndarray]:
        """A snapshot (ids, vectors) for whole-brand computations."""
        with self._lock:
            return self._ids[: self._n].copy(), self._vecs[: self._n].copy()

    def live_rows(self) -> tuple[np.ndarray, np.ndarray]:
        """Read-only views (ids, vectors) of the index's own arrays, no copy (1.5 GB
        at a million posts): valid until the index next changes, so only for a
        caller that keeps writers out while it reads."""
        with self._lock:
            ids, vecs = self._ids[: self._n].view(), self._vecs[: self._n].view()
        ids.flags.writeable = False
        vecs.flags.writeable = False
        return ids, vecs

    def search(self, query: np.ndarray, k: int = 3) -> list[tuple[int, float]]:
        query = np.asarray(query, dtype=np.float32).reshape(self.dim)
        with self._lock:
            n = self._n
            if n == 0 or k <= 0:
                return []
            if self._ann is not None and k < n:
                hits = self._search_ann(query, k)
                if hits is not None:
                    return hits
            return self._search_exact(query, k)

    def search_exact(self, query: np.ndarray, k: int = 3) -> list[tuple[int, float]]:
        """Brute force whatever the size (for recall checks)."""
        query = np.asarray(query, dtype=np.float32).reshape(self.dim)
        with self._lock:
            if self._n == 0 or k <= 0:
                return []
            return self._search_exact(query, k)

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Wait for a background build; True when no build is running."""
        t = self._building
        if t is not None:
            t.join(timeout)
        if self._build_error is not None:
            raise RuntimeError("building the approximate index failed") from self._build_error
        return self._building is None

    # -- internals ----------------------------------------------------------------

    def _search_exact(self, query: np.ndarray, k: int) -> list[tuple[int, float]]:
        n = self._n
        sims = self._vecs[:n] @ query
        ids = self._ids[:n]
        k = min(k, n)
        top = np.argpartition(-sims, k - 1)[:k] if k < n else np.arange(n)
        top = top[np.argsort(-sims[top], kind="stable")]
        return [(int(ids[i]), float(sims[i])) for i in top]

    def _search_ann(self, query: np.ndarray, k: int) -> list[tuple[int, float]] | None:
        assert self._ann is not None
        found = self._ann.search(query, max(4 * k, MIN_CANDIDATES))
        rows = [r for r in (self._pos.get(int(i)) for i in found) if r is not None]
        if len(rows) < k:  # a sparse corner of the index: be exact instead
            return None
        rows_arr = np.asarray(rows, dtype=np.int64)
        sims = self._vecs[rows_arr] @ query  # exact cosines for the candidates
        order = np.argsort(-sims, kind="stable")[:k]
        return [(int(self._ids[rows_arr[i]]), float(sims[i])) for i in order]

    def _ann_apply(self, op: str, ids: np.ndarray, vecs: np.ndarray | None) -> None:
        if self._pending is not None:  # a build is running: replay this when it lands
            self._pending.append((op, ids, vecs))
        if self._ann is not None:
            _replay(self._ann, op, ids, vecs)

    def _ann_maintain(self) -> None:
        if self.exact_max is None:
            return
        n = self._n
        if self._ann is not None and n < self.exact_max // 2:
            self._ann = None  # small again: exact and no second copy
            return
        if self._building is not None:
            return
        want = (self._ann is None and n > self.exact_max) or (
            self._ann is not None and n > RETRAIN_GROWTH * self._ann.trained_n
        )
        if not want:
            return
        if not self.background:
            ids, vecs = self.matrix()
            self._ann = _Ivf(self.dim, ids, vecs)
            del ids, vecs
            release_freed_memory()
            return
        self._build_error = None
        self._building = threading.Thread(
            target=self._build, name="onbrand-index-build", daemon=True
        )
        self._building.start()

    def _build(self) -> None:
        if self.build_gate is not None:
            self.build_gate.wait(BUILD_GATE_MAX_S)
        # The snapshot is taken here, not when the build was asked for: a held build
        # keeps no copy of the vectors while it waits, and the brand's load
        # does not make one. Changes from now on are replayed onto the built index.
        with self._lock:  # the snapshot and the start of the replay log, as one step
            ids, vecs = self.matrix()
            self._pending = []
        try:
            ann = _Ivf(self.dim, ids, vecs)
        except BaseException as exc:  # keep serving exact answers
            log.exception("building the approximate index failed; staying exact")
            with self._lock:
                self._build_error = exc
                self._pending = None
                self._building = None
            return
        with self._lock:
            for op, op_ids, op_vecs in self._pending or []:
                _replay(ann, op, op_ids, op_vecs)
            self._pending = None
            self._building = None
            if self.exact_max is not None and self._n >= self.exact_max // 2:
                self._ann = ann
            log.info("approximate index ready: %d vectors, %d lists", self._n, ann.nlist)
        del ids, vecs, ann
        release_freed_memory()

    def _grow(self) -> None:
        cap = len(self._vecs) * 2
        vecs = np.zeros((cap, self.dim), dtype=np.float32)
        vecs[: self._n] = self._vecs[: self._n]
        ids = np.zeros(cap, dtype=np.int64)
        ids[: self._n] = self._ids[: self._n]
        self._vecs, self._ids = vecs, ids
