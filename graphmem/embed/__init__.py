"""Embeddings: texts to unit vectors, from a local model, never from a model hub at run time."""

from __future__ import annotations

from graphmem.embed.base import Embedder

__all__ = ["Embedder", "default_embedder"]


def default_embedder(model: str) -> Embedder:
    """The embedder for `model`: the numpy forward pass when the model is a mean-pooled BERT
    (all-MiniLM-L6-v2 is), else sentence-transformers. Both give the same vectors for BERT models;
    the numpy one starts in ~0.2 s instead of the 4-5 s that importing torch costs."""
    from graphmem.embed.local_model import local_model_path

    path = local_model_path(model)
    try:
        from graphmem.embed.numpy_bert import NumpyBertEmbedder

        return NumpyBertEmbedder(path, name=model)
    except Exception:  # noqa: BLE001 - any model the numpy path cannot run goes to torch
        from graphmem.embed.sentence_transformer import SentenceTransformerEmbedder

        return SentenceTransformerEmbedder(model)
