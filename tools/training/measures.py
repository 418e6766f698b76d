"""The scores `make eval` reports, shared by its English and Indonesian lines."""

from __future__ import annotations

import numpy as np


def f1(y: np.ndarray, pred: np.ndarray) -> float:
    tp = float((pred & y).sum())
    p = tp / max(float(pred.sum()), 1.0)
    r = tp / max(float(y.sum()), 1.0)
    return 2 * p * r / max(p + r, 1e-9)


def macro_f1(y: np.ndarray, pred: np.ndarray) -> float:
    return (f1(y, pred) + f1(~y, ~pred)) / 2


def auc(pos: np.ndarray, neg: np.ndarray) -> float:
    """P(score_pos > score_neg), ties half (higher score = more likely positive);
    NaN when either side is empty."""
    if not len(pos) or not len(neg):
        return float("nan")
    allv = np.concatenate([pos, neg])
    order = allv.argsort(kind="mergesort")
    ranks = np.empty(len(allv))
    sorted_v = allv[order]
    i = 0
    while i < len(allv):  # average ranks of ties
        j = i
        while j + 1 < len(allv) and sorted_v[j + 1] == sorted_v[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2 + 1
        i = j + 1
    r_pos = ranks[: len(pos)].sum()
    return float((r_pos - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))
