"""An in-memory cosine index over L2-normalised vectors of one encoder identity.

Brute force on a contiguous float32 matrix: at 10k vectors a top-k costs
about 0.2 ms, well under the encoder's own time. The matrix grows by doubling,
so `add` never rebuilds what is there.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

import numpy as np


class ModelMismatchError(ValueError):
    """Vectors from two different encoders must never share an index."""


class VectorIndex:
    def __init__(self, model_key: str, dim: int, capacity: int = 1024) -> None:
        self.model_key = model_key
        self.dim = dim
        self._vecs = np.zeros((max(capacity, 16), dim), dtype=np.float32)
        self._ids = np.zeros(max(capacity, 16), dtype=np.int64)
        self._n = 0
        self._pos: dict[int, int] = {}
        # Readers (analyses) and writers (approvals) run on different threads.
        self._lock = threading.RLock()

    def __len__(self) -> int:
        return self._n

    def __contains__(self, item_id: int) -> bool:
        return item_id in self._pos

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
            return True

    def vector(self, item_id: int) -> np.ndarray | None:
        with self._lock:
            at = self._pos.get(int(item_id))
            return None if at is None else self._vecs[at].copy()

    def matrix(self) -> tuple[np.ndarray, np.ndarray]:
        """A snapshot (ids, vectors) for whole-brand computations."""
        with self._lock:
            return self._ids[: self._n].copy(), self._vecs[: self._n].copy()

    def search(self, query: np.ndarray, k: int = 3) -> list[tuple[int, float]]:
        query = np.asarray(query, dtype=np.float32).reshape(self.dim)
        with self._lock:
            n = self._n
            if n == 0 or k <= 0:
                return []
            sims = self._vecs[:n] @ query
            ids = self._ids[:n]
            k = min(k, n)
            top = np.argpartition(-sims, k - 1)[:k] if k < n else np.arange(n)
            top = top[np.argsort(-sims[top], kind="stable")]
            return [(int(ids[i]), float(sims[i])) for i in top]

    def _grow(self) -> None:
        cap = len(self._vecs) * 2
        vecs = np.zeros((cap, self.dim), dtype=np.float32)
        vecs[: self._n] = self._vecs[: self._n]
        ids = np.zeros(cap, dtype=np.int64)
        ids[: self._n] = self._ids[: self._n]
        self._vecs, self._ids = vecs, ids
