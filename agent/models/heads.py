"""Small trained heads on top of the sentence embedding, loaded once per process.

The heads are fitted at development time by `tools.training.train_heads` on
public datasets (agent/data/ATTRIBUTION.md) and shipped as one small .npz file
(agent/data/heads.npz). Nothing is trained at run time, and loading reads only
numpy arrays: the first analysis that needs a head loads the file (a few
milliseconds), every later one reuses it.

A head is a standardised input (embedding + hand-made features) through either
a linear layer or a one-hidden-layer MLP, so evaluating one costs a few small
matrix products.
"""

from __future__ import annotations

import json
import math
import threading
import zlib
from collections import Counter, OrderedDict
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from agent.models import assets

HEADS_FILE = "data/heads.npz"  # MiniLM's; each encoder's are in assets.folder()
HEADS_NAME = "heads.npz"
LOGIT_MEMO = 256  # texts whose n-gram logit each head remembers (drafts and windows)


class HeadsMissing(RuntimeError):
    """The shipped heads file is missing (run `python -m tools.training.train_heads`)."""


@dataclass
class Head:
    """y = out( W2 · act(W1 · z + b1) + b2 ) with z = (x - mean) / scale, or a linear
    head when W1 is absent. `out` is identity (regression) or a sigmoid (probability)."""

    mean: np.ndarray
    scale: np.ndarray
    w1: np.ndarray | None
    b1: np.ndarray | None
    w2: np.ndarray
    b2: np.ndarray
    kind: str  # "regression" | "probability"
    # Optional weights over hashed character n-grams of the text (linear heads only).
    hw: np.ndarray | None = None
    hrange: tuple[int, int] = (2, 5)

    def __post_init__(self) -> None:
        # The n-gram part needs only the text, so an analyzer's prepare step computes
        # it beside the encoder; analyze then finds it here instead of redoing it.
        self._logit = lru_cache(maxsize=LOGIT_MEMO)(self._hashed_logit)

    def __call__(self, x: np.ndarray, texts: list[str] | None = None) -> np.ndarray:
        x = np.atleast_2d(np.asarray(x, dtype=np.float32))
        z = (x - self.mean) / self.scale
        if self.w1 is not None:
            z = np.maximum(z @ self.w1 + self.b1, 0.0)
        y = z @ self.w2 + self.b2
        y = y.reshape(len(x), -1)[:, 0] if y.ndim > 1 else y
        if self.hw is not None:
            if texts is None or len(texts) != len(x):
                raise ValueError("this head reads the texts too")
            y = y + np.array([self.hashed_logit(t) for t in texts], dtype=np.float32)
        if self.kind == "probability":
            y = 1.0 / (1.0 + np.exp(-np.clip(y, -30, 30)))
        return y.astype(np.float64)

    def hashed_logit(self, text: str) -> float:
        """The n-gram part of the linear score for one text (memoised per text)."""
        return self._logit(text)

    def _hashed_logit(self, text: str) -> float:
        assert self.hw is not None
        idx, val = hashed_ngram_arrays(text, len(self.hw), *self.hrange)
        return float(val @ self.hw[idx]) if len(idx) else 0.0

    def to_arrays(self, prefix: str) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {
            f"{prefix}.mean": self.mean.astype(np.float32),
            f"{prefix}.scale": self.scale.astype(np.float32),
            f"{prefix}.w2": self.w2.astype(np.float16),
            f"{prefix}.b2": np.asarray(self.b2, dtype=np.float32).reshape(-1),
            f"{prefix}.kind": np.array(self.kind),
        }
        if self.w1 is not None and self.b1 is not None:
            out[f"{prefix}.w1"] = self.w1.astype(np.float16)
            out[f"{prefix}.b1"] = self.b1.astype(np.float32)
        if self.hw is not None:
            out[f"{prefix}.hw"] = self.hw.astype(np.float16)
            out[f"{prefix}.hrange"] = np.array(self.hrange, dtype=np.int32)
        return out

    @classmethod
    def from_arrays(cls, z: dict[str, np.ndarray], prefix: str) -> Head:
        def f32(key: str) -> np.ndarray | None:
            v = z.get(f"{prefix}.{key}")
            return None if v is None else np.asarray(v, dtype=np.float32)

        w2, b2, mean, scale = f32("w2"), f32("b2"), f32("mean"), f32("scale")
        if w2 is None or b2 is None or mean is None or scale is None:
            raise HeadsMissing(f"head {prefix!r} is not in {HEADS_FILE}")
        hr = z.get(f"{prefix}.hrange")
        hrange = (int(hr[0]), int(hr[1])) if hr is not None else (2, 5)
        return cls(
            mean, scale, f32("w1"), f32("b1"), w2, b2, str(z[f"{prefix}.kind"]), f32("hw"), hrange
        )


class Heads:
    """Every head and small table in heads.npz, read once."""

    def __init__(self, arrays: dict[str, np.ndarray]) -> None:
        self.arrays = arrays
        self.meta: dict[str, object] = json.loads(str(arrays.get("meta", "{}")))
        self._heads: dict[str, Head] = {}
        self._f32: dict[str, np.ndarray] = {}

    def head(self, name: str) -> Head:
        h = self._heads.get(name)
        if h is None:
            h = self._heads[name] = Head.from_arrays(self.arrays, name)
        return h

    def array(self, name: str) -> np.ndarray:
        if name not in self.arrays:
            raise HeadsMissing(f"array {name!r} is not in {HEADS_FILE}")
        return self.arrays[name]

    def f32(self, name: str) -> np.ndarray:
        """An array as float32, converted once (prototype tables are stored as float16)."""
        a = self._f32.get(name)
        if a is None:
            a = self._f32[name] = np.asarray(self.array(name), dtype=np.float32)
            a.flags.writeable = False
        return a

    def strings(self, name: str) -> list[str]:
        return [str(s) for s in self.array(name).tolist()]


_lock = threading.Lock()
_loaded: dict[str, Heads] = {}  # by folder: one set of heads per encoder family


def heads() -> Heads:
    """The heads of the encoder in use (agent/models/assets.py): MiniLM's in
    agent/data/, e5's in agent/data/e5/. A file fitted for another encoder is
    refused."""
    where = assets.folder()
    loaded = _loaded.get(where)
    if loaded is None:
        with _lock:
            loaded = _loaded.get(where)
            if loaded is None:
                ref, wanted = assets.locate(HEADS_NAME)
                name = f"agent/{where}/{HEADS_NAME}"
                try:
                    with ref.open("rb") as fh, np.load(fh, allow_pickle=False) as z:
                        arrays = {k: z[k] for k in z.files}
                except FileNotFoundError:
                    missing = assets.missing(name, assets.current_key())
                    raise HeadsMissing(str(missing)) from None
                loaded = Heads(arrays)
                assets.check(str(loaded.meta.get("encoder", "")), wanted, name)
                _loaded[where] = loaded
    return loaded


def reset_cache() -> None:
    """Forget the loaded heads (after train_heads rewrote the file)."""
    with _lock:
        _loaded.clear()


# -- hashed character n-grams ------------------------------------------------------
_CRC: dict[str, int] = {}  # n-gram -> crc32 of "n:gram", shared across drafts and heads
# Non-ASCII drafts only (ASCII ones hash in numpy). The cap covers a brand's
# vocabulary many times over while keeping the agent inside its memory budget
# (sizes and timings in docs/speed.md, "text steps").
_CRC_MAX = 100_000


VECTOR_MIN = 32  # characters from which the numpy path beats the dict loop


def _crc_table() -> np.ndarray:
    """zlib's CRC-32 table (reflected polynomial 0xEDB88320)."""
    t = np.zeros(256, dtype=np.uint32)
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0xEDB88320 if c & 1 else c >> 1
        t[i] = c
    return t


_CRC_TABLE = _crc_table()


def _normalise(text: str) -> str:
    return " " + " ".join(text.lower().split()) + " "


def _vector_path(t: str, n_min: int, n_max: int) -> bool:
    return len(t) >= VECTOR_MIN and 2 <= n_min <= n_max <= 7


def _all_position_crcs(t: str, n_min: int, n_max: int) -> np.ndarray:
    """The CRC of every n-gram position of `t`, any script. A text with a few
    non-ASCII characters (a curly quote, an emoji, "café") is mostly ASCII: each
    such character stands in as one NUL byte so the numpy path hashes the rest,
    and only the grams that touch one are hashed again from their own UTF-8."""
    if t.isascii():
        return np.concatenate(_position_crcs(t, n_min, n_max))
    wide = np.frombuffer(t.encode("utf-32-le"), dtype="<u4") > 127
    stand_in = "".join(c if c.isascii() else "\0" for c in t)
    touched = np.concatenate([[0], np.cumsum(wide)])
    out = []
    for n, crcs in zip(
        range(n_min, n_max + 1), _position_crcs(stand_in, n_min, n_max), strict=True
    ):
        m = len(t) - n + 1
        redo = np.flatnonzero(touched[n : n + m] - touched[:m])
        if len(redo):
            crcs = crcs.copy()
            for i in redo.tolist():
                crcs[i] = _crc_of(t[i : i + n])
        out.append(crcs)
    return np.concatenate(out)


def _crc_of(gram: str) -> int:
    h = _CRC.get(gram)
    if h is None:
        h = zlib.crc32(f"{len(gram)}:{gram}".encode())
        if len(_CRC) < _CRC_MAX:
            _CRC[gram] = h
    return h


# The per-position CRCs of the last few texts: a window of a draft (risk reads a
# long draft in sentence windows too) is a slice of its draft's, not a recount.
_RECENT: OrderedDict[tuple[str, int, int], tuple[np.ndarray, ...]] = OrderedDict()
_RECENT_MAX = 32
_RECENT_CHARS = 5_000  # longer texts are not kept (a draft is rarely over 3,000)
_RECENT_LOCK = threading.Lock()


def _position_crcs(t: str, n_min: int, n_max: int) -> tuple[np.ndarray, ...]:
    """For each n in n_min..n_max, the CRC-32 of "n:gram" of the n-gram starting at
    each position of the normalised ASCII text `t` (read-only arrays). A text that
    lies inside a recently seen one is sliced out of it."""
    key = (t, n_min, n_max)
    with _RECENT_LOCK:
        got = _RECENT.get(key)
        if got is not None:
            _RECENT.move_to_end(key)
            return got
        parents = list(_RECENT.items())
    for (parent, lo, hi), arrays in reversed(parents):
        at = parent.find(t) if (lo, hi) == (n_min, n_max) and len(parent) > len(t) else -1
        if at >= 0:
            sizes = range(lo, hi + 1)
            got = tuple(a[at : at + len(t) - n + 1] for n, a in zip(sizes, arrays, strict=True))
            break
    else:
        got = _position_crcs_ascii(t, n_min, n_max)
    if len(t) > _RECENT_CHARS:
        return got
    with _RECENT_LOCK:
        _RECENT[key] = got
        while len(_RECENT) > _RECENT_MAX:
            _RECENT.popitem(last=False)
    return got


def _position_crcs_ascii(t: str, n_min: int, n_max: int) -> tuple[np.ndarray, ...]:
    """zlib's crc32(f"{n}:{gram}") for every n-gram position, in numpy, all sizes in
    one pass. CRC-32 is affine: the register after a gram fed from the "n:" prefix's
    state is the gram's register from zero XOR a constant of (n, prefix). So one
    zero-start register per position is extended a byte at a time (n = 1, 2, ...)
    and each size's CRCs are that register XOR its constant: n_max steps over the
    text instead of n_min + ... + n_max."""
    b = np.frombuffer(t.encode("ascii"), dtype=np.uint8).astype(np.uint32)
    table = _CRC_TABLE
    out = []
    reg = table[b]  # each position's 1-gram, fed from a zero register
    for n in range(1, min(n_max, len(b)) + 1):
        if n > 1:
            m = len(b) - n + 1
            reg = table[(reg[:m] ^ b[n - 1 : n - 1 + m]) & 0xFF] ^ (reg[:m] >> 8)
        if n >= n_min:
            crc = reg ^ np.uint32(_prefix_constant(n))
            crc.flags.writeable = False  # shared through the cache
            out.append(crc)
    return tuple(out)


@lru_cache(maxsize=16)
def _prefix_constant(n: int) -> int:
    """What the "n:" prefix and zlib's start and end inversions add to the CRC of a
    gram of n bytes fed from a zero register: the register after the prefix, fed
    n zero bytes, inverted."""
    tab = [int(x) for x in _CRC_TABLE]
    reg = 0xFFFFFFFF
    for byte in f"{n}:".encode("ascii") + bytes(n):
        reg = tab[(reg ^ byte) & 0xFF] ^ (reg >> 8)
    return reg ^ 0xFFFFFFFF


@lru_cache(maxsize=64)  # a non-ASCII draft is read by two heads and in windows
def _gram_counts_any(t: str, n_min: int, n_max: int) -> tuple[np.ndarray, np.ndarray]:
    """(crc32 of "n:gram" for each distinct n-gram of the normalised text `t`, its
    count), with a dict loop: any text (the numpy path takes ASCII only)."""
    grams: Counter[str] = Counter()
    for n in range(n_min, n_max + 1):
        grams.update(t[i : i + n] for i in range(len(t) - n + 1))
    crcs: list[int] = []
    counts: list[int] = []
    cache = _CRC
    for g, c in grams.items():
        if g.isspace():
            continue
        h = cache.get(g)
        if h is None:
            h = zlib.crc32(f"{len(g)}:{g}".encode())
            if len(cache) < _CRC_MAX:
                cache[g] = h
        crcs.append(h)
        counts.append(c)
    out = np.array(crcs, dtype=np.int64), np.array(counts, dtype=np.float64)
    for a in out:
        a.flags.writeable = False  # shared through the cache
    return out


def hashed_ngram_arrays(
    text: str, dim: int, n_min: int = 2, n_max: int = 5
) -> tuple[np.ndarray, np.ndarray]:
    """Sublinear tf of character n-grams of the lowercased, space-normalised text,
    hashed (crc32 of "n:gram") into `dim` buckets and L2-normalised: a bag of word
    pieces that survives misspellings ("stoopid", "idi0t") and needs no vocabulary.
    Returns (bucket indices, values), the indices sorted."""
    t = _normalise(text)
    if _vector_path(t, n_min, n_max):
        # A bucket's count is the number of positions whose n-gram falls in it,
        # which is the sum of its distinct n-grams' counts.
        # The vector path's texts are longer than any n, so no n is left empty.
        crcs = _all_position_crcs(t, n_min, n_max)
        buckets, counts = np.unique(crcs % np.uint32(dim), return_counts=True)
        vals = 1.0 + np.log(counts)
        buckets = buckets.astype(np.int64)
    else:
        grams, gram_counts = _gram_counts_any(t, n_min, n_max)
        if not len(grams):
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
        buckets, inverse = np.unique(grams % dim, return_inverse=True)
        vals = 1.0 + np.log(np.bincount(inverse, weights=gram_counts))
    return buckets, vals / math.sqrt(float(vals @ vals))


def hashed_ngrams(text: str, dim: int, n_min: int = 2, n_max: int = 5) -> dict[int, float]:
    """`hashed_ngram_arrays` as a {bucket: value} dict."""
    idx, val = hashed_ngram_arrays(text, dim, n_min, n_max)
    return dict(zip(idx.tolist(), val.tolist(), strict=True))
