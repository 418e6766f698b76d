"""Thresholds fixed at development time on dev splits, by
`python -m tools.training.calibrate_originality`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True)
class Thresholds:
    repeat: float
    echo: float
    source: str
    # the same two cuts on the pair classifier's probability (agent/models/pairs.py)
    pair_repeat: float
    pair_echo: float


@cache
def thresholds() -> Thresholds:
    raw = json.loads(resources.files("agent").joinpath("data/calibration.json").read_text())
    return Thresholds(
        repeat=float(raw["repeat"]),
        echo=float(raw["echo"]),
        source=raw["source"],
        pair_repeat=float(raw["pair_repeat"]),
        pair_echo=float(raw["pair_echo"]),
    )
