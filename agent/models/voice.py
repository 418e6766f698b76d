"""The brand's voice model: how typical a draft is of the brand's approved posts.

Two parts, both fitted on the brand's own posts (documented in docs/voice.md):

* **Brand versus background.** A text's affinity is the mean cosine to its k
  nearest approved posts minus the mean cosine to its k nearest background
  centroids (ordinary public posts, shipped as derived vectors, see
  tools/training/build_background.py): a nearest-neighbour likelihood ratio,
  "more like us than like posts in general". A new subject the brand never
  posted about is far from both and stays in voice; a leader's personal hype
  is near the background and drifts. The brand's own posts, each scored
  leave-one-out, give a distribution; a draft is placed on it as a robust
  z-score (median and MAD), so "typical for us" reads the same for a brand of
  50 posts and of 50,000.
* **Style norms.** Mean and spread of the surface features in `agent.text.style`;
  a draft's features are z-scored against them and the biggest moves are said
  in words.

The two are joined as a noisy-OR: either a far-away embedding or a clearly
different style raises the drift.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cache
from typing import TypedDict

import numpy as np

from agent.models import assets
from agent.text.style import Deviation, StyleNorm, features

MIN_POSTS = 20  # below this, no honest voice score is possible
K = 5
K_BACKGROUND = 5
# How much the background's typicality is subtracted from the brand's: at 1 a
# draft like many public posts was pushed out of voice too hard (dev AUC in
# docs/voice.md); at 0 the brand's own commonplace posts weigh like its best.
BACKGROUND_WEIGHT = 0.5
CALIBRATION_SAMPLE = 1000
# A big brand's calibration is kept across approvals and withdrawals until its post
# count has moved by RECALIBRATE_SHARE since it was computed: the calibration scores
# a sample of posts against all of them (its cost grows with N; docs/speed.md), and
# one post more in thousands moves the sample's median far less than drawing another
# sample does. Below RECALIBRATE_ALWAYS posts it is cheap and redone at every change.
RECALIBRATE_ALWAYS = 5_000
RECALIBRATE_SHARE = 0.01
# Logistic mapping of the robust z-score to 0-100: 50 drift at 2 robust SDs
# below the brand's median typicality, ~2 at the median. At 1.5 SDs one real
# post in fifteen was told it drifts (docs/voice.md).
Z_MID = -2.0
Z_SLOPE = 2.0
STYLE_Z_FREE = 2.5  # style moves within 2.5 SD are normal variation
STYLE_SCALE = 4.0
STYLE_CAP = 20.0


def background() -> np.ndarray:
    """The background centroids (unit vectors, float32) of the encoder in use
    (agent/models/assets.py); another encoder's are refused."""
    key = assets.current_key()
    return _background(assets.folder(), assets.family(key) if key else None)


@cache
def _background(where: str, key: str | None) -> np.ndarray:
    ref, wanted = assets.locate("background.npz", key)
    name = f"agent/{where}/background.npz"
    try:
        with ref.open("rb") as fh, np.load(fh) as data:
            assets.check(str(data["encoder_key"]), wanted, name)
            return data["centroids"].astype(np.float32)
    except FileNotFoundError:
        raise assets.missing(name, key) from None


def affinity(brand_sims: np.ndarray, vecs: np.ndarray, k: int) -> np.ndarray:
    """Brand typicality minus background typicality, per row."""
    return typicality(brand_sims, k) - BACKGROUND_WEIGHT * typicality(
        vecs @ background().T, K_BACKGROUND
    )


def typicality(sims: np.ndarray, k: int) -> np.ndarray:
    """Mean of the top-k values of each row."""
    k = max(1, min(k, sims.shape[1]))
    top = np.partition(sims, sims.shape[1] - k, axis=1)[:, -k:]
    return top.mean(axis=1)


CALIBRATION_BLOCK = 16_384  # posts per block: bounds the calibration's memory


def _top_cosines(vectors: np.ndarray, rows: np.ndarray, k: int) -> np.ndarray:
    """For each of `rows`, its k highest cosines to the other posts (itself left
    out), reading `vectors` block by block: the memory stays at one block of
    products however big the brand (a million posts at once would be 1 GB)."""
    q = vectors[rows]
    top = np.full((len(rows), k), -np.inf, dtype=np.float32)
    for lo in range(0, len(vectors), CALIBRATION_BLOCK):
        hi = min(lo + CALIBRATION_BLOCK, len(vectors))
        sims = q @ vectors[lo:hi].T
        own = (rows >= lo) & (rows < hi)
        sims[np.flatnonzero(own), rows[own] - lo] = -np.inf  # leave one out
        both = np.concatenate([top, sims], axis=1)
        top = np.partition(both, both.shape[1] - k, axis=1)[:, -k:]
    return top


class VoiceScore(TypedDict):
    value: int  # drift 0-100
    embedding_drift: float
    style_drift: float
    affinity: float
    z: float
    style: list[Deviation]


@dataclass
class VoiceModel:
    brand: str
    version: int
    n_posts: int
    median: float = 0.0
    mad: float = 1.0
    k: int = K
    calibrated_on: int = 0  # the post count the calibration was computed at
    style: StyleNorm = field(default_factory=lambda: StyleNorm.fit(np.zeros((0, 10))))
    # The post vectors, kept only when asked (evaluation scores against them; the
    # agent passes each draft's nearest neighbours from its index instead).
    vectors: np.ndarray | None = None

    @property
    def ready(self) -> bool:
        return self.n_posts >= MIN_POSTS

    @classmethod
    def fit(
        cls,
        brand: str,
        version: int,
        vectors: np.ndarray,
        style_rows: np.ndarray,
        seed: int = 0,
        keep_vectors: bool = False,
    ) -> VoiceModel:
        """Fit on the brand's post vectors and their style features (same order)."""
        n = len(vectors)
        style = StyleNorm.fit(style_rows)
        model = cls(
            brand=brand,
            version=version,
            n_posts=n,
            style=style,
            vectors=vectors if keep_vectors else None,
        )
        if n < MIN_POSTS:
            return model
        k = min(K, n - 1)
        rng = np.random.default_rng(seed)
        sample = rng.choice(n, size=min(n, CALIBRATION_SAMPLE), replace=False)
        typ = np.empty(len(sample), dtype=np.float64)
        for start in range(0, len(sample), 256):
            rows = sample[start : start + 256]
            top = _top_cosines(vectors, rows, k)
            typ[start : start + len(rows)] = affinity(top, vectors[rows], k)
        model.k = k
        model.calibrated_on = n
        model.median = float(np.median(typ))
        model.mad = max(float(np.median(np.abs(typ - model.median))) * 1.4826, 0.01)
        return model

    def calibration(self) -> dict[str, float]:
        """What `fit` learnt from the vectors (the costly part of a start)."""
        return {
            "k": self.k,
            "median": self.median,
            "mad": self.mad,
            "calibrated_on": self.calibrated_on,
        }

    def still_calibrated(self, n_posts: int) -> bool:
        """Whether this calibration may serve the same brand at `n_posts` posts."""
        if not self.ready or n_posts < max(RECALIBRATE_ALWAYS, MIN_POSTS):
            return False
        return abs(n_posts - self.calibrated_on) < RECALIBRATE_SHARE * self.calibrated_on

    @classmethod
    def restore(
        cls, brand: str, version: int, style_rows: np.ndarray, calibration: dict[str, float]
    ) -> VoiceModel:
        """The model `fit` gave for these posts, from its stored `calibration()` and
        the posts' style features: no vectors needed."""
        return cls(
            brand=brand,
            version=version,
            n_posts=len(style_rows),
            style=StyleNorm.fit(style_rows),
            k=int(calibration["k"]),
            median=float(calibration["median"]),
            mad=float(calibration["mad"]),
            # stored before calibrations were kept across changes: the count it was keyed by
            calibrated_on=int(calibration.get("calibrated_on", len(style_rows))),
        )

    def score(
        self,
        vec: np.ndarray,
        text: str,
        nearest: np.ndarray | None = None,
        style_values: np.ndarray | None = None,
        style_moves: list[Deviation] | None = None,
    ) -> VoiceScore:
        """Drift 0-100 with the reasons behind it. `nearest`: the cosines of the
        draft's nearest brand posts (at least k of them), as the agent's index
        found them; without it, the kept vectors are searched. `style_values`:
        `features(text)` if already computed, `style_moves` their deviations."""
        if nearest is None:
            if self.vectors is None:
                raise ValueError("give the nearest cosines, or fit with keep_vectors=True")
            nearest = self.vectors @ vec
        sims = np.asarray(nearest, dtype=np.float32)[None, :]
        typ = float(affinity(sims, vec[None, :], self.k)[0])
        z = (typ - self.median) / self.mad
        emb_drift = 100.0 / (1.0 + math.exp(Z_SLOPE * (z - Z_MID)))
        if style_moves is None:
            style_moves = self.style.deviations(
                features(text) if style_values is None else style_values
            )
        moves = style_moves
        excess = sum(max(0.0, abs(m["z"]) - STYLE_Z_FREE) for m in moves)
        style_drift = STYLE_CAP * (1.0 - math.exp(-excess / STYLE_SCALE))
        drift = 100.0 - (100.0 - emb_drift) * (100.0 - style_drift) / 100.0
        return {
            "value": round(drift),
            "embedding_drift": round(emb_drift, 1),
            "style_drift": round(style_drift, 1),
            "affinity": round(typ, 4),
            "z": round(z, 2),
            "style": [m for m in moves if abs(m["z"]) >= STYLE_Z_FREE][:4],
        }
