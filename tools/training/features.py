"""Feature matrices shared by `train_heads` and `eval` (development time only)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from agent.models.heads import hashed_ngrams
from agent.text.concrete import lexical_features


def hashed_matrix(texts: Sequence[str], dim: int, n_min: int, n_max: int) -> sp.csr_matrix:
    rows, cols, vals = [], [], []
    for i, t in enumerate(texts):
        for k, v in hashed_ngrams(t, dim, n_min, n_max).items():
            rows.append(i)
            cols.append(k)
            vals.append(v)
    return sp.csr_matrix((vals, (rows, cols)), shape=(len(texts), dim), dtype=np.float32)


def lexical_matrix(texts: Sequence[str]) -> np.ndarray:
    return np.array([lexical_features(t) for t in texts], dtype=np.float32)
