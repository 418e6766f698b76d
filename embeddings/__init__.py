"""Sentence embeddings for onbrand: one encoder interface and a cosine index."""

from embeddings.backends import (
    BACKENDS,
    backend_name,
    default_backend,
    load_encoder,
    resolve_backend,
)
from embeddings.encoder import DIM, MODEL_NAME, Encoder, EncoderError, ModelIdentity
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
