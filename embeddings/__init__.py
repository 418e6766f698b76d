"""Sentence embeddings for onbrand: one encoder interface and a cosine index."""

from embeddings.encoder import (
    BACKENDS,
    DIM,
    MODEL_NAME,
    Encoder,
    EncoderError,
    ModelIdentity,
    backend_name,
    default_backend,
    load_encoder,
    resolve_backend,
)
from embeddings.index import ModelMismatchError, VectorIndex

__all__ = [
    "BACKENDS",
    "DIM",
    "MODEL_NAME",
    "Encoder",
    "EncoderError",
    "ModelIdentity",
    "ModelMismatchError",
    "VectorIndex",
    "backend_name",
    "default_backend",
    "load_encoder",
    "resolve_backend",
]
