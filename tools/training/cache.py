"""An on-disk cache of sentence embeddings for training and evaluation.

Vectors are keyed by the encoder's identity key and the SHA-256 of the text, so
a changed model never reuses stale vectors. The cache lives under
``.eval-cache/`` at the repository root (git-ignored) as append-only shards:
each call that embeds something new writes one ``.npz`` shard of
(sha, vector) rows. Nothing here runs at user run time.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from embeddings import Encoder

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DIR = ROOT / ".eval-cache"
BATCH = 256  # texts per encoder call; shards hold 8 calls


def text_sha(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


class EmbeddingCache:
    def __init__(self, encoder: Encoder, folder: Path | None = None) -> None:
        self.encoder = encoder
        key = encoder.identity.key
        slug = hashlib.sha256(key.encode()).hexdigest()[:16]
        self.folder = (folder or DEFAULT_DIR) / f"emb-{slug}"
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "IDENTITY").write_text(key + "\n")
        self._mem: dict[bytes, np.ndarray] = {}
        self._loaded: set[str] = set()

    def _load_shards(self) -> None:
        for p in sorted(self.folder.glob("shard-*.npz")):
            if p.name in self._loaded:
                continue
            try:
                with np.load(p) as z:
                    keys, vecs = z["keys"], z["vecs"]
            except (OSError, ValueError, KeyError):  # a torn write: ignore the shard
                continue
            for k, v in zip(keys, vecs, strict=True):
                self._mem[k.tobytes()] = v
            self._loaded.add(p.name)

    def embed(
        self, texts: Sequence[str], progress: Callable[[int, int], None] | None = None
    ) -> np.ndarray:
        """Vectors for `texts` (n, dim), float32 and L2-normalised."""
        self._load_shards()
        shas = [text_sha(t) for t in texts]
        missing: dict[bytes, str] = {}
        for s, t in zip(shas, texts, strict=True):
            if s not in self._mem and s not in missing:
                missing[s] = t
        if missing:
            # Similar lengths side by side: a batch is padded to its longest text.
            items = sorted(missing.items(), key=lambda kv: len(kv[1]))
            for i in range(0, len(items), BATCH * 8):
                chunk = items[i : i + BATCH * 8]
                vecs = self.encoder.encode([t for _, t in chunk], batch_size=BATCH // 8)
                keys = np.frombuffer(b"".join(s for s, _ in chunk), dtype=np.uint8).reshape(-1, 32)
                name = f"shard-{time.time_ns()}-{os.getpid()}.npz"
                tmp = self.folder / f"tmp-{name}"
                np.savez(tmp, keys=keys, vecs=vecs.astype(np.float32))
                tmp.rename(self.folder / name)
                self._loaded.add(name)
                for (s, _), v in zip(chunk, vecs, strict=True):
                    self._mem[s] = v
                if progress:
                    progress(min(i + len(chunk), len(items)), len(items))
        dim = self.encoder.identity.dim
        if not shas:
            return np.zeros((0, dim), dtype=np.float32)
        return np.vstack([self._mem[s] for s in shas]).astype(np.float32, copy=False)
