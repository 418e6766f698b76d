"""Thresholds fixed at development time on dev splits, by
`python -m tools.training.calibrate_originality`."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass

from agent.models import assets


@dataclass(frozen=True)
class Thresholds:
    repeat: float
    echo: float
    source: str
    # the same two cuts on the pair classifier's probability (agent/models/pairs.py)
    pair_repeat: float
    pair_echo: float


_loaded: dict[str, Thresholds] = {}
_lock = threading.Lock()


def thresholds() -> Thresholds:
    """The cuts of the encoder in use (agent/models/assets.py); e5's cosines sit in
    another band, so each encoder has its own, and another's are refused."""
    where = assets.folder()
    t = _loaded.get(where)
    if t is None:
        with _lock:
            t = _loaded[where] = _read()
    return t


def _read() -> Thresholds:
    ref, wanted = assets.locate("calibration.json")
    name = f"agent/{assets.folder()}/calibration.json"
    try:
        raw = json.loads(ref.read_text())
    except FileNotFoundError:
        raise assets.missing(name, assets.current_key()) from None
    assets.check(str(raw["encoder"]["key"]), wanted, name)
    return Thresholds(
        repeat=float(raw["repeat"]),
        echo=float(raw["echo"]),
        source=raw["source"],
        pair_repeat=float(raw["pair_repeat"]),
        pair_echo=float(raw["pair_echo"]),
    )
