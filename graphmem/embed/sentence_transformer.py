"""all-MiniLM-L6-v2 (or another sentence-transformers model), loaded from local files only.

Models come from local folders (graphmem.embed.local_model), so nothing is fetched from a model
hub. torch is imported here and nowhere else.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from graphmem.embed.local_model import local_model_path
from graphmem.errors import GraphMemError

_INSTALL_HINT = "pip install 'graphmem[sentence-transformers]'"


class SentenceTransformerEmbedder:
    """Batched, normalised sentence embeddings on the CPU."""

    def __init__(self, model: str = "all-MiniLM-L6-v2", threads: int | None = None) -> None:
        path = local_model_path(model)
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        try:
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError as e:
            raise GraphMemError(
                f"this embedding model needs sentence-transformers (the numpy path runs only "
                f"mean-pooled BERT models): {_INSTALL_HINT}"
            ) from e
        if threads:
            torch.set_num_threads(threads)
        self._model: Any = SentenceTransformer(path, device="cpu")
        self.name = model
        self.dimensions = int(self._model.get_embedding_dimension() or 0)

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        if not texts:
            return []
        vectors = self._model.encode(
            list(texts), batch_size=64, normalize_embeddings=True, show_progress_bar=False
        )
        return [[float(x) for x in row] for row in vectors]
