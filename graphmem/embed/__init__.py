"""Embeddings. The sentence-transformers implementation is imported only when first needed."""

from __future__ import annotations

from graphmem.embed.base import Embedder

__all__ = ["Embedder", "default_embedder"]


def default_embedder(model: str) -> Embedder:
    """The sentence-transformers embedder for `model` (loads torch: call only when needed)."""
    from graphmem.embed.sentence_transformer import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(model)
