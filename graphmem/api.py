"""GraphMem: the Python API. The CLI and the MCP server are thin adapters over this class.

Each method delegates to the domain packages (ingest, memory, queries); this class only wires the
settings, the store and the repository together.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from graphmem.settings import Settings, find_repo_root
from graphmem.store import GraphStore, open_store

if TYPE_CHECKING:
    from graphmem.embed.base import Embedder


class GraphMem:
    """Memory for one repository, on one store (which may hold many repositories)."""

    def __init__(
        self,
        settings: Settings | None = None,
        repo_root: str | Path | None = None,
        store: GraphStore | None = None,
        embedder: Embedder | None = None,
    ) -> None:
        self.settings = settings or Settings()
        self.repo_root = find_repo_root(Path(repo_root) if repo_root else Path.cwd())
        self._store = store
        self._embedder = embedder

    @property
    def repo(self) -> str:
        """The repository's name in the graph: the name of its root folder."""
        return self.repo_root.name

    @property
    def store(self) -> GraphStore:
        if self._store is None:
            self._store = open_store(self.settings.store_url(self.repo_root), self.settings)
        return self._store

    @cached_property
    def embedder(self) -> Embedder:
        """Loaded on first use only: commands that need no embedding never import torch."""
        if self._embedder is not None:
            return self._embedder
        from graphmem.embed import default_embedder

        return default_embedder(self.settings.embedding_model)

    # -- ingest (graphmem.ingest) ------------------------------------------------------------

    # -- memory (graphmem.memory) ------------------------------------------------------------

    # -- queries (graphmem.queries) ----------------------------------------------------------

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    def __enter__(self) -> GraphMem:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
