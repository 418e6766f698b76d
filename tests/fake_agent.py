"""The onbrand CLI with a fast deterministic stand-in encoder, for tests about
storage and process life (crash safety), never about scoring quality.

Usage: python -m tests.fake_agent ARGS...   (same arguments as `onbrand`)
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
import time

import numpy as np

import agent.brand
import agent.core
import agent.models.assets
import embeddings.backends
from embeddings.encoder import Encoder, ModelIdentity

DIM = 384
STAND_IN = "test-hash"


class HashEncoder(Encoder):
    """Hashed word unigrams and bigrams: similar wording gives similar vectors."""

    def __init__(self, delay: float = 0.0) -> None:
        self.identity = ModelIdentity(STAND_IN, "0" * 64, STAND_IN, "fp32", DIM)
        self.delay = delay
        allow_stand_in_parts()

    def _encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        for row, text in enumerate(texts):
            words = re.findall(r"\w+", text.lower())
            for gram in words + [a + " " + b for a, b in zip(words, words[1:], strict=False)]:
                h = int.from_bytes(hashlib.blake2b(gram.encode(), digest_size=4).digest(), "big")
                out[row, h % DIM] += 1.0 if h & 1 else -1.0
            out[row, 0] += 0.01  # never all zeros
        if self.delay:
            time.sleep(self.delay * len(texts))
        return out


_REAL_CHECK = agent.models.assets.check


def _check(found: str, wanted: str | None, name: str) -> None:
    if wanted is None or not wanted.startswith(STAND_IN):
        _REAL_CHECK(found, wanted, name)


def allow_stand_in_parts() -> None:
    """The stand-in has no trained parts of its own: it reads MiniLM's, unchecked
    (its figures mean nothing; these tests are about storage and process life)."""
    agent.models.assets.FOLDERS[STAND_IN] = "data"
    agent.models.assets.check = _check  # type: ignore[assignment]


def install(delay: float = 0.0) -> HashEncoder:
    enc = HashEncoder(delay)

    def load(backend: str = "torch") -> Encoder:
        return enc

    embeddings.backends.load_encoder = load  # type: ignore[assignment]
    agent.core.load_encoder = load  # type: ignore[assignment]
    agent.brand.load_encoder = load  # type: ignore[assignment]
    return enc


if __name__ == "__main__":
    install(float(os.environ.get("FAKE_ENCODER_DELAY", "0")))
    from agent.cli.main import main

    sys.exit(main(sys.argv[1:]))
