"""Which encoder a process runs: the backend names, the default, and
`load_encoder`, which loads each backend's model once per process."""

from __future__ import annotations

import os
import threading

from embeddings.encoder import CachedEncoder, Encoder, EncoderError, ModelIdentity, TorchEncoder
from embeddings.onnx import AUTO_PRECISION, OnnxEncoder, is_built

_shared: dict[str, Encoder] = {}
_shared_lock = threading.Lock()

# The backends `load_encoder` knows. "torch" is the reference (sentence-transformers);
# the ONNX ones run on onnxruntime + tokenizers and never import torch
# (embeddings/onnx.py, docs/speed.md).
BACKENDS = ("torch", "onnx-int8", "onnx-fp32")
AUTO = "auto"
BACKEND_ENV = "ONBRAND_ENCODER"


def default_backend() -> str:
    """The backend a process uses when it is not told: `$ONBRAND_ENCODER`, else "auto"."""
    return os.environ.get(BACKEND_ENV, "").strip().lower() or AUTO


def backend_name(identity: ModelIdentity) -> str:
    """The `load_encoder` name that makes vectors of this identity: "torch",
    "onnx-int8" or "onnx-fp32" (an identity's backend field alone says "onnx")."""
    return (
        identity.backend
        if identity.backend == "torch"
        else (f"{identity.backend}-{identity.precision}")
    )


def resolve_backend(backend: str) -> str:
    """ "auto" is the ONNX backend of the default precision when its build is in the
    model cache, else the torch reference. Other names are checked and returned."""
    backend = (backend or AUTO).strip().lower()
    if backend == AUTO:
        return f"onnx-{AUTO_PRECISION}" if is_built(AUTO_PRECISION) else "torch"
    if backend not in BACKENDS:
        known = ", ".join((*BACKENDS, AUTO))
        raise EncoderError(f"unknown encoder backend {backend!r} (known: {known})")
    return backend


def load_encoder(backend: str = "torch") -> Encoder:
    """One encoder per backend per process: the model is loaded once.

    "onnx-int8" / "onnx-fp32" build the ONNX model into the model cache first if it
    is missing or damaged (a one-off, in a subprocess that imports torch; see
    embeddings.onnx.ensure_built). "auto" never builds: see `resolve_backend`."""
    name = resolve_backend(backend)
    with _shared_lock:
        enc = _shared.get(name)
        if enc is None:
            if name == "torch":
                enc = CachedEncoder(TorchEncoder())
            else:
                enc = CachedEncoder(OnnxEncoder(name.removeprefix("onnx-")))
            _shared[name] = enc
        return enc
