"""Sentence embeddings for onbrand: one encoder interface and a cosine index."""

from embeddings.encoder import (
    DIM,
    MODEL_NAME,
    Encoder,
    EncoderError,
    ModelIdentity,
    load_encoder,
)
from embeddings.index import ModelMismatchError, VectorIndex

__all__ = [
    "DIM",
    "MODEL_NAME",
    "Encoder",
    "EncoderError",
    "ModelIdentity",
    "ModelMismatchError",
    "VectorIndex",
    "load_encoder",
]
